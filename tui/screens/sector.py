"""The sector drill-down: both ETFs rebased to 100, and the sector's small-cap constituents."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from analytics.catalog import SECTORS, SectorPair
from analytics.spreads import fresh_legs
from analytics.text import inert
from analytics.types import SectorRow
from data_sources.model import Constituent, sector_members
from tui.drill import WINDOW_ROWS, DrillContext, asof_text, date_labels
from tui.filter_expr import COLUMNS, FilterError, RowFilter, parse_filter
from tui.screens.drillbase import FILTER_GROUP, SORT_GROUP, DrillScreen, ExportTable
from widgets.chart import ChartData, Line, LineChart, series_values
from widgets.constituents import ConstituentRow, ConstituentsTable
from widgets.footer import KeyFooter

_SECTOR_ALIASES = {
    "communication": "communication services",
    "telecommunication services": "communication services",
    "telecommunications": "communication services",
    "technology": "information technology",
    "information tech": "information technology",
    "healthcare": "health care",
    "consumer cyclical": "consumer discretionary",
    "consumer defensive": "consumer staples",
    "basic materials": "materials",
}


def sector_key(name: str) -> str:
    """A sector name folded so that holdings files and the catalog agree."""
    folded = " ".join(name.casefold().split())
    return _SECTOR_ALIASES.get(folded, folded)


def find_sector(sector: str, shown: Sequence[SectorRow] = ()) -> SectorPair:
    """The sector by name (any case, iShares short names too) or by its large ETF: as the
    heatmap shows it (a pack may configure its own ETFs), else from the catalog."""
    key = sector_key(sector)
    for row in shown:
        if sector_key(row.sector) == key or row.large.casefold() == key:
            return SectorPair(row.sector, row.large, row.small)
    for s in SECTORS:
        if sector_key(s.sector) == key or s.large.casefold() == key:
            return s
    names = ", ".join(s.sector for s in SECTORS)
    raise ValueError(f"sector: expected one of {names}, got {sector!r}")


def sector_constituents(
    constituents: Sequence[Constituent], sector: str, window: str = "1M"
) -> list[ConstituentRow]:
    """The constituents of ``sector`` as table rows (weight and day change in percent), with
    their 1M and 3M returns and their contribution to the sector's move over ``window``:
    weight in the sector (its weight over the sector's total) times the window's return, in
    percentage points, so that the contributions add up to the sector's weighted return.
    Unknown (None) when the source has no per-member history."""
    key = sector_key(sector)
    members = sector_members(constituents, lambda name: sector_key(name) == key)
    total = math.fsum(c.weight for c in members if _finite(c.weight) and c.weight > 0)
    rows = []
    for c in members:
        ret = c.window_return(window)
        contrib = None
        if total > 0 and _finite(ret) and _finite(c.weight):
            contrib = c.weight / total * ret  # type: ignore[operator]
        row = ConstituentRow(c.symbol, c.name, c.weight, c.last, c.change_pct)
        rows.append(row._replace(r1m=c.ret_1m, r3m=c.ret_3m, contrib=contrib))
    return rows


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def rebased(series: pd.Series | None, rows: int) -> pd.Series | None:
    """The last ``rows`` + 1 closes scaled so that the first of them is 100."""
    if series is None or series.empty:
        return None
    cut = series.iloc[-(rows + 1) :].astype(float)
    base = cut.iloc[0]
    if not pd.notna(base) or base == 0:
        return None
    return cut / base * 100.0


FILTER_PLACEHOLDER = (
    f"symbol or name, or an expression on {', '.join(COLUMNS)} (e.g. chg < -3 and weight > 0.05)"
)


CHART_WINDOW_OF: dict[str, str] = {
    "1D": "1M",
    "1W": "1M",
    "1M": "1M",
    "3M": "3M",
    "YTD": "1Y",
    "1Y": "1Y",
}
"""Heatmap window -> the shortest chart window that shows it."""


class FilterInput(Input):
    """The one-line filter; ``escape`` closes it (and must not leave the screen)."""

    DEFAULT_CSS = """
    FilterInput, FilterInput:focus {
        border: none;
        height: 1;
        padding: 0 1;
        display: none;
    }
    FilterInput.-open { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Close filter", show=False, group=FILTER_GROUP, id="filter.close"
        ),
    ]

    def action_close(self) -> None:
        self.remove_class("-open")
        self.screen.query_one(ConstituentsTable).focus()


class SectorScreen(DrillScreen):
    """One sector of the heatmap in detail; pushed with the sector name (``Energy``)."""

    kind: ClassVar[str] = "sector"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort", "Sort", group=SORT_GROUP, id="table.sort"),
        Binding(
            "S", "reverse_sort", "Reverse sort", show=False, group=SORT_GROUP, id="table.reverse"
        ),
        Binding(
            "slash", "open_filter", "Filter", group=FILTER_GROUP, id="table.filter", priority=True
        ),
    ]

    DEFAULT_CSS = """
    SectorScreen #sector-chart { height: 40%; min-height: 6; }
    SectorScreen #sector-status { height: 1; padding: 0 1; background: $boost; }
    SectorScreen #sector-error { height: auto; padding: 0 1; color: $error; display: none; }
    SectorScreen #sector-error.-shown { display: block; }
    """

    def __init__(
        self,
        sector: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
        heat_window: str | None = None,
        sort: tuple[str | None, bool] | None = None,
        filter_text: str = "",
    ) -> None:
        if window is None and heat_window is not None:
            window = CHART_WINDOW_OF.get(heat_window)
        super().__init__(sector, context, export_dir=export_dir, window=window)
        self.sector = find_sector(sector, context.snapshot().heatmap)
        self.heat_window = heat_window
        self._reasons: tuple[str, ...] = ()
        """Why a leg's figures are n/a at the as-of day (``"PSCE: data ends 2020-12-11"``)."""
        self._initial_sort = sort
        self._initial_filter = filter_text
        """The heatmap's window when opened from it: the info line shows the heatmap's own
        numbers for it, so the screen continues what the user was looking at."""
        self.row_filter: RowFilter = parse_filter("")
        self.filter_error: str | None = None
        self._series: tuple[pd.Series | None, pd.Series | None] = (None, None)

    @classmethod
    def open(
        cls,
        key: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        heat_window: str | None = None,
    ) -> SectorScreen:
        return cls(key, context, export_dir=export_dir, heat_window=heat_window)

    def compose(self) -> ComposeResult:
        yield Static(id="sector-title", classes="drill-title")
        yield Static(id="sector-info", classes="drill-info")
        yield LineChart(id="sector-chart")
        yield Static(id="sector-status")
        yield FilterInput(placeholder=FILTER_PLACEHOLDER)
        yield Static(id="sector-error")
        yield ConstituentsTable(id="sector-table")
        yield KeyFooter()

    @property
    def table(self) -> ConstituentsTable:
        return self.query_one(ConstituentsTable)

    def on_mount(self) -> None:
        self.table.focus()
        if self._initial_sort is not None and self._initial_sort[0] is not None:
            with contextlib.suppress(ValueError):  # a remembered column that no longer exists
                self.table.set_sort(self._initial_sort[0], self._initial_sort[1])
        if self._initial_filter:
            box = self.query_one(FilterInput)
            box.value = self._initial_filter  # Input.Changed applies it
            if box.value:
                self.apply_filter(box.value)

    def restore(self, sort: tuple[str | None, bool] | None = None, filter_text: str = "") -> None:
        """Open with this sort and filter (the remembered view); before the screen mounts."""
        self._initial_sort = sort
        self._initial_filter = filter_text

    @property
    def filter_text(self) -> str:
        """The filter as typed (empty: every row)."""
        return self.query_one(FilterInput).value

    # -- data --------------------------------------------------------------------------------

    def update_view(self) -> None:
        market = self.context.market()
        snapshot = self.context.snapshot()
        s = self.sector
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(inert(s.sector), style="bold")
        title.append(f"  {inert(s.large)} vs {inert(s.small) if s.small else 'n/a'}")
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}  ·  window {self.window}")
        self.query_one("#sector-title", Static).update(title)
        large = market.prices.get(s.large)
        small = market.prices.get(s.small) if s.small else None
        self._series = (large, small)
        # The one freshness rule (SPEC 8): a leg too old at the as-of day gives n/a, not its
        # own last rows from another year.
        legs: dict[str, pd.Series | None] = {s.large: large}
        if s.small:
            legs[s.small] = small
        usable, _stale, _dates, self._reasons = fresh_legs(legs, snapshot.asof.date())
        fresh_small = usable.get(s.small) if s.small else None
        self.query_one("#sector-info", Static).update(self._info(usable[s.large], fresh_small))
        self._update_chart(large, small)
        self.table.set_rows(sector_constituents(market.constituents, s.sector, self.window))
        self._update_status()

    def _window_return(self, series: pd.Series | None) -> float | None:
        rows = WINDOW_ROWS[self.window]
        if series is None or len(series) <= rows:
            return None
        now, base = float(series.iloc[-1]), float(series.iloc[-1 - rows])
        return None if base == 0 or not pd.notna(base) else (now / base - 1.0) * 100.0

    def _info(self, large: pd.Series | None, small: pd.Series | None) -> Text:
        s = self.sector
        label = self.window
        heat = None
        if self.heat_window is not None:
            row = next((h for h in self.context.snapshot().heatmap if h.sector == s.sector), None)
            heat = None if row is None else row.returns.get(self.heat_window)
        if heat is not None:
            label = self.heat_window or label
            r_large, r_small, spread = heat.large, heat.small, heat.spread_pp
        else:
            r_large, r_small = self._window_return(large), self._window_return(small)
            spread = None if r_large is None or r_small is None else r_small - r_large
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{label}  ")
        text.append(f"{inert(s.large)} ")
        text.append(self.signed_text(r_large, 2, "%"))
        if s.small:
            text.append(f"   {inert(s.small)} ")
            text.append(self.signed_text(r_small, 2, "%"))
            text.append("   small - large ")
            text.append(self.signed_text(spread, 2, "pp"))
        else:
            text.append("   no small-cap sector ETF configured")
        for reason in self._reasons:
            text.append(f"   n/a: {inert(reason)}", style="bold")
        return text

    def _update_chart(self, large: pd.Series | None, small: pd.Series | None) -> None:
        s = self.sector
        rows = WINDOW_ROWS[self.window]
        chart = self.query_one("#sector-chart", LineChart)
        frames = {}
        r_large = rebased(large, rows)
        if r_large is not None:
            frames[s.large] = r_large
        r_small = rebased(small, rows) if s.small else None
        if r_small is not None and s.small:
            frames[s.small] = r_small
        title = f"{s.large}{' and ' + s.small if s.small else ''} rebased to 100"
        if not frames:
            chart.set_data(ChartData(title, (), (), empty_message="no price history"))
            return
        joined = pd.concat(frames, axis=1, join="outer", sort=True).iloc[-(rows + 1) :]
        colors = ("primary", "accent")
        lines = tuple(
            Line(sym, series_values(joined[sym].to_numpy()), colors[i])
            for i, sym in enumerate(frames)
        )
        chart.set_data(ChartData(title, date_labels(joined.index, self.window), lines))

    def _update_status(self) -> None:
        table = self.table
        sort = {c.key: c.label for c in table.table_columns}[table.sort_column]
        arrow = "▼" if table.sort_descending else "▲"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{table.row_count:,} of {table.total:,} names", style="bold")
        if table.total and not table.row_count:
            text.append("  ·  no name matches the filter", style="italic")
        text.append(f"  ·  sort {sort} {arrow}  ·  filter: ")
        text.append(inert(self.row_filter.describe()))
        text.append(f"  ·  contrib = weight in sector × {self.window} return, pp")
        if table.total == 0:
            text.append("  ·  no constituents known for this sector", style="italic")
        self.query_one("#sector-status", Static).update(text)
        error = self.query_one("#sector-error", Static)
        error.set_class(self.filter_error is not None, "-shown")
        error.update(Text(inert(self.filter_error or ""), no_wrap=True, overflow="ellipsis"))

    # -- actions -----------------------------------------------------------------------------

    def action_sort(self) -> None:
        self.table.action_cycle_sort()
        self._update_status()
        self._say_sort()

    def action_reverse_sort(self) -> None:
        self.table.action_reverse_sort()
        self._update_status()
        self._say_sort()

    def _say_sort(self) -> None:
        table = self.table
        label = {c.key: c.label for c in table.table_columns}[table.sort_column]
        order = "descending ▼" if table.sort_descending else "ascending ▲"
        self.notify(f"Sorted by {label}, {order}", timeout=2, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_filter":  # a priority binding: inside the box ``/`` is text
            return not isinstance(self.focused, Input)
        return True

    def action_open_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.add_class("-open")
        # At once, not a message later (``Widget.focus``): keys typed right after ``/`` in
        # the same read are the box's, not the table's.
        self.set_focus(box)

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        # The status line keeps showing the filter; the box closes to give the table its row.
        self.query_one(FilterInput).action_close()

    def apply_filter(self, text: str) -> bool:
        """Filter the table by ``text``; a bad expression keeps the last good filter and shows
        a one-line error. Returns True when ``text`` was applied."""
        try:
            row_filter = parse_filter(text)
        except FilterError as exc:
            self.filter_error = f"filter: {exc}"
            self._update_status()
            return False
        self.filter_error = None
        self.row_filter = row_filter
        self.table.set_filter(None if row_filter.kind == "all" else row_filter)
        self._update_status()
        return True

    @on(DataTable.RowSelected, "#sector-table")
    def _open_symbol(self, event: DataTable.RowSelected) -> None:
        event.stop()
        symbol = event.row_key.value
        if symbol:
            from tui.screens.symbol import SymbolScreen

            self.app.push_screen(SymbolScreen(symbol, self.context, export_dir=self._export_dir))

    # -- export ------------------------------------------------------------------------------

    def export_tables(self) -> list[ExportTable]:
        s = self.sector
        rows: list[Sequence[Any]] = [
            (r.symbol, r.name, r.weight, r.last, r.chg, r.r1m, r.r3m, r.contrib)
            for r in self.table.visible_rows
        ]
        tables: list[ExportTable] = [
            (
                f"sector-{s.sector}-constituents",
                (
                    "symbol",
                    "name",
                    "weight_pct",
                    "last",
                    "chg_pct",
                    "ret_1m_pct",
                    "ret_3m_pct",
                    f"contrib_{self.window}_pp",
                ),
                rows,
            )
        ]
        large, small = self._series
        rws = WINDOW_ROWS[self.window]
        frames = {
            sym: r
            for sym, r in ((s.large, rebased(large, rws)), (s.small, rebased(small, rws)))
            if sym and r is not None
        }
        if frames:
            joined = pd.concat(frames, axis=1, join="outer").sort_index().iloc[-(rws + 1) :]
            hist = [
                (d.date(), *(None if pd.isna(v) else float(v) for v in values))
                for d, values in zip(joined.index, joined.to_numpy(), strict=True)
            ]
            columns = ("date", *(f"{sym}_rebased" for sym in frames))
            tables.append((f"sector-{s.sector}-history-{self.window}", columns, hist))
        return tables


__all__ = ["SectorScreen", "find_sector", "sector_constituents", "sector_key"]
