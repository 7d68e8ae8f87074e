"""Body lines of a DataTable drawn from its cells directly, one cached line per row.

DataTable keys every render cache (cell, row, line, row offsets) on one counter that any
update bumps, so a live tick that changes one price re-renders every visible line, and each
cell goes through Rich's generic renderer (Styled(Padding(Text))): at 160x48 that was ~20 ms
of per-line overhead plus ~0.14 ms per changed cell, the bulk of a 2,000-row refresh.

``FastLines`` draws a body line itself when the table and the row are the simple kind every
rotmon table is (row cursor, no fixed rows or columns, no row labels, rows one line high,
cells plain ``Text`` without spans or wide characters) and caches it per row: a row whose cell
objects, index and look are unchanged is not drawn again. Anything else falls back to
DataTable's own renderer. The result is the same Strip DataTable draws, segment for segment
(``tests/unit/test_table_lines.py`` compares the two for every case the fast path takes).
It reads DataTable internals of the Textual version pinned in the test extra (``_data``,
``_row_locations``, ``_get_styles_to_render_cell``); if a future Textual renames them, the
fallback is used.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

_NULL = Style.null()
_EMPTY = Text(no_wrap=True, end="")


class FastLines(DataTable):  # type: ignore[type-arg]
    """A DataTable whose simple body lines are drawn directly and cached per row."""

    _fast_tall = False
    """A row taller than one line was added: row index no longer equals body line."""

    _fast_pass: tuple[Any, ...] | None = None
    _fast_rows: dict[RowKey, tuple[tuple[Any, ...], tuple[Any, ...], Strip]] | None = None

    def add_row(self, *cells: Any, height: int | None = 1, **kwargs: Any) -> RowKey:
        if height != 1:
            self._fast_tall = True
        return super().add_row(*cells, height=height, **kwargs)

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._fast_rows = None

    def notify_style_update(self) -> None:
        self._fast_rows = None
        super().notify_style_update()

    def bump_update_count(self) -> None:
        """Invalidate DataTable's render caches after cells changed in place, keeping the row
        offsets (the rows and their order did not change, so DataTable need not walk all of
        them again to find which row a line shows)."""
        offsets = self._offset_cache.get(self._update_count)
        ordered = self._ordered_row_cache.get((self.row_count, self._update_count))
        self._update_count += 1
        if offsets is not None:
            self._offset_cache[self._update_count] = offsets
        if ordered is not None:
            self._ordered_row_cache[(self.row_count, self._update_count)] = ordered

    def render_lines(self, crop: Any) -> list[Strip]:
        self._fast_pass = None  # widths, styles and options are read once per paint
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        try:
            strip = self._fast_line(y)
        except (AttributeError, KeyError, TypeError):  # another Textual: its own renderer
            strip = None
        return strip if strip is not None else super().render_line(y)

    def _fast_setup(self) -> tuple[Any, ...] | None:
        if (
            self._fast_tall
            or self.cursor_type != "row"
            or self.fixed_rows
            or self.zebra_stripes
            or (self._labelled_row_exists and self.show_row_labels)
        ):
            return None
        options = self.app.console_options
        if options.justify is not None or options.overflow is not None:
            return None
        columns = self.ordered_columns
        widths = tuple(column.get_render_width(self) for column in columns)
        keys = tuple(column.key for column in columns)
        header = self.header_height if self.show_header else 0
        return (
            widths,
            keys,
            header,
            self.cell_padding,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
            sum(widths) + self._row_label_column_width,
            self.rich_style,
            min(self.fixed_columns, len(widths)),
            self.get_component_styles("datatable--fixed").rich_style
            + Style.from_meta({"fixed": True}),
        )

    def _fast_line(self, y: int) -> Strip | None:
        setup = self._fast_pass
        if setup is None:
            setup = self._fast_pass = self._fast_setup() or ()
        if not setup:
            return None
        (
            widths,
            keys,
            header,
            pad,
            show_cursor,
            show_hover,
            fg_css,
            bg_css,
            table_width,
            base_style,
            fixed,
            fixed_style,
        ) = setup
        if y < header:
            return None
        scroll_x, scroll_y = self.scroll_offset
        row_index = y - header + scroll_y
        if row_index >= self.row_count:
            return None
        row_key = self._row_locations.get_key(row_index)
        if row_key is None:  # no row there (yet): Textual's own drawing
            return None
        data = self._data[row_key]
        values = tuple(data.get(k) for k in keys)
        width = self.size.width
        on_cursor = self.cursor_coordinate.row == row_index
        on_hover = self.hover_coordinate.row == row_index
        component, post = self._get_styles_to_render_cell(
            False, False, False, on_hover, on_cursor, show_cursor, show_hover, fg_css, bg_css
        )
        fixed_component, fixed_post = (
            self._get_styles_to_render_cell(
                False, False, True, on_hover, on_cursor, show_cursor, show_hover, fg_css, bg_css
            )
            if fixed
            else (component, post)
        )
        state = (
            row_index,
            width,
            scroll_x,
            base_style,
            component,
            post,
            widths,
            self._pseudo_class_state,
            fixed,
            fixed_style,
            fixed_component,
            fixed_post,
        )
        cache = self._fast_rows
        if cache is None:
            cache = self._fast_rows = {}
        hit = cache.get(row_key)
        if (
            hit is not None
            and hit[0] == state
            and all(a is b for a, b in zip(hit[1], values, strict=True))
        ):
            return hit[2]
        console = self.app.console
        # Fixed columns as DataTable draws them: first on their own style, then again (cut
        # away below) at the head of the scrolling part, which starts after their width.
        head: list[Segment] = []
        for column_index in range(fixed):
            meta = Style.from_meta({"row": row_index, "column": column_index})
            cell = _cell_segments(
                values[column_index],
                fixed_style + meta + fixed_component,
                fixed_post,
                widths[column_index],
                pad,
                console,
            )
            if cell is None:
                return None
            head.extend(cell)
        line: list[Segment] = []
        for column_index, (value, cell_width) in enumerate(zip(values, widths, strict=True)):
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
            cell = (
                _cell_segments(value, pre + fixed_component, fixed_post, cell_width, pad, console)
                if column_index < fixed
                else _cell_segments(value, pre + component, post, cell_width, pad, console)
            )
            if cell is None:
                return None
            line.extend(cell)
        extend, _ = self._get_styles_to_render_cell(
            False, False, False, on_hover, on_cursor, show_cursor, show_hover, False, False
        )
        extend = base_style + extend
        extend += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        head_width = sum(widths[:fixed])
        line.append(Segment(" " * max(0, width - (table_width - head_width)), extend))
        segments = head + line_crop(line, scroll_x + head_width, scroll_x + width, width)
        strip = Strip(segments).adjust_cell_length(width, base_style).simplify()
        if len(cache) > 2 * self.row_count + 256:
            cache.clear()  # keys of rows long gone
        cache[row_key] = (state, values, strip)
        return strip


def _cell_segments(
    value: object, pre: Style, post: Style, width: int, pad: int, console: Any
) -> list[Segment] | None:
    """One cell's line as DataTable renders a one-line ``Text`` cell
    (``Styled(Padding(cell, (0, pad)), pre, post)`` at ``width``), or None when this cell is
    not the simple kind (spans, wide characters, tabs, wrapping, a trailing space)."""
    if value is None or (isinstance(value, Text) and not value.plain):
        value = _EMPTY  # DataTable shows None and every empty Text as one unstyled blank
    if not isinstance(value, Text) or value._spans or value.no_wrap is False:
        return None
    plain = value.plain
    if "\n" in plain or "\t" in plain or (plain and plain[-1].isspace()):
        return None
    if not plain.isascii():
        from rich.cells import cell_len

        if cell_len(plain) != len(plain):
            return None
    inner = width - 2 * pad
    if inner < 1:
        return None
    justify = value.justify or "default"
    overflow = value.overflow or "fold"
    if justify not in ("left", "right", "default") or overflow not in ("fold", "crop", "ellipsis"):
        return None
    if len(plain) > inner:
        plain = plain[: inner - 1] + "…" if overflow == "ellipsis" else plain[:inner]
    rest = inner - len(plain)
    if justify == "right":
        body, rest = " " * rest + plain, 0
    elif justify == "left":
        body, rest = plain + " " * rest, 0
    else:
        body = plain
    style = console.get_style(value.style, default=_NULL) if value.style else None
    edge = pre + post if post else pre
    out: list[Segment] = []
    if pad:
        out.append(Segment(" " * pad, edge))
    if body:
        text_style = pre + style if style else pre
        out.append(Segment(body, text_style + post if post else text_style))
    if rest:
        out.append(Segment(" " * rest, edge))
    if pad:
        out.append(Segment(" " * pad, edge))
    return out
