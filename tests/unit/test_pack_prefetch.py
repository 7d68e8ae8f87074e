"""A pack makes the market of the next as-of step ahead (``PackSource.prefetch``): the step then
hands that very object, once, equal to the market made after the step."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from data_sources.capabilities import Prefetching
from data_sources.model import MarketData
from data_sources.pack import PackSource

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def assert_same_market(a: MarketData, b: MarketData) -> None:
    assert a.asof == b.asof
    assert a.prices.keys() == b.prices.keys()
    for k in a.prices:
        pd.testing.assert_series_equal(a.prices[k], b.prices[k])
    assert a.macro.keys() == b.macro.keys()
    for k in a.macro:
        pd.testing.assert_series_equal(a.macro[k].values, b.macro[k].values)
        assert a.macro[k].id == b.macro[k].id
    assert a.quotes == b.quotes
    assert a.problems == b.problems
    assert a.statuses == b.statuses
    assert (a.pairs, a.sectors, a.uncut is None) == (b.pairs, b.sectors, b.uncut is None)


def test_the_next_step_is_made_ahead_and_handed_once() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    assert isinstance(source, Prefetching)
    ahead = source.prefetch(-1)
    assert ahead is not None
    assert source.asof == date(2020, 3, 23)  # prefetching does not move
    assert source.step(-1) == date(2020, 3, 20)
    assert source.market_data() is ahead  # the very object: its snapshot was computed ahead
    again = source.market_data()
    assert again is not ahead  # once: a refresh makes a new one
    assert_same_market(ahead, again)
    assert_same_market(ahead, PackSource(SMALL, asof=date(2020, 3, 20)).market_data())
    assert "asof 2020-03-20" in (ahead.statuses[0].detail or "")


def test_a_step_elsewhere_does_not_get_the_market_made_ahead() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    ahead = source.prefetch(-1)
    source.step(5)
    other = source.market_data()
    assert other is not ahead
    assert other.asof.date() == date(2020, 3, 30)
    source.step(-6)  # the day made ahead, after another fetch: made again
    assert source.market_data() is not ahead


def test_weeks_and_the_ends_of_the_pack() -> None:
    source = PackSource(SMALL)
    last = source.asof
    assert source.prefetch(1) is None  # past the last day: the step would not move
    week = source.prefetch(-5)
    assert week is not None and week.asof.date() == date(2020, 12, 4)
    assert source.step(-5) == date(2020, 12, 4)
    assert source.market_data() is week
    # back to the last day: the whole pack, the same object every time (its replay is kept)
    whole = source.prefetch(5)
    assert whole is not None and whole.uncut is None
    source.step(5)
    assert source.asof == last
    assert source.market_data() is whole
    assert source.market_data() is whole
    first = PackSource(SMALL, asof=source.sessions()[0].date())
    assert first.prefetch(-1) is None
    assert first.prefetch(-5) is None


def test_a_step_back_hands_the_market_shown_before_once() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    shown = source.market_data()
    source.step(-1)
    there = source.market_data()
    assert source.step(1) == date(2020, 3, 23)
    assert source.market_data() is shown  # the day before, again: its snapshot is known
    refreshed = source.market_data()
    assert refreshed is not shown  # once: a refresh makes a new one
    assert_same_market(refreshed, shown)
    source.step(-1)
    assert source.market_data() is there  # the other day shown (a refresh is the same day)
    source.step(0)  # no move: nothing handed again
    assert source.market_data() is not there
