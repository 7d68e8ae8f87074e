"""The screens' compositors (tui/compositor.py): what the terminal shows is what the screen
holds (every frame the app writes fed into a terminal emulator, pyte, and compared with a full
render of the screen), and the dashboard's partial frames render only their lines and paint
exactly what Textual's own compositor paints, line for line, cut for cut."""

from __future__ import annotations

from pathlib import Path

import pyte
import pytest
from rich.console import RenderableType
from textual._compositor import Compositor, CompositorUpdate
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled
from tests.tui.hardening_helpers import wired_demo
from tui import compositor
from tui.compositor import LineCropCompositor

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


def _frames(comp: Compositor, crop: Region, lines: set[int]) -> tuple[object, object]:
    mine = comp._render_chops(crop, lines.__contains__)
    comp._get_renders = lambda crop=None: Compositor._get_renders(comp, crop)  # type: ignore[method-assign]
    try:
        theirs = comp._render_chops(crop, lines.__contains__)
    finally:
        del comp._get_renders
    return [mine[y] for y in sorted(lines)], [theirs[y] for y in sorted(lines)]


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_partial_frames_paint_what_textuals_compositor_paints(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = wired_demo(tmp_path, "oil-shock")
    async with app.run_test(size=size) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.pause()
        comp = app.screen._compositor
        assert isinstance(comp, LineCropCompositor)
        width, height = size
        cases: list[tuple[Region, set[int]]] = [
            (Region(0, y, width, 1), {y})
            for y in range(height)  # each line
        ]
        cases += [
            (Region(width - 12, 0, 12, 1), {0}),  # the clock's cells
            (Region(3, 2, 41, 9), set(range(2, 11))),  # a block across panes
            (Region(width // 2, height // 2, 1, 1), {height // 2}),  # one cell
            (Region(0, 0, width, height), set(range(height))),  # everything
            (Region(0, 0, width, height), {0, height - 1}),  # the clock and the status line
            (Region(7, 1, 20, height - 3), {1, 5, height - 3}),  # lines of a tall box
        ]
        for crop, lines in cases:
            mine, theirs = _frames(comp, crop, lines)
            assert mine == theirs, (crop, sorted(lines))
        # and after the panes moved: the next pane focused, the table scrolled
        await pilot.press("tab", "down", "down", "down")
        await pilot.pause()
        for crop, lines in cases[:height:3]:
            mine, theirs = _frames(comp, crop, lines)
            assert mine == theirs, (crop, sorted(lines))


async def test_the_crop_is_what_is_rendered(tmp_path: Path) -> None:
    """A one-line frame renders one line of each widget it crosses, not their whole height;
    a frame painting the top and the bottom line (the once-a-second tick of the clock and the
    status ages) renders those two lines of each widget that crosses them, not the screen
    between."""
    app = wired_demo(tmp_path, "rotation")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.pause()
        comp = app.screen._compositor
        renders = list(comp._get_renders(Region(0, 0, 160, 1)))
        assert renders and all(len(strips) == 1 for _, _, strips in renders)
        stock = list(Compositor._get_renders(comp, Region(0, 0, 160, 1)))
        assert sum(len(s) for _, _, s in stock) > 10 * sum(len(s) for _, _, s in renders)

        rendered: list[int] = []
        own = comp._get_renders

        def counting(crop: Region | None = None) -> object:
            for region, clip, strips in own(crop):
                rendered.append(len(strips))
                yield region, clip, strips

        comp._get_renders = counting  # type: ignore[method-assign]
        comp._render_chops(Region(0, 0, 160, 48), {0, 47}.__contains__)
        assert rendered and all(n == 1 for n in rendered)
        assert sum(rendered) < 30


def _bytes_of_partial_frames(
    app: App[object], regions: list[Region]
) -> tuple[str | None, str | None, list[str]]:
    """What the dashboard's compositor and Textual's own write for a frame whose dirty
    regions are ``regions``, and the ids of the widgets the dashboard's rendered."""
    comp = app.screen._compositor
    rendered: list[str] = []
    original = Widget.render_lines

    def counting(widget: Widget, crop: Region) -> list[Strip]:
        rendered.append(str(widget.id or type(widget).__name__))
        return original(widget, crop)

    comp._dirty_regions = set(regions)
    Widget.render_lines = counting  # type: ignore[method-assign]
    try:
        mine = comp.render_partial_update()
    finally:
        Widget.render_lines = original  # type: ignore[method-assign]
    comp._dirty_regions = set(regions)
    comp._get_renders = lambda crop=None: Compositor._get_renders(comp, crop)  # type: ignore[method-assign]
    comp._render_chops = lambda crop, lines: Compositor._render_chops(comp, crop, lines)  # type: ignore[method-assign]
    try:
        theirs = Compositor.render_partial_update(comp)
    finally:
        del comp._get_renders, comp._render_chops
    return (
        None if mine is None else mine.render_segments(app.console),
        None if theirs is None else theirs.render_segments(app.console),
        rendered,
    )


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_partial_frames_write_what_textuals_compositor_writes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """A partial frame leaves out the widgets that reach none of its spans; the bytes it
    writes are Textual's own, byte for byte: the clock, the status ages, both, cells of one
    pane, of several, at the edges of widgets, lines of a tall box, the whole screen."""
    app = wired_demo(tmp_path, "oil-shock")
    async with app.run_test(size=size) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.pause()
        assert isinstance(app.screen._compositor, LineCropCompositor)
        width, height = size
        clock = app.screen.query_one("#clock").region
        ages = app.screen.query_one("#status-sources").region
        cases: list[list[Region]] = [
            [clock],
            [ages],
            [clock, ages],
            [Region(3, 2, 41, 9)],
            [Region(width // 2, height // 2, 1, 1)],
            [Region(0, 0, width, height)],
            [Region(7, 1, 20, 1), Region(40, 5, 3, 2), Region(1, height - 3, width - 2, 1)],
        ]
        for widget in app.screen.query("*"):
            region = widget.region
            if region.area and region.area < width * height:
                cases.append([region])  # a widget's own cells: it ends where the next starts
                cases.append(
                    [Region(region.x, region.y, 1, 1), Region(region.right - 1, region.y, 1, 1)]
                )
        for regions in cases:
            mine, theirs, _ = _bytes_of_partial_frames(app, regions)
            assert mine is not None and mine == theirs, regions
        # the clock alone renders neither the indices beside it nor the status bar's text
        _, _, rendered = _bytes_of_partial_frames(app, [clock])
        assert "clock" in rendered and "indices" not in rendered and "badge" not in rendered
        assert "status-hints" not in rendered and "status-sources" not in rendered


class _SideBySide(Screen[None]):
    """Widgets directly on the screen, side by side: where a span ends only the screen and a
    widget the frame leaves out cover the next column."""

    CSS = "_SideBySide { layout: horizontal; } Static { width: 7; }"

    def __init__(self) -> None:
        super().__init__()
        self._compositor = compositor.compositor()

    def compose(self) -> ComposeResult:
        for name in "abc":
            yield Static(name * 7, id=name)


async def test_the_screen_covers_the_column_where_a_span_ends() -> None:
    app: App[None] = App()
    async with app.run_test(size=(30, 3)) as pilot:
        await app.push_screen(_SideBySide())
        await pilot.pause()
        assert isinstance(app.screen._compositor, LineCropCompositor)
        for name in "abc":
            region = app.screen.query_one(f"#{name}").region
            cases = [([region], name), ([Region(region.x, 0, 2, 1)], name)]
            cases.append(([Region(region.x, 1, region.width, 2)], ""))  # below: the screen's
            for regions, drawn in cases:
                mine, theirs, rendered = _bytes_of_partial_frames(app, regions)
                assert mine is not None and mine == theirs, (name, regions)
                assert "".join(r for r in rendered if r in "abc") == drawn, rendered


def test_a_textual_with_other_internals_gets_its_own_compositor() -> None:
    from tui.compositor import _crop_fits, _fits

    assert isinstance(compositor.compositor(), LineCropCompositor)  # the pinned Textual

    class Changed(Compositor):
        def _render_chops(self, crop, is_rendered_line, extra):  # type: ignore[no-untyped-def,override]
            return []

    class Gone(Compositor):
        _get_renders = None  # type: ignore[assignment]

    class NoVisibleMap(Compositor):
        def reflow(self, parent, size, extra):  # type: ignore[no-untyped-def,override]
            return super().reflow(parent, size)

    assert not _crop_fits(Changed) and not _crop_fits(Gone)
    assert not _fits(NoVisibleMap) and _fits(Compositor)
