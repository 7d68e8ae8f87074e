"""The constituents' 1M/3M returns and contribution to the sector's move (issue 16, "More to
drill into"): the demo computes them from each member's own closes, the sector screen shows,
sorts and filters them, and a source without per-member history shows n/a."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from data_sources.model import RETURN_WINDOWS, Constituent, MarketData
from tui.compute import snapshot_from_market
from tui.drill import WINDOW_ROWS, DrillData
from tui.filter_expr import COLUMNS
from tui.screens.sector import FILTER_PLACEHOLDER, SectorScreen, sector_constituents
from widgets.constituents import SORT_CYCLE, ConstituentRow

START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
"""Tuesday 10 March 2026, 11:30 in New York: the demo market is open."""


@pytest.fixture(scope="module")
def demo():
    from data_sources.demo import DemoSource

    return DemoSource(seed=7, scenario="rotation", start=START, wall=lambda: 0.0)


@pytest.fixture(scope="module")
def market(demo) -> MarketData:
    return demo.market_data(START)


@pytest.fixture
def ctx(demo, market, tmp_path: Path) -> DrillData:
    return DrillData(market, snapshot_from_market(market), bars=demo.bars, export_dir=tmp_path)


class Host(App):
    def compose(self) -> ComposeResult:
        yield Static("home", id="home")


def window_return(closes, rows: int) -> float:
    return (float(closes.iloc[-1]) / float(closes.iloc[-1 - rows]) - 1.0) * 100.0


def test_return_windows_are_the_chart_windows() -> None:
    assert {w: rows for w, (_, rows) in RETURN_WINDOWS.items()} == WINDOW_ROWS


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(0),  # in a running session
        timedelta(days=1, hours=6),  # after the close, one live session later
        timedelta(days=4, hours=-6),  # a Saturday morning: the last bar is Friday's close
    ],
)
def test_demo_returns_are_what_the_members_bars_give(demo, offset: timedelta) -> None:
    now = START + offset
    market = demo.market_data(now)
    members = market.constituents
    assert len(members) == 2000
    # Members spread over the weights (the heaviest, the lightest, some between).
    for c in (*members[:2], *members[500::499], members[-1]):
        closes = demo.bars_at(c.symbol, now)["close"]
        assert c.last == float(closes.iloc[-1])
        for window, (field, rows) in RETURN_WINDOWS.items():
            expected = window_return(closes, rows)
            assert getattr(c, field) == pytest.approx(expected, rel=1e-12, abs=1e-12), window
            assert c.window_return(window) == getattr(c, field)
    # Returns are spread like returns, not a constant.
    r1m = [c.ret_1m for c in members]
    assert all(r is not None and math.isfinite(r) for r in r1m)
    assert min(r1m) < -5 < 5 < max(r1m)  # type: ignore[operator]


def test_contribution_is_the_weight_in_the_sector_times_the_window_return(market) -> None:
    members = [c for c in market.constituents if c.sector == "Energy"]
    total = sum(c.weight for c in members)
    for window in ("1M", "1Y"):
        rows = {r.symbol: r for r in sector_constituents(market.constituents, "Energy", window)}
        assert rows.keys() == {c.symbol for c in members}
        for c in members:
            r = rows[c.symbol]
            assert (r.r1m, r.r3m) == (c.ret_1m, c.ret_3m)
            assert r.contrib == pytest.approx(c.weight / total * c.window_return(window))
        # The contributions add up to the sector's weighted move over the window.
        weighted = sum(c.weight * c.window_return(window) for c in members) / total
        assert math.fsum(r.contrib for r in rows.values()) == pytest.approx(weighted)


def test_without_member_history_nothing_is_invented() -> None:
    holdings = (
        Constituent("AAA", "Alpha", "Energy", 1.0, 12.5, 0.4),
        Constituent("BBB", "Beta", "Energy", 3.0),
    )
    rows = sector_constituents(holdings, "Energy", "1M")
    assert [(r.r1m, r.r3m, r.contrib) for r in rows] == [(None, None, None)] * 2


def test_the_filter_knows_the_new_columns() -> None:
    assert {"r1m", "r3m", "contrib"} <= COLUMNS.keys()
    assert set(COLUMNS) <= set(ConstituentRow._fields)
    assert "r1m" in FILTER_PLACEHOLDER and "contrib" in FILTER_PLACEHOLDER
    assert {"r1m", "r3m", "contrib"} <= set(SORT_CYCLE)


async def test_sector_screen_shows_sorts_and_filters_returns(ctx: DrillData, market) -> None:
    app = Host()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.push_screen(SectorScreen("Financials", ctx, window="3M"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SectorScreen)
        table = screen.table
        members = [c for c in market.constituents if c.sector == "Financials"]
        total = sum(c.weight for c in members)
        heaviest = max(members, key=lambda c: c.weight)
        key = heaviest.symbol
        assert table.keys[0] == key

        # The columns show the member's numbers.
        def cell(col: str) -> str:
            return str(table.get_cell(key, col).plain)

        assert cell("r1m") == f"{heaviest.ret_1m:+.2f}"
        assert cell("r3m") == f"{heaviest.ret_3m:+.2f}"
        assert cell("contrib") == f"{heaviest.weight / total * heaviest.ret_3m:+.3f}"
        status = str(screen.query_one("#sector-status", Static).render())
        assert "contrib = weight in sector × 3M return, pp" in status

        # A longer window changes the contribution (and what the status line says).
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.window == "6M"
        assert cell("contrib") == f"{heaviest.weight / total * heaviest.ret_6m:+.3f}"
        assert "× 6M return" in str(screen.query_one("#sector-status", Static).render())

        # s reaches each new column (weight -> chg -> r1m -> r3m -> contrib), highest first;
        # S reverses.
        await pilot.press("s")
        assert table.sort_column == "chg"
        for col in ("r1m", "r3m", "contrib"):
            await pilot.press("s")
            assert table.sort_column == col and table.sort_descending
            values = [getattr(table.row(k), col) for k in table.keys]
            assert values == sorted(values, reverse=True)
            assert len(set(values)) > len(values) // 2
        await pilot.press("S")
        values = [table.row(k).contrib for k in table.keys]
        assert not table.sort_descending and values == sorted(values)

        # A filter on a return.
        await pilot.press("slash", *"r1m > 5", "enter")
        await pilot.pause()
        expected = {c.symbol for c in members if c.ret_1m > 5}
        assert 0 < len(expected) < len(members)
        assert set(table.keys) == expected
        assert screen.filter_error is None
        assert screen.apply_filter("contrib < 0 and r3m < -10")
        # contrib is over the screen's window (6M now): negative when the 6M return is
        expected = {c.symbol for c in members if c.ret_3m < -10 and c.ret_6m < 0}
        assert expected
        assert set(table.keys) == expected


async def test_holdings_without_history_show_na(demo, market, tmp_path: Path) -> None:
    holdings = (
        Constituent("AAA", "Alpha Energy", "Energy", 1.0, 12.5, 0.4),
        Constituent("BBB", "Beta Energy", "Energy", 3.0, 20.0, -1.0),
    )
    live = replace(market, constituents=holdings)
    ctx = DrillData(live, snapshot_from_market(live), bars=demo.bars, export_dir=tmp_path)
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(SectorScreen("Energy", ctx))
        await pilot.pause()
        table = app.screen.table
        assert table.keys == ["BBB", "AAA"]
        for col in ("r1m", "r3m", "contrib"):
            assert str(table.get_cell("AAA", col).plain) == "n/a"
        assert str(table.get_cell("AAA", "chg").plain) == "+0.40"
        # Unknown values never pass a comparison, and sort last whatever the direction.
        assert app.screen.apply_filter("r1m > -1000")
        assert table.keys == []
        assert app.screen.apply_filter("")
        await pilot.press("s", "s")
        assert table.sort_column == "r1m" and table.row_count == 2
