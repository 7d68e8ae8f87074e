"""The macro drill-down: one indicator's history with the thresholds of the rules it feeds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from analytics.catalog import MACRO, MacroIndicator
from analytics.macro import indicator_series
from analytics.risk import RuleSpec
from analytics.text import inert
from tui.drill import WINDOW_ROWS, DrillContext, asof_text, date_labels
from tui.screens.drillbase import DrillScreen, ExportTable
from widgets.chart import ChartData, HLine, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, clean_float, number
from widgets.keyed_table import Column, KeyedTable

RULES_OF: dict[str, tuple[str, ...]] = {
    "SAHMREALTIME": ("sahm",),
    "T10Y3M": ("yield_curve",),
    "BAMLH0A0HYM2": ("hy_oas",),
    "ICSA": ("claims",),
    "VIX": ("vix",),
    "WTI": ("wti_20d", "oil_net_increase"),
    "OVX": ("ovx",),
}
"""Indicator id -> the rules that read it."""

LEVEL_RULES = frozenset({"sahm", "yield_curve", "hy_oas", "vix", "ovx"})
"""Rules whose thresholds are levels of the indicator itself, so they are drawn on its chart
(claims and WTI rules threshold a derived value: a change or a return, listed in the table)."""

RULE_COLUMNS: tuple[Column, ...] = (
    Column("rule", "Rule", 30),
    Column("value", "Value", 9, justify="right"),
    Column("warning", "Warning", 9, justify="right"),
    Column("critical", "Critical", 9, justify="right"),
    Column("state", "State", 10),
)


def find_indicator(key: str) -> MacroIndicator:
    """The indicator a macro row key names (its id, FRED series or market symbol)."""
    for ind in MACRO:
        if key in (ind.id, ind.series, ind.market):
            return ind
    ids = ", ".join(m.id for m in MACRO)
    raise ValueError(f"macro indicator: expected one of {ids}, got {key!r}")


class SeriesScreen(DrillScreen):
    """One macro indicator in detail; pushed with its id (``T10Y3M``, ``VIX`` ...)."""

    kind: ClassVar[str] = "macro"

    BINDINGS: ClassVar[list[BindingType]] = []

    window = "2Y"

    DEFAULT_CSS = """
    SeriesScreen #series-chart { height: 2fr; min-height: 8; }
    SeriesScreen #series-rules-title { height: 1; padding: 0 1; background: $boost; }
    SeriesScreen #series-rules { height: 1fr; }
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
        self.indicator = find_indicator(key)
        self.history: pd.Series | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="series-title", classes="drill-title")
        yield LineChart(id="series-chart")
        yield Static(id="series-rules-title")
        yield KeyedTable(RULE_COLUMNS, id="series-rules")
        yield KeyFooter()

    def rules(self) -> tuple[RuleSpec, ...]:
        wanted = RULES_OF.get(self.indicator.id, ())
        return tuple(r for r in self.context.rules() if r.id in wanted)

    def update_view(self) -> None:
        ind = self.indicator
        snapshot = self.context.snapshot()
        row = next((m for m in snapshot.macro if m.id == ind.id), None)
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(inert(ind.label), style="bold")
        source = " · ".join(inert(s) for s in (ind.market, ind.series) if s)
        title.append(f"  ({source})" if source else "")
        if row is None or row.value is None:
            title.append("  ·  n/a: no observation")
        else:
            unit = f" {ind.unit}" if ind.unit and ind.unit not in ("$", "idx") else ""
            title.append(f"  ·  {number(clean_float(row.value))}{unit}")
            if row.date is not None:
                title.append(f" on {row.date.isoformat()}")
            if row.stale:
                title.append("  (stale)", style=self.theme_style("warning"))
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}")
        self.query_one("#series-title", Static).update(title)
        self._update_chart()
        self._update_rules()

    def _update_chart(self) -> None:
        ind = self.indicator
        market = self.context.market()
        chart = self.query_one("#series-chart", LineChart)
        day = market.asof.date()
        macro = {k: v.values for k, v in market.macro.items()}
        series = indicator_series(
            ind, market.prices, macro, day, self.context.risk(), tail=max(WINDOW_ROWS.values()) + 4
        )
        title = f"{ind.label}{f' ({ind.unit})' if ind.unit else ''}"
        if series is None:
            self.history = None
            chart.set_data(ChartData(title, (), (), empty_message=f"no data for {ind.label}"))
            return
        values = series.iloc[-WINDOW_ROWS[self.window] :]
        self.history = values
        hlines: list[HLine] = []
        for rule in self.rules():
            if rule.id not in LEVEL_RULES:
                continue
            if rule.warning == rule.critical:
                hlines.append(HLine(f"{rule.id} {rule.warning:g}", rule.warning, "error"))
            else:
                hlines.append(HLine(f"warning {rule.warning:g}", rule.warning, "warning"))
                hlines.append(HLine(f"critical {rule.critical:g}", rule.critical, "error"))
        chart.set_data(
            ChartData(
                title,
                date_labels(values.index, self.window),
                (Line(ind.label, series_values(values.to_numpy()), "primary"),),
                tuple(hlines),
                empty_message=f"no data for {ind.label} in this window",
            )
        )

    def _update_rules(self) -> None:
        rules = self.rules()
        head = self.query_one("#series-rules-title", Static)
        table = self.query_one("#series-rules", KeyedTable)
        if not rules:
            head.update(Text("No risk rule reads this indicator", style="italic"))
            table.sync([])
            return
        head.update(Text("Rules on this indicator (value vs thresholds)", no_wrap=True))
        active = {a.rule: a for a in self.context.snapshot().alerts}
        risk = self.context.risk()
        rows: list[tuple[str, Sequence[Any]]] = []
        for rule in rules:
            value: float | None = None
            if risk is not None and rule.id in risk.values.columns:
                known = risk.values[rule.id].dropna()
                value = clean_float(known.iloc[-1]) if len(known) else None
            alert = active.get(rule.id)
            state: str = "quiet" if alert is None else alert.severity
            if value is None and alert is None:
                state = NA
            unit = f" {rule.unit}" if rule.unit else ""
            rows.append(
                (
                    rule.id,
                    (
                        Text(inert(rule.label), no_wrap=True, overflow="ellipsis"),
                        Text(number(value), justify="right"),
                        Text(f"{rule.warning:g}{unit}", justify="right"),
                        Text(f"{rule.critical:g}{unit}", justify="right"),
                        Text(state, no_wrap=True),
                    ),
                )
            )
        table.sync(rows)

    def export_tables(self) -> list[ExportTable]:
        if self.history is None:
            return []
        ind = self.indicator
        rows: list[Sequence[Any]] = [(d.date(), clean_float(v)) for d, v in self.history.items()]
        return [(f"macro-{ind.id}-{self.window}", ("date", ind.id), rows)]
