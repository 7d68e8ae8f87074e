"""The demo's ~2,000-name universe is made when read (issue 19): the dashboard's first market
builds neither the universe nor any member's history, a sector screen makes its own members
only, and whatever is read in whatever order has the numbers a read of all would have."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

import numpy as np
import pytest

from data_sources.demo import DEMO_START, DemoSource
from data_sources.demo_universe import member_closes
from data_sources.model import (
    Constituent,
    LazyConstituents,
    find_constituent,
    member_names,
    sector_members,
)

TIMES = (
    DEMO_START,  # an hour into a session
    DEMO_START + timedelta(hours=9),  # after the close
    DEMO_START + timedelta(days=3, hours=1),  # live sessions later
)


def test_the_first_market_makes_no_member() -> None:
    src = DemoSource()
    md = src.market_data(DEMO_START)
    m = src.market()
    assert isinstance(md.constituents, LazyConstituents)
    assert len(md.constituents) == 2000 and md.constituents  # len and truth make nothing
    assert m._universe is None and m._tails is None


@pytest.mark.parametrize("when", TIMES)
def test_a_sector_makes_only_its_members_with_the_numbers_of_all(when: object) -> None:
    src = DemoSource(seed=3, scenario="calm")
    md = src.market_data(when)  # type: ignore[arg-type]
    energy = sector_members(md.constituents, lambda s: s == "Energy")
    m = src.market()
    assert m._have is not None and int(m._have.sum()) == len(energy) > 20
    assert all(c.sector == "Energy" for c in energy)
    assert any(c.ret_1m is not None for c in energy)
    member = find_constituent(md.constituents, energy[3].symbol)
    assert member == energy[3]
    # Everything read afterwards, from a fresh source read all at once: the same numbers.
    fresh = DemoSource(seed=3, scenario="calm").market_data(when)  # type: ignore[arg-type]
    every = list(fresh.constituents)
    assert energy == [c for c in every if c.sector == "Energy"]
    assert list(md.constituents) == every
    assert md.constituents == fresh.constituents == tuple(every)
    assert md.constituents[-1] == every[-1] and md.constituents[5:7] == tuple(every[5:7])


def test_names_need_no_member_and_a_tuple_adds() -> None:
    src = DemoSource()
    cons = src.market_data(DEMO_START).constituents
    names = member_names(cons)
    assert len(names) == 2000 and src.market()._tails is None
    extra = Constituent("ZZZZ", "Extra", "Energy", 1.0)
    both = (extra,) + cons  # noqa: RUF005 (a tuple plus the lazy members is a tuple, as before)
    assert isinstance(both, tuple) and len(both) == 2001 and both[1:] == cons
    assert [(c.symbol, c.name) for c in cons] == list(names)


def test_member_closes_of_some_members_are_those_columns_of_all() -> None:
    src = DemoSource(seed=11)
    m = src.market()
    every = member_closes(m.universe, m.hist, m.last_returns, m.seed, m.scen, 505)
    some = np.array([0, 7, 255, 256, 1999])
    part = member_closes(m.universe, m.hist, m.last_returns, m.seed, m.scen, 505, some)
    assert part.tobytes() == np.ascontiguousarray(every[:, some]).tobytes()  # bit for bit


def test_reading_every_member_holds_no_big_temporary() -> None:
    src = DemoSource()
    md = src.market_data(DEMO_START)
    src.market().universe  # noqa: B018 (made outside the measure)
    tracemalloc.start()
    try:
        list(md.constituents)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 2,000 members x 505 closes kept (8 MB) plus one chunk of temporaries; the whole universe
    # at once held ~48 MB of them.
    assert peak < 30e6
