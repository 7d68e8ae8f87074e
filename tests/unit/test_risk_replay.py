"""One replay, cut at any day, equals the replay of the data cut at that day (no look-ahead).

A pack's as-of steps rely on this: the app replays the rules once over the whole pack and cuts
the result at each as-of date instead of replaying 25 years on every key press.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.risk import RiskResult, evaluate_risk, replay_risk
from data_sources.demo import DemoSource

FRED = Path(__file__).resolve().parents[1] / "fixtures" / "fred"


def fred(name: str) -> pd.Series:
    frame = pd.read_csv(FRED / name, dtype=str)
    values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    return pd.Series(values.to_numpy(), index=pd.to_datetime(frame.iloc[:, 0])).dropna()


def cut(series: dict[str, pd.Series], day: date) -> dict[str, pd.Series]:
    """What a source knows on ``day``: rows dated up to it (release lags are the engine's job)."""
    stamp = pd.Timestamp(day)
    return {k: v.loc[:stamp] for k, v in series.items() if not v.loc[:stamp].empty}


def assert_same(got: RiskResult, want: RiskResult) -> None:
    pd.testing.assert_frame_equal(got.values, want.values)
    pd.testing.assert_frame_equal(got.levels, want.levels)
    pd.testing.assert_frame_equal(got.trigger_values, want.trigger_values)
    pd.testing.assert_frame_equal(got.thresholds, want.thresholds)
    pd.testing.assert_frame_equal(got.score_history, want.score_history)
    assert got.alerts == want.alerts
    assert got.scores == want.scores
    assert got.coverage == want.coverage
    assert got.unknown == want.unknown


def days_to_check(result: RiskResult, changes: int = 16, extra: int = 8) -> list[date]:
    """Days on both sides of level changes (spread over the replay), plus evenly spread days."""
    levels = result.levels.to_numpy()
    changed = np.flatnonzero((np.diff(levels, axis=0) != 0).any(axis=1))
    if len(changed) > changes:
        changed = changed[np.linspace(0, len(changed) - 1, changes).astype(int)]
    picks = set(changed.tolist()) | set((changed + 1).tolist())
    picks |= set(np.linspace(0, len(result.days) - 1, extra).astype(int).tolist())
    return [result.days[i].date() for i in sorted(picks) if 0 <= i < len(result.days)]


@pytest.mark.parametrize("scenario", ["hard-landing", "oil-shock"])
def test_cut_replay_equals_replay_of_cut_demo_market(scenario: str) -> None:
    src = DemoSource(seed=7, scenario=scenario, wall=lambda: 0.0)
    market = src.market_data(src.clock.now())
    prices = dict(market.prices)
    macro = {k: m.values for k, m in market.macro.items()}
    asof = market.asof.date()
    replay = replay_risk(prices, macro, asof)
    whole = replay.at()
    assert whole.alerts, "the scenario should raise alerts, else the check proves little"
    days = days_to_check(whole)
    assert len(days) > 20
    for day in days:
        want = evaluate_risk(cut(prices, day), cut(macro, day), day)
        assert_same(replay.at(day), want)


def test_cut_replay_equals_replay_of_cut_real_fred_history() -> None:
    """Real series: the 2022-24 inversion and its end (yield-curve critical), the Sahm rule,
    claims in 2020 and WTI's negative close; no prices, so the days are business days."""
    macro = {
        "T10Y3M": fred("T10Y3M-2021_2025.csv"),
        "SAHMREALTIME": fred("SAHMREALTIME-2022_2025.csv"),
        "UNRATE": fred("UNRATE-2021_2024.csv"),
        "ICSA": fred("ICSA-2018_2020.csv"),
        "DCOILWTICO": fred("DCOILWTICO-2018_2022.csv"),
    }
    asof = date(2025, 8, 15)
    replay = replay_risk({}, macro, asof)
    whole = replay.at()
    assert (whole.levels["yield_curve"] == 1.0).any()
    assert (whole.levels["claims"] > 0).any()
    for day in days_to_check(whole):
        assert_same(replay.at(day), evaluate_risk({}, cut(macro, day), day))


def test_start_trims_the_days_but_keeps_the_since_of_the_whole_replay() -> None:
    macro = {"T10Y3M": fred("T10Y3M-2021_2025.csv")}
    replay = replay_risk({}, macro, date(2023, 6, 30))
    trimmed = replay.at(date(2023, 6, 30), start=date(2023, 6, 1))
    assert trimmed.days[0] >= pd.Timestamp("2023-06-01")
    (alert,) = trimmed.alerts
    assert alert.rule == "yield_curve" and alert.since < date(2023, 1, 1)  # inverted since 2022
    assert_same(trimmed, evaluate_risk({}, macro, date(2023, 6, 30), start=date(2023, 6, 1)))


def test_a_day_after_the_replayed_data_is_refused() -> None:
    macro = {"T10Y3M": fred("T10Y3M-2021_2025.csv")}
    replay = replay_risk({}, macro, date(2023, 6, 30))
    with pytest.raises(ValueError, match="expected a day up to 2023-06-30"):
        replay.at(date(2023, 7, 3))


def test_a_day_before_any_data_gives_an_empty_result() -> None:
    macro = {"T10Y3M": fred("T10Y3M-2021_2025.csv")}
    result = replay_risk({}, macro, date(2023, 6, 30)).at(date(2020, 1, 1))
    assert len(result.days) == 0 and result.alerts == ()
    # No rule is known before any data: no score (never 0), no coverage, every rule unknown.
    assert result.scores == {"hard_landing": None, "energy_shock": None}
    assert result.coverage == {"hard_landing": 0.0, "energy_shock": 0.0}
    assert set(result.unknown) == {r.id for r in result.rules}
