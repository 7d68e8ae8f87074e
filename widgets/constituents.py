"""Keyed tables that diff instead of refilling: a small generic one and the constituents table.

Both keep the cursor on the same row (by key) and the row at the same height on screen across
updates. Values are compared before anything is touched, so an update that changes nothing costs
no redraw; changed cells go through ``update_cell``; rows come and go inside one
``batch_update``. Removing rows one by one is quadratic in Textual's DataTable (each removal
re-indexes every row, textual#5273), so a change that removes many rows rebuilds the table in
one pass and then puts the cursor and scroll position back by key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Self

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets.data_table import ColumnKey, RowKey

from analytics.text import inert
from widgets.keyed_table import EDGE_BINDINGS, EdgeKeys, sort_label
from widgets.table_lines import FastLines

MOVE_GROUP = Binding.Group("Move")

REBUILD_AT = 48
"""Remove at most this many rows one by one; more than that rebuilds the table in one pass."""


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: key, header label, fixed width, right-aligned (numbers) or not."""

    key: str
    label: str
    width: int
    numeric: bool = False


class _KeyText(Text):
    """A cell that knows its row key, so ``DataTable.sort`` can order rows by our own order."""

    __slots__ = ("row_key",)

    def __init__(self, text: str, row_key: str, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.row_key = row_key


class KeyedTable(EdgeKeys, FastLines):
    """A DataTable whose rows are replaced by ``sync(rows)``: rows keyed, cells diffed."""

    DEFAULT_CSS = """
    KeyedTable {
        height: auto;
        max-height: 100%;
    }
    """

    HELP = "A table; arrows or h j k l move the cursor."

    BINDINGS: ClassVar[list[BindingType]] = [
        # Same ids as the dashboard's tables, so one keymap entry remaps both.
        Binding("k", "cursor_up", "Up", show=False, group=MOVE_GROUP, id="move.up"),
        Binding("j", "cursor_down", "Down", show=False, group=MOVE_GROUP, id="move.down"),
        Binding("h", "cursor_left", "Left", show=False, group=MOVE_GROUP, id="move.left"),
        Binding("l", "cursor_right", "Right", show=False, group=MOVE_GROUP, id="move.right"),
        *EDGE_BINDINGS,
    ]

    def __init__(
        self,
        columns: Sequence[Column],
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
        )
        self.table_columns: tuple[Column, ...] = tuple(columns)
        for col in self.table_columns:
            self.add_column(self._header(col), width=col.width, key=col.key)
        self._cells: dict[str, tuple[Any, ...]] = {}
        self._order: list[str] = []
        # Cells of rows filtered out, kept so that showing them again builds nothing.
        self._spare: dict[str, tuple[Any, ...]] = {}
        # Rows whose values changed but whose cells are not built yet: they are formatted
        # when a line shows them or a cell is read (most of 2,000 rows are off screen).
        self._stale: set[str] = set()
        self._stale_get: Callable[[str], tuple[Any, ...]] | None = None

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

    def _header(self, col: Column, suffix: str = "") -> Text:
        label = sort_label(col.label, suffix.strip(), col.width) if suffix else col.label
        return Text(label, justify="right" if col.numeric else "left", no_wrap=True)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self._order or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return key

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
        sortable = all(isinstance(shown[k][0], _KeyText) for k in kept[:1]) and (
            not order or isinstance(self._first_cell(order, shown, get), _KeyText)
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
                    self.refresh()
                for k in order:
                    if k not in shown:
                        row = get(k)
                        shown[k] = row
                        self.add_row(*row, key=k)
                if appended != order:
                    position = {k: i for i, k in enumerate(order)}
                    self.sort(col_keys[0], key=lambda cell: position[cell.row_key])
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
        touched = False
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
                        touched = True
                    else:
                        self.update_cell(row_key, col, b)
            shown[k] = new
        if touched:
            self.bump_update_count()  # the key of DataTable's render caches
            self.refresh()

    def _flush(self, keys: Iterable[str] | None = None) -> None:
        """Build the cells of stale rows (``keys`` among them, or all) into the table's data.

        No render invalidation: the rows were marked stale together with one (see
        ``_apply_rows``) and each is built before it is drawn or read."""
        stale = self._stale
        todo = list(stale) if keys is None else [k for k in keys if k in stale]
        if not todo or self._stale_get is None:
            return
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
            shown[k] = new

    def _flush_row(self, row_key: RowKey | str) -> None:
        if self._stale:
            self._flush((row_key.value if isinstance(row_key, RowKey) else row_key,))

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
        self.clear()
        cells: dict[str, tuple[Any, ...]] = {}
        for k in order:
            row = shown.get(k)
            if row is None or fresh is None or k in fresh:
                row = get(k)
            cells[k] = row
            self.add_row(*row, key=k)
        for k, row in shown.items():
            if k not in cells:
                self._spare[k] = row
        self._cells = cells
        self._stale.intersection_update(cells)

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


# -- constituents -------------------------------------------------------------------------


class ConstituentRow(NamedTuple):
    """One constituent as the table shows it; unknown numbers are None.

    ``weight`` and ``chg`` are percent (0.25 = 0.25 % of the fund; -3.1 = -3.1 % today);
    ``r1m`` and ``r3m`` are the 1- and 3-month returns in percent, ``contrib`` the row's
    contribution to its sector's move over the screen's window, in percentage points (its
    weight in the sector times its return). The field names are the filter's column names.
    """

    symbol: str
    name: str
    weight: float | None
    last: float | None
    chg: float | None
    r1m: float | None = None
    r3m: float | None = None
    contrib: float | None = None


CONSTITUENT_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", 8),
    Column("name", "Name", 30),
    Column("weight", "Wt %", 6, numeric=True),
    Column("last", "Last", 9, numeric=True),
    Column("chg", "Chg %", 7, numeric=True),
    Column("r1m", "1M %", 7, numeric=True),
    Column("r3m", "3M %", 7, numeric=True),
    Column("contrib", "Contrib", 8, numeric=True),
)

SORT_CYCLE: tuple[str, ...] = ("weight", "chg", "r1m", "r3m", "contrib", "last", "symbol", "name")
"""The order ``s`` steps through; numbers sort high to low first, text A to Z."""


def _known(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


class ConstituentsTable(KeyedTable):
    """The small-cap constituents of one sector: sortable, filterable, updated in place."""

    DEFAULT_CSS = """
    ConstituentsTable {
        height: 1fr;
    }
    ConstituentsTable > .constituents--gain { color: $success; }
    ConstituentsTable > .constituents--loss { color: $error; }
    ConstituentsTable > .constituents--na { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "constituents--gain",
        "constituents--loss",
        "constituents--na",
    }

    HELP = "Constituents: the screen binds the sort keys to `action_cycle_sort` / `reverse`."

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(CONSTITUENT_COLUMNS, name=name, id=id, classes=classes)
        self._rows: dict[str, ConstituentRow] = {}
        self._filter: Callable[[ConstituentRow], bool] | None = None
        self.sort_column = "weight"
        self.sort_descending = True
        self._styles: tuple[Style, Style, Style] | None = None
        self._drawn: dict[str, ConstituentRow] = {}  # the values behind the cells in _cells
        self._texts: dict[tuple[str, Style | str], Text] = {}  # shared number cells
        self._update_headers()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def on_unmount(self) -> None:
        # the subscription holds the table (and its rows) until the next theme change
        self.app.theme_changed_signal.unsubscribe(self)

    def on_resize(self) -> None:
        # The name column takes what the fixed numeric columns leave (between 10 and 60: at
        # 80 columns every column fits without a horizontal scrollbar).
        fixed = sum(c.width for c in self.table_columns if c.key != "name")
        gaps = 2 * self.cell_padding * len(self.table_columns) + 2  # + the scrollbar
        width = min(max(self.size.width - fixed - gaps, 10), 60)
        column = self.columns[ColumnKey("name")]
        if column.width != width:
            column.width = width
            self.notify_style_update()
            self._update_dimensions(())

    def _on_theme_changed(self, _theme: object) -> None:
        self._styles = None
        self._texts.clear()
        self._drawn.clear()  # new colours: no cell may be reused
        self._apply(self._order, self._cells_of, changed=list(self._order))

    # -- data in ----------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[ConstituentRow]) -> None:
        """Replace the data (a live update). Only rows whose values changed are redrawn."""
        new: dict[str, ConstituentRow] = {}
        for r in rows:
            key = r.symbol
            if key in new:  # duplicate tickers in a holdings file: keep the first
                continue
            new[key] = r
        old = self._rows
        changed = [k for k, r in new.items() if old.get(k) != r]
        self._rows = new
        col, pred = self.sort_column, self._filter
        same_order = (
            len(new) == len(old)
            and all(k in old for k in changed)
            and all(getattr(new[k], col) == getattr(old[k], col) for k in changed)
            and (pred is None or all(pred(new[k]) == pred(old[k]) for k in changed))
        )
        # Prices moved but no row came, went, passed the filter differently or changed its
        # sort value: the order stands, skip the sort (most live ticks when sorted by weight).
        order = list(self._order) if same_order else self._ordered_keys()
        self._apply(order, self._cells_of, changed=[k for k in changed if k in self._cells])

    def set_filter(self, predicate: Callable[[ConstituentRow], bool] | None) -> None:
        """Show only rows for which ``predicate`` is true (None shows every row)."""
        self._filter = predicate
        self._apply(self._ordered_keys(), self._cells_of, changed=())

    def set_sort(self, column: str, descending: bool | None = None) -> None:
        """Sort by ``column``; numbers default to high-to-low, text to A-Z."""
        if column not in SORT_CYCLE:
            expected = ", ".join(SORT_CYCLE)
            raise ValueError(f"sort column: expected one of {expected}, got {column!r}")
        numeric = column not in ("symbol", "name")
        self.sort_column = column
        self.sort_descending = numeric if descending is None else descending
        self._update_headers()
        self._apply(self._ordered_keys(), self._cells_of, changed=())

    def action_cycle_sort(self) -> None:
        i = SORT_CYCLE.index(self.sort_column)
        self.set_sort(SORT_CYCLE[(i + 1) % len(SORT_CYCLE)])

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_column, not self.sort_descending)

    # -- data out ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Rows before filtering."""
        return len(self._rows)

    @property
    def visible_rows(self) -> list[ConstituentRow]:
        """Rows as shown: filtered and sorted."""
        return [self._rows[k] for k in self._order]

    def row(self, key: str) -> ConstituentRow | None:
        return self._rows.get(key)

    def cursor_constituent(self) -> ConstituentRow | None:
        key = self.cursor_key()
        return None if key is None else self._rows.get(key)

    # -- internals --------------------------------------------------------------------------

    def _update_headers(self) -> None:
        arrow = " ▼" if self.sort_descending else " ▲"
        for col in self.table_columns:
            suffix = arrow if col.key == self.sort_column else ""
            self.columns[ColumnKey(col.key)].label = self._header(col, suffix)
        self.notify_style_update()  # drops the cached header cells and repaints

    def _ordered_keys(self) -> list[str]:
        pred = self._filter
        rows = self._rows
        keys = [k for k, r in rows.items() if pred is None or pred(r)]
        col = self.sort_column
        if col in ("symbol", "name"):
            keys.sort(key=lambda k: (getattr(rows[k], col).casefold(), k))
            if self.sort_descending:
                keys.reverse()
            return keys
        known = [k for k in keys if _known(getattr(rows[k], col))]
        unknown = [k for k in keys if not _known(getattr(rows[k], col))]
        sign = -1.0 if self.sort_descending else 1.0
        known.sort(key=lambda k: (sign * getattr(rows[k], col), k))
        unknown.sort()
        return known + unknown  # unknown values last whichever the direction

    def _theme_styles(self) -> tuple[Style, Style, Style]:
        if self._styles is None:
            try:
                self._styles = (
                    self.get_component_rich_style("constituents--gain", partial=True),
                    self.get_component_rich_style("constituents--loss", partial=True),
                    self.get_component_rich_style("constituents--na", partial=True),
                )
            except Exception:  # not mounted yet: no stylesheet to read from
                return (Style(), Style(), Style(dim=True))
        return self._styles

    def _cells_of(self, key: str) -> tuple[Any, ...]:
        r = self._rows[key]
        before = self._drawn.get(key)
        cells = self._cells.get(key) or self._spare.pop(key, None)
        self._drawn[key] = r
        if before is None or cells is None:
            return self._fresh_cells(key, r)
        # Live updates move prices, not names: rebuild only the cells whose value changed.
        symbol, name, weight, last, chg, r1m, r3m, contrib = cells
        gain, loss, na = self._theme_styles()
        if r.name != before.name:
            name = Text(inert(r.name), no_wrap=True, overflow="ellipsis")
        if r.weight != before.weight:
            weight = self._num(r.weight, ".3f", na=na)
        if r.last != before.last:
            last = self._num(r.last, ",.2f", na=na)
        if r.chg != before.chg:
            chg = self._num(r.chg, "+.2f", _tone(r.chg, gain, loss), na=na)
        if r.r1m != before.r1m:
            r1m = self._num(r.r1m, "+.2f", _tone(r.r1m, gain, loss), na=na)
        if r.r3m != before.r3m:
            r3m = self._num(r.r3m, "+.2f", _tone(r.r3m, gain, loss), na=na)
        if r.contrib != before.contrib:
            contrib = self._num(r.contrib, "+.3f", _tone(r.contrib, gain, loss), na=na)
        return (symbol, name, weight, last, chg, r1m, r3m, contrib)

    def _num(
        self, x: float | None, fmt: str, style: Style | str = "", *, na: Style | str = "dim"
    ) -> Text:
        """A number cell, shared by every cell that shows the same text in the same style:
        a live tick builds far fewer cells, and a value that moved without changing its text
        keeps its cell (no update, no re-render)."""
        if x is None or not math.isfinite(x):
            text, style = "n/a", na
        else:
            text = format(x, fmt)
        key = (text, style)
        cell = self._texts.get(key)
        if cell is None:
            if len(self._texts) >= 50_000:
                self._texts.clear()
            cell = self._texts[key] = Text(text, justify="right", style=style, no_wrap=True)
        return cell

    def _fresh_cells(self, key: str, r: ConstituentRow) -> tuple[Any, ...]:
        gain, loss, na = self._theme_styles()
        return (
            _KeyText(inert(r.symbol), key, no_wrap=True, overflow="ellipsis"),
            Text(inert(r.name), no_wrap=True, overflow="ellipsis"),
            self._num(r.weight, ".3f", na=na),
            self._num(r.last, ",.2f", na=na),
            self._num(r.chg, "+.2f", _tone(r.chg, gain, loss), na=na),
            self._num(r.r1m, "+.2f", _tone(r.r1m, gain, loss), na=na),
            self._num(r.r3m, "+.2f", _tone(r.r3m, gain, loss), na=na),
            self._num(r.contrib, "+.3f", _tone(r.contrib, gain, loss), na=na),
        )


def _tone(x: float | None, gain: Style, loss: Style) -> Style | str:
    if not _known(x):
        return ""
    return gain if x > 0 else loss if x < 0 else ""  # type: ignore[operator]


__all__ = [
    "CONSTITUENT_COLUMNS",
    "REBUILD_AT",
    "SORT_CYCLE",
    "Column",
    "ConstituentRow",
    "ConstituentsTable",
    "KeyedTable",
    "RowKey",
]
