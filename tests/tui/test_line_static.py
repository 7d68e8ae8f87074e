"""LineStatic (the header clock, the status bar's ages) draws what Textual's ``Static`` draws for
the same text: the same segments (text and style), through ticks, themes, widths, NO_COLOR."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.filter import Monochrome, NoColor
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

import widgets.line_static as line_static
from tui.themes import THEMES
from widgets.line_static import LineStatic, substitute


class Pair(App[None]):
    """The same CSS on an old ``Static`` and a ``LineStatic``, one above the other."""

    CSS = """
    Horizontal { height: 1; background: $panel; color: $foreground; }
    .cell { height: 1; width: auto; padding: 0 1; text-style: bold; color: $accent; }
    .cell.-fixed { width: 14; }
    .cell.-wide { width: 1fr; }
    """

    def __init__(self, classes: str) -> None:
        super().__init__()
        self.classes_ = classes
        for theme in THEMES:
            self.register_theme(theme)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(id="old", classes=self.classes_)
        with Horizontal():
            yield LineStatic(id="new", classes=self.classes_)


def clock_texts() -> list[Text]:
    """A clock ticking: same length, a minute turning, then a shorter pattern (a resize)."""
    times = ["10:32:05", "10:32:06", "10:32:07", "10:32:59", "10:33:00", "10:33:01"]
    texts = [Text(f"NY Tue Mar 10 {t}") for t in times]
    texts += [Text("NY 10:33:02"), Text("NY 10:33:03"), Text("")]
    return texts


def status_texts() -> list[Text]:
    """Styled pieces, as the status bar builds them: ages ticking, a state changing."""
    ok = Style(color="#50fa7b")
    hint = Style(color="#888888")
    bad = Style(color="#ff5555", bold=True)
    texts = []
    for age, nxt, style, state in [
        (4, 1, ok, "ok"),
        (5, 5, ok, "ok"),
        (1, 4, ok, "ok"),
        (2, 3, ok, "ok"),
        (9, 9, ok, "ok"),
        (10, 9, ok, "ok"),
        (11, 8, bad, "failing"),
        (12, 7, bad, "failing"),
        (12, 7, ok, "ok"),
    ]:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" demo ● {state} {age}s next {nxt}s", style)
        text.append(" │", hint)
        text.append(" news ○ off", hint)
        texts.append(text)
    return texts


def cells(strips: list[Strip]) -> list[list[tuple[str, Style | None]]]:
    return [[(seg.text, seg.style) for seg in strip] for strip in strips]


async def _compare(
    texts: list[Text], classes: str, size: tuple[int, int], themes: list[str]
) -> int:
    """Show each text in both widgets in every theme; returns how many lines were substituted."""
    substituted = 0
    real = line_static.substitute

    def counting(strip: Strip, old: str, new: str) -> Strip:
        nonlocal substituted
        substituted += 1
        return real(strip, old, new)

    line_static.substitute = counting
    try:
        app = Pair(classes)
        async with app.run_test(size=size) as pilot:
            old = app.query_one("#old", Static)
            new = app.query_one("#new", LineStatic)
            for theme in themes:
                app.theme = theme
                previous = ""
                for text in texts:
                    relayout = len(text.plain) != len(previous)
                    previous = text.plain
                    old.update(text.copy(), layout=relayout)
                    new.show(text.copy(), layout=relayout)
                    await pilot.pause()
                    assert old.size == new.size
                    region = Region(0, 0, old.outer_size.width, 1)
                    want = old.render_lines(region)
                    got = new.render_lines(region)
                    assert cells(got) == cells(want), (theme, text.plain)
                    for filt in (NoColor(), Monochrome()):
                        background = app.screen.styles.background
                        assert cells([s.apply_filter(filt, background) for s in got]) == cells(
                            [s.apply_filter(filt, background) for s in want]
                        )
    finally:
        line_static.substitute = real
    return substituted


THEME_NAMES = [t.name for t in THEMES]


@pytest.mark.parametrize("classes", ["cell", "cell -fixed", "cell -wide"])
@pytest.mark.parametrize("size", [(160, 4), (40, 4), (12, 4)])
async def test_clock_lines_equal_static(classes: str, size: tuple[int, int]) -> None:
    substituted = await _compare(clock_texts(), classes, size, THEME_NAMES)
    if size[0] >= 40 and classes != "cell -fixed":  # the ticking seconds are substituted
        assert substituted >= 4 * len(THEME_NAMES)
    elif classes == "cell -fixed":  # 12 cells: only the short clock fits uncropped
        assert substituted == len(THEME_NAMES)


@pytest.mark.parametrize("classes", ["cell", "cell -fixed", "cell -wide"])
@pytest.mark.parametrize("size", [(160, 4), (30, 4)])
async def test_status_lines_equal_static(classes: str, size: tuple[int, int]) -> None:
    substituted = await _compare(status_texts(), classes, size, THEME_NAMES)
    if size[0] >= 160 and classes != "cell -fixed":
        assert substituted >= 3 * len(THEME_NAMES)


def test_substitute_keeps_segments_and_styles() -> None:
    a, b = Style(color="red"), Style(bold=True)
    strip = Strip([Segment(" 4s", a), Segment(" next", b), Segment("  ", None)])
    got = substitute(strip, " 4s next", " 5s nexu")
    assert list(got) == [Segment(" 5s", a), Segment(" nexu", b), Segment("  ", None)]
    assert got.cell_length == strip.cell_length
    same: Callable[[], Strip] = lambda: substitute(strip, " 4s next", " 4s next")  # noqa: E731
    assert same() is strip
