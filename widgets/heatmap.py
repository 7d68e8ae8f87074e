"""The sector rotation heatmap: one widget, drawn line by line with cached strips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from analytics.catalog import WINDOWS
from analytics.types import LegReturns, SectorRow
from widgets import formatting as fmt
from widgets.keyed_table import MOVE

SCALE: dict[str, float] = {"1D": 2.0, "1W": 4.0, "1M": 8.0, "3M": 12.0, "YTD": 20.0, "1Y": 25.0}
"""Percent at which a cell reaches full colour, per window (typical sector moves differ by span)."""

SHORT_NAMES: dict[str, str] = {
    "Information Technology": "Info Tech",
    "Consumer Discretionary": "Cons Discr",
    "Consumer Staples": "Cons Staples",
    "Communication Services": "Comm Services",
}

NAME_MAX = 26
"""Widest sector-name column (``Communication Services`` plus a margin)."""

SPREAD_MAX = 48
"""Widest spread cell: a wide pane widens it (and its bar) up to this."""
BAR_MIN_CELL = 18
"""From this cell width the spread cell draws a bar as long as the move (the scale's share)."""

MIN_ALPHA = 0.12
"""Smallest tint of a non-zero cell, so the sign shows as colour even for tiny moves."""

_WHITE = Color(255, 255, 255)
_BLACK = Color(0, 0, 0)


def cell_values(row: SectorRow, window: str) -> tuple[float | None, float | None, float | None]:
    """(large, small, spread) for ``window``; no small ETF gives None for small and spread."""
    leg = row.returns.get(window) or LegReturns(None, None, None)
    if row.small is None:
        return leg.large, None, None
    return leg.large, leg.small, leg.spread_pp


def stale_reasons(rows: Sequence[SectorRow]) -> tuple[str, ...]:
    """Why cells are n/a, once each: ``"PSCE: data ends 2020-12-11"``."""
    return tuple(dict.fromkeys(r for row in rows for r in row.reasons))


def intensity(value: float | None, window: str) -> float:
    """0..1: how far ``value`` is towards the window's full-colour scale (0 for unknown)."""
    if not fmt.known(value):
        return 0.0
    assert value is not None
    return min(1.0, abs(value) / SCALE.get(window, 10.0))


class SectorHeatmap(Widget, can_focus=True):
    """Eleven GICS sectors: large-cap ETF, small-cap ETF and their spread for one window.

    Cells sit on a diverging scale centred on zero (gain colour above, loss colour below,
    stronger with size); every value is printed with its sign, so the map reads without colour.
    """

    HELP = """\
## Sector rotation

Rows are the 11 GICS sectors; columns the large-cap sector ETF's return, the small-cap one's,
and the spread (small minus large, percentage points) over the selected window. `[` and `]`
change the window; colour strength follows the size of the move. `n/a` means no small-cap
ETF covers the sector, or (marked `†`, the reason on the bottom line) that a fund's data ends
more than 3 sessions before the as-of day. `s` sorts by spread, `enter` drills down.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, group=MOVE, id="move.up"),
        Binding("down,j", "cursor_down", "Down", show=False, group=MOVE, id="move.down"),
        Binding("g,home", "cursor_home", "First row", show=False, group=MOVE, id="move.first"),
        Binding("G,end", "cursor_end", "Last row", show=False, group=MOVE, id="move.last"),
        Binding("enter", "select", "Drill down", show=False, group=MOVE, id="move.enter"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "heatmap--gain",
        "heatmap--loss",
        "heatmap--base",
        "heatmap--header",
        "heatmap--na",
        "heatmap--cursor",
        "heatmap--cursor-blurred",
        "heatmap--legend",
    }

    DEFAULT_CSS = """
    SectorHeatmap {
        height: 1fr;
        min-height: 3;
        background: transparent;
    }
    SectorHeatmap > .heatmap--gain { color: $gain; }
    SectorHeatmap > .heatmap--loss { color: $loss; }
    SectorHeatmap > .heatmap--base { background: $surface; color: $foreground; }
    SectorHeatmap > .heatmap--header { color: $neutral; text-style: bold; }
    SectorHeatmap > .heatmap--na { color: $stale; }
    SectorHeatmap > .heatmap--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    SectorHeatmap > .heatmap--cursor-blurred {
        background: $block-cursor-blurred-background;
        color: $foreground;
    }
    SectorHeatmap > .heatmap--legend { color: $neutral; }
    """

    window: reactive[str] = reactive("1M")
    cursor_row: reactive[int] = reactive(0)
    by_spread: reactive[bool] = reactive(False)

    class SectorSelected(Message):
        """Enter (or a second click) on a sector row."""

        def __init__(self, sector: str) -> None:
            super().__init__()
            self.sector = sector

    class SectorHighlighted(Message):
        """The cursor moved to a sector."""

        def __init__(self, sector: str) -> None:
            super().__init__()
            self.sector = sector

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: tuple[SectorRow, ...] = ()
        self._reasons: tuple[str, ...] = ()
        """``stale_reasons(self._rows)``, kept with the rows: every drawn line asks for it."""
        self._order: list[int] = []
        self._cache: dict[int, Strip] = {}
        self._cache_width = -1
        self._top = 0

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def _on_theme_changed(self, _theme: object) -> None:
        self.call_after_refresh(self._invalidate)

    # -- data in ---------------------------------------------------------------------------

    def update_sectors(self, rows: Sequence[SectorRow]) -> None:
        """Show these sectors; only lines whose values changed are redrawn."""
        rows = tuple(rows)
        if len(rows) != len(self._rows) or [r.sector for r in rows] != [
            r.sector for r in self._rows
        ]:
            self._rows = rows
            self._reasons = stale_reasons(rows)
            self._reorder()
            self._invalidate()
            return
        old = self._rows
        self._rows = rows
        reasons = stale_reasons(rows)
        if reasons != self._reasons:
            self._reasons = reasons
            self._invalidate()  # the † marks and the bottom line change
            return
        if self.by_spread:
            before = list(self._order)
            self._reorder()
            if before != self._order:
                self._invalidate()
                return
        # Only numbers moved: the marker and the name keep their cells, so a tick repaints
        # from the first number on (bytes to the terminal on every poll).
        name_w = self._layout(self.size.width)[0]
        for line, index in enumerate(self._order, start=1):
            if cell_values(old[index], self.window) != cell_values(rows[index], self.window):
                self._refresh_line(line, from_x=2 + name_w)

    @property
    def rows(self) -> tuple[SectorRow, ...]:
        return self._rows

    @property
    def selected_sector(self) -> str | None:
        if not self._order:
            return None
        return self._rows[self._order[min(self.cursor_row, len(self._order) - 1)]].sector

    def cycle_window(self, step: int) -> str:
        """Move to the next (step 1) or previous (step -1) window, wrapping around."""
        at = WINDOWS.index(self.window) if self.window in WINDOWS else 0
        self.window = WINDOWS[(at + step) % len(WINDOWS)]
        return self.window

    def toggle_sort(self) -> bool:
        """Sort by spread (largest first) or back to the catalogue order."""
        self.by_spread = not self.by_spread
        return self.by_spread

    def _reorder(self) -> None:
        order = list(range(len(self._rows)))
        if self.by_spread:

            def key(i: int) -> tuple[int, float]:
                spread = cell_values(self._rows[i], self.window)[2]
                return (0, -spread) if fmt.known(spread) else (1, 0.0)

            order.sort(key=key)
        self._order = order

    def watch_window(self) -> None:
        self._reorder()
        self._invalidate()

    def watch_by_spread(self) -> None:
        self._reorder()
        self._invalidate()

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self._refresh_line(old + 1)
        self._refresh_line(new + 1)
        sector = self.selected_sector
        if sector is not None:
            self.post_message(self.SectorHighlighted(sector))

    def on_focus(self) -> None:
        self._refresh_line(self.cursor_row + 1)

    def on_blur(self) -> None:
        self._refresh_line(self.cursor_row + 1)

    def on_resize(self, _event: events.Resize) -> None:
        self._scroll_to_cursor()
        self._invalidate()

    # -- keys and mouse --------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.cursor_row = max(0, self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.cursor_row = max(0, min(len(self._rows) - 1, self.cursor_row + 1))

    def action_cursor_home(self) -> None:
        self.cursor_row = 0

    def action_cursor_end(self) -> None:
        self.cursor_row = max(0, len(self._rows) - 1)

    def action_select(self) -> None:
        sector = self.selected_sector
        if sector is not None:
            self.post_message(self.SectorSelected(sector))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = self._top + offset.y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row:
                self.action_select()
            self.cursor_row = row

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_cursor_down()
        event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_cursor_up()
        event.stop()

    # -- drawing ---------------------------------------------------------------------------

    @property
    def _visible_rows(self) -> int:
        return max(0, self.size.height - 1 - (self._legend_height() if self._has_legend else 0))

    @property
    def _has_legend(self) -> bool:
        return self.size.height >= len(self._rows) + 3

    def _scroll_to_cursor(self) -> None:
        visible = self._visible_rows
        if visible <= 0:
            return
        top = self._top
        if self.cursor_row < top:
            top = self.cursor_row
        elif self.cursor_row >= top + visible:
            top = self.cursor_row - visible + 1
        top = max(0, min(top, max(0, len(self._rows) - visible)))
        if top != self._top:
            self._top = top
            self._invalidate()

    def _invalidate(self) -> None:
        self._cache.clear()
        self.refresh()

    def _refresh_line(self, line: int, from_x: int = 0) -> None:
        """Redraw one virtual line (0 header, 1.. sectors) if it is on screen; the terminal
        is sent its cells from ``from_x`` on (what is left of it has not changed)."""
        self._cache.pop(line, None)
        y = line if line == 0 else line - self._top
        if (1 <= y <= self._visible_rows or line == 0) and from_x < self.size.width:
            self.refresh(Region(from_x, y, self.size.width - from_x, 1))

    _paint: dict[tuple[str, str], Color] | None = None
    """While Textual paints lines of the map (``render_lines``): the component colours read
    once for all of them, and ``_paint_base`` the widget's style. Nothing restyles the DOM
    during that call; each line read them again (``rich_style`` walks every ancestor's
    styles), most of a busy poll's redraw of the map (issue 19)."""
    _paint_base: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint, self._paint_base = {}, None
        try:
            return super().render_lines(crop)
        finally:
            self._paint, self._paint_base = None, None

    def _base_style(self) -> Style:
        """``rich_style``, read once per paint."""
        if self._paint is None:
            return self.rich_style
        if self._paint_base is None:
            self._paint_base = self.rich_style
        return self._paint_base

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        if y == 0:
            line = 0
        elif y <= self._visible_rows:
            line = self._top + y
        elif self._has_legend and y >= self.size.height - self._legend_height():
            line = y - self.size.height  # -1 the bottom line, -2 the one above, ...
        else:
            return Strip.blank(width, self._base_style())
        strip = self._cache.get(line)
        if strip is None:
            strip = self._draw(line, width)
            self._cache[line] = strip
        return strip

    def _layout(self, width: int) -> tuple[int, int, int, bool]:
        """(name width, cell width, spread cell width, show symbols) for this many columns.

        A pane wider than the names and three cells widens the spread cell, whose bar then
        shows the size of the move."""
        if width >= 2 + 12 + 3 * 14:
            cell, symbols = 14, True
        else:
            cell, symbols = 9, False
        # Names wider than the longest sector would push the numbers away from their labels.
        name_w = max(4, min(NAME_MAX, width - 2 - 3 * cell))
        spread = max(cell, min(SPREAD_MAX, width - 2 - name_w - 2 * cell))
        return name_w, cell, spread, symbols

    def _draw(self, line: int, width: int) -> Strip:
        base = self._base_style()
        if line == 0:
            return self._draw_header(width, base)
        if line < 0:
            return self._draw_legend(width, base, line)
        index = line - 1
        if index >= len(self._order):
            return Strip.blank(width, base)
        return self._draw_row(self._rows[self._order[index]], index, width, base)

    def _draw_header(self, width: int, base: Style) -> Strip:
        name_w, cell, spread_w, _ = self._layout(width)
        header = base + self.get_component_rich_style("heatmap--header", partial=True)
        order = " ↓spread" if self.by_spread else ""
        title = fmt.inert(f"Sector {self.window}{order}")
        segments = [
            Segment("  " + title[:name_w].ljust(name_w), header),
            Segment("Large".rjust(cell - 1) + " ", header),
            Segment("Small".rjust(cell - 1) + " ", header),
            Segment(("Spread pp" if cell >= 12 else "Spread").rjust(spread_w - 1) + " ", header),
        ]
        return Strip(segments).adjust_cell_length(width, base)

    def _draw_row(self, row: SectorRow, index: int, width: int, base: Style) -> Strip:
        name_w, cell, spread_w, symbols = self._layout(width)
        is_cursor = index == self.cursor_row
        name = fmt.inert(row.sector)
        if len(name) > name_w:
            name = SHORT_NAMES.get(name, name)
        name = fmt.inert(name, name_w).ljust(name_w)
        name_style = base
        marker = "† " if row.stale else "  "
        if is_cursor and self.has_focus:
            name_style = base + self.get_component_rich_style("heatmap--cursor", partial=True)
            marker = "▶ "
        elif is_cursor:
            name_style = base + self.get_component_rich_style(
                "heatmap--cursor-blurred", partial=True
            )
        large, small, spread = cell_values(row, self.window)
        segments = [Segment(marker + name, name_style)]
        segments.append(self._cell(row.large if symbols else None, large, cell, base))
        small_sym = (row.small or "") if symbols else None
        segments.append(self._cell(small_sym, small, cell, base))
        segments.append(self._cell(None, spread, spread_w, base, bar=spread_w >= BAR_MIN_CELL))
        return Strip(segments).adjust_cell_length(width, base)

    def _cell(
        self, symbol: str | None, value: float | None, width: int, base: Style, *, bar: bool = False
    ) -> Segment:
        text = fmt.signed(value)
        if bar:
            # The move's size as a bar (its share of the window's full-colour scale): reads
            # without colour, the number beside it carries the sign.
            room = width - 9
            blocks = "█" * round(intensity(value, self.window) * room)
            body = f" {blocks:<{room}}{text:>7} "
        elif symbol is not None:
            body = f" {fmt.inert(symbol, 5):<5}{text:>{width - 7}} "
        else:
            body = f"{text:>{width - 1}} "
        body = body[:width].ljust(width)
        if not fmt.known(value):
            return Segment(body, base + self.get_component_rich_style("heatmap--na", partial=True))
        return Segment(body, base + self._tint(value, self.window))

    def _tint(self, value: float | None, window: str) -> Style:
        """Diverging colour: surface at zero, the gain or loss colour at the window's scale."""
        assert value is not None
        t = intensity(value, window)
        target = self._color("heatmap--gain" if value > 0 else "heatmap--loss", "color")
        surface = self._color("heatmap--base", "background")
        if value == 0:
            # --ansi: the surface is the terminal's own background (transparent here), which
            # as a Rich colour would read #000000, black on a light terminal
            if surface.ansi is not None or surface.a == 0:
                return Style()
            return Style(bgcolor=surface.rich_color)
        if target.ansi is not None or surface.ansi is not None:
            # Terminal palette colours cannot be blended: two steps, tinted text then a filled cell.
            if t < 0.5:
                return Style(color=target.rich_color)
            return Style(bgcolor=target.rich_color, color="black", bold=True)
        background = surface.blend(target, MIN_ALPHA + (1.0 - MIN_ALPHA) * t)
        foreground = _WHITE if background.brightness < 0.55 else _BLACK
        return Style(bgcolor=background.rich_color, color=foreground.rich_color, bold=t >= 0.5)

    def _color(self, component: str, attribute: str) -> Color:
        paint = self._paint
        if paint is not None:
            known = paint.get((component, attribute))
            if known is not None:
                return known
        styles = self.get_component_styles(component)
        color: Color = getattr(styles, attribute)
        if paint is not None:
            paint[component, attribute] = color
        return color

    def _legend_height(self) -> int:
        """Lines at the bottom for the legend: one, or one per stale reason where the pane has
        room below its rows (a narrow pane would cut them on one line)."""
        reasons = self._reasons
        spare = self.size.height - 1 - len(self._rows)  # below the header and every row
        return max(1, min(len(reasons), spare)) if reasons else 1

    def _draw_legend(self, width: int, base: Style, line: int = -1) -> Strip:
        reasons = self._reasons
        if reasons:  # n/a cells say why where the user looks: where the data ends
            na = base + self.get_component_rich_style("heatmap--na", partial=True)
            height = self._legend_height()
            if height == 1:
                text = "† n/a: " + " · ".join(reasons)
            else:
                k = height + line  # 0 the top legend line
                text = ("† n/a: " if k == 0 else "       ") + reasons[k]
            return Strip([Segment("  " + fmt.inert(text), na)]).adjust_cell_length(width, base)
        scale = SCALE.get(self.window, 10.0)
        legend = base + self.get_component_rich_style("heatmap--legend", partial=True)
        steps = (-1.0, -0.66, -0.33, 0.0, 0.33, 0.66, 1.0)
        segments = [Segment(f"  scale {self.window}: ", legend)]
        segments.append(Segment(f"{fmt.signed(-scale, 0)} ", legend))
        for s in steps:
            segments.append(Segment("  ", base + self._tint(s * scale, self.window)))
        segments.append(Segment(f" {fmt.signed(scale, 0)}%", legend))
        return Strip(segments).adjust_cell_length(width, base)
