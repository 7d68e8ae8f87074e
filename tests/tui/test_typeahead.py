"""Keys typed faster than the screen moves focus: a trader types ``:xle`` or ``/energy`` in one
go (or pastes it, or the keys arrive in one read over SSH). Every key after ``:`` or ``/`` is the
box's, never the widget that had focus before (where ``a`` would acknowledge an alert)."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.test_wired_app import wired


def _burst(app: object, text: str) -> None:
    """Post the keys of ``text`` to the app at once, as a driver does with one read."""
    names = {":": "colon", "/": "slash", " ": "space"}
    for char in text:
        app.post_message(events.Key(names.get(char, char), char))  # type: ignore[attr-defined]


async def test_keys_typed_right_after_colon_reach_the_jump_box(tmp_path: Path) -> None:
    from tui.screens.jump import SymbolJump

    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        _burst(app, ":xlq")  # q quits the dashboard; here it is text
        await wait_until(lambda: isinstance(app.screen, SymbolJump))
        await pilot.pause()
        assert app.screen.query_one(Input).value == "xlq"
        assert app.is_running


async def test_keys_typed_right_after_slash_reach_the_filter(tmp_path: Path) -> None:
    from tui.screens.sector import FilterInput, SectorScreen

    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        app.open_drill("sector", "Energy")
        await wait_until(lambda: isinstance(app.screen, SectorScreen))
        sector = app.screen
        await pilot.pause()
        cursor = sector.table.cursor_row
        _burst(app, "/x:/o")  # inside the box, ":" and "/" are text
        await pilot.pause()
        await pilot.pause()
        assert sector.query_one(FilterInput).value == "x:/o"
        assert sector.table.cursor_row == cursor  # no key moved the table underneath
