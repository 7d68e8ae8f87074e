"""Line charts for the drill-down screens, drawn by plotext (textual-plotext) from plain data.

A chart's picture is drawn a frame after the paint that first shows it: that paint has the
title and a "drawing…" line, so a drill-down's tables and title are on screen without waiting
for plotext (~25 ms a chart at 160x48). ``LineChart.needs_drawing`` says a picture is still to
come (the app's settled view waits for it) and ``LineChart.Drawn`` is posted once it is drawn.
The pictures are drawn one after the other on the UI thread (plotext keeps module state).

plotext is imported when the first picture is drawn, not with this module (~25 ms and ~1.5 MB
the dashboard does not need below 200x60). Its cells are read from its matrix and made into
Strips directly (``ChartPicture``), not printed as ANSI text and parsed back (``Text.from_ansi``):
the same segments, a third of the time.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._context import active_app
from textual.app import RenderResult
from textual.color import Color
from textual.css.styles import RulesMap
from textual.message import Message
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.timer import Timer
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

if TYPE_CHECKING:
    from textual_plotext.plot import Plot

from analytics.text import inert

MAX_POINTS = 600
"""More points than a terminal has braille columns only cost time: longer series are thinned."""


@dataclass(frozen=True, slots=True)
class Line:
    """One plotted series; ``values`` align with ``ChartData.x_labels`` (None = no value).

    ``color`` names a theme variable (``primary``, ``secondary``, ``accent``, ``warning``,
    ``error``, ``success``, ``foreground``...), never a literal colour.
    """

    label: str
    values: tuple[float | None, ...]
    color: str = "primary"


@dataclass(frozen=True, slots=True)
class HLine:
    """A horizontal reference line (a threshold, zero) drawn across the whole chart."""

    label: str
    y: float
    color: str = "warning"


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything one chart shows. Equal data means no redraw."""

    title: str
    x_labels: tuple[str, ...]
    lines: tuple[Line, ...]
    hlines: tuple[HLine, ...] = ()
    empty_message: str = "no data"

    @property
    def has_points(self) -> bool:
        return any(v is not None for line in self.lines for v in line.values)


def series_values(values: Sequence[float] | Sequence[float | None]) -> tuple[float | None, ...]:
    """``values`` as chart values: NaN and infinities become None."""
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        f = float(v)
        out.append(f if math.isfinite(f) else None)
    return tuple(out)


RENDER_CACHE_SIZE = 16
"""Charts drawn lately, by everything their picture depends on: reopening a drill-down (same
data, size and theme) shows its charts without plotext (~25-30 ms a chart)."""

Run = tuple[str, Style]
"""Cells of one colour: their characters and their Rich style (null: the widget's own)."""


class ChartPicture(Visual):
    """A drawn chart: the legend line, then plotext's rows as runs of cells of one colour.

    Made into Strips on the widget's base style as Textual would draw ``Group(legend,
    Text.from_ansi(plotext's ANSI text))`` (same segments: tests/tui/test_chart_drawing.py),
    and kept for the last width and base style: a reopened chart reuses them."""

    def __init__(self, legend: Text, rows: list[list[Run]]) -> None:
        self.legend = legend
        self.rows = rows
        self._strips: tuple[Hashable, list[Strip]] | None = None

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((sum(len(text) for text, _ in runs) for runs in self.rows), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.rows) + 1

    def render_strips(
        self, width: int, height: int | None, style: VisualStyle, options: RenderOptions
    ) -> list[Strip]:
        base = style.rich_style
        key = (width, height, base)
        if self._strips is not None and self._strips[0] == key:
            return self._strips[1]
        strips = [self._legend_strip(width, base)]
        add = base.__add__ if base else None
        for runs in self.rows if height is None else self.rows[: max(height - 1, 0)]:
            if add is None:
                strip = Strip([Segment(text, run_style) for text, run_style in runs])
            else:
                strip = Strip([Segment(text, add(run_style)) for text, run_style in runs])
            strips.append(strip.crop(0, width) if strip.cell_length > width else strip)
        if height is not None:
            strips = strips[:height]
        self._strips = (key, strips)
        return strips

    def _legend_strip(self, width: int, base: Style) -> Strip:
        """The legend as Rich draws it for Textual (cropped with an ellipsis, on ``base``)."""
        app = active_app.get()
        options = app.console_options.update(highlight=False, width=width, height=None)
        segments = app.console.render(self.legend, options.update_width(width))
        if base:
            segments = (Segment(text, base + seg_style, None) for text, seg_style, _ in segments)
        lines = Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)
        return Strip(next(iter(lines), []))


_styles: dict[Hashable, Style] = {}


def _run_style(fullground: Any, style: Any, background: Any) -> Style:
    """The Rich style of plotext's colours for a cell: what ``Text.from_ansi`` makes of the
    ANSI codes plotext would print for them."""
    key = tuple(tuple(c) if isinstance(c, list) else c for c in (fullground, style, background))
    found = _styles.get(key)
    if found is None:
        from plotext._utility import ansi_end, colors_to_ansi  # type: ignore[import-untyped]

        ansi = colors_to_ansi(fullground, style, background)
        spans = Text.from_ansi(f"{ansi}x{ansi_end}").spans if ansi else []
        span_style = spans[0].style if spans else None
        found = span_style if isinstance(span_style, Style) else Style.null()
        _styles[key] = found
    return found


def matrix_rows(plt: Any) -> list[list[Run]]:
    """plotext's drawing as rows (top first) of runs of cells of one colour: what
    ``plt.build()`` prints, read from its matrix without the ANSI text."""
    plt._set_sizes()
    plt._build_matrix()
    matrix = plt.monitor.matrix
    rows: list[list[Run]] = []
    cols = matrix.cols
    for r in range(matrix.rows - 1, -1, -1):
        markers, fgs = matrix.marker[r], matrix.fullground[r]
        styles, bgs = matrix.style[r], matrix.background[r]
        runs: list[Run] = []
        start = 0
        for c in range(1, cols + 1):
            if (
                c == cols
                or fgs[c] != fgs[start]
                or styles[c] != styles[start]
                or bgs[c] != bgs[start]
            ):
                runs.append(
                    ("".join(markers[start:c]), _run_style(fgs[start], styles[start], bgs[start]))
                )
                start = c
        rows.append(runs)
    return rows


_render_cache: OrderedDict[Hashable, ChartPicture] = OrderedDict()


def _same_shape(a: ChartData | None, b: ChartData | None) -> bool:
    """True when ``b`` only moves values of ``a`` (a live tick), not its window or series."""
    if a is None or b is None:
        return False
    return (
        a.title == b.title
        and a.x_labels == b.x_labels
        and a.hlines == b.hlines
        and [(ln.label, ln.color) for ln in a.lines] == [(ln.label, ln.color) for ln in b.lines]
    )


def _thin(n: int) -> list[int]:
    """Indices that keep at most ``MAX_POINTS`` evenly spread points, always the last one."""
    if n <= MAX_POINTS:
        return list(range(n))
    step = n / MAX_POINTS
    idx = sorted({min(n - 1, int(i * step)) for i in range(MAX_POINTS)} | {n - 1})
    return idx


def _tick_positions(n: int, width: int) -> list[int]:
    """About one x label per 14 columns, the last point always labelled."""
    if n == 0:
        return []
    count = max(2, min(6, width // 14))
    if n <= count:
        return list(range(n))
    return sorted({round(i * (n - 1) / (count - 1)) for i in range(count)})


class LineChart(Widget):
    """A plotext line chart fed with ``ChartData``; redraws only when the data changes."""

    DEFAULT_CSS = """
    LineChart {
        width: 1fr;
        height: 1fr;
        min-height: 5;
    }
    """

    HELP = "A line chart; the title names the series and reference lines."

    class Drawn(Message):
        """A chart has drawn its picture (the settled view may have been waiting for it)."""

    def __init__(
        self,
        data: ChartData | None = None,
        *,
        marker: str = "hd",
        min_interval: float = 1.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``min_interval``: seconds between redraws for live moves of the same series (a
        plotext redraw costs ~10-20 ms); a new window, series or day redraws at once."""
        super().__init__(name=name, id=id, classes=classes)
        self._data: ChartData | None = data
        self._marker = marker
        self.min_interval = min_interval
        self._drawn_for: tuple[ChartData | None, int, int, str] | None = None
        self._rendered: RenderResult = Group()
        self._plot: Plot | None = None
        self._last_refresh = -math.inf
        self._pending: Timer | None = None
        self._draw_scheduled = False

    @property
    def plt(self) -> Plot:
        """The chart's own plotext figure (textual-plotext's ``Plot``), made on first use."""
        if self._plot is None:
            from textual_plotext.plot import Plot

            self._plot = Plot()
        return self._plot

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        # Without this the signal would hold every chart of every drill-down screen ever
        # opened (the soak's leak).
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: object) -> None:
        self.refresh()

    def _plotext_theme(self) -> str:
        """The plotext theme of the app's theme (textual-plotext's "auto" theme: the surface
        as canvas, the foreground for axes and ticks), registered with plotext on first use."""
        from plotext._dict import themes  # type: ignore[import-untyped]

        name = f"textual-auto-{self.app.theme}"
        if name not in themes:
            from textual_plotext.plot import _rgbify_theme, _sequence

            variables = self.app.theme_variables
            surface = Color.parse(variables.get("surface") or "#000000").rgb
            foreground = Color.parse(variables.get("foreground") or "#c0c0c0").rgb
            palette: Any = _sequence
            themes[name] = _rgbify_theme(surface, surface, foreground, "default", palette)
        return name

    @property
    def data(self) -> ChartData | None:
        return self._data

    @property
    def needs_drawing(self) -> bool:
        """True while this chart is on screen with data whose picture is not drawn yet (it is
        drawn a frame after the paint that shows the "drawing…" line). A live move held back by
        ``min_interval`` does not count: it is drawn later on purpose."""
        data = self._data
        if data is None or not data.has_points or self._pending is not None:
            return False
        if not self.is_mounted or not self.region:  # hidden, or not laid out yet
            return False
        width, height = self.size.width, max(self.size.height - 1, 1)
        return (data, width, height, self.app.theme) != self._drawn_for

    def set_data(self, data: ChartData | None) -> bool:
        """Show ``data``; returns False (and does nothing) when it equals what is shown.

        ``data`` is taken at once; the redraw of a live move (same title, lines and x labels,
        new values) waits until ``min_interval`` has passed since the last one."""
        if data == self._data:
            return False
        old, self._data = self._data, data
        wait = self._last_refresh + self.min_interval - time.monotonic()
        if wait <= 0 or not _same_shape(old, data):
            self._redraw()
        elif self._pending is None:
            self._pending = self.set_timer(wait, self._redraw)
        return True

    def _redraw(self) -> None:
        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        self._last_refresh = time.monotonic()
        self.refresh()

    def _theme_color(self, variable: str) -> Color:
        variables = self.app.theme_variables
        for value in (variables.get(variable), variables.get("foreground"), "#c0c0c0"):
            if not value:
                continue
            try:
                return Color.parse(value)
            except Exception:  # e.g. "auto 60%": not a colour on its own
                continue
        return Color(192, 192, 192)

    def _color(self, variable: str) -> tuple[int, int, int] | int | str:
        """plotext takes RGB triples, or a palette number (0-15 are the terminal's own
        colours: --ansi) or "default"."""
        color = self._theme_color(variable)
        if color.ansi is not None:
            return "default" if color.ansi < 0 else color.ansi
        return color.rgb

    def _ansi(self) -> bool:
        """True when the theme paints with the terminal's palette (--ansi): its surface is
        a palette colour or the terminal's own background (transparent)."""
        surface = self._theme_color("surface")
        return surface.ansi is not None or surface.a == 0

    def _draw(self, width: int, height: int) -> None:
        data = self._data
        assert data is not None
        plt = self.plt
        plt.clear_figure()
        n = len(data.x_labels)
        keep = _thin(n)
        # Reference lines first, so that the data is drawn over them where they cross.
        for ref in data.hlines:
            plt.plot(
                [0, max(n - 1, 1)],
                [ref.y, ref.y],
                marker=self._marker,
                color=self._color(ref.color),
            )
        for line in data.lines:
            xs = [i for i in keep if line.values[i] is not None]
            if not xs:
                continue
            ys = [line.values[i] for i in xs]
            plt.plot(xs, ys, marker=self._marker, color=self._color(line.color))
        ticks = _tick_positions(n, width)
        positions: list[float] = list(ticks)  # textual-plotext's stub takes a list of floats
        plt.xticks(positions, [data.x_labels[i] for i in ticks])
        if n:
            plt.xlim(0, max(n - 1, 1))
        plt.plotsize(width, height)
        # textual-plotext sets the size twice too (textual-plotext#5).
        plt._set_size(width, height)
        # --ansi: plotext's "clear" theme leaves canvas, axes and ticks in the terminal's
        # default colours (an RGB theme built from "ansi_default" would paint them black).
        plt.theme("clear" if self._ansi() else self._plotext_theme())

    def legend(self) -> Text:
        """The title and a key of the lines in their colours (plotext's own legend would cover
        the data on a small chart)."""
        data = self._data
        text = Text(no_wrap=True, overflow="ellipsis")
        if data is None:
            return text
        text.append(inert(data.title), style="bold")
        for line in data.lines:
            text.append("  ■ ", style=Style(color=self._theme_color(line.color).rich_color))
            text.append(inert(line.label))
        for ref in data.hlines:
            text.append("  ┄ ", style=Style(color=self._theme_color(ref.color).rich_color))
            text.append(inert(ref.label))
        return text

    def render(self) -> RenderResult:
        data = self._data
        if data is None or not data.has_points:
            message = "loading…" if data is None else data.empty_message
            head = Text() if data is None else self.legend()
            return Group(head, Text(inert(message), style="italic"))  # may name a symbol
        width, height = self.size.width, max(self.size.height - 1, 1)
        key = (data, width, height, self.app.theme)
        if key != self._drawn_for:
            picture = self._picture(data, width, height, cached_only=True)
            if picture is None:
                # Drawn after this paint: the screen's first frame does not wait for plotext.
                # Until then a redraw shows the last picture, a first draw says it is coming.
                self._schedule_draw()
                if self._drawn_for is None:
                    return Group(self.legend(), Text("drawing…", style="italic"))
                return self._rendered
            self._rendered, self._drawn_for = picture, key
        return self._rendered

    def _schedule_draw(self) -> None:
        # A message to the chart itself, not call_after_refresh: render() runs while the frame
        # is being made, so the frame is written before the chart reads its queue; waiting for
        # the screen's refresh callbacks instead put the picture behind the new screen's
        # follow-up layouts and its footer (~45 ms later on a first open).
        if not self._draw_scheduled:
            self._draw_scheduled = True
            self.call_later(self._draw_now)

    def _draw_now(self) -> None:
        """Draw the picture the last paint could not show yet, then repaint with it."""
        self._draw_scheduled = False
        data = self._data
        if not self.is_mounted or data is None or not data.has_points:
            return
        width, height = self.size.width, max(self.size.height - 1, 1)
        key = (data, width, height, self.app.theme)
        if key != self._drawn_for and width > 0:
            picture = self._picture(data, width, height)
            assert picture is not None
            self._rendered, self._drawn_for = picture, key
            self.refresh()
        # From the chart itself (the callback runs in the screen's context): a message sent by
        # the screen would stop bubbling there, never reaching the app.
        self.post_message(self.Drawn().set_sender(self))

    def _picture(
        self, data: ChartData, width: int, height: int, *, cached_only: bool = False
    ) -> ChartPicture | None:
        """The legend and plotext's drawing, from the cache when the same data was drawn at
        this size in these colours (the key holds every colour the drawing uses); None when
        ``cached_only`` and it was not."""
        colors = tuple(self._color(c) for c in (*(x.color for x in data.lines),
                                                *(x.color for x in data.hlines)))  # fmt: skip
        ansi = self._ansi()
        key = (data, width, height, self.app.theme, self._marker, ansi, colors)
        picture = _render_cache.get(key)
        if picture is not None:
            _render_cache.move_to_end(key)
            return picture
        if cached_only:
            return None
        self._draw(width, height)
        picture = ChartPicture(self.legend(), matrix_rows(self.plt))
        _render_cache[key] = picture
        while len(_render_cache) > RENDER_CACHE_SIZE:
            _render_cache.popitem(last=False)
        return picture
