"""The risk pane: hard-landing and energy-shock score gauges above the list of active alerts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from analytics.types import Alert
from widgets import formatting as fmt
from widgets.keyed_table import Cell, Column, KeyedTable

SCORES: tuple[tuple[str, str], ...] = (
    ("hard_landing", "Hard landing"),
    ("energy_shock", "Energy shock"),
)

WARN_SCORE = 25.0
CRIT_SCORE = 50.0


def score_tone(score: float | None) -> str:
    """Gauge colour band: calm below 25, warning from 25, critical from 50 (a 0-100 score)."""
    if not fmt.known(score):
        return "na"
    assert score is not None
    if score >= CRIT_SCORE:
        return "crit"
    if score >= WARN_SCORE:
        return "warn"
    return "calm"


class ScoreGauge(Widget):
    """One 0-100 score as a labelled bar; the number is always printed (NO_COLOR safe)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "gauge--calm",
        "gauge--warn",
        "gauge--crit",
        "gauge--na",
        "gauge--track",
        "gauge--label",
    }
    DEFAULT_CSS = """
    ScoreGauge { height: 1; width: 1fr; }
    ScoreGauge > .gauge--calm { color: $success; }
    ScoreGauge > .gauge--warn { color: $warning; }
    ScoreGauge > .gauge--crit { color: $error; text-style: bold; }
    ScoreGauge > .gauge--na { color: $stale; }
    ScoreGauge > .gauge--track { color: $stale; }
    ScoreGauge > .gauge--label { color: $foreground; }
    """

    score: reactive[float | None] = reactive(None, layout=False)

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self.refresh())

    def render(self) -> Text:
        width = self.size.width
        score = self.score
        tone = score_tone(score)
        label = f"{self.label:<13}"
        number = "n/a" if not fmt.known(score) else f"{score:5.1f}"
        level = {"calm": "", "warn": " WARN", "crit": " CRIT", "na": ""}[tone]
        tail = f" {number}/100{level}"
        bar_w = max(0, width - len(label) - len(tail))
        filled = (
            0 if not fmt.known(score) else round(bar_w * max(0.0, min(100.0, score or 0)) / 100)
        )
        tone_style = self.get_component_rich_style(f"gauge--{tone}", partial=True)
        track = self.get_component_rich_style("gauge--track", partial=True)
        text = Text(no_wrap=True, overflow="crop")
        text.append(label, self.get_component_rich_style("gauge--label", partial=True))
        text.append("█" * filled, tone_style)
        text.append("░" * (bar_w - filled), track)
        text.append(tail, tone_style + Style(bold=True))
        return text


SEVERITY_CELLS: dict[str, Cell] = {
    "critical": Cell("‼ CRIT", "crit", bold=True, sort=2),
    "warning": Cell("! WARN", "warn", sort=1),
}


def since_text(since: date, today: date | None) -> str:
    """``Mar 03 (12d)``: the start date and, when today is known, how long ago."""
    text = fmt.short_date(since)
    if today is not None:
        text += f" ({max(0, (today - since).days)}d)"
    return text


def compare_text(value: float, threshold: float) -> str:
    """``0.53 ≥ 0.50``: the value against the threshold it crossed, either direction."""
    op = "≥" if value >= threshold else "≤"
    return f"{fmt.number(value)} {op} {fmt.number(threshold)}"


def alert_cells(
    alert: Alert, index: int, today: date | None, acked: bool, muted: bool
) -> list[Cell]:
    """The cells of one alert in AlertTable.COLUMNS order."""
    severity = SEVERITY_CELLS.get(alert.severity, Cell(fmt.inert(alert.severity, 6)))
    label = fmt.inert(alert.label or alert.rule, 40)
    state = "muted" if muted else ("ack" if acked else "new")
    return [
        Cell(severity.text, severity.tone, severity.bold, sort=index),
        Cell(label),
        Cell(compare_text(alert.value, alert.threshold)),
        Cell(" " + since_text(alert.since, today), "dim"),
        Cell(state, "dim" if acked or muted else "accent", bold=not (acked or muted)),
    ]


class AlertTable(KeyedTable):
    """Active alerts, critical first; one keyed row per rule."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("severity", "Sev", 7, "left"),
        Column("rule", "Rule", 22, "left"),
        Column("value", "Value vs threshold", 19),
        Column("since", " Since", 15, "left"),
        Column("ack", "Ack", 7, "left"),
    )

    def update_alerts(
        self,
        alerts: Sequence[Alert],
        *,
        today: date | None = None,
        acked: Collection[str] = (),
        muted: Collection[str] = (),
    ) -> None:
        ordered = sorted(alerts, key=lambda a: (a.severity != "critical", a.group, a.rule))
        self.set_rows(
            [
                (a.rule, alert_cells(a, i, today, a.rule in acked, a.rule in muted))
                for i, a in enumerate(ordered)
            ]
        )


class RiskPane(Vertical):
    """Both gauges, then the alert table (or a quiet line when nothing is active)."""

    HELP = """\
## Risk

Two scores from 0 to 100: **hard landing** (Sahm rule, yield curve, credit spreads, jobless
claims, VIX, small-cap drawdown) and **energy shock** (oil moves, OVX, energy outperformance).
Each is the weighted share of rules at warning (half) or critical (full). Below: the active
alerts with the value against the threshold crossed and since when; `enter` opens an alert.
"""

    DEFAULT_CSS = """
    RiskPane { height: 1fr; }
    RiskPane #gauges { height: auto; padding: 0 0 1 0; }
    RiskPane #quiet { color: $text-muted; height: auto; display: none; }
    RiskPane.-quiet #quiet { display: block; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="gauges"):
            for key, label in SCORES:
                yield ScoreGauge(label, id=f"gauge-{key}")
        yield Static("No active alerts: every rule is quiet.", id="quiet")
        yield AlertTable(id="alerts")

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    def update_risk(
        self,
        scores: Mapping[str, float],
        alerts: Sequence[Alert],
        *,
        asof: datetime | None = None,
        acked: Collection[str] = (),
        muted: Collection[str] = (),
    ) -> None:
        for key, _label in SCORES:
            self.query_one(f"#gauge-{key}", ScoreGauge).score = scores.get(key)
        self.set_class(not alerts, "-quiet")
        today = None if asof is None else asof.date()
        self.table.update_alerts(alerts, today=today, acked=acked, muted=muted)
