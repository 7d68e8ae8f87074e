"""The constituents table of the sector screen: ~2,000 rows, sortable, filterable, updated in
place. A ``KeyedTable`` fed with ``_apply``: a live update formats only the cells whose value
changed, and only when their row is drawn or read."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets.data_table import ColumnKey

from analytics.text import inert
from widgets.keyed_table import PENDING, Column, KeyedTable, KeyText


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
    Column("weight", "Wt %", 6, justify="right"),
    Column("last", "Last", 9, justify="right"),
    Column("chg", "Chg %", 7, justify="right"),
    Column("r1m", "1M %", 7, justify="right"),
    Column("r3m", "3M %", 7, justify="right"),
    Column("contrib", "Contrib", 8, justify="right"),
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

    @property
    def sort_column(self) -> str:
        """The column the rows are sorted by: always one (there is no natural order here)."""
        column = self._sort_column
        assert column is not None  # set in __init__, then only by set_sort
        return column

    @sort_column.setter
    def sort_column(self, column: str) -> None:
        self._sort_column = column

    def on_resize(self, _event: events.Resize) -> None:
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

    def set_rows(self, rows: Iterable[ConstituentRow]) -> None:  # type: ignore[override]
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
        arrow = "▼" if self.sort_descending else "▲"
        for col in self.table_columns:
            mark = arrow if col.key == self.sort_column else ""
            self.columns[ColumnKey(col.key)].label = self._header(col, mark)
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
        if before is None or cells is None or cells[-1] is PENDING:
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
            KeyText(inert(r.symbol), row_key=key, no_wrap=True, overflow="ellipsis"),
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
    "SORT_CYCLE",
    "ConstituentRow",
    "ConstituentsTable",
]
