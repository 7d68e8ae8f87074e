"""Issue 19, drill-down open: a chart's picture is drawn a frame after the screen's first paint
(the title and the tables first, "drawing…" where the chart goes), the settled view waits for
it, and the footer is rebuilt only when its keys change."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from tests.support.screen import charts_drawn, snapshot_on_screen
from tests.tui.conftest import START, demo_source
from widgets.chart import ChartData, ChartPicture, Line, LineChart
from widgets.footer import KeyFooter
from widgets.keyed_table import KeyedTable


class Frames:
    """What each frame written to the (headless) terminal showed of the pair screen."""

    def __init__(self, app: Any) -> None:
        self.seen: list[tuple[bool, bool, tuple[bool, ...]]] = []
        display = app._display

        def spy(screen: Any, update: Any) -> None:
            display(screen, update)
            if update is not None and type(screen).__name__ == "PairScreen" and screen.is_mounted:
                title = str(screen.query_one("#pair-title").render()).strip()
                rows = screen.query_one("#pair-returns", KeyedTable).row_count
                drawn = tuple(c._drawn_for is not None for c in screen.query(LineChart))
                self.seen.append((bool(title), rows > 0, drawn))

        app._display = spy


async def test_the_pair_screen_paints_its_tables_first_then_its_charts() -> None:
    from tui.config import Settings
    from tui.wiring import build_app

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            demo_source(), Settings(), kind="demo", db=Path(tmp) / "a.sqlite3", badge="DEMO",
            live_polling=False, clock=lambda: START,
        )  # fmt: skip
        async with app.run_test(size=(160, 48)) as pilot:
            await snapshot_on_screen(app)
            frames = Frames(app)
            heard: list[tuple[bool, ...]] = []

            def listener(_snapshot: object) -> None:
                heard.append(tuple(not c.needs_drawing for c in app.screen.query(LineChart)))

            app.settled_listeners.append(listener)
            await pilot.press("enter")  # the cursor starts on IWM/SPY
            await snapshot_on_screen(app)
            charts = list(app.screen.query(LineChart))
            assert type(app.screen).__name__ == "PairScreen" and len(charts) == 2
            first = frames.seen[0]
            assert first[:2] == (True, True)  # title and returns in the first frame ...
            assert first[2] == (False, False)  # ... before any chart is drawn
            assert any(seen[2] == (True, True) for seen in frames.seen)  # then the charts
            assert all(not c.needs_drawing for c in charts) and app.is_settled
            assert heard and all(all(drawn) for drawn in heard)  # never settled before
            assert "drawing…" not in app.export_screenshot()


async def test_a_chart_says_drawing_then_draws_and_the_settled_view_waits() -> None:
    data = ChartData("the ratio", ("a", "b", "c"), (Line("x", (1.0, 2.0, 3.0)),))

    drawn: list[LineChart.Drawn] = []

    class Charts(App[None]):
        def compose(self) -> ComposeResult:
            yield LineChart(id="c")

        def on_line_chart_drawn(self, message: LineChart.Drawn) -> None:
            drawn.append(message)  # as RotmonApp checks its settled view

    app = Charts()
    async with app.run_test(size=(60, 12)) as pilot:
        chart = app.query_one(LineChart)
        await pilot.pause()
        chart.set_data(data)
        assert chart.needs_drawing  # set, not drawn: a settled view must wait
        placeholder = chart.render()  # the paint that first shows it
        assert "drawing…" in str(placeholder.renderables[1])  # type: ignore[union-attr]
        assert "the ratio" in str(placeholder.renderables[0])  # type: ignore[union-attr]
        assert not drawn
        await charts_drawn(pilot)
        assert not chart.needs_drawing and chart._drawn_for is not None
        assert isinstance(chart.render(), ChartPicture)
        await pilot.pause()
        assert drawn  # the app is told (RotmonApp checks its settled view)
        chart.styles.display = "none"
        chart.set_data(ChartData("the ratio", ("a", "b"), (Line("x", (1.0, 2.0)),)))
        await pilot.pause()
        assert not chart.needs_drawing  # a hidden chart never holds the settled view


class TwoKeys(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = []


class First(TwoKeys):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "noop", "Ex")]


class Second(TwoKeys):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "noop", "Why")]


class Keys(Screen[None]):
    def compose(self) -> ComposeResult:
        yield First("one", id="one")
        yield Second("two", id="two")
        yield KeyFooter()


async def test_the_footer_is_rebuilt_only_when_its_keys_change() -> None:
    built: list[int] = []

    class Counting(KeyFooter):
        def compose(self) -> ComposeResult:
            if self._bindings_ready:
                built.append(1)
            yield from super().compose()

    class CountingKeys(Keys):
        def compose(self) -> ComposeResult:
            yield First("one", id="one")
            yield Second("two", id="two")
            yield Counting()

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(CountingKeys())

    app = Host()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(Counting)
        texts = lambda: " ".join(str(k.render()) for k in footer.children)  # noqa: E731
        assert "Ex" in texts() and "Why" not in texts()
        assert len(built) == 1  # mount, focus and resume said "bindings changed": one rebuild
        app.screen.refresh_bindings()
        await pilot.pause()
        assert len(built) == 1  # the same keys: nothing rebuilt
        app.screen.query_one("#two").focus()
        await pilot.pause()
        await pilot.pause()
        assert len(built) == 2 and "Why" in texts() and "Ex" not in texts()


def _simple(strip: Any) -> list[tuple[str, Any]]:
    """A strip's cells as (text, style) runs, adjacent runs of one style merged."""
    from rich.segment import Segment

    return [(s.text, s.style) for s in Segment.simplify(list(strip)) if s.text]


@pytest.mark.parametrize(
    "theme", ["rotmon-dark", "textual-light", "rotmon-ansi-dark", "ansi-light"]
)
async def test_the_picture_has_the_segments_textual_drew_from_plotexts_ansi_text(
    theme: str,
) -> None:
    """``ChartPicture`` (plotext's matrix read directly) against what the widget drew before:
    ``Group(legend, Text.from_ansi(plt.build()))`` through Textual's own Rich path."""
    from rich.console import Group
    from rich.text import Text
    from textual.visual import Visual, visualize

    from tui.themes import THEMES
    from widgets.chart import HLine, matrix_rows

    n = 300
    values = tuple(1.0 + 0.3 * ((i * 37) % 101) / 101 + i / n for i in range(n))
    gaps = tuple(None if i % 50 == 7 else v for i, v in enumerate(values))
    labels = tuple(f"25-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(n))
    charts = [
        ChartData("IWM/SPY ratio", labels, (Line("ratio", values), Line("50d", gaps, "accent"))),
        ChartData("z", labels, (Line("z", gaps),), (HLine("+2", 1.8), HLine("0", 1.2, "error"))),
    ]

    class Charts(App[None]):
        def compose(self) -> ComposeResult:
            yield LineChart(id="c")

    app = Charts()
    for t in THEMES:
        app.register_theme(t)
    async with app.run_test(size=(97, 23)) as pilot:
        app.theme = theme
        chart = app.query_one(LineChart)
        await pilot.pause()
        width, height = chart.size.width, chart.size.height
        for data in charts:
            chart.set_data(data)
            chart._draw(width, height - 1)
            picture = ChartPicture(chart.legend(), matrix_rows(chart.plt))
            chart._draw(width, height - 1)
            before = Group(chart.legend(), Text.from_ansi(chart.plt.build()))
            style = chart.visual_style
            new = Visual.to_strips(chart, picture, width, height, style)
            old = Visual.to_strips(chart, visualize(chart, before), width, height, style)
            assert len(new) == len(old) == height
            assert [_simple(s) for s in new] == [_simple(s) for s in old]
            assert sum(len(runs) for runs in picture.rows) > height  # colours were drawn


def test_plotext_is_imported_when_the_first_chart_is_drawn_not_at_start() -> None:
    """The dashboard below 200x60 shows no chart: plotext (~25 ms, ~1.5 MB) waits for one."""
    import subprocess
    import sys

    code = """
import asyncio, sys, tempfile
from pathlib import Path
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import START, demo_source
from tui.config import Settings
from tui.wiring import build_app

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(demo_source(), Settings(), kind="demo", db=Path(tmp) / "a.sqlite3",
                        live_polling=False, clock=lambda: START)
        async with app.run_test(size=(160, 48)) as pilot:
            await snapshot_on_screen(app)
            before = "plotext" in sys.modules
            await pilot.press("enter")
            await snapshot_on_screen(app)
            print(before, "plotext" in sys.modules, type(app.screen).__name__)

asyncio.run(main())
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1:] == ["False True PairScreen"], out.stderr[-2000:]
