"""The alert drill-down: the rule in words, its indicator's history with thresholds, its log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

from analytics.risk import RuleSpec
from analytics.text import inert
from analytics.types import Alert
from data_sources.clock import NY
from tui.drill import WINDOW_ROWS, DrillContext, asof_text, date_labels
from tui.screens.drillbase import DrillScreen, ExportTable
from tui.screens.history import said
from widgets.chart import ChartData, HLine, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, clean_float, number
from widgets.keyed_table import Column, KeyedTable

LOG_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time (NY)", 16),
    Column("event", "Event", 12),
    Column("severity", "Severity", 8),
    Column("value", "Value", 9, justify="right"),
    Column("threshold", "Threshold", 9, justify="right"),
    Column("message", "Message", 48),
)

GROUP_LABEL = {"hard_landing": "hard landing", "energy_shock": "energy shock"}


def find_rule(rules: Sequence[RuleSpec], rule_id: str) -> RuleSpec:
    for r in rules:
        if r.id == rule_id:
            return r
    ids = ", ".join(r.id for r in rules)
    raise ValueError(f"rule: expected one of {ids}, got {rule_id!r}")


def _field(entry: Any, name: str) -> Any:
    """A log entry's field, whether the entry is an object or a mapping."""
    if isinstance(entry, dict):
        return entry.get(name)
    return getattr(entry, name, None)


def _when(t: Any) -> str:
    if isinstance(t, datetime):
        moment = t.astimezone(NY) if t.tzinfo is not None else t
        return moment.strftime("%Y-%m-%d %H:%M")
    return NA if t is None else inert(t)


class AlertScreen(DrillScreen):
    """One risk rule in detail; pushed with the rule id (``vix``, ``hy_oas`` ...)."""

    kind: ClassVar[str] = "alert"

    BINDINGS: ClassVar[list[BindingType]] = []

    window = "2Y"

    DEFAULT_CSS = """
    AlertScreen #alert-rule { height: auto; max-height: 4; padding: 0 1; }
    AlertScreen #alert-chart { height: 2fr; min-height: 8; }
    AlertScreen #alert-log-title { height: 1; padding: 0 1; background: $boost; }
    AlertScreen #alert-log { height: 1fr; }
    AlertScreen #alert-log.-none { display: none; }
    """

    def __init__(
        self,
        rule_id: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
    ) -> None:
        super().__init__(rule_id, context, export_dir=export_dir, window=window)
        self.rule = find_rule(context.rules(), rule_id)
        self.log_entries: list[Any] | None = None
        self.history: pd.Series | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="alert-title", classes="drill-title")
        yield Static(id="alert-rule")
        yield LineChart(id="alert-chart")
        yield Static(id="alert-log-title")
        yield KeyedTable(LOG_COLUMNS, id="alert-log")
        yield KeyFooter()

    # -- data --------------------------------------------------------------------------------

    def active_alert(self) -> Alert | None:
        return next((a for a in self.context.snapshot().alerts if a.rule == self.rule.id), None)

    def update_view(self) -> None:
        rule = self.rule
        snapshot = self.context.snapshot()
        alert = self.active_alert()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(inert(rule.label), style="bold")
        title.append(f"  ·  {GROUP_LABEL.get(rule.group, rule.group)}  ·  ")
        unknown = snapshot.unknown.get(rule.id)
        if alert is None and unknown is not None:
            # No value at the as-of moment (SPEC 7): unknown, never "not active".
            title.append("UNKNOWN", style="bold")
            title.append(f": {inert(unknown)}")
        elif alert is None:
            title.append("not active")
        else:
            variable = "error" if alert.severity == "critical" else "warning"
            title.append(alert.severity.upper(), style=self.theme_style(variable, bold=True))
            unit = f" {rule.unit}" if rule.unit else ""
            title.append(
                f" since {alert.since.isoformat()}: {number(clean_float(alert.value))}{unit}"
                f" vs {number(clean_float(alert.threshold))}{unit}"
            )
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}")
        self.query_one("#alert-title", Static).update(title)
        explained = Text(inert(rule.explain()))
        if alert is None and unknown is not None:
            explained.append("\nUnknown at the as-of day, its inputs missing or stale: ", "bold")
            explained.append(inert(unknown))
        self.query_one("#alert-rule", Static).update(explained)
        self._update_chart()
        self._update_log()

    def _update_chart(self) -> None:
        rule = self.rule
        chart = self.query_one("#alert-chart", LineChart)
        title = f"{rule.label}{f' ({rule.unit})' if rule.unit else ''}"
        risk = self.context.risk()
        if risk is None or rule.id not in risk.values.columns:
            self.history = None
            chart.set_data(ChartData(title, (), (), empty_message="no risk replay available"))
            return
        values = risk.values[rule.id].iloc[-WINDOW_ROWS[self.window] :]
        self.history = values
        if rule.warning == rule.critical:
            hlines: tuple[HLine, ...] = (
                HLine(f"warning/critical {rule.warning:g}", rule.warning, "error"),
            )
        else:
            hlines = (
                HLine(f"warning {rule.warning:g}", rule.warning, "warning"),
                HLine(f"critical {rule.critical:g}", rule.critical, "error"),
            )
        chart.set_data(
            ChartData(
                title,
                date_labels(values.index, self.window),
                (Line("value", series_values(values.to_numpy()), "primary"),),
                hlines,
                empty_message=f"no data for {rule.label} in this window",
            )
        )

    def _update_log(self) -> None:
        entries = self.context.alert_log(self.rule.id)
        self.log_entries = None if entries is None else list(entries)
        head = self.query_one("#alert-log-title", Static)
        table = self.query_one("#alert-log", KeyedTable)
        if entries is None:
            head.update(Text("Alert log: not available (no store is open)", style="italic"))
            table.add_class("-none")
            table.sync([])
            return
        table.remove_class("-none")
        n = len(self.log_entries or [])
        note = "no entries for this rule yet" if n == 0 else f"{n} entries, newest first"
        head.update(Text(f"Alert log: {note}", no_wrap=True))
        rows: list[tuple[str, Sequence[Any]]] = []
        for i, e in enumerate(self.log_entries or []):
            key = str(_field(e, "id") if _field(e, "id") is not None else f"row{i}")
            rows.append(
                (
                    key,
                    (
                        Text(_when(_field(e, "time")), no_wrap=True),
                        Text(inert(_field(e, "event") or NA), no_wrap=True),
                        self._severity(_field(e, "severity")),
                        Text(number(clean_float(_field(e, "value"))), justify="right"),
                        Text(number(clean_float(_field(e, "threshold"))), justify="right"),
                        Text(inert(said(e)), no_wrap=True, overflow="ellipsis"),
                    ),
                )
            )
        table.sync(rows)

    def _severity(self, severity: Any) -> Text:
        if severity is None:
            return Text("")
        variable = "error" if severity == "critical" else "warning"
        return Text(inert(severity), style=self.theme_style(variable), no_wrap=True)

    # -- export ------------------------------------------------------------------------------

    def export_tables(self) -> list[ExportTable]:
        rule = self.rule
        tables: list[ExportTable] = []
        if self.log_entries is not None:
            cols = ("time", "rule", "event", "severity", "value", "threshold", "message", "who")
            rows = [[_field(e, c) for c in cols] for e in self.log_entries]
            tables.append((f"alert-{rule.id}-log", cols, rows))
        if self.history is not None:
            hist = [(d.date(), clean_float(v)) for d, v in self.history.items()]
            tables.append(
                (f"alert-{rule.id}-history-{self.window}", ("date", f"{rule.id}_value"), hist)
            )
        return tables
