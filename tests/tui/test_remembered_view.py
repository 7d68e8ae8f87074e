"""The remembered view: theme, pane, window, sorts, the constituents filter and the last
drill-down come back at the next start; ``--fresh`` ignores them; a broken file is no error."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import START, demo_source, settled, wait_until
from tui.app import RotmonApp
from tui.config import Settings
from tui.state import UiState, load_state, parse_state, save_state
from tui.wiring import build_app
from widgets.heatmap import SectorHeatmap
from widgets.spread_table import SpreadTable


def app_with_memory(tmp: Path, *, restore: bool = True) -> RotmonApp:
    app = build_app(
        demo_source("rotation"),
        Settings(export_dir=tmp),
        kind="demo",
        db=tmp / "a.sqlite3",
        badge="DEMO",
        clock=lambda: START,
        live_polling=False,
        state_path=tmp / "state" / "ui-state.json",
        restore_state=restore,
    )
    app.bell = lambda: None  # type: ignore[method-assign]
    return app


async def test_the_view_comes_back_at_the_next_start_and_fresh_ignores_it(tmp_path: Path) -> None:
    app = app_with_memory(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("t", "1", "s", "s", "2", "right_square_bracket", "s")
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        sector = app.screen.sector.sector
        await pilot.press("slash", *"chg > 0", "enter", "s")
        await pilot.press("q")
    saved = load_state(tmp_path / "state" / "ui-state.json")
    assert saved.theme == "rotmon-light" and saved.pane == 1 and saved.window == "3M"
    assert saved.drill == ("sector", sector)
    assert saved.filters["constituents"] == "chg > 0"
    assert saved.sorts["spreads"][0] is not None and saved.sorts["heatmap"][0] == "spread"

    again = app_with_memory(tmp_path)
    async with again.run_test(size=(160, 48)):
        await snapshot_on_screen(again)
        await wait_until(lambda: type(again.screen).__name__ == "SectorScreen")
        screen = again.screen
        assert screen.sector.sector == sector and screen.filter_text == "chg > 0"
        assert screen.table.sort_column == saved.sorts["constituents"][0]
        assert all(screen.table.row(k).chg > 0 for k in screen.table.keys)
        assert again.theme == "rotmon-light"
        dashboard = again.dashboard
        assert dashboard.active_pane == 1
        assert dashboard.query_one(SectorHeatmap).window == "3M"
        assert dashboard.query_one(SectorHeatmap).by_spread
        assert dashboard.query_one(SpreadTable).sort_column == saved.sorts["spreads"][0]

    fresh = app_with_memory(tmp_path, restore=False)
    async with fresh.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(fresh)
        await settled(fresh)
        await pilot.pause()
        assert type(fresh.screen).__name__ == "DashboardScreen"
        assert fresh.theme == "rotmon-dark" and fresh.dashboard.active_pane == 0
        assert fresh.dashboard.query_one(SectorHeatmap).window == "1M"


def test_a_broken_or_foreign_state_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ui-state.json"
    for text in ("", "not json", "[1, 2]", '{"pane": "x", "theme": 3, "drill": [1]}'):
        path.write_text(text, encoding="utf-8")
        state = load_state(path)
        assert state.pane is None and state.theme is None and state.drill is None
    assert load_state(tmp_path / "missing.json") == UiState()
    save_state(tmp_path / "sub" / "ui-state.json", UiState(pane=2, drill=("pair", "IWM/SPY")))
    assert load_state(tmp_path / "sub" / "ui-state.json").drill == ("pair", "IWM/SPY")


names = st.text(min_size=1, max_size=20)


@given(
    st.builds(
        UiState,
        theme=st.none() | names,
        pane=st.none() | st.integers(0, 3),
        window=st.none() | names,
        sorts=st.dictionaries(names, st.tuples(st.none() | names, st.booleans()), max_size=3),
        filters=st.dictionaries(names, st.text(max_size=50), max_size=3),
        drill=st.none() | st.tuples(names, names),
    )
)
def test_state_round_trips(state: UiState) -> None:
    assert parse_state(state.to_json()) == state
