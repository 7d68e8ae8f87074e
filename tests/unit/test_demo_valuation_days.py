"""Issue 19: the demo's P/E frames read the last close before the anchor and the days from it
by positions (``demo_valuation._base_and_days``); the numbers are the label slice's and the
index arithmetic's, exactly, on the demo's own prices and on indexes around the anchor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from data_sources import demo_valuation
from data_sources.demo import DemoSource
from data_sources.demo_valuation import _base_and_days, _base_and_days_by_labels


def _same(closes: pd.Series, anchor: date) -> None:
    p = closes.to_numpy(dtype=float)
    base, days = _base_and_days(closes, p, anchor)
    want_base, want_days = _base_and_days_by_labels(closes, anchor)
    assert base == want_base or (np.isnan(base) and np.isnan(want_base))
    assert days.dtype == want_days.dtype and np.array_equal(days, want_days)


@pytest.mark.parametrize("scenario", ["rotation", "hard-landing", "oil-shock", "calm"])
def test_the_demo_markets_frames_are_the_label_paths(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2026, 11, 24, 14, 31, tzinfo=UTC)
    source = DemoSource(seed=5, scenario=scenario, start=start, speed=60)
    for minute in (0, 1, 200, 24 * 60 + 3):
        market = source.market_data(start + timedelta(minutes=minute))
        anchor = start.date()
        for closes in market.prices.values():
            _same(closes, anchor)
        got = demo_valuation.demo_valuations(market.prices, scenario, anchor)
        monkeypatch.setattr(
            demo_valuation, "_base_and_days", lambda c, p, a: _base_and_days_by_labels(c, a)
        )
        want = demo_valuation.demo_valuations(market.prices, scenario, anchor)
        monkeypatch.undo()
        assert got.keys() == want.keys() and got
        for symbol, frame in want.items():
            pd.testing.assert_frame_equal(got[symbol], frame, check_exact=True)


@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_indexes_around_the_anchor(unit: str) -> None:
    anchor = date(2026, 3, 10)
    days = pd.to_datetime(["2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11"]).as_unit(unit)
    closes = pd.Series([10.0, 11.0, 12.0, 13.0], index=days)
    _same(closes, anchor)  # the last close before: the 9th
    _same(closes.iloc[2:], anchor)  # none before the anchor: the first
    _same(closes.iloc[:1], anchor)
    _same(pd.Series([5, 6], index=days[:2]), date(2026, 3, 1))  # all after, integer closes
    _same(pd.Series([1.0, 2.0], index=days[1::-1]), anchor)  # descending: by labels
    stamps = pd.DatetimeIndex(["2026-03-09 15:30", "2026-03-10 09:00"]).as_unit(unit)
    _same(pd.Series([1.0, 2.0], index=stamps), anchor)  # times of day floor as .days does
