"""The valuation drill-down (`v`): P/E of SPY, IJR and IWM, the gap, and where the data has the
history, the gap over time with its 5-year z-score (SPEC 11)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from analytics.text import inert
from analytics.types import PE, ValuationGap
from analytics.valuation import LABELS, gap_history, zscore_series
from tui.drill import WINDOW_ROWS, DrillContext, asof_text, date_labels
from tui.screens.drillbase import DrillScreen, ExportTable
from widgets.chart import ChartData, HLine, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, num_text
from widgets.keyed_table import Column, KeyedTable

FUND_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Fund", 6),
    Column("index", "Index", 13),
    Column("pe", "P/E", 7, justify="right"),
    Column("forward_pe", "Fwd P/E", 8, justify="right"),
    Column("date", "As of", 10),
    Column("note", "Note", 26),
)


def window_days(window: str) -> int:
    """A chart window in calendar days (valuation files may be monthly: rows would mislead)."""
    return int(WINDOW_ROWS[window] * 365.25 / 252)


class ValuationScreen(DrillScreen):
    """The valuation gap in detail; pushed with any key (there is one gap)."""

    BINDINGS: ClassVar[list[BindingType]] = []

    kind: ClassVar[str] = "valuation"

    window = "2Y"

    DEFAULT_CSS = """
    ValuationScreen #valuation-funds { height: auto; max-height: 5; }
    ValuationScreen #valuation-gap { height: auto; max-height: 2; padding: 0 1; }
    ValuationScreen #valuation-chart { height: 3fr; min-height: 6; }
    ValuationScreen #valuation-z { height: 2fr; min-height: 5; }
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
        self.zscores: pd.Series | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="valuation-title", classes="drill-title")
        yield KeyedTable(FUND_COLUMNS, id="valuation-funds")
        yield Static(id="valuation-gap")
        yield LineChart(id="valuation-chart")
        yield LineChart(id="valuation-z")
        yield KeyFooter()

    def gap(self) -> ValuationGap | None:
        return self.context.snapshot().valuation

    def update_view(self) -> None:
        snapshot = self.context.snapshot()
        v = self.gap()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("Valuation gap", style="bold")
        title.append("  ·  S&P 500 (SPY) vs S&P 600 (IJR) and Russell 2000 (IWM)")
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}")
        self.query_one("#valuation-title", Static).update(title)
        self._update_funds(v)
        self._update_gap(v)
        self._update_charts(v)

    def _update_funds(self, v: ValuationGap | None) -> None:
        funds: list[PE] = [] if v is None else [v.large, *v.small]
        rows: list[tuple[str, Sequence[Any]]] = []
        for p in funds:
            rows.append(
                (
                    p.symbol,
                    (
                        Text(inert(p.symbol), style="bold", no_wrap=True),
                        Text(LABELS.get(p.symbol, ""), no_wrap=True),
                        num_text(p.pe, 1),
                        num_text(p.forward_pe, 1),
                        Text(NA if p.date is None else p.date.isoformat(), no_wrap=True),
                        Text(inert(p.reason or ""), style="dim", no_wrap=True, overflow="ellipsis"),
                    ),
                )
            )
        self.query_one("#valuation-funds", KeyedTable).sync(rows)

    def _update_gap(self, v: ValuationGap | None) -> None:
        line = Text(overflow="ellipsis")
        if v is None or v.gap_turns is None or v.gap_pct is None:
            line.append("Gap: n/a", style="bold")
            why = "no valuation data" if v is None else (v.reason or "no P/E on a common basis")
            line.append(f" ({inert(why)})", style="dim")
        else:
            basis = "forward" if v.basis == "forward" else "trailing"
            small = inert(v.gap_small or "")
            line.append(f"Gap ({basis} P/E, SPY − {small}): ", style="bold")
            line.append(f"{v.gap_turns:+.1f} turns", style=self.tone(v.gap_turns))
            line.append(f", {small} {v.gap_pct:.1f}% cheaper  ·  5-year z-score ")
            if v.zscore_5y is None:
                line.append(NA, style="dim")
                line.append(" (needs 5 years of P/E history)", style="dim")
            else:
                line.append(f"{v.zscore_5y:+.2f}")
        self.query_one("#valuation-gap", Static).update(line)

    def _update_charts(self, v: ValuationGap | None) -> None:
        chart = self.query_one("#valuation-chart", LineChart)
        zchart = self.query_one("#valuation-z", LineChart)
        market = self.context.market()
        hist = pd.Series(dtype=float)
        if v is not None and v.basis is not None and v.gap_small is not None:
            hist = gap_history(market.valuations, v.gap_small, basis=v.basis)
        no_history = (
            "no P/E history: a pack's valuation/<SYMBOL>.csv (Date,PE,ForwardPE) draws it here"
        )
        if hist.empty or len(hist) < 2:
            self.history = self.zscores = None
            title = "Gap (turns)"
            chart.set_data(ChartData(title, (), (), empty_message=no_history))
            zchart.set_data(ChartData("5-year z-score", (), (), empty_message=no_history))
            return
        z = zscore_series(hist)
        start = hist.index[-1] - pd.Timedelta(days=window_days(self.window))
        shown, zshown = hist[hist.index > start], z[z.index > start]
        self.history, self.zscores = shown, zshown
        small = inert(v.gap_small if v is not None and v.gap_small else "")
        labels = date_labels(shown.index, "2Y" if window_days(self.window) > 190 else "1M")
        chart.set_data(
            ChartData(
                f"Gap SPY − {small}, turns of P/E ({self.window})",
                labels,
                (Line("gap", series_values(shown.to_numpy()), "primary"),),
                empty_message="no gap in this window",
            )
        )
        zchart.set_data(
            ChartData(
                "5-year z-score of the gap",
                labels,
                (Line("z", series_values(zshown.to_numpy()), "accent"),),
                (HLine("0", 0.0, "foreground"),),
                empty_message="n/a: the 5-year z-score needs 5 years of P/E history",
            )
        )

    def export_tables(self) -> list[ExportTable]:
        v = self.gap()
        tables: list[ExportTable] = []
        if v is not None:
            cols = ("symbol", "pe", "forward_pe", "date", "reason")
            rows = [(p.symbol, p.pe, p.forward_pe, p.date, p.reason) for p in (v.large, *v.small)]
            tables.append(("valuation-funds", cols, rows))
        if self.history is not None and self.zscores is not None:
            z = self.zscores
            hist = [
                (d.date(), float(g), None if pd.isna(z.get(d)) else float(z[d]))
                for d, g in self.history.items()
            ]
            tables.append(
                (f"valuation-gap-{self.window}", ("date", "gap_turns", "zscore_5y"), hist)
            )
        return tables
