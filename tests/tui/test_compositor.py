"""What the terminal shows is what the screen holds: every frame the app writes is fed into a
terminal emulator (pyte) and compared with a full render of the screen (tui/compositor.py)."""

from __future__ import annotations

import pyte
import pytest
from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui import compositor

SIZE = (24, 6)


class _Terminal(App[None]):
    """An app whose frames also go to a terminal emulator: the bytes a real terminal gets."""

    CSS = "#top { height: auto; } VerticalScroll { height: 2; }"

    def __init__(self) -> None:
        super().__init__()
        self.term = pyte.Screen(*SIZE)
        self._stream = pyte.Stream(self.term)

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield Static("A" * SIZE[0], id="a")
            yield Static("B" * SIZE[0], id="b")
        with VerticalScroll():
            yield Static("C" * SIZE[0])
            yield Static("D" * SIZE[0])
            yield Static("off screen", id="hidden")

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        if isinstance(renderable, CompositorUpdate) and not self._batch_count:
            self._stream.feed(renderable.render_segments(self.console))
        super()._display(screen, renderable)

    def shown(self) -> list[str]:
        return [line.rstrip() for line in self.term.display]

    def held(self) -> list[str]:
        return [strip.text.rstrip() for strip in self.screen._compositor.render_strips()]


@pytest.mark.asyncio
async def test_a_removed_widget_leaves_the_terminal_after_a_refresh_off_screen() -> None:
    """A refresh of a widget scrolled out of view marks Textual's full map stale; removing a
    widget from a container of auto height then rebuilds that map (the removal reads the
    container's region) before the removal's layout, which Textual compared with itself: the
    rows the container gave up were never repainted (a toast leaving the toast rack, in
    rotmon). Fails on Textual 8.2's own compositor."""
    assert compositor.install()
    app = _Terminal()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.shown()[:2] == ["A" * SIZE[0], "B" * SIZE[0]]
        app.query_one("#hidden", Static).update("still off screen")
        await pilot.pause()
        await app.query_one("#a", Static).remove()
        await pilot.pause()
        assert app.shown() == app.held()
        assert app.shown()[:2] == ["B" * SIZE[0], "C" * (SIZE[0] - 2)]  # and its scrollbar
