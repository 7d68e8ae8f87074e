"""A DataTable of keyed rows that diffs: cells are specs, only changed cells are updated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets.data_table import ColumnKey, RowKey

from widgets.formatting import sparkline as fmt_sparkline
from widgets.table_lines import FastLines

Tone = Literal["gain", "loss", "neutral", "stale", "warn", "crit", "accent", "dim"]
Justify = Literal["left", "right", "center"]

MOVE = Binding.Group("Move")
"""The help-screen group of the in-pane movement keys."""

MOVE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False, group=MOVE, id="move.up"),
    Binding("down,j", "cursor_down", "Down", show=False, group=MOVE, id="move.down"),
    Binding("left,h", "cursor_left", "Left / scroll left", show=False, group=MOVE, id="move.left"),
    Binding(
        "right,l", "cursor_right", "Right / scroll right", show=False, group=MOVE, id="move.right"
    ),
    Binding("enter", "select_cursor", "Drill down", show=False, group=MOVE, id="move.enter"),
]

EDGE_BINDINGS: list[BindingType] = [
    Binding("g,home", "cursor_first", "First row", show=False, group=MOVE, id="move.first"),
    Binding("G,end", "cursor_last", "Last row", show=False, group=MOVE, id="move.last"),
]
"""``g``/``G``/Home/End: every list jumps to its first and last row the same way."""


class EdgeKeys:
    """The actions behind EDGE_BINDINGS for a DataTable."""

    def action_cursor_first(self: Any) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_cursor_last(self: Any) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)


@dataclass(frozen=True, slots=True)
class Column:
    """A fixed-width column: widths never follow the data, so nothing jumps while ticking.

    ``grow_to`` above ``width``: the column takes the table's spare width, up to that many
    cells (a sparkline or a name that widens with the pane; it follows the pane, never the data).
    """

    key: str
    label: str
    width: int
    justify: Justify = "right"
    grow_to: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    """What one cell shows, independent of the theme (diffed, then styled at render time).

    ``sort`` is the value the cell sorts by (a number, or None which always sorts last); in a
    row's first column it is the row's natural position.
    """

    text: str
    tone: Tone | None = None
    bold: bool = False
    sort: float | str | None = None
    spark: tuple[float, ...] | None = None
    """A sparkline drawn after ``text`` as wide as its column is (one cell kept as the gap)."""


class SortableText(Text):
    """A cell that shows text and sorts by the number behind it."""

    def __init__(self, *args: Any, sort: float | str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sort_value = sort


def sort_label(label: str, arrow: str, width: int) -> str:
    """``label`` with the sort arrow, in ``width - 1`` cells so that it never runs into the
    column before it (``Z 1Y ▼`` in a 6-wide column read as ``1YZ 1Y ▼``)."""
    room = max(1, width - 1)
    for text in (f"{label} {arrow}", f"{label}{arrow}"):
        if len(text) <= room:
            return text
    return label[: max(0, room - 1)] + arrow


def fit_widths(columns: Sequence[Column], width: int) -> dict[str, int]:
    """Each column's width in a table ``width`` cells wide: growing columns share what the
    fixed widths leave, in order, each up to its ``grow_to``."""
    spare = max(0, width - sum(c.width for c in columns))
    out: dict[str, int] = {}
    for col in columns:
        extra = min(spare, max(0, col.grow_to - col.width))
        spare -= extra
        out[col.key] = col.width + extra
    return out


def sort_key(cell: object) -> tuple[int, Any]:
    """Unknown values last, whatever the direction (the caller flips the flag with reverse)."""
    value = getattr(cell, "sort_value", None)
    if value is None:
        return (0, 0)
    return (1, value)


class KeyedTable(EdgeKeys, FastLines):
    """Rows keyed by id; ``update_rows`` adds, removes and updates only the cells that changed."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = MOVE_BINDINGS + EDGE_BINDINGS
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keyed-table--gain",
        "keyed-table--loss",
        "keyed-table--neutral",
        "keyed-table--stale",
        "keyed-table--warn",
        "keyed-table--crit",
        "keyed-table--accent",
        "keyed-table--dim",
    }
    DEFAULT_CSS = """
    KeyedTable {
        height: auto;
        max-height: 100%;
        background: transparent;
        scrollbar-size: 1 1;
    }
    KeyedTable > .keyed-table--gain { color: $gain; }
    KeyedTable > .keyed-table--loss { color: $loss; }
    KeyedTable > .keyed-table--neutral { color: $neutral; }
    KeyedTable > .keyed-table--stale { color: $stale; }
    KeyedTable > .keyed-table--warn { color: $warning; }
    KeyedTable > .keyed-table--crit { color: $error; }
    KeyedTable > .keyed-table--accent { color: $accent; }
    KeyedTable > .keyed-table--dim { color: $neutral; }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=False,
            cell_padding=0,
        )
        self._shown: dict[str, dict[str, Cell]] = {}
        self._tones: dict[str, Style] = {}
        """Tone -> the theme's style for it (looked up once per theme, not once per cell)."""
        self._sort_column: str | None = None
        self._sort_reverse = True
        self._widths: dict[str, int] = {col.key: col.width for col in self.COLUMNS}
        for col in self.COLUMNS:
            self.add_column(Text(col.label, justify=col.justify), width=col.width, key=col.key)

    def on_resize(self, _event: events.Resize) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Growing columns (``grow_to``) take the width the table has beyond its fixed ones."""
        if not any(col.grow_to > col.width for col in self.COLUMNS):
            return
        widths = fit_widths(self.COLUMNS, self.scrollable_content_region.width)
        changed = [col for col in self.COLUMNS if widths[col.key] != self._widths[col.key]]
        if not changed:
            return
        self._widths = widths
        for col in changed:
            self.columns[ColumnKey(col.key)].width = widths[col.key]
            for key, cells in self._shown.items():
                cell = cells.get(col.key)
                if cell is not None:
                    self._put_cell(key, col.key, self._text(cell, col), refresh=False)
        self._label_sort_column()  # labels are cut to their column's width
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def on_unmount(self) -> None:
        # the subscription holds the table (and its rows) until the next theme change
        self.app.theme_changed_signal.unsubscribe(self)

    def _on_theme_changed(self, _theme: object) -> None:
        self.call_after_refresh(self.restyle)

    # -- data in ---------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Show exactly these rows (key, cells in COLUMNS order), touching only what changed."""
        wanted = {key for key, _ in rows}
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        changed = False
        for key, cells in rows:
            old = self._shown.get(key)
            if old is None:
                texts = [self._text(c, col) for c, col in zip(cells, self.COLUMNS, strict=True)]
                self.add_row(*texts, key=key)
                self._shown[key] = dict(zip((c.key for c in self.COLUMNS), cells, strict=True))
                changed = True
                continue
            moved: list[str] = []
            for col, cell in zip(self.COLUMNS, cells, strict=True):
                was = old.get(col.key)
                if was == cell:
                    continue
                old[col.key] = cell
                if was is not None and self._same_drawing(was, cell, col):
                    continue  # a sparkline whose new values draw the same blocks: no repaint
                self._put_cell(key, col.key, self._text(cell, col), refresh=False)
                moved.append(col.key)
                changed = changed or col.key == self._sort_column
            self._refresh_cells(key, moved)
        if changed and self._sort_column is not None:
            self._apply_sort()

    def _same_drawing(self, was: Cell, cell: Cell, col: Column) -> bool:
        """True when two sparkline cells draw the same text in the same style at this width
        (a live tick moves the last value; the blocks often stay: the terminal need not hear)."""
        if was.spark is None or cell.spark is None:
            return False
        if (was.text, was.tone, was.bold, was.sort) != (cell.text, cell.tone, cell.bold, cell.sort):
            return False
        blocks = self._widths.get(col.key, col.width) - len(cell.text) - 1
        return fmt_sparkline(was.spark, blocks) == fmt_sparkline(cell.spark, blocks)

    def _refresh_cells(self, key: str, columns: Sequence[str]) -> None:
        """Mark these cells of one row for repaint: each alone when few, else the row once."""
        if len(columns) > 2:
            self.refresh_row(self.get_row_index(RowKey(key)))
            return
        for column in columns:
            self.refresh_coordinate(
                Coordinate(
                    self.get_row_index(RowKey(key)), self.get_column_index(ColumnKey(column))
                )
            )

    def _put_cell(self, key: str, column: str, value: Text, *, refresh: bool = True) -> None:
        """``update_cell`` that repaints only the cell, not the whole table.

        DataTable.update_cell marks the entire widget dirty, so every tick would resend every
        line of the table to the terminal (bytes over SSH). This does the same bookkeeping and
        marks just the cell's region. It touches DataTable internals (``_data``,
        ``_update_count``) of the Textual version pinned in the test extra; the pilot tests
        check that the screen shows the new value.
        """
        row_key, column_key = RowKey(key), ColumnKey(column)
        self._data[row_key][column_key] = value
        self.bump_update_count()  # invalidates DataTable's render caches, as update_cell does
        if refresh:
            self._refresh_cells(key, (column,))

    def restyle(self) -> None:
        """Re-render every cell with the current theme's colours."""
        self._tones.clear()
        for key, cells in self._shown.items():
            for col in self.COLUMNS:
                cell = cells.get(col.key)
                if cell is not None:
                    self._put_cell(key, col.key, self._text(cell, col))
        self.refresh()

    def column_width(self, key: str) -> int:
        """The width column ``key`` has now (a growing column follows the table's width)."""
        return self._widths[key]

    def _text(self, cell: Cell, col: Column) -> SortableText:
        text = cell.text
        width = self._widths.get(col.key, col.width)
        if cell.spark is not None:
            text += fmt_sparkline(cell.spark, width - len(text) - 1)
        if col.justify == "left" and len(text) > width - 1:
            # Keep a one-cell gap before the next column; DataTable would butt them together.
            text = text[: max(0, width - 2)] + "…"
        style = Style(bold=True) if cell.bold else Style()
        if cell.tone is not None:
            tone = self._tones.get(cell.tone)
            if tone is None:
                tone = self.get_component_rich_style(f"keyed-table--{cell.tone}", partial=True)
                if self.is_mounted:  # before that the stylesheet may not have reached it
                    self._tones[cell.tone] = tone
            style = tone + style
        return SortableText(text, style=style, justify=col.justify, sort=cell.sort)

    # -- sorting ---------------------------------------------------------------------------

    SORTABLE: ClassVar[tuple[str, ...]] = ()
    """Column keys that ``cycle_sort`` steps through (after the natural order)."""

    @property
    def sort_column(self) -> str | None:
        return self._sort_column

    def cycle_sort(self) -> str | None:
        """Step the sort column: natural order → each sortable column (descending) → natural."""
        steps: list[str | None] = [None, *self.SORTABLE]
        at = steps.index(self._sort_column) if self._sort_column in steps else 0
        self._sort_column = steps[(at + 1) % len(steps)]
        self._label_sort_column()
        self._apply_sort()
        return self._sort_column

    def sort_by(self, column: str | None) -> None:
        """Sort by ``column`` (one of SORTABLE; None: the natural order)."""
        if column is not None and column not in self.SORTABLE:
            raise ValueError(f"sort column: expected one of {', '.join(self.SORTABLE)}")
        self._sort_column = column
        self._label_sort_column()
        self._apply_sort()

    def _label_sort_column(self) -> None:
        for col in self.COLUMNS:
            label = col.label
            if col.key == self._sort_column:
                label = sort_label(col.label, "▼", self._widths[col.key])
            self.columns[ColumnKey(col.key)].label = Text(label, justify=col.justify)
        self.refresh()

    def _apply_sort(self) -> None:
        # The selection follows its row, not its row number: Enter after a re-sort must open
        # the pair that was selected, not whatever moved under the cursor.
        selected = self.cursor_key
        if self._sort_column is None:
            # Convention: the first column's sort value is the row's natural position.
            self.sort(self.COLUMNS[0].key, key=sort_key)
        else:
            self.sort(self._sort_column, key=sort_key, reverse=self._sort_reverse)
        if selected is not None:
            row = self.get_row_index(RowKey(selected))
            if row != self.cursor_row:
                self.move_cursor(row=row, animate=False)

    # -- helpers for subclasses -------------------------------------------------------------

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)
