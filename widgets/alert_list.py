"""The risk pane: hard-landing and energy-shock score gauges above the list of active alerts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
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
from widgets.keyed_table import Cell, Column, PaneTable

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
    """One 0-100 score as a labelled bar; the number is always printed (NO_COLOR safe).

    Without a score (no rule of the group known) it says ``no data`` -- never ``0``; with part
    of the group's rules known it prints their share (``cov 67%``).
    """

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
    coverage: reactive[float | None] = reactive(None, layout=False)
    """Known weight over all weight (0-1); None before any data."""

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
        level = {"calm": "", "warn": " WARN", "crit": " CRIT", "na": ""}[tone]
        if not fmt.known(score):
            tail = " no data"
        else:
            tail = f" {score:5.1f}/100{level}"
            cov = self.coverage
            if cov is not None and cov < 1.0:
                tail += f" cov {cov:.0%}"
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


HELD = "held by the hysteresis"
"""What the risk engine's message says of a level kept only by the hysteresis."""


def compare_text(value: float, threshold: float, held: bool = False) -> str:
    """``0.53 ≥ 0.50``: the value against the threshold it crossed, either direction; a level
    the hysteresis holds says so (``33.42 held 35.00``: back under the threshold, not yet
    past the point where it clears, which the alert's message and screen give)."""
    if held:
        return f"{fmt.number(value)} held {fmt.number(threshold)}"
    op = "≥" if value >= threshold else "≤"
    return f"{fmt.number(value)} {op} {fmt.number(threshold)}"


RULE_WIDTH = 22
"""The rule column at its narrowest; longer names are cut with "…" only at this width..."""
RULE_MAX = 48
"""... as the column grows with the pane up to this many cells."""


def alert_cells(
    alert: Alert, index: int, today: date | None, acked: bool, muted: bool
) -> list[Cell]:
    """The cells of one alert in AlertTable.COLUMNS order."""
    severity = SEVERITY_CELLS.get(alert.severity, Cell(fmt.inert(alert.severity, 6)))
    label = fmt.inert(alert.label or alert.rule, RULE_MAX)
    state = "muted" if muted else ("ack" if acked else "new")
    return [
        Cell(severity.text, severity.tone, severity.bold, sort=index),
        Cell(label),
        Cell(compare_text(alert.value, alert.threshold, HELD in alert.message)),
        Cell(" " + since_text(alert.since, today), "dim"),
        Cell(state, "dim" if acked or muted else "accent", bold=not (acked or muted)),
    ]


class AlertTable(PaneTable):
    """Active alerts, critical first; one keyed row per rule."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("severity", "Sev", 7, "left"),
        Column("rule", "Rule", RULE_WIDTH, "left", grow_to=RULE_MAX),
        Column("value", "Value vs threshold", 19, "right"),
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


def unknown_text(unknown: Mapping[str, str], lines: int) -> Text:
    """``? VIX: ^VIX: no data; VIXCLS: no data`` per unknown rule, at most ``lines`` of them."""
    from analytics.rules import DEFAULT_RULES

    labels = {r.id: r.label for r in DEFAULT_RULES}
    text = Text(no_wrap=True, overflow="ellipsis")
    items = list(unknown.items())
    for i, (rule, reason) in enumerate(items[:lines]):
        if i:
            text.append("\n")
        text.append("? unknown ", Style(bold=True))
        text.append(f"{fmt.inert(labels.get(rule, rule), 30)}: {fmt.inert(reason, 120)}")
    if len(items) > lines:
        text.append(f"\n  and {len(items) - lines} more unknown rules")
    return text


class RiskPane(Vertical):
    """Both gauges, then the alert table (or a quiet line when nothing is active)."""

    HELP = """\
## Risk

Two scores from 0 to 100: **hard landing** (Sahm rule, yield curve, credit spreads, jobless
claims, VIX, small-cap drawdown) and **energy shock** (oil moves, OVX, energy outperformance).
Each is the weighted share of the *known* rules at warning (half) or critical (full); `cov`
is the share of the rules' weight that has data. A rule whose inputs are missing or stale is
listed as `? unknown` with the reason, and with no rule known the gauge says `no data`.
Below: the active alerts with the value against the threshold crossed and since when;
`enter` opens an alert.
"""

    DEFAULT_CSS = """
    RiskPane { height: 1fr; }
    RiskPane #gauges { height: auto; padding: 0 0 1 0; }
    RiskPane.-tight #gauges { padding: 0; }
    RiskPane #quiet { color: $text-muted; height: auto; display: none; }
    RiskPane.-quiet #quiet { display: block; }
    RiskPane #unknown { color: $text-muted; height: auto; display: none; }
    RiskPane.-unknown #unknown { display: block; }
    """

    UNKNOWN_LINES = 5
    """Unknown rules listed by name and reason; more are counted on one last line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._quiet: str | None = None
        self._unknown: Text | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="gauges"):
            for key, label in SCORES:
                yield ScoreGauge(label, id=f"gauge-{key}")
        yield Static("", id="quiet")
        yield Static("", id="unknown")
        yield AlertTable(id="alerts")

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    def wanted_height(self) -> int:
        """Lines that show everything without scrolling: the gauges and the blank after them
        (the blank goes first when room is short: ``-tight``), the quiet line or the unknown
        rules when shown, the table's header and its rows."""
        lines = len(SCORES) + 1 + 1 + self.table.row_count
        if self.has_class("-quiet"):
            lines += 1
        if self.has_class("-unknown"):
            lines += len(str(self.query_one("#unknown", Static).render()).split("\n"))
        return lines

    def _flag(self, on: bool, name: str, shows: str) -> None:
        """Set class ``name``, which only styles the child ``shows`` (DEFAULT_CSS): restyle
        that child alone, not the pane's every node (the alert table's too)."""
        if self.has_class(name) != on:
            self.set_class(on, name, update=False)
            self.query_one(shows, Widget).update_node_styles()

    def set_tight(self, tight: bool) -> None:
        """Short of room (the stacked grid): no blank line under the gauges."""
        self._flag(tight, "-tight", "#gauges")

    def update_risk(
        self,
        scores: Mapping[str, float | None],
        alerts: Sequence[Alert],
        *,
        asof: datetime | None = None,
        acked: Collection[str] = (),
        muted: Collection[str] = (),
        coverage: Mapping[str, float] | None = None,
        unknown: Mapping[str, str] | None = None,
        waiting: int = 0,
    ) -> None:
        """Gauges, the quiet line and the alerts. ``unknown``: rule id -> why it has no value
        (SPEC 7: such a rule is unknown, never quiet); ``coverage`` per group, 0-1;
        ``waiting``: alerts evaluated but not in the alert log yet (never "no active alerts")."""
        unknown = dict(unknown or {})
        for key, _label in SCORES:
            gauge = self.query_one(f"#gauge-{key}", ScoreGauge)
            gauge.score = scores.get(key)
            gauge.coverage = None if coverage is None else coverage.get(key)
        known_any = any(fmt.known(scores.get(key)) for key, _ in SCORES)
        if waiting:
            quiet = (
                f"{waiting} alert{'s' if waiting > 1 else ''} being written to the alert log"
                " (shown once saved)."
            )
        elif not known_any:
            quiet = "No data: no rule can be evaluated (inputs missing or stale)."
        elif unknown:
            quiet = f"No active alerts among the known rules ({len(unknown)} unknown)."
        else:
            quiet = "No active alerts: every rule is quiet."
        # Each poll hands the same lines again: repaint (and lay out) only what changed, or
        # every snapshot re-lays the screen and repaints the pane.
        if quiet != self._quiet:
            self._quiet = quiet
            self.query_one("#quiet", Static).update(quiet)
        self._flag(not alerts, "-quiet", "#quiet")
        lines = unknown_text(unknown, self.UNKNOWN_LINES)
        if lines != self._unknown:
            self._unknown = lines
            self.query_one("#unknown", Static).update(lines)
        self._flag(bool(unknown), "-unknown", "#unknown")
        today = None if asof is None else asof.date()
        self.table.update_alerts(alerts, today=today, acked=acked, muted=muted)


@dataclass(frozen=True, slots=True)
class LogLine:
    """One transition of the alert log as the dashboard's log pane shows it (the caller has
    put the time in the header's time zone and the rule id into its name)."""

    key: str
    when: str
    severity: str | None
    event: str
    rule: str
    value: float | None = None
    threshold: float | None = None


def log_cells(line: LogLine, index: int) -> list[Cell]:
    """The cells of one log line in AlertLog.COLUMNS order."""
    severity = SEVERITY_CELLS.get(line.severity or "", Cell(fmt.inert(line.severity or "", 6)))
    value = line.value
    if fmt.known(value) and fmt.known(line.threshold):
        assert value is not None and line.threshold is not None
        versus = compare_text(value, line.threshold)
    else:
        versus = fmt.number(value)
    return [
        Cell(fmt.inert(line.when, 14), "dim", sort=index),
        Cell(severity.text, severity.tone, severity.bold),
        Cell(fmt.inert(line.event, 12)),
        Cell(fmt.inert(line.rule, RULE_MAX)),
        Cell(versus, "dim" if versus == fmt.NA else None),
    ]


class AlertLog(PaneTable, can_focus=False):
    """The last transitions of the alert log, newest first (a wide dashboard shows it beside
    the headline chart; ``H`` opens the whole history)."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("when", "Time (NY)", 14, "left"),
        Column("severity", "Sev", 7, "left"),
        Column("event", "Event", 11, "left"),
        Column("rule", "Rule", RULE_WIDTH, "left", grow_to=RULE_MAX),
        Column("value", "Value vs threshold", 19, "right"),
    )

    def update_log(self, lines: Sequence[LogLine]) -> None:
        self.set_rows([(line.key, log_cells(line, i)) for i, line in enumerate(lines)])
