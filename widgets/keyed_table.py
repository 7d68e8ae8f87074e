"""The one keyed, diffing table of rotmon: every table (spreads, risk, alert log, macro,
constituents and the drill-down screens' tables) is a ``KeyedTable``.

Rows are keyed; an update compares values before anything is touched, so an update that
changes nothing costs no redraw, and the cursor stays on its row (by key) and the row at its
height on screen when rows move. Two ways in, one engine under them:

- ``set_rows(rows)`` with cells as theme-free ``Cell`` specs (text, tone, sort value,
  sparkline): styled at render time with the theme's colours, sortable by ``cycle_sort`` /
  ``sort_by``, only the changed cells repainted (a tick resends a cell, not the table);
- ``sync(rows)`` with cells as Rich renderables, shown as given (the drill-down screens);
  ``_apply(order, cells_of, changed)`` is the bulk path under it, which ConstituentsTable feeds
  with a function that builds a row's cells only when the row is drawn or read.

Removing rows one by one is quadratic in Textual's DataTable (each removal re-indexes every row,
textual#5273), so a change that removes many rows rebuilds the table in one pass and then puts
the cursor and scroll position back by key. Body lines are drawn by ``FastLines``
(``widgets.table_lines``).

Length: over 600 lines because ``KeyedTable`` is one DataTable subclass on purpose: the diff,
the cursor and scroll kept by key, the sort and its overrides of DataTable's row and cell
caches (``_update_dimensions``, ``_render_cell``, ``get_cell``...) all work on the same rows;
the line drawing is already ``widgets.table_lines``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets.data_table import ColumnKey, Row, RowKey

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


@dataclass(frozen=True, slots=True)
class Column:
    """A fixed-width column: widths never follow the data, so nothing jumps while ticking.
    Text is left-aligned, numbers ``justify="right"``.

    ``grow_to`` above ``width``: the column takes the table's spare width, up to that many
    cells (a sparkline or a name that widens with the pane; it follows the pane, never the data).
    """

    key: str
    label: str
    width: int
    justify: Justify = "left"
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


class KeyText(Text):
    """A cell that knows its row key, so that ``DataTable.sort`` can put rows in our order."""

    def __init__(self, *args: Any, row_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_key = row_key


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


PENDING = Text("")
"""The cells of a row added before its cells are built (``KeyedTable._add_rows``): never drawn
or read, since a pending row is built first; a cell function sees them and builds afresh."""

REBUILD_AT = 48
"""Remove at most this many rows one by one; more than that rebuilds the table in one pass."""


def sort_key(value: float | str | None) -> tuple[int, Any]:
    """Unknown values last, whatever the direction (the caller flips the flag with reverse)."""
    if value is None:
        return (0, 0)
    return (1, value)


class KeyedTable(FastLines):
    """Rows keyed by id; cells diffed; the selection and sort follow keys, not row numbers."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    """The columns of a subclass (or pass ``columns`` to the constructor)."""
    CELL_PADDING: ClassVar[int] = 1
    """Blank cells each side of a cell (the dashboard's panes use 0)."""
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
    }
    """

    HELP = "A table; arrows or h j k l move the cursor."

    def __init__(
        self,
        columns: Sequence[Column] | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        cursor_type: str = "row",
        show_cursor: bool = True,
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            cursor_type=cursor_type,  # type: ignore[arg-type]
            show_cursor=show_cursor,
            zebra_stripes=False,
            cell_padding=self.CELL_PADDING,
        )
        self.table_columns: tuple[Column, ...] = (
            tuple(columns) if columns is not None else self.COLUMNS
        )
        self._widths: dict[str, int] = {col.key: col.width for col in self.table_columns}
        for col in self.table_columns:
            self.add_column(self._header(col), width=col.width, key=col.key)
        # Rows fed as Cell specs (set_rows): the specs shown, the theme's style per tone.
        self._shown: dict[str, dict[str, Cell]] = {}
        self._tones: dict[str, Style] = {}
        self._sort_column: str | None = None
        self._sort_reverse = True
        # Rows fed as cells (sync / _apply): the cells shown and their order.
        self._cells: dict[str, tuple[Any, ...]] = {}
        self._order: list[str] = []
        # Cells of rows filtered out, kept so that showing them again builds nothing.
        self._spare: dict[str, tuple[Any, ...]] = {}
        # Rows whose values changed but whose cells are not built yet: they are formatted
        # when a line shows them or a cell is read (most of 2,000 rows are off screen).
        self._stale: set[str] = set()
        self._stale_get: Callable[[str], tuple[Any, ...]] | None = None

    # -- moving -----------------------------------------------------------------------------

    def action_cursor_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_cursor_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else str(key)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    def _header(self, col: Column, arrow: str = "") -> Text:
        width = self._widths.get(col.key, col.width)
        label = sort_label(col.label, arrow, width) if arrow else col.label
        return Text(label, justify=col.justify, no_wrap=True)

    def on_resize(self, _event: events.Resize) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Growing columns (``grow_to``) take the width the table has beyond its fixed ones."""
        if not any(col.grow_to > col.width for col in self.table_columns):
            return
        widths = fit_widths(self.table_columns, self.scrollable_content_region.width)
        changed = [col for col in self.table_columns if widths[col.key] != self._widths[col.key]]
        if not changed:
            return
        self._widths = widths
        for col in changed:
            self.columns[ColumnKey(col.key)].width = widths[col.key]
            for key, cells in self._shown.items():
                cell = cells.get(col.key)
                if cell is not None:
                    self._put_cell(key, col.key, self._text(cell, col, key), refresh=False)
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

    # -- data in: Cell specs ------------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Show exactly these rows (key, cells in COLUMNS order), touching only what changed:
        a cell is styled again only when its spec changed, and repainted only when it draws
        differently; the order is the order given, or the sort column's."""
        columns = self.table_columns
        specs: dict[str, dict[str, Cell]] = {}
        texts: dict[str, tuple[Any, ...]] = {}
        changed: list[str] = []
        for key, cells in rows:
            spec = dict(zip((c.key for c in columns), cells, strict=True))
            specs[key] = spec
            old = self._shown.get(key)
            shown = self._cells.get(key)
            if old is None or shown is None:
                texts[key] = tuple(
                    self._text(cell, col, key) for cell, col in zip(cells, columns, strict=True)
                )
                continue
            if old == spec:
                continue
            new = list(shown)
            for i, col in enumerate(columns):
                was, cell = old[col.key], spec[col.key]
                if was != cell and not self._same_drawing(was, cell, col):
                    new[i] = self._text(cell, col, key)
            texts[key] = tuple(new)
            changed.append(key)
        self._shown = specs
        self._apply(self._spec_order(), texts, changed=changed)

    def _spec_order(self) -> list[str]:
        """The keys of the Cell-spec rows as shown: as given, or by the sort column's values
        (high to low, unknown last; ties keep the order given)."""
        order = list(self._shown)
        column = self._sort_column
        if column is not None:
            shown = self._shown
            order.sort(key=lambda k: sort_key(shown[k][column].sort), reverse=self._sort_reverse)
        return order

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
        shown = self._cells.get(key)
        if shown is not None:
            at = self.get_column_index(column_key)
            self._cells[key] = (*shown[:at], value, *shown[at + 1 :])
        self.bump_update_count()  # invalidates DataTable's render caches, as update_cell does
        if refresh:
            self._refresh_cells(key, (column,))

    def restyle(self) -> None:
        """Re-render every cell with the current theme's colours."""
        self._tones.clear()
        for key, cells in self._shown.items():
            for col in self.table_columns:
                cell = cells.get(col.key)
                if cell is not None:
                    self._put_cell(key, col.key, self._text(cell, col, key))
        self.refresh()

    def column_width(self, key: str) -> int:
        """The width column ``key`` has now (a growing column follows the table's width)."""
        return self._widths[key]

    def _text(self, cell: Cell, col: Column, key: str | None = None) -> KeyText:
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
        return KeyText(text, style=style, justify=col.justify, row_key=key)

    # -- sorting ---------------------------------------------------------------------------

    SORTABLE: ClassVar[tuple[str, ...]] = ()
    """Column keys that ``cycle_sort`` steps through (after the natural order)."""

    @property
    def sort_column(self) -> str | None:
        return self._sort_column

    @sort_column.setter
    def sort_column(self, column: str | None) -> None:
        self._sort_column = column

    def cycle_sort(self) -> str | None:
        """Step the sort column: natural order → each sortable column (descending) → natural."""
        steps: list[str | None] = [None, *self.SORTABLE]
        at = steps.index(self._sort_column) if self._sort_column in steps else 0
        self._sort_column = steps[(at + 1) % len(steps)]
        self._label_sort_column()
        self._resort()
        return self._sort_column

    def sort_by(self, column: str | None) -> None:
        """Sort by ``column`` (one of SORTABLE; None: the natural order)."""
        if column is not None and column not in self.SORTABLE:
            raise ValueError(f"sort column: expected one of {', '.join(self.SORTABLE)}")
        self._sort_column = column
        self._label_sort_column()
        self._resort()

    def _label_sort_column(self) -> None:
        for col in self.table_columns:
            arrow = "▼" if col.key == self._sort_column else ""
            self.columns[ColumnKey(col.key)].label = self._header(col, arrow)
        self.refresh()

    def _resort(self) -> None:
        # The selection follows its row, not its row number (``_apply``): Enter after a
        # re-sort opens the pair that was selected, not whatever moved under the cursor.
        self._apply(self._spec_order(), {}, changed=())

    # -- data in: rows of cells ---------------------------------------------------------------

    _bulk = False
    _bulk_refresh: tuple[bool, bool] | None = None
    _pending_scroll: int | None = None

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Coalesce the refresh that every ``update_cell`` asks for into one per update."""
        if self._bulk and not regions and not recompose:
            rep, lay = self._bulk_refresh or (False, False)
            self._bulk_refresh = (rep or repaint, lay or layout)
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of every new row to size auto-width columns (2,000
        # rows: ~100 ms when a filter is cleared). Our columns have fixed widths and our rows
        # a fixed height of 1, so there is nothing to measure: only the virtual size is
        # recomputed. If a future Textual renames this hook, the override is merely unused.
        base = getattr(super(), "_update_dimensions", None)
        if base is not None:
            base(())
        if self._pending_scroll is not None:
            # Now that the virtual size is known, put the cursor row back where it was.
            target, self._pending_scroll = self._pending_scroll, None
            self.scroll_to(y=target, animate=False, immediate=True)

    def _apply_pending_scroll(self) -> None:
        if self._pending_scroll is not None:
            target, self._pending_scroll = self._pending_scroll, None
            self.scroll_to(y=target, animate=False, immediate=True)

    _cell_lines: dict[tuple[RowKey, ColumnKey], tuple[Any, tuple[Any, ...], Any]] | None = None

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Any:
        # DataTable keys its cell render cache on a counter that every update bumps, so one
        # changed price re-renders every visible cell. Rows keep their cell objects until a
        # value changes (``_apply`` replaces only what differs): a cell whose object, place
        # and look are what they were is rendered from this cache instead.
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        try:
            row_key = self._row_locations.get_key(row_index)
            column_key = self._column_locations.get_key(column_index)
            if row_key is None or column_key is None:
                raise KeyError((row_index, column_index))  # not (yet) a cell of the table
            cell = self._data[row_key][column_key]
            state = (
                row_index,
                base_style,
                width,
                cursor,
                hover,
                self._show_hover_cursor,
                self._pseudo_class_state,
            )
        except (AttributeError, KeyError):  # another Textual: no cache, nothing lost
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache = self._cell_lines
        if cache is None:
            cache = self._cell_lines = {}
        hit = cache.get((row_key, column_key))
        if hit is not None and hit[0] is cell and hit[1] == state:
            return hit[2]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache[(row_key, column_key)] = (cell, state, lines)
        return lines

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cell_lines = None

    def sync(self, rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Show ``rows`` (key, cells) in this order. Cells are Rich renderables or text; a
        cell is replaced only when it differs from what is shown."""
        self._apply([k for k, _ in rows], {k: tuple(c) for k, c in rows})

    def _apply(
        self,
        order: list[str],
        cells: dict[str, tuple[Any, ...]] | Callable[[str], tuple[Any, ...]],
        changed: Iterable[str] | None = None,
    ) -> None:
        """Make the table show ``order``; ``cells`` gives each row's cells (a dict, or a
        function called only for rows that are new or listed in ``changed``)."""
        get = cells.__getitem__ if isinstance(cells, dict) else cells
        old_cursor_key = self.cursor_key()
        old_row = self.cursor_row
        screen_offset = old_row - round(self.scroll_y)
        wanted = set(order)
        shown = self._cells
        removed = [k for k in self._order if k not in wanted]
        kept = [k for k in self._order if k in wanted]
        appended = kept + [k for k in order if k not in shown]
        # Rows can be put in order in place only when their first cell knows its key.
        sortable = all(_keyed(shown[k][0]) for k in kept[:1]) and (
            not order or _keyed(self._first_cell(order, shown, get))
        )
        rebuild = len(removed) > REBUILD_AT or (appended != order and not sortable)
        col_keys = [ColumnKey(c.key) for c in self.table_columns]
        self._bulk = True
        try:
            self._apply_rows(order, shown, get, changed, kept, removed, appended, rebuild, col_keys)
        finally:
            self._bulk = False
            pending, self._bulk_refresh = self._bulk_refresh, None
            if pending is not None:
                self.refresh(repaint=pending[0], layout=pending[1])
        # New rows change the virtual size only when the table is next idle.
        resized = rebuild or len(appended) != len(kept)
        self._restore_cursor(old_cursor_key, old_row, screen_offset, rebuilt=resized)

    def _apply_rows(
        self,
        order: list[str],
        shown: dict[str, tuple[Any, ...]],
        get: Callable[[str], tuple[Any, ...]],
        changed: Iterable[str] | None,
        kept: list[str],
        removed: list[str],
        appended: list[str],
        rebuild: bool,
        col_keys: list[ColumnKey],
    ) -> None:
        with self.app.batch_update():
            if rebuild:
                self._rebuild(order, shown, get, changed)
            else:
                for k in removed:
                    self.remove_row(k)
                    self._spare[k] = shown.pop(k)
                    self._stale.discard(k)
                update_keys = kept if changed is None else [k for k in changed if k in shown]
                # Cells from a function (ConstituentsTable) are new objects only when their
                # value changed, and are built when shown; a dict of cells (sync) is built
                # anew: compare what it shows.
                if isinstance(getattr(get, "__self__", None), dict):
                    self._update_cells(update_keys, shown, get, col_keys, compare=True)
                elif update_keys:
                    self._stale.update(update_keys)
                    self._stale_get = get
                    # One invalidation now: a stale row is formatted before it is next drawn,
                    # so no render cache of the new count can hold its old cells.
                    self.bump_update_count()
                    if removed or appended != order or self._fast_tall:
                        self.refresh()  # rows move: the table repaints (below)
                    else:
                        # Rows stay put: the rows on screen are built now and only the cells
                        # that read differently are repainted; the rest wait until shown.
                        touched = self._flush(self._keys_on_screen())
                        for k, columns in touched.items():
                            self._refresh_cells(k, columns)
                self._add_rows([k for k in order if k not in shown], shown, get)
                if appended != order:
                    position = {k: i for i, k in enumerate(order)}
                    self.sort(col_keys[0], key=lambda cell: position[cell.row_key])
                if removed or appended != order or len(appended) != len(kept):
                    self.refresh()
            self._order = list(order)

    def _update_cells(
        self,
        keys: list[str],
        shown: dict[str, tuple[Any, ...]],
        get: Callable[[str], tuple[Any, ...]],
        col_keys: list[ColumnKey],
        *,
        compare: bool = True,
    ) -> None:
        """Replace the cells of ``keys`` that differ (by identity alone unless ``compare``).

        A live tick changes thousands of cells (price, change and returns of most rows): they
        are written into the table's data in one pass with one render invalidation, which is
        what ``update_cell`` does per cell (with a lookup of both keys each time). Falls back
        to ``update_cell`` if a future Textual stores its cells differently."""
        data = getattr(self, "_data", None)
        direct = isinstance(data, dict) and isinstance(getattr(self, "_update_count", None), int)
        touched: dict[str, list[str]] = {}
        for k in keys:
            old = shown[k]
            new = get(k)
            row_key = None
            cells: Any = None
            for col, a, b in zip(col_keys, old, new, strict=True):
                if a is not b and (not compare or not same_cell(a, b)):
                    if row_key is None:
                        row_key = RowKey(k)
                        cells = data.get(row_key) if direct else None  # type: ignore[union-attr]
                    if cells is not None:
                        cells[col] = b
                        touched.setdefault(k, []).append(str(col.value))
                    else:
                        self.update_cell(row_key, col, b)
            shown[k] = new
        if touched:
            self.bump_update_count()  # the key of DataTable's render caches
            # Only the changed cells are repainted (a tick resends a few cells, not the table
            # over SSH); rows that move or come and go repaint the table (``_apply_rows``).
            for k, columns in touched.items():
                self._refresh_cells(k, columns)

    def _flush(self, keys: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Build the cells of stale rows (``keys`` among them, or all) into the table's data;
        returns the columns whose cell changed, by row.

        No render invalidation: the rows were marked stale together with one (see
        ``_apply_rows``) and each is built before it is drawn or read."""
        stale = self._stale
        todo = list(stale) if keys is None else [k for k in keys if k in stale]
        touched: dict[str, list[str]] = {}
        if not todo or self._stale_get is None:
            return touched
        stale.difference_update(todo)
        get = self._stale_get
        data = self._data
        shown = self._cells
        col_keys = [ColumnKey(c.key) for c in self.table_columns]
        for k in todo:
            new = get(k)
            cells = data[RowKey(k)]
            for col, a, b in zip(col_keys, shown[k], new, strict=True):
                if a is not b:
                    cells[col] = b
                    touched.setdefault(k, []).append(str(col.value))
            shown[k] = new
        return touched

    def _keys_on_screen(self) -> list[str]:
        """The keys of the rows the table shows now (rows are one line high)."""
        header = self.header_height if self.show_header else 0
        top = round(self.scroll_y)
        bottom = min(self.row_count, top + max(0, self.size.height - header))
        key_at = self._row_locations.get_key
        keys = (key_at(i) for i in range(top, bottom))
        return [str(key.value) for key in keys if key is not None]

    def _flush_row(self, row_key: RowKey | str | None) -> None:
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        if self._stale and key is not None:  # None: no row there (nothing stale to build)
            self._flush((key,))

    def render_line(self, y: int) -> Strip:
        if self._stale:
            header = self.header_height if self.show_header else 0
            index = y - header + self.scroll_offset.y
            if self._fast_tall:
                self._flush()
            elif header <= y and index < self.row_count:
                self._flush_row(self._row_locations.get_key(index))
        return super().render_line(y)

    # Reads of the table's cells see every change: stale rows are built first.

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Any:
        self._flush_row(row_key)
        return super().get_cell(row_key, column_key)

    def get_row(self, row_key: RowKey | str) -> list[Any]:
        self._flush_row(row_key)
        return super().get_row(row_key)

    def get_row_at(self, row_index: int) -> list[Any]:
        if self._stale and self.is_valid_row_index(row_index):
            self._flush_row(self._row_locations.get_key(row_index))
        return super().get_row_at(row_index)

    def get_cell_at(self, coordinate: Coordinate) -> Any:
        if self._stale and self.is_valid_row_index(coordinate.row):
            self._flush_row(self._row_locations.get_key(coordinate.row))
        return super().get_cell_at(coordinate)

    def get_column(self, column_key: ColumnKey | str) -> Iterable[Any]:
        self._flush()
        return super().get_column(column_key)

    def get_column_at(self, column_index: int) -> Iterable[Any]:
        self._flush()
        return super().get_column_at(column_index)

    def _first_cell(
        self,
        order: list[str],
        shown: dict[str, tuple[Any, ...]],
        get: Callable[[str], tuple[Any, ...]],
    ) -> Any:
        k = order[0]
        return shown[k][0] if k in shown else get(k)[0]

    def _rebuild(
        self,
        order: list[str],
        shown: dict[str, tuple[Any, ...]],
        get: Callable[[str], tuple[Any, ...]],
        changed: Iterable[str] | None,
    ) -> None:
        fresh = set(changed) if changed is not None else None
        lazy = not isinstance(getattr(get, "__self__", None), dict)
        self.clear()
        cells: dict[str, tuple[Any, ...]] = {}
        restale: list[str] = []
        for k in order:
            row = shown.get(k)
            if row is None:
                continue  # a new row: added below
            if fresh is None or k in fresh:
                if lazy:
                    restale.append(k)  # built when drawn or read, like any changed row
                else:
                    row = get(k)
            cells[k] = row
        for k, row in shown.items():
            if k not in cells:
                self._spare[k] = row
        self._stale.intersection_update(cells)
        if restale:
            self._stale.update(restale)
            self._stale_get = get
        self._cells = cells
        self._add_rows(order, cells, get, present=dict(cells))

    def _add_rows(
        self,
        keys: list[str],
        shown: dict[str, tuple[Any, ...]],
        get: Callable[[str], tuple[Any, ...]],
        *,
        present: dict[str, tuple[Any, ...]] | None = None,
    ) -> None:
        """Append rows ``keys`` (their cells from ``present``, else from ``get``) in one pass.

        ``add_row`` per row re-validates the cursor and bumps the render counter each time
        (2,000 rows: ~70 ms); this writes DataTable's row maps directly and does that once.
        Rows from a cell function (the lazy path) are added with the cells they had when last
        shown, or PENDING if never built, and built when drawn or read, like any stale row.
        Falls back to ``add_row`` if a future Textual keeps its rows differently."""
        if not keys:
            return
        lazy = not isinstance(getattr(get, "__self__", None), dict)
        width = len(self.table_columns)
        rows: list[tuple[str, tuple[Any, ...]]] = []
        for k in keys:
            row = present.get(k) if present is not None else None
            if row is None:
                if lazy:
                    # Built when drawn or read: from the cells it had when it was last shown
                    # (the cell function diffs against those), or from nothing yet.
                    row = self._spare.pop(k, None)
                    if row is None:
                        row = (KeyText("", row_key=k), *([PENDING] * (width - 1)))
                    self._stale.add(k)
                    self._stale_get = get
                else:
                    row = get(k)
            shown[k] = row
            rows.append((k, row))
        first = 0
        if not self.row_count:  # the first row goes the ordinary way (cursor, highlight)
            self.add_row(*rows[0][1], key=rows[0][0])
            first = 1
        try:
            locations, data, table_rows = self._row_locations, self._data, self.rows
            new_rows = self._new_rows
            column_keys = [column.key for column in self.ordered_columns]
        except AttributeError:
            for k, row in rows[first:]:
                self.add_row(*row, key=k)
            return
        index = self.row_count
        for k, row in rows[first:]:
            row_key = RowKey(k)
            if row_key in locations:
                raise ValueError(f"row key {k!r} is already in the table")
            locations[row_key] = index
            index += 1
            data[row_key] = dict(zip(column_keys, row, strict=True))
            table_rows[row_key] = Row(row_key, 1, None, False)
            new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        self._update_count += 1
        self.check_idle()

    def _restore_cursor(
        self, key: str | None, old_row: int, screen_offset: int, *, rebuilt: bool
    ) -> None:
        if not self._order:
            return
        if key is not None and key in self._cells:
            row = self.get_row_index(key)
        else:
            row = min(max(old_row, 0), len(self._order) - 1)
        if row != self.cursor_row or rebuilt:
            self.move_cursor(row=row, scroll=False)
        target = max(0, row - max(screen_offset, 0))
        if round(self.scroll_y) != target:
            if rebuilt:
                # The virtual size is recomputed when the table is next idle: scroll after it.
                self._pending_scroll = target
                self.call_after_refresh(self._apply_pending_scroll)
            else:
                self.scroll_to(y=target, animate=False, immediate=True)


def same_cell(a: Any, b: Any) -> bool:
    """True when two cells look the same (``Text ==`` ignores style, this does not)."""
    if a is b:
        return True
    if isinstance(a, Text) and isinstance(b, Text):
        return (
            a.plain == b.plain
            and a.style == b.style
            and a.spans == b.spans
            and a.justify == b.justify
        )
    return type(a) is type(b) and a == b


def _keyed(cell: object) -> bool:
    """True for a cell that knows its row key (rows can then be put in order in place)."""
    return getattr(cell, "row_key", None) is not None


class PaneTable(KeyedTable):
    """The look of a dashboard pane's table: no cell padding, a transparent background, thin
    scrollbars, and the ``Cell`` tones in the rotmon theme's colours (``$gain``, ``$loss``, ...:
    variables that only rotmon's app defines, hence not on ``KeyedTable`` itself)."""

    CELL_PADDING: ClassVar[int] = 0
    DEFAULT_CSS = """
    PaneTable {
        background: transparent;
        scrollbar-size: 1 1;
    }
    PaneTable > .keyed-table--gain { color: $gain; }
    PaneTable > .keyed-table--loss { color: $loss; }
    PaneTable > .keyed-table--neutral { color: $neutral; }
    PaneTable > .keyed-table--stale { color: $stale; }
    PaneTable > .keyed-table--warn { color: $warning; }
    PaneTable > .keyed-table--crit { color: $error; }
    PaneTable > .keyed-table--accent { color: $accent; }
    PaneTable > .keyed-table--dim { color: $neutral; }
    """
