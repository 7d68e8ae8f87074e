"""The rate-cycle drill-down (`c`): where the Fed stands, the policy rate's path, and how small
caps did over the 3, 6 and 12 months after each past first cut (SPEC 11) — evidence, not a claim."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from analytics.cycle import AFTER_MONTHS, AfterCut, cycle_evidence
from analytics.text import inert
from analytics.types import RateCycle
from tui.drill import DrillContext, asof_text, date_labels
from tui.screens.drillbase import DrillScreen, ExportTable
from tui.screens.valuation import window_days
from widgets.chart import ChartData, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, signed
from widgets.keyed_table import Column, KeyedTable

TABLE_COLUMNS: tuple[Column, ...] = (
    Column("first_cut", "First cut", 10),
    Column("pair", "Small − large", 13),
    *(Column(f"m{m}", f"+{m}M pp", 8, justify="right") for m in AFTER_MONTHS),
    Column("note", "Note", 30),
)

SERIES_LABEL = {"DFEDTARU": "Fed funds target, upper bound", "FEDFUNDS": "Fed funds, effective"}


def cycle_summary(c: RateCycle | None) -> Text:
    """The cycle in words: phase, first cut, cuts and bp, rate, 2Y minus funds; why n/a."""
    text = Text()
    if c is None or c.phase is None:
        text.append("Phase n/a", style="bold")
        text.append(f"  ({inert(c.reason if c and c.reason else 'no policy rate in the data')})")
        return text
    text.append(f"Phase: {c.phase}", style="bold")
    if c.first_cut is None:
        text.append("  ·  no cut since the last hike")
    else:
        months = c.months_since_first_cut
        ago = "" if months is None else f", {months} month{'s' * (months != 1)} ago"
        text.append(f"  ·  first cut {c.first_cut.isoformat()}{ago}")
        bp = NA if c.cut_bp is None else f"{c.cut_bp:.0f} bp"
        text.append(f"  ·  {c.cuts} cut{'s' * (c.cuts != 1)}, {bp} so far")
    if c.rate is not None and c.rate_date is not None:
        text.append(f"  ·  rate {c.rate:.2f}% ({c.rate_date.isoformat()})")
    text.append("  ·  2Y − funds ")
    text.append(signed(c.two_year_minus_funds, 2, " pp"))
    for note in c.notes:
        text.append(f"\n{inert(note)}", style="dim")
    return text


class CycleScreen(DrillScreen):
    """The Fed's rate cycle in detail; pushed with any key (there is one cycle)."""

    BINDINGS: ClassVar[list[BindingType]] = []

    kind: ClassVar[str] = "cycle"

    window = "2Y"

    DEFAULT_CSS = """
    CycleScreen #cycle-summary { height: auto; max-height: 3; padding: 0 1; }
    CycleScreen #cycle-chart { height: 3fr; min-height: 6; }
    CycleScreen #cycle-table-title { height: 1; padding: 0 1; background: $boost; }
    CycleScreen #cycle-table { height: 2fr; min-height: 4; }
    """

    def __init__(
        self,
        key: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
    ) -> None:
        super().__init__(key, context, export_dir=export_dir, window=window)
        self.key = key
        self.history: pd.Series | None = None
        self.rows: tuple[AfterCut, ...] = ()
        self._evidence_key: object = None
        self._evidence: tuple[str | None, pd.Series | None, tuple[AfterCut, ...]] = (None, None, ())

    def compose(self) -> ComposeResult:
        yield Static(id="cycle-title", classes="drill-title")
        yield Static(id="cycle-summary")
        yield LineChart(id="cycle-chart")
        yield Static(id="cycle-table-title")
        yield KeyedTable(TABLE_COLUMNS, id="cycle-table")
        yield KeyFooter()

    def evidence(self) -> tuple[str | None, pd.Series | None, tuple[AfterCut, ...]]:
        """The policy series and the after-first-cut table, recomputed once per as-of day."""
        market = self.context.market()
        day = market.asof.date()
        key = (id(market.macro), id(market.prices), day)
        if key != self._evidence_key:
            macro = {k: m.values for k, m in market.macro.items()}
            self._evidence = cycle_evidence(macro, market.prices, day)
            self._evidence_key = key
        return self._evidence

    def update_view(self) -> None:
        snapshot = self.context.snapshot()
        c = snapshot.cycle
        source, series, rows = self.evidence()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Fed rate cycle", style="bold")
        if c is not None and c.source:
            title.append(f"  ·  {SERIES_LABEL.get(c.source, c.source)} ({c.source})")
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}")
        self.query_one("#cycle-title", Static).update(title)
        self.query_one("#cycle-summary", Static).update(cycle_summary(c))
        self._update_chart(source, series)
        self._update_table(rows)

    def _update_chart(self, source: str | None, series: pd.Series | None) -> None:
        chart = self.query_one("#cycle-chart", LineChart)
        if series is None or source is None or series.empty:
            self.history = None
            chart.set_data(ChartData("Policy rate (%)", (), (), empty_message="no policy rate"))
            return
        start = series.index[-1] - pd.Timedelta(days=window_days(self.window))
        shown = series[series.index > start]
        self.history = shown
        labels = date_labels(shown.index, "2Y" if window_days(self.window) > 190 else "1M")
        chart.set_data(
            ChartData(
                f"{SERIES_LABEL.get(source, source)} (%) · {self.window}",
                labels,
                (Line(source, series_values(shown.to_numpy()), "primary"),),
                empty_message="no policy rate in this window",
            )
        )

    def _update_table(self, rows: tuple[AfterCut, ...]) -> None:
        self.rows = rows
        head = self.query_one("#cycle-table-title", Static)
        head.update(
            Text(
                "Small minus large after each first cut since 1990, pp: evidence, not a claim",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        table_rows: list[tuple[str, Sequence[Any]]] = []
        for r in reversed(rows):  # the latest cycle first
            pair = NA if r.small is None else f"{r.small} − {r.large}"
            cells: list[Any] = [
                Text(r.first_cut.isoformat(), no_wrap=True),
                Text(inert(pair), no_wrap=True),
            ]
            for m in AFTER_MONTHS:
                cells.append(self.signed_text(r.spread_pp.get(m), 1))
            note = r.reason or (
                "window not over yet"
                if any(r.spread_pp.get(m) is None for m in AFTER_MONTHS)
                else ""
            )
            cells.append(Text(inert(note), style="dim", no_wrap=True, overflow="ellipsis"))
            table_rows.append((r.first_cut.isoformat(), cells))
        if not rows:
            cells = [
                Text(NA),
                Text("no first cut in the data"),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
            ]
            table_rows.append(("none", cells))
        self.query_one("#cycle-table", KeyedTable).sync(table_rows)

    def export_tables(self) -> list[ExportTable]:
        tables: list[ExportTable] = []
        cols = ("first_cut", "small", "large", *(f"spread_{m}m_pp" for m in AFTER_MONTHS))
        table = [
            (r.first_cut, r.small, r.large, *(r.spread_pp.get(m) for m in AFTER_MONTHS))
            for r in self.rows
        ]
        tables.append(("cycle-after-first-cuts", cols, table))
        if self.history is not None:
            name = str(self.history.name or "policy_rate")
            hist = [(d.date(), float(v)) for d, v in self.history.items()]
            tables.append((f"cycle-policy-rate-{self.window}", ("date", name), hist))
        return tables
