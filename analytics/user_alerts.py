"""The user's own threshold alerts (``[[alerts]]``): ``"IWM/SPY z >= 2"`` on any pair's spread,
z-score or ratio, evaluated on each snapshot and logged like the rule alerts.

Pure: a parsed ``UserAlert`` and a ``Snapshot`` in, the alerts that fire and the ones that are
unknown (no fresh data) out. An alert whose value is unknown is ``unknown``, never quiet.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from analytics.catalog import WINDOWS
from analytics.types import Alert, PairRow, Severity, Snapshot

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}

METRICS: tuple[str, ...] = ("z", "ratio", *WINDOWS)
"""What an expression may name after the pair: the 1-year z-score of the ratio, the ratio, or
the spread in percentage points over a window."""

_EXPR = re.compile(
    r"^\s*(?P<pair>[^\s/]+/[^\s/]+)\s+(?P<metric>\S+)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)

PREFIX = "user:"
"""Rule ids of user alerts start with this, so they never clash with the risk rules'."""


@dataclass(frozen=True, slots=True)
class UserAlert:
    """One parsed ``[[alerts]]`` entry."""

    expression: str
    pair: str
    metric: str
    op: str
    threshold: float
    severity: Severity = "warning"
    label: str = ""

    @property
    def id(self) -> str:
        """The alert log's rule id: ``user:IWM/SPY z >= 2``."""
        return f"{PREFIX}{self.pair} {self.metric} {self.op} {self.threshold:g}"

    @property
    def name(self) -> str:
        return self.label or f"{self.pair} {self.metric_name} {self.op} {self.threshold:g}"

    @property
    def metric_name(self) -> str:
        return {"z": "z-score 1Y", "ratio": "ratio"}.get(self.metric, f"spread {self.metric}")

    def value_of(self, row: PairRow) -> float | None:
        if self.metric == "z":
            return row.zscore_1y
        if self.metric == "ratio":
            return row.ratio
        return row.returns[self.metric].spread_pp


def parse_alert(
    expression: str, severity: Severity = "warning", label: str | None = None
) -> UserAlert:
    """``"IWM/SPY z >= 2"`` as a UserAlert; ValueError (one line saying what was expected)."""
    m = _EXPR.match(expression)
    if m is None:
        raise ValueError(
            f"expected PAIR METRIC OP NUMBER like 'IWM/SPY z >= 2' or 'IJR/SPY 1M <= -3', "
            f"got {expression!r}"
        )
    metric = m["metric"]
    if metric.lower() in ("z", "ratio"):
        metric = metric.lower()
    elif metric.upper() in WINDOWS:
        metric = metric.upper()
    else:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {m['metric']!r}")
    return UserAlert(
        expression=expression.strip(),
        pair=m["pair"].upper(),
        metric=metric,
        op=m["op"],
        threshold=float(m["value"]),
        severity=severity,
        label=label or "",
    )


def evaluate_user_alerts(
    snapshot: Snapshot, alerts: Iterable[UserAlert]
) -> tuple[tuple[Alert, ...], dict[str, str]]:
    """The user alerts that fire on ``snapshot`` and, rule id -> why, those that are unknown
    (the pair is not shown, or its value is n/a because a leg is stale or has too little
    history)."""
    rows = {r.id.upper(): r for r in snapshot.spreads}
    fired: list[Alert] = []
    unknown: dict[str, str] = {}
    for a in alerts:
        row = rows.get(a.pair)
        if row is None:
            unknown[a.id] = f"{a.name}: no pair {a.pair} on the spreads pane"
            continue
        value = a.value_of(row)
        if value is None:
            why = "; ".join(row.stale) if getattr(row, "stale", ()) else "no value"
            unknown[a.id] = f"{a.name}: {a.pair} {a.metric_name} is n/a ({why})"
            continue
        if OPS[a.op](value, a.threshold):
            word = {">=": "at or above", "<=": "at or below", ">": "above", "<": "below"}[a.op]
            fired.append(
                Alert(
                    rule=a.id,
                    group="user",
                    severity=a.severity,
                    value=value,
                    threshold=a.threshold,
                    since=snapshot.asof.date(),
                    message=f"{a.name}: {a.pair} {a.metric_name} {value:.2f}, {word} "
                    f"{a.threshold:g}.",
                    label=a.name,
                )
            )
    return tuple(fired), unknown


def with_user_alerts(snapshot: Snapshot, alerts: Iterable[UserAlert]) -> Snapshot:
    """``snapshot`` with the user alerts that fire added to its alerts and the unknown ones to
    its unknown rules (the scores are the risk rules' alone)."""
    alerts = tuple(alerts)
    if not alerts:
        return snapshot
    fired, unknown = evaluate_user_alerts(snapshot, alerts)
    return replace(
        snapshot,
        alerts=(*snapshot.alerts, *fired),
        unknown={**snapshot.unknown, **unknown},
    )
