"""Pilot tests of every dashboard key flow on the demo market at a frozen moment."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rich.color import Color as RichColor
from textual.command import CommandPalette
from textual.containers import Grid

from analytics.catalog import WINDOWS
from tests.support.screen import Received, snapshot_on_screen
from tests.tui.conftest import demo_app, demo_source, status_text, wait_until
from tests.tui.hardening_helpers import painted_lines
from tui.app import RotmonApp
from tui.messages import DrillDownRequested, MarketUpdated
from tui.screens.dashboard import DashboardScreen, Pane
from tui.screens.help import HelpScreen
from tui.themes import DARK, LIGHT
from widgets.alert_list import AlertTable
from widgets.heatmap import SectorHeatmap
from widgets.macro_panel import MacroTable
from widgets.spread_table import PairDetail, SpreadTable

PANE_WIDGETS = (SpreadTable, SectorHeatmap, AlertTable, MacroTable)


def visible_panes(app: RotmonApp) -> list[str]:
    return [p.id or "" for p in app.dashboard.query(Pane) if p.display]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_number_keys_and_tab_switch_panes(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await snapshot_on_screen(app)
        narrow = size[0] < 120
        assert app.dashboard.has_class("-narrow") is narrow
        assert isinstance(app.focused, SpreadTable)
        for key, index in (("2", 1), ("3", 2), ("4", 3), ("1", 0)):
            await pilot.press(key)
            assert app.dashboard.active_pane == index
            assert isinstance(app.focused, PANE_WIDGETS[index])
            if narrow:
                keys = ("spreads", "sectors", "risk", "macro")
                assert visible_panes(app) == [f"pane-{keys[index]}"]
            else:
                assert len(visible_panes(app)) == 4
        await pilot.press("shift+tab")
        assert app.dashboard.active_pane == 3  # wraps backwards from the first pane
        await pilot.press("tab")
        assert app.dashboard.active_pane == 0
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, AlertTable)
        await pilot.press("q")
    assert app.return_code == 0


async def test_spreads_show_the_snapshot_spread_of_each_window() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)):
        snapshot = await snapshot_on_screen(app)
        table = app.dashboard.query_one(SpreadTable)
        assert table.get_row_at(0)[0].plain == "IWM/SPY"  # the headline first
        iwm = next(r for r in snapshot.spreads if r.id == "IWM/SPY")
        for window in WINDOWS:
            leg = iwm.returns[window]
            assert leg.small is not None and leg.large is not None
            # spread = small-cap return minus large-cap return, percentage points
            expected = f"{leg.small - leg.large:+.2f}"
            cell = table.get_cell("IWM/SPY", window)
            assert cell.plain == expected
            gain = RichColor.parse(DARK.variables["gain"])
            loss = RichColor.parse(DARK.variables["loss"])
            assert cell.style.color == (gain if leg.small > leg.large else loss)
        detail = app.dashboard.query_one(PairDetail)
        assert "Russell 2000 vs S&P 500" in detail.render().plain


async def test_brackets_cycle_the_heatmap_window() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        heatmap = app.dashboard.query_one(SectorHeatmap)
        assert heatmap.window == "1M"
        seen = []
        for _ in WINDOWS:
            await pilot.press("right_square_bracket")
            seen.append(heatmap.window)
        assert seen == ["3M", "YTD", "1Y", "1D", "1W", "1M"]
        await pilot.press("left_square_bracket")
        assert heatmap.window == "1W"
        pane = app.dashboard.query_one("#pane-sectors", Pane)
        assert str(pane.border_title).endswith("· 1W")
        sectors = [r.sector for r in snapshot.heatmap]
        leg = snapshot.heatmap[sectors.index("Energy")].returns["1W"]
        text = heatmap.render_line(1 + sectors.index("Energy")).text
        assert "Energy" in text and f"{leg.large:+.2f}" in text and f"{leg.spread_pp:+.2f}" in text
        real_estate = heatmap.render_line(1 + sectors.index("Real Estate"))
        assert real_estate.text.count("n/a") == 2  # no small-cap ETF: small and spread unknown


async def test_refresh_polls_again_and_pause_stops_polling() -> None:
    app = demo_app()
    updates = Received(MarketUpdated)
    async with app.run_test(size=(80, 24), message_hook=updates) as pilot:
        await snapshot_on_screen(app)
        assert app.feed.states()[0].requests == 1
        await pilot.press("r")
        await wait_until(lambda: len(updates) == 2)
        assert app.feed.states()[0].requests == 2

    live = demo_app(live_polling=True, poll_interval=0.1)
    live_updates = Received(MarketUpdated)
    async with live.run_test(size=(80, 24), message_hook=live_updates) as pilot:
        await wait_until(lambda: len(live_updates) >= 2, 10.0)
        await pilot.press("p")
        assert live.feed.paused
        assert "PAUSED" in status_text(live)
        await pilot.pause(0.1)
        polls = live.feed.states()[0].requests
        await asyncio.sleep(0.5)
        assert live.feed.states()[0].requests == polls  # nothing polls while paused
        await pilot.press("p")
        assert not live.feed.paused
        await wait_until(lambda: live.feed.states()[0].requests > polls, 5.0)
        assert "PAUSED" not in status_text(live)


async def test_theme_key_cycles_dark_and_light_and_recolours_cells() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        assert app.theme == "rotmon-dark"
        iwm = next(r for r in snapshot.spreads if r.id == "IWM/SPY")
        tone = "gain" if (iwm.returns["1Y"].spread_pp or 0) > 0 else "loss"
        table = app.dashboard.query_one(SpreadTable)
        await pilot.press("t")
        assert app.theme == "rotmon-light"
        await pilot.pause()
        await pilot.pause()
        color = table.get_cell("IWM/SPY", "1Y").style.color
        assert color == RichColor.parse(LIGHT.variables[tone])
        await pilot.press("t")
        assert app.theme == "rotmon-dark"


async def test_help_lists_the_bindings_including_a_remapped_key() -> None:
    app = demo_app(keymap={"window.next": "w"})
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        entries = {e.action: (e.description, e.keys) for e in app.screen.entries}
        assert entries["window(1)"] == ("Next window", ("w",))
        assert entries["window(-1)"] == ("Previous window", ("[",))
        assert entries["quit_app"] == ("Quit", ("q",))
        assert set(entries["cursor_down"][1]) == {"↓", "j"}
        assert entries["show_pane(0)"] == ("Spreads pane", ("1",))
        assert entries["refresh_now"] == ("Refresh", ("r",))
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("w")
        assert app.dashboard.query_one(SectorHeatmap).window == "3M"
        await pilot.press("question_mark")
        await pilot.press("question_mark")
        assert isinstance(app.screen, DashboardScreen)


async def test_palette_offers_the_dashboard_actions_and_runs_them() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"next window")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.dashboard.query_one(SectorHeatmap).window == "3M"


async def test_enter_on_every_pane_requests_a_drill_down_and_never_crashes() -> None:
    app = demo_app("hard-landing")
    drills = Received(DrillDownRequested)
    async with app.run_test(size=(160, 48), message_hook=drills) as pilot:
        snapshot = await snapshot_on_screen(app)
        for key in ("1", "2", "3", "4"):
            await pilot.press(key, "enter")
        await pilot.press("2", "j", "enter")
        assert isinstance(app.screen, DashboardScreen)
        first_alert = app.dashboard.query_one(AlertTable).cursor_key()
        assert first_alert is not None
        assert [(m.kind, m.key) for m in drills] == [
            ("pair", "IWM/SPY"),
            ("sector", snapshot.heatmap[0].sector),
            ("alert", first_alert),
            ("macro", snapshot.macro[0].id),
            ("sector", snapshot.heatmap[1].sector),
        ]
        await pilot.press("q")
    assert app.return_code == 0


async def test_registered_drill_screen_is_pushed_and_escape_returns() -> None:
    from textual.screen import Screen
    from textual.widgets import Static

    class PairScreen(Screen[None]):
        def __init__(self, pair: str) -> None:
            super().__init__()
            self.pair = pair

        def compose(self) -> Any:
            yield Static(self.pair)

    app = demo_app(drill_screens={"pair": lambda _app, key: PairScreen(key)})
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("j", "enter")
        assert isinstance(app.screen, PairScreen) and app.screen.pair == "IJR/SPY"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.dashboard.query_one(SpreadTable).cursor_row == 1


async def test_layout_follows_resizes_down_to_a_too_small_terminal() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        steps = [
            ((160, 48), "grid"),
            ((60, 20), "tiny"),
            ((300, 80), "grid"),
            ((79, 24), "tiny"),
            ((80, 23), "tiny"),
            ((120, 30), "grid"),
            ((119, 30), "narrow"),
            ((80, 24), "narrow"),
        ]
        for (width, height), layout in steps:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            screen = app.dashboard
            assert screen.has_class("-tiny") is (layout == "tiny"), (width, height)
            assert screen.has_class("-narrow") is (layout == "narrow"), (width, height)
            too_small = screen.query_one("#too-small")
            assert too_small.display is (layout == "tiny")
            assert screen.query_one(Grid).display is (layout != "tiny")
            if layout == "tiny":
                assert f"({width}×{height})" in str(too_small.render())
        await pilot.press("2")
        assert visible_panes(app) == ["pane-sectors"]
        await pilot.press("q")
    assert app.return_code == 0


async def test_mouse_clicks_select_tabs_panes_and_rows() -> None:
    app = demo_app()
    drills = Received(DrillDownRequested)
    async with app.run_test(size=(80, 24), message_hook=drills) as pilot:
        await snapshot_on_screen(app)
        await pilot.click("#tabs", offset=(16, 0))  # " 2 Sectors "
        assert app.dashboard.active_pane == 1
        heatmap = app.dashboard.query_one(SectorHeatmap)
        await pilot.click(SectorHeatmap, offset=(5, 4))  # header line, then rows 0..
        assert heatmap.cursor_row == 3 and app.focused is heatmap
        await pilot.click(SectorHeatmap, offset=(5, 4))  # second click on the row drills down
        last = drills.messages[-1]
        assert (last.kind, last.key) == ("sector", heatmap.selected_sector)

    wide = demo_app()
    async with wide.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(wide)
        await pilot.click(MacroTable, offset=(3, 3))
        assert wide.dashboard.active_pane == 3
        assert wide.dashboard.query_one(MacroTable).cursor_row == 2
        await pilot.click("#gauge-hard_landing", offset=(2, 0))  # not focusable: selects the pane
        assert wide.dashboard.active_pane == 2
        assert isinstance(wide.focused, AlertTable)


async def test_sort_key_orders_spreads_by_window_and_back() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        table = app.dashboard.query_one(SpreadTable)
        await pilot.press("s")  # by 1D spread, largest first
        order = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        expected = sorted(snapshot.spreads, key=lambda r: -(r.returns["1D"].spread_pp or -99))
        assert order == [r.id for r in expected]
        for _ in range(len(WINDOWS)):
            await pilot.press("s")  # 1W .. 1Y, then z
        await pilot.press("s")  # back to the natural order
        order = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert order[0] == "IWM/SPY"
        assert order == [r.id for r in snapshot.spreads]


async def test_ack_and_mute_mark_the_alert_row() -> None:
    app = demo_app("hard-landing")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("a")  # spreads focused: nothing to acknowledge
        assert app.acked == set()
        await pilot.press("3")
        table = app.dashboard.query_one(AlertTable)
        rule = table.cursor_key()
        assert rule is not None
        await pilot.press("a")
        await pilot.pause()
        assert app.acked == {rule}
        assert table.get_cell(rule, "ack").plain == "ack"
        await pilot.press("m")
        await pilot.pause()
        assert table.get_cell(rule, "ack").plain == "muted"


class SteppingDemo:
    """A demo source that also steps (as a data pack does), recording the steps."""

    def __init__(self) -> None:
        self.inner = demo_source()
        self.name, self.kind, self.clock = "demo", "demo", self.inner.clock
        self.steps: list[int] = []

    async def fetch(self, now: Any) -> Any:
        return await self.inner.fetch(now)

    async def bars(self, symbol: str) -> Any:
        return None

    def status(self) -> Any:
        return self.inner.status()

    async def aclose(self) -> None:
        return None

    def step(self, n: int) -> None:
        self.steps.append(n)


async def test_asof_keys_step_a_source_that_can_and_are_inert_otherwise() -> None:
    from tests.tui.conftest import START

    source = SteppingDemo()
    app = RotmonApp(source, clock=lambda: START, live_polling=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("less_than_sign", "greater_than_sign")
        await pilot.press("left_curly_bracket", "right_curly_bracket")
        assert source.steps == [-1, 1, -5, 5]
        await wait_until(lambda: app.feed.states()[0].requests >= 2)

    plain = demo_app()
    async with plain.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(plain)
        assert plain.check_action("step_asof", (1,)) is None  # shown disabled, does nothing
        await pilot.press("less_than_sign")
        assert plain.feed.states()[0].requests == 1


async def test_ansi_and_no_color_modes() -> None:
    app = demo_app(ansi=True)
    async with app.run_test(size=(80, 24)):
        await snapshot_on_screen(app)
        assert app.theme == "rotmon-ansi-dark"
        assert app.ansi_color is True
        cell = app.dashboard.query_one(SpreadTable).get_cell("IWM/SPY", "1Y")
        assert cell.style.color is not None and cell.style.color.number in (1, 2)  # red/green

    mono = demo_app(no_color=True)
    async with mono.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(mono)
        assert mono.no_color
        await pilot.press("2")
        text = mono.dashboard.query_one(SectorHeatmap).render_line(1).text
        leg = snapshot.heatmap[0].returns["1M"]
        assert f"{leg.spread_pp:+.2f}" in text  # the sign carries the direction


async def test_live_ticks_reach_the_screen() -> None:
    from data_sources.demo import DemoSource
    from tests.tui.conftest import START

    # 600x: ten demo minutes a second, so every poll brings new prices.
    source = DemoSource(seed=7, scenario="rotation", speed=600.0, start=START)
    app = RotmonApp(source, live_polling=True, poll_interval=0.2, refresh=10.0)
    async with app.run_test(size=(160, 48)) as pilot:
        first = await snapshot_on_screen(app)
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof > first.asof, 10)
        await pilot.press("p")  # freeze what is on screen
        await pilot.pause(0.3)
        shown = app.snapshot
        assert shown is not None and shown.spreads != first.spreads
        table = app.dashboard.query_one(SpreadTable)
        iwm = next(r for r in shown.spreads if r.id == "IWM/SPY")
        line = table.render_line(1).text  # y 0 is the header, y 1 the headline pair
        assert line.startswith("IWM/SPY")
        assert f"{iwm.returns['1D'].spread_pp:+.2f}" in line
        assert f"{iwm.ratio:.4f}" in line


async def test_snapshot_listeners_get_snapshot_and_market_and_cannot_break_the_app() -> None:
    seen: list[tuple[Any, Any]] = []

    def broken(_snapshot: Any, _market: Any) -> None:
        raise RuntimeError("consumer bug")

    app = demo_app()
    app.snapshot_listeners.extend([broken, lambda s, m: seen.append((s, m))])
    async with app.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(app)
        assert len(seen) == 1 and seen[0][0] is snapshot
        market = seen[0][1]
        assert market is app.market and "IWM" in market.prices
        await pilot.press("r")
        await wait_until(lambda: len(seen) == 2)
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_view_settles_after_each_refresh_and_says_so_to_its_listeners() -> None:
    settled: list[Any] = []

    def broken(_snapshot: Any) -> None:
        raise RuntimeError("consumer bug")

    app = demo_app()
    app.settled_listeners.extend([broken, settled.append])
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.is_settled  # nothing on screen yet
        snapshot = await snapshot_on_screen(app)
        assert app.is_settled and settled and settled[-1] is snapshot
        assert app.feed.refresh_now() == 1  # a poll in flight: no longer settled
        assert not app.is_settled
        heard = len(settled)
        again = await snapshot_on_screen(app)
        assert again is app.snapshot and again is not snapshot
        assert len(settled) > heard and settled[-1] is again
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_builtin_theme_works_with_default_gain_and_loss_colours() -> None:
    from tui.themes import VARIABLE_DEFAULTS

    app = demo_app(theme="nord")
    async with app.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(app)
        iwm = next(r for r in snapshot.spreads if r.id == "IWM/SPY")
        tone = "gain" if (iwm.returns["1Y"].spread_pp or 0) > 0 else "loss"
        cell = app.dashboard.query_one(SpreadTable).get_cell("IWM/SPY", "1Y")
        assert cell.style.color == RichColor.parse(VARIABLE_DEFAULTS[tone])
        await pilot.press("t")
        assert app.theme == "rotmon-dark"  # the configured theme joins the cycle, first


def test_an_unknown_theme_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown theme 'nope': expected one of"):
        demo_app(theme="nope")


async def test_palette_has_one_quit_and_one_theme_and_its_screenshot_says_where(
    tmp_path: Any,
) -> None:
    app = demo_app(export_dir=tmp_path)
    async with app.run_test(size=(160, 48)):
        await snapshot_on_screen(app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" not in titles and "Theme" not in titles  # the bindings' entries serve
        shot = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
        shot.callback()

        def written() -> str:  # the file appears (mode x) a moment before its text does
            paths = list(tmp_path.glob("rotmon-screen-*.svg"))
            return paths[0].read_text(encoding="utf-8").replace("&#160;", " ") if paths else ""

        await wait_until(lambda: "</svg>" in written())
        path = next(tmp_path.glob("rotmon-screen-*.svg"))
        assert "IWM/SPY" in written()
        await wait_until(lambda: any(str(path) in n.message for n in app._notifications))


async def test_help_scrolls_with_j_k_g_and_G() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        scroller = app.screen._scroller()
        assert scroller.max_scroll_y > 3  # the key list is longer than 24 lines
        await pilot.press("j", "j", "j")
        await wait_until(lambda: scroller.scroll_y == 3)
        await pilot.press("k")
        await wait_until(lambda: scroller.scroll_y == 2)
        await pilot.press("G")
        await wait_until(lambda: scroller.scroll_y == scroller.max_scroll_y)
        await pilot.press("g")
        await wait_until(lambda: scroller.scroll_y == 0)


@pytest.mark.parametrize(
    "size", [(80, 24), (160, 48), (300, 80)], ids=["80x24", "160x48", "300x80"]
)
async def test_sorting_keeps_the_selection_on_its_pair_and_g_G_jump(size: tuple[int, int]) -> None:
    from widgets.keyed_table import sort_label

    app = demo_app()
    drills = Received(DrillDownRequested)
    async with app.run_test(size=size, message_hook=drills) as pilot:
        await snapshot_on_screen(app)
        table = app.dashboard.query_one(SpreadTable)
        table.focus()
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        last = table.cursor_key()
        await pilot.press("home", "j", "j")
        chosen = table.cursor_key()
        assert chosen not in (None, last)
        seen_rows = set()
        for _ in range(len(table.SORTABLE)):
            await pilot.press("s")
            await pilot.pause()
            assert table.cursor_key() == chosen  # the rows moved; the selection went with its pair
            said = f"Spreads sorted by {table.sort_column or 'pair'}"
            assert any(n.message == said for n in app._notifications)  # s says what it did
            seen_rows.add(table.cursor_row)
            # on screen too: the highlighted line is the chosen pair's, wherever it moved
            line = painted_lines(app)[table.region.y + 1 + table.cursor_row - round(table.scroll_y)]
            assert chosen in line, (size, chosen, line)
        assert len(seen_rows) > 1  # some sort really moved the pair
        await pilot.press("enter")
        last = drills.messages[-1]
        assert (last.kind, last.key) == ("pair", chosen)
    # A sorted header keeps a gap before its neighbour: never "1YZ 1Y ▼".
    assert sort_label("Z 1Y", "▼", 6) == "Z 1Y▼"
    assert sort_label("1D", "▼", 7) == "1D ▼"
    assert len(sort_label("Ratio 6M", "▼", 6)) == 5
