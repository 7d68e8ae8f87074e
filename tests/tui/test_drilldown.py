"""Pilot tests of the drill-down screens on the demo market: pair, sector, symbol, alert, export,
back navigation, live refresh and the 2,000-row constituents table."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.color import Color as TextualColor
from textual.widgets import Static

from analytics.risk import DEFAULT_RULES
from analytics.types import Alert
from data_sources.model import MarketData
from tests.support.screen import charts_drawn
from tests.tui.hardening_helpers import painted_lines
from tui.compute import snapshot_from_market
from tui.drill import DrillData
from tui.filter_expr import parse_filter
from tui.screens.alert import AlertScreen
from tui.screens.drillbase import refresh_visible
from tui.screens.pair import PairScreen, find_pair
from tui.screens.sector import FilterInput, SectorScreen, find_sector, sector_constituents
from tui.screens.series import SeriesScreen
from tui.screens.symbol import SymbolScreen
from widgets.chart import LineChart
from widgets.constituents import ConstituentRow, ConstituentsTable
from widgets.formatting import signed as fmt_signed
from widgets.keyed_table import KeyedTable

START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
"""Tuesday 10 March 2026, 11:30 in New York: the demo market is open."""

SIZE = (120, 40)


@pytest.fixture(scope="module")
def demo():
    from data_sources.demo import DemoSource

    # A frozen wall clock: the demo only moves when a test asks for a later moment.
    return DemoSource(seed=7, scenario="rotation", start=START, wall=lambda: 0.0)


@pytest.fixture(scope="module")
def market(demo) -> MarketData:
    return demo.market_data(START)


@pytest.fixture
def ctx(demo, market, tmp_path: Path) -> DrillData:
    return DrillData(market, snapshot_from_market(market), bars=demo.bars, export_dir=tmp_path)


class Host(App):
    """A tiny app standing in for the dashboard: one home screen, drill-downs pushed on top."""

    def compose(self) -> ComposeResult:
        yield Static("home", id="home")


def cell_text(table: KeyedTable, row: str, col: str) -> str:
    return str(table.get_cell(row, col).plain)


def test_lookups_name_the_problem() -> None:
    assert find_pair("IWM/SPY").label == "Russell 2000 vs S&P 500"
    assert find_pair("AAA/BBB").small == "AAA"
    with pytest.raises(ValueError, match="expected SMALL/LARGE"):
        find_pair("IWM")
    assert find_sector("energy").large == "XLE"
    assert find_sector("Communication").sector == "Communication Services"  # iShares name
    assert find_sector("XLF").sector == "Financials"
    with pytest.raises(ValueError, match="sector: expected one of Information Technology"):
        find_sector("Crypto")


async def test_pair_screen_shows_the_pair_and_pops_back(ctx: DrillData, market) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PairScreen("IWM/SPY", ctx))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PairScreen)
        row = next(r for r in ctx.snapshot().spreads if r.id == "IWM/SPY")
        table = screen.query_one("#pair-returns", KeyedTable)
        leg = row.returns["1M"]
        assert cell_text(table, "1M", "small") == f"{leg.small:+.2f}%"
        assert cell_text(table, "1M", "large") == f"{leg.large:+.2f}%"
        assert cell_text(table, "1M", "spread") == f"{leg.spread_pp:+.2f}pp"

        # The ratio and its z-score, recomputed by hand from the closes (SPEC 6).
        s, big = market.prices["IWM"], market.prices["SPY"]
        joined = s.to_frame("s").join(big.to_frame("l"), how="inner").dropna()
        ratio = (joined["s"] / joined["l"]).to_numpy()
        window = ratio[-252:]
        z = (window[-1] - window.mean()) / window.std(ddof=1)
        ratio_chart = screen.query_one("#pair-ratio", LineChart).data
        z_chart = screen.query_one("#pair-z", LineChart).data
        assert ratio_chart is not None and z_chart is not None
        assert ratio_chart.lines[0].values[-1] == pytest.approx(ratio[-1])
        assert ratio_chart.lines[1].values[-1] == pytest.approx(ratio[-50:].mean())  # 50d
        assert ratio_chart.lines[2].values[-1] == pytest.approx(ratio[-200:].mean())  # 200d
        assert z_chart.lines[0].values[-1] == pytest.approx(z)
        assert row.zscore_1y == pytest.approx(z)  # the chart agrees with the dashboard
        assert len(ratio_chart.x_labels) == 252  # the 1Y window

        stats = str(screen.query_one("#pair-stats", Static).render())
        assert f"{row.beta_3m:.2f}" in stats and f"{row.corr_3m:.2f}" in stats

        await pilot.press("left_square_bracket")  # 1Y -> 6M
        assert screen.window == "6M"
        assert len(screen.query_one("#pair-ratio", LineChart).data.x_labels) == 126

        await pilot.press("escape")
        assert not isinstance(app.screen, PairScreen)
        assert len(app.screen_stack) == 1


async def test_sector_filter_sort_symbol_and_back_three_levels(ctx: DrillData, market) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SectorScreen("Financials", ctx))
        await pilot.pause()
        sector = app.screen
        assert isinstance(sector, SectorScreen)
        table = sector.table
        members = [c for c in market.constituents if c.sector == "Financials"]
        assert table.row_count == table.total == len(members) > 100
        # Default order: weight, largest first.
        heaviest = max(members, key=lambda c: c.weight)
        assert table.keys[0] == heaviest.symbol

        # "/" opens the filter; typing an expression filters as you type.
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press(*"chg < -1")
        box = app.focused
        await pilot.pause()
        # What is typed is seen: the focused box draws no border into its one line.
        assert box.content_region.height == 1
        assert "chg < -1" in "".join(s.text for s in box.render_line(0))
        assert "weight" in box.placeholder and "chg" in box.placeholder
        expected = {c.symbol for c in members if c.change_pct is not None and c.change_pct < -1}
        assert 0 < len(expected) < len(members)
        assert set(table.keys) == expected
        # A bad expression shows an error and keeps the last good filter.
        await pilot.press(*" and")
        assert sector.filter_error is not None and "ends early" in sector.filter_error
        assert set(table.keys) == expected
        await pilot.press(*" weight > 0.05")
        assert sector.filter_error is None
        expected = {
            c.symbol for c in members if c.change_pct < -1 and c.weight > 0.05
        }  # fmt: skip
        assert set(table.keys) == expected and expected
        # escape closes the filter box, not the screen; the filter stays.
        await pilot.press("escape")
        assert app.screen is sector and app.focused is table
        assert set(table.keys) == expected

        # s cycles the sort column: weight -> chg (largest first); the cursor stays on its row.
        table.move_cursor(row=min(3, table.row_count - 1))
        at_cursor = table.cursor_key()
        await pilot.press("s")
        assert table.sort_column == "chg"
        changes = [table.row(k).chg for k in table.keys]
        assert changes == sorted(changes, reverse=True)
        assert table.cursor_key() == at_cursor
        assert any("Sorted by" in str(n.message) for n in app._notifications)  # s says so
        await pilot.press("G")  # g/G/Home/End as in every list
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        table.move_cursor(row=table.get_row_index(at_cursor))

        # enter opens the symbol under the cursor, escape comes back twice.
        await pilot.press("enter")
        await pilot.pause()
        symbol = app.screen
        assert isinstance(symbol, SymbolScreen) and symbol.symbol == at_cursor
        await pilot.wait_for_scheduled_animations()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert symbol.bars_loaded and symbol.bars is not None
        member = next(c for c in members if c.symbol == at_cursor)
        facts = symbol.facts
        assert facts is not None
        assert facts.last == pytest.approx(member.last)
        assert facts.name == member.name
        # Members have no P/E in the demo's quotes: shown as n/a, never 0.
        assert facts.trailing_pe is None
        assert "P/E           n/a" in str(symbol.query_one("#symbol-facts", Static).render())

        await pilot.press("escape")
        assert app.screen is sector
        assert table.cursor_key() == at_cursor  # the row the user left
        # A filter nothing passes says so; what is typed and that line show at every size.
        await pilot.press("slash", *" and weight > 100")
        typed = box.value
        assert typed.endswith("weight > 100") and table.row_count == 0
        for size in [(80, 24), (160, 48), (300, 80)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            lines = painted_lines(app)
            assert any(typed in line for line in lines), (size, typed)
            status = next(ln for ln in lines if " names" in ln)
            assert f"0 of {len(members)} names  ·  no name matches the filter" in status, status
        await pilot.press("escape", "backspace")
        assert len(app.screen_stack) == 1


async def test_symbol_screen_ranges_volume_pe_and_relative(ctx: DrillData, market) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SymbolScreen("IJR", ctx))
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SymbolScreen)
        quote = market.quotes["IJR"]
        f = screen.facts
        assert f is not None
        assert (f.last, f.day_low, f.day_high) == (quote.price, quote.day_low, quote.day_high)
        assert (f.year_low, f.year_high) == (quote.year_low, quote.year_high)
        assert f.trailing_pe == quote.trailing_pe is not None
        text = str(screen.query_one("#symbol-facts", Static).render())
        assert f"{quote.trailing_pe:,.1f} ttm" in text
        # Relative to IWM over 1M, by hand: row offsets of 21 on both closes.
        ijr, iwm = market.prices["IJR"].to_numpy(), market.prices["IWM"].to_numpy()
        mine = (ijr[-1] / ijr[-22] - 1) * 100
        bench = (iwm[-1] / iwm[-22] - 1) * 100
        rel = dict((w, (a, b, c)) for w, a, b, c in screen.relative)
        assert rel["1M"][0] == pytest.approx(mine)
        assert rel["1M"][1] == pytest.approx(bench)
        assert rel["1M"][2] == pytest.approx(mine - bench)
        table = screen.query_one("#symbol-rel", KeyedTable)
        assert cell_text(table, "1M", "rel") == f"{mine - bench:+.2f}pp"
        # The window selector: ] from 1Y to 2Y, and no further.
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.window == "2Y"
        chart = screen.query_one("#symbol-chart", LineChart).data
        assert chart is not None and len(chart.x_labels) == 505


async def test_unknown_symbol_shows_na_not_zero(ctx: DrillData) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SymbolScreen("NOPE", ctx))
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        f = screen.facts
        assert f is not None and f.last is None and f.volume is None
        text = str(screen.query_one("#symbol-facts", Static).render())
        assert text.splitlines()[0].startswith("Last          n/a")
        chart = screen.query_one("#symbol-chart", LineChart).data
        assert chart is not None and chart.empty_message == "no price history for NOPE"


async def test_live_refresh_redraws_only_the_visible_screen(demo, ctx: DrillData) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SectorScreen("Energy", ctx))
        await pilot.pause()
        sector = app.screen
        table = sector.table
        table.move_cursor(row=5)
        key = table.cursor_key()
        before = table.row(key)
        await app.push_screen(PairScreen("IWM/SPY", ctx))
        await pilot.pause()
        pair = app.screen
        seen = ctx.version

        later = demo.market_data(START + timedelta(minutes=45))
        ctx.update(later, snapshot_from_market(later))
        assert refresh_visible(app, ctx)
        await pilot.pause()
        new_row = next(r for r in ctx.snapshot().spreads if r.id == "IWM/SPY")
        cells = pair.query_one("#pair-returns", KeyedTable)
        assert cell_text(cells, "1D", "small") == fmt_signed(new_row.returns["1D"].small, 2, "%")
        assert "12:15" in str(pair.query_one("#pair-title", Static).render())  # 11:30 + 45 min
        # The sector screen underneath was not redrawn ...
        assert sector._seen_version == seen
        assert table.row(key) == before
        # ... until it is shown again; then it catches up and keeps the cursor row.
        await pilot.press("escape")
        await pilot.pause()
        assert sector._seen_version == ctx.version
        after = table.row(key)
        member = next(c for c in later.constituents if c.symbol == key)
        assert after is not None and after.last == member.last
        assert after != before
        assert table.cursor_key() == key


async def test_alert_screen_with_and_without_a_store(demo, tmp_path: Path) -> None:
    from analytics.lifecycle import AlertBook
    from data_sources.store import Store

    hard = demo.__class__(seed=7, scenario="hard-landing", start=START, wall=lambda: 0.0)
    m = hard.market_data(START)
    snapshot = snapshot_from_market(m)
    assert snapshot.alerts, "the hard-landing scenario raises alerts"
    alert: Alert = snapshot.alerts[0]
    rule = next(r for r in DEFAULT_RULES if r.id == alert.rule)

    store = Store.memory()
    book = AlertBook()
    store.append_transitions(book.update(snapshot.alerts, START))
    store.append_transitions([book.ack(alert.rule, START + timedelta(minutes=5))])
    ctx = DrillData(m, snapshot, store=store, export_dir=tmp_path)

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(AlertScreen(alert.rule, ctx))
        await pilot.pause()
        screen = app.screen
        title = str(screen.query_one("#alert-title", Static).render())
        assert alert.severity.upper() in title and alert.since.isoformat() in title
        assert str(screen.query_one("#alert-rule", Static).render()) == rule.explain()
        chart = screen.query_one("#alert-chart", LineChart).data
        risk = ctx.risk()
        assert risk is not None and chart is not None
        last = risk.values[rule.id].iloc[-1]
        assert chart.lines[0].values[-1] == pytest.approx(last)
        assert {h.y for h in chart.hlines} == {rule.warning, rule.critical}
        log = screen.query_one("#alert-log", KeyedTable)
        assert log.row_count == 2  # raised, then acknowledged (newest first)
        events = [str(log.get_row_at(i)[1].plain) for i in range(2)]
        assert events == ["acknowledged", "raised"]
        # Export: the log and the indicator history as CSV, named in a notification.
        await pilot.press("e")
        names = sorted(p.name for p in screen.exported)
        assert len(names) == 2
        assert names[0].startswith(f"rotmon-alert-{rule.id}-history-2Y-")
        assert names[1].startswith(f"rotmon-alert-{rule.id}-log-")
        with next(p for p in screen.exported if "-log-" in p.name).open() as fh:
            rows = list(csv.DictReader(fh))
        assert [r["event"] for r in rows] == ["acknowledged", "raised"]
        assert rows[1]["severity"] == alert.severity
        assert float(rows[1]["threshold"]) == pytest.approx(alert.threshold)
        assert any(str(screen.exported[0]) in n.message for n in app._notifications)

    # Without a store: the log says so instead of pretending to be empty.
    bare = DrillData(m, snapshot, export_dir=tmp_path)
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(AlertScreen(alert.rule, bare))
        await pilot.pause()
        head = str(app.screen.query_one("#alert-log-title", Static).render())
        assert head == "Alert log: not available (no store is open)"
    with pytest.raises(ValueError, match="rule: expected one of sahm"):
        AlertScreen("nope", bare)


async def test_sector_export_writes_the_rows_shown(ctx: DrillData, tmp_path: Path) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SectorScreen("Energy", ctx))
        await pilot.pause()
        screen = app.screen
        assert screen.apply_filter("chg > 0")
        screen.table.set_sort("symbol")
        await pilot.press("e")
        table_file = next(p for p in screen.exported if "constituents" in p.name)
        assert table_file.parent == tmp_path
        with table_file.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        shown = screen.table.visible_rows
        assert [r["symbol"] for r in rows] == [r.symbol for r in shown]
        assert [r["symbol"] for r in rows] == sorted(r["symbol"] for r in rows)
        assert all(float(r["chg_pct"]) > 0 for r in rows)
        assert float(rows[0]["weight_pct"]) == shown[0].weight  # full precision
        # Pressing e again in the same second never overwrites the first file.
        await pilot.press("e")
        again = next(p for p in screen.exported if "constituents" in p.name)
        assert again != table_file and table_file.exists()


# -- the 2,000-row table --------------------------------------------------------------------


class TableHost(App):
    def compose(self) -> ComposeResult:
        yield ConstituentsTable()


def rows_of(m: MarketData) -> list[ConstituentRow]:
    return [
        ConstituentRow(c.symbol, c.name, c.weight, c.last, c.change_pct) for c in m.constituents
    ]


async def test_filter_sort_and_live_update_keep_the_cursor_row(demo, market) -> None:
    rows = rows_of(market)
    assert len(rows) == 2000
    app = TableHost()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(ConstituentsTable)
        table.set_rows(rows)
        await pilot.pause()
        assert table.row_count == 2000
        table.move_cursor(row=1000)
        table.scroll_to(y=990, animate=False, immediate=True)
        await pilot.pause()
        key = table.cursor_key()
        assert table.cursor_row - round(table.scroll_y) == 10  # the row sits 10 lines down

        async def keeps_row(change) -> None:
            """``change`` keeps the cursor on ``key`` and the row where it sat on screen, unless
            the table cannot scroll that far (a row near either end of a shorter table)."""
            offset = table.cursor_row - round(table.scroll_y)
            change()
            await pilot.pause()
            await pilot.pause()
            assert table.cursor_key() == key
            top = min(max(table.cursor_row - offset, 0), round(table.max_scroll_y))
            assert round(table.scroll_y) == top

        # Sorting moves the row; the cursor follows it.
        for column in ("chg", "symbol", "last", "name", "weight"):
            await keeps_row(lambda column=column: table.set_sort(column))
        # A filter that keeps the row (its own symbol) ...
        await keeps_row(lambda: table.set_filter(parse_filter(key[:2])))
        assert all(key[:2].casefold() in (r.symbol + r.name).casefold() for r in table.visible_rows)
        # ... then one that drops most rows (a rebuild in one pass) ...
        member = table.row(key)
        assert member is not None and member.chg is not None
        sign = "<" if member.chg < 0 else ">="
        expression = f"chg {sign} 0 and weight >= {member.weight}"
        await keeps_row(lambda: table.set_filter(parse_filter(expression)))
        assert table.row_count < 1000
        # ... and clearing it brings all 2,000 back with the cursor still there.
        await keeps_row(lambda: table.set_filter(None))
        assert table.row_count == 2000

        # A live update 20 demo minutes later: values change in place, the cursor stays.
        later = rows_of(demo.market_data(START + timedelta(minutes=20)))
        changed = sum(1 for a, b in zip(rows, later, strict=True) if a != b)
        assert changed > 1000
        await keeps_row(lambda: table.set_rows(later))
        new = next(r for r in later if r.symbol == key)
        assert table.row(key) == new
        shown = str(table.get_cell(key, "last").plain)
        assert shown == ("n/a" if new.last is None else f"{new.last:,.2f}")

        # Sorted by change, a live update re-orders the rows and the cursor follows its row.
        table.set_sort("chg")
        await keeps_row(lambda: table.set_rows(rows))
        changes = [r.chg for r in table.visible_rows]
        known = [c for c in changes if c is not None and not math.isnan(c)]
        assert known == sorted(known, reverse=True)
        # Unknown values sort last whichever the direction.
        table.set_rows([r._replace(chg=None) if r.symbol == key else r for r in rows])
        assert table.keys[-1] == key
        table.action_reverse_sort()
        assert table.keys[-1] == key
        assert str(table.get_cell(key, "chg").plain) == "n/a"


async def test_names_from_data_are_inert(market) -> None:
    evil = ConstituentRow("[b]X", "[red]Evil[/red] \x1b[31mCorp\x07", 0.1, 1.0, 0.5)
    app = TableHost()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(ConstituentsTable)
        table.set_rows([evil])
        await pilot.pause()
        assert table.get_cell("[b]X", "symbol").plain == "[b]X"  # shown, not interpreted
        name = table.get_cell("[b]X", "name").plain
        assert name == "[red]Evil[/red] Corp"
        assert "\x1b" not in name and "\x07" not in name


def test_sector_constituents_match_by_gics_name(market) -> None:
    energy = sector_constituents(market.constituents, "energy")
    assert energy and all(
        next(c for c in market.constituents if c.symbol == r.symbol).sector == "Energy"
        for r in energy
    )
    counts = {s: len(sector_constituents(market.constituents, s)) for s in ("Energy", "Utilities")}
    assert sum(counts.values()) == sum(
        1 for c in market.constituents if c.sector in ("Energy", "Utilities")
    )
    assert np.isfinite([r.weight for r in energy]).all()


# -- a data pack (real history, 2018-12 to 2020-12) ----------------------------------------

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


async def test_pack_flow_three_levels_and_asof_step(tmp_path: Path) -> None:
    from data_sources.pack import PackSource

    source = PackSource(PACK)
    market = source.market_data()
    ctx = DrillData.from_market(market, source=source, export_dir=tmp_path)
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PairScreen("IWM/SPY", ctx))
        await pilot.pause()
        pair = app.screen
        assert "pack 2020-12-11" in str(pair.query_one("#pair-title", Static).render())
        # IWM 2020-12-11 = 153.710007 (PROVENANCE.md, read by eye)
        table = pair.query_one("#pair-returns", KeyedTable)
        assert cell_text(table, "last", "small") == "153.71"
        # Step the pack back a week (as the app does on "{"), then refresh the open screen.
        source.step(-5)
        older = source.market_data()
        ctx.update(older, snapshot_from_market(older))
        refresh_visible(app, ctx)
        await pilot.pause()
        assert "pack 2020-12-04" in str(pair.query_one("#pair-title", Static).render())
        closes = older.prices["IWM"]
        assert cell_text(table, "last", "small") == f"{closes.iloc[-1]:,.2f}"
        await pilot.press("escape")

        await app.push_screen(SectorScreen("Energy", ctx))
        await pilot.pause()
        sector = app.screen
        assert sector.table.keys == ["SYNC"]  # the synthetic iShares file's one Energy name
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        symbol = app.screen
        assert isinstance(symbol, SymbolScreen) and symbol.symbol == "SYNC"
        f = symbol.facts
        assert f is not None and f.last == 8.0 and f.name == "SYNTHETIC GAMMA OIL & GAS"
        assert f.trailing_pe is None and f.volume is None
        chart = symbol.query_one("#symbol-chart", LineChart).data
        assert chart is not None and chart.empty_message == "no price history for SYNC"
        await pilot.press("escape", "escape")
        assert len(app.screen_stack) == 1


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_macro_row_opens_its_history_with_the_rule_thresholds(
    ctx: DrillData, size: tuple[int, int]
) -> None:
    app = Host()
    async with app.run_test(size=size) as pilot:
        await app.push_screen(SeriesScreen("VIX", ctx))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SeriesScreen)
        row = next(m for m in ctx.snapshot().macro if m.id == "VIX")
        chart = screen.query_one("#series-chart", LineChart).data
        assert chart is not None and chart.lines[0].values[-1] == pytest.approx(row.value)
        assert len(chart.x_labels) == 504  # the 2Y window
        assert {h.y for h in chart.hlines} == {25.0, 35.0}  # the VIX rule's thresholds
        rules = screen.query_one("#series-rules", KeyedTable)
        assert rules.keys == ["vix"]
        await pilot.press("left_square_bracket")  # 2Y -> 1Y
        assert len(screen.query_one("#series-chart", LineChart).data.x_labels) == 252
        await pilot.press("escape")
        assert len(app.screen_stack) == 1
        # Claims: the rule thresholds a change, not the level: none drawn, the rule listed.
        await app.push_screen(SeriesScreen("ICSA", ctx))
        await pilot.pause()
        chart = app.screen.query_one("#series-chart", LineChart).data
        assert chart is not None and chart.hlines == () and chart.lines[0].values
        assert app.screen.query_one("#series-rules", KeyedTable).keys == ["claims"]


def test_drill_screen_factory(ctx: DrillData) -> None:
    from tui.screens.registry import drill_screen

    assert isinstance(drill_screen("pair", "IWM/QQQ", ctx), PairScreen)
    assert isinstance(drill_screen("sector", "Utilities", ctx), SectorScreen)
    assert isinstance(drill_screen("alert", "vix", ctx), AlertScreen)
    vix = drill_screen("macro", "VIX", ctx)
    assert isinstance(vix, SeriesScreen) and vix.indicator.id == "VIX"
    curve = drill_screen("macro", "T10Y3M", ctx)  # a FRED series has its history screen too
    assert isinstance(curve, SeriesScreen) and curve.indicator.series == "T10Y3M"
    with pytest.raises(ValueError, match="macro indicator: expected one of"):
        drill_screen("macro", "NOPE", ctx)
    with pytest.raises(ValueError, match="drill-down kind: expected pair"):
        drill_screen("nope", "x", ctx)


def test_the_app_wires_every_kind_the_registry_has() -> None:
    from tui.screens.registry import BY_KIND
    from tui.wiring import DRILL_KINDS

    assert sorted(DRILL_KINDS) == sorted(BY_KIND)
    assert all(cls.kind == kind for kind, cls in BY_KIND.items())


def test_opening_one_drill_down_imports_only_its_screen() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tui.screens.registry import screen_class\n"
        "assert screen_class('pair').__name__ == 'PairScreen'\n"
        "others = ('sector', 'alert', 'symbol', 'series', 'valuation', 'cycle', 'history')\n"
        "print([m for m in others if 'tui.screens.' + m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


async def test_every_key_has_an_id_and_a_description(ctx: DrillData) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        for screen in (
            PairScreen("IWM/SPY", ctx),
            SectorScreen("Energy", ctx),
            SymbolScreen("IWM", ctx),
            AlertScreen("vix", ctx),
            SeriesScreen("T10Y3M", ctx),
        ):
            await app.push_screen(screen)
            await pilot.pause()
            ours = []
            for active in screen.active_bindings.values():
                for cls in type(active.node).__mro__:
                    ours_cls = cls.__module__.startswith(("tui.", "widgets."))
                    if ours_cls and active.binding in cls.__dict__.get("BINDINGS", ()):
                        ours.append(active.binding)
            assert {"escape", "backspace", "e", "left_square_bracket"} <= {b.key for b in ours}
            for b in ours:
                assert b.id and b.description and b.group is not None, b
            await app.pop_screen()


async def test_sector_keys_in_the_filter_box_edit_the_filter(ctx: DrillData) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SectorScreen("Energy", ctx))
        await pilot.pause()
        sector = app.screen
        await pilot.press("slash", "backspace", "s", "e", "left_square_bracket", "j")
        # Letters typed into the box are text, not keys: no sort, no export, no pop.
        assert app.screen is sector
        assert sector.query_one(FilterInput).value == "se[j"
        assert sector.table.sort_column == "weight" and sector.exported == []
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        assert app.screen is sector and sector.query_one(FilterInput).value == ""
        await pilot.press("escape")
        # In the table: j moves down, S reverses the sort.
        table = sector.table
        row = table.cursor_row
        await pilot.press("j", "j")
        assert table.cursor_row == row + 2
        await pilot.press("k")
        assert table.cursor_row == row + 1
        await pilot.press("S")
        assert table.sort_column == "weight" and not table.sort_descending
        weights = [r.weight for r in table.visible_rows]
        assert weights == sorted(weights)


async def test_pair_without_history_shows_na(ctx: DrillData) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PairScreen("AAA/BBB", ctx))
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#pair-returns", KeyedTable)
        assert cell_text(table, "1Y", "spread") == "n/a"
        assert cell_text(table, "last", "small") == "n/a"
        chart = screen.query_one("#pair-ratio", LineChart).data
        assert chart is not None and chart.empty_message == "no common history of AAA and BBB"
        assert "Beta 3M           n/a" in str(screen.query_one("#pair-stats", Static).render())


async def test_chart_redraws_live_moves_at_most_once_per_interval() -> None:
    from widgets.chart import ChartData, Line

    class ChartHost(App):
        def compose(self) -> ComposeResult:
            yield LineChart(min_interval=60.0)

    def data(last: float, labels: tuple[str, ...] = ("a", "b", "c")) -> ChartData:
        return ChartData("t", labels, (Line("x", (1.0, 2.0, last)[-len(labels) :]),))

    app = ChartHost()
    async with app.run_test(size=(40, 10)) as pilot:
        chart = app.query_one(LineChart)
        assert chart.set_data(data(3.0))  # the first draw is immediate
        assert chart._pending is None
        assert not chart.set_data(data(3.0))  # equal data: nothing to do
        assert chart.set_data(data(3.5))  # a live move within the interval: deferred
        assert chart._pending is not None and chart.data == data(3.5)
        assert chart.set_data(data(4.0, ("b", "c")))  # a new window: at once
        assert chart._pending is None
        await pilot.pause()


@pytest.mark.parametrize("theme", ["nord", "ansi-dark"])
async def test_numbers_take_the_new_theme_colours(ctx: DrillData, theme: str) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PairScreen("IWM/SPY", ctx))
        await pilot.pause()
        table = app.screen.query_one("#pair-returns", KeyedTable)
        row = next(r for r in ctx.snapshot().spreads if r.id == "IWM/SPY")
        key = next(w for w in ("1D", "1W", "1M", "3M", "YTD", "1Y") if row.returns[w].small)
        before = table.get_cell(key, "small").style
        app.theme = theme
        await pilot.pause()
        after = table.get_cell(key, "small").style
        variable = "success" if row.returns[key].small > 0 else "error"
        expected = TextualColor.parse(app.theme_variables[variable]).rich_color
        assert after.color == expected  # ansi-dark: an ANSI colour, not a true colour
        assert after != before


async def test_pair_export_writes_returns_and_history(ctx: DrillData, tmp_path: Path) -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PairScreen("IWM/SPY", ctx, window="3M"))
        await pilot.pause()
        await pilot.press("e")
        screen = app.screen
        returns = next(p for p in screen.exported if "-returns-" in p.name)
        history = next(p for p in screen.exported if "-history-3M-" in p.name)
        assert returns.name.startswith("rotmon-pair-IWM-SPY-returns-")
        row = next(r for r in ctx.snapshot().spreads if r.id == "IWM/SPY")
        with returns.open(newline="") as fh:
            table = {r["window"]: r for r in csv.DictReader(fh)}
        assert list(table) == ["1D", "1W", "1M", "3M", "YTD", "1Y", "drawdown_1y"]
        assert float(table["3M"]["IWM_pct"]) == row.returns["3M"].small  # full precision
        assert float(table["3M"]["spread_pp"]) == row.returns["3M"].spread_pp
        assert float(table["drawdown_1y"]["SPY_pct"]) == row.large_drawdown
        assert table["drawdown_1y"]["spread_pp"] == ""  # unknown is empty, never 0
        with history.open(newline="") as fh:
            hist = list(csv.DictReader(fh))
        assert len(hist) == 63
        assert float(hist[-1]["zscore_1y"]) == pytest.approx(row.zscore_1y)
        assert hist[-1]["date"] == ctx.market().prices["IWM"].index[-1].date().isoformat()
        shown = [n.message for n in app._notifications]
        assert any(str(returns) in m and str(history) in m for m in shown)


def test_pairs_and_sectors_as_the_dashboard_shows_them(ctx: DrillData) -> None:
    from analytics.types import PairRow, SectorRow

    legs: dict = {}
    custom = PairRow("VTWO/VOO", "VTWO", "VOO", "Vanguard small vs large", None, None, None,
                     legs, None, None, None, None)  # fmt: skip
    assert find_pair("VTWO/VOO", [custom]).label == "Vanguard small vs large"
    reit = SectorRow("Real Estate", "XLRE", "PSR", legs)  # a pack with a small REIT ETF
    assert find_sector("real estate", [reit]).small == "PSR"
    assert find_sector("real estate").small is None  # the catalog has none


def test_asof_is_shown_in_new_york_time() -> None:
    from tui.drill import asof_text

    assert asof_text(datetime(2026, 3, 10, 15, 30, tzinfo=UTC)) == "2026-03-10 11:30"
    assert asof_text(datetime(2026, 7, 1, 20, 0, tzinfo=UTC)) == "2026-07-01 16:00"  # EDT


async def test_reopened_chart_is_drawn_from_the_cache_a_new_theme_draws_again() -> None:
    from widgets import chart as chart_module
    from widgets.chart import ChartData, Line

    data = ChartData("t", ("a", "b", "c"), (Line("x", (1.0, 2.0, 3.0)),))
    built: list[int] = []

    class Charts(App[None]):
        def compose(self) -> ComposeResult:
            yield LineChart(data, id="one")

    chart_module._render_cache.clear()
    app = Charts()
    async with app.run_test(size=(60, 12)) as pilot:
        first = app.query_one("#one", LineChart)
        original = chart_module.matrix_rows

        def counting_build(plt: Any) -> Any:
            built.append(1)
            return original(plt)

        await pilot.pause()
        picture, size = first.render(), first.size
        second = LineChart(data, id="two")
        await first.remove()
        chart_module.matrix_rows = counting_build
        try:
            await app.mount(second)
            await pilot.pause()
            assert second.size == size
            assert second.render() is picture and not built  # no plotext for the same picture
            app.theme = "textual-light" if app.theme != "textual-light" else "nord"
            await charts_drawn(pilot)  # drawn a frame after the paint that asks for it
            repainted = second.render()
            assert repainted is not picture and built  # new colours: drawn again
        finally:
            chart_module.matrix_rows = original
