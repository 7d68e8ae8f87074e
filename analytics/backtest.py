"""Episodes of the risk rules over a replay and the `rotmon backtest` document (rotmon.backtest/1).

An episode is a maximal run of replayed days at a severity or above: a critical run inside a
warning run gives one warning episode (the whole run) and one critical episode (the inner run).
``end`` is the last day of the run; an episode cut by the end of its data has ``end`` None and an
``end_reason`` (SPEC 7): ``"open"`` when it is still active on the replay's last day, ``"data
ends"`` when the rule becomes unknown (its inputs run out or go stale) while it is active --
never an invented end date.
An episode already running on the first replayed day starts on that day (``start`` clips).
The peak is the most adverse value of the rule during the run (the highest for above-rules, the
lowest for below-rules; for the yield curve's critical episodes, the steepest), first day on ties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from analytics.risk import SEVERITY_LEVEL, RiskResult
from analytics.text import inert_json
from analytics.types import Group, Severity

SCHEMA = "rotmon.backtest/1"


@dataclass(frozen=True, slots=True)
class Episode:
    """One run of a rule at ``severity`` or above."""

    rule: str
    group: Group
    severity: Severity
    start: date
    end: date | None
    peak_value: float | None
    peak_date: date | None
    end_reason: str | None = None
    """None for an episode that ended; ``"open"`` or ``"data ends"`` when ``end`` is None."""


def episodes(result: RiskResult) -> tuple[Episode, ...]:
    """Every episode of every rule in ``result``, by start date, then rule order, warning first."""
    out: list[tuple[int, int, int, Episode]] = []
    days = result.days
    n = len(days)
    if n == 0:
        return ()
    for j, spec in enumerate(result.rules):
        levels = result.levels[spec.id].to_numpy(float)
        values = result.values[spec.id].to_numpy(float)
        severities: tuple[Severity, ...] = ("warning", "critical")
        for k, severity in enumerate(severities):
            on = levels >= SEVERITY_LEVEL[severity]
            edges = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
            starts = np.flatnonzero(edges == 1)
            stops = np.flatnonzero(edges == -1)  # first day after the run
            highest = spec.direction == "above" or (
                spec.id == "yield_curve" and severity == "critical"
            )
            for a, b in zip(starts, stops, strict=True):
                run = values[a:b]
                peak_value: float | None = None
                peak_date: date | None = None
                if np.isfinite(run).any():
                    filled = np.where(np.isnan(run), -np.inf if highest else np.inf, run)
                    i = int(np.argmax(filled) if highest else np.argmin(filled))
                    peak_value, peak_date = float(run[i]), days[a + i].date()
                if b == n:
                    end, reason = None, "open"
                elif np.isnan(levels[b]):  # the rule is unknown the next day: data ran out
                    end, reason = None, "data ends"
                else:
                    end, reason = days[b - 1].date(), None
                ep = Episode(
                    rule=spec.id,
                    group=spec.group,
                    severity=severity,  # type: ignore[arg-type]
                    start=days[a].date(),
                    end=end,
                    peak_value=peak_value,
                    peak_date=peak_date,
                    end_reason=reason,
                )
                out.append((int(a), j, k, ep))
    out.sort(key=lambda t: t[:3])
    return tuple(t[3] for t in out)


def _num(x: float | None) -> float | None:
    # Rounded so that float noise (0.30000000000000004) does not reach the document.
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def backtest_json(
    result: RiskResult,
    found: tuple[Episode, ...],
    from_: date | None = None,
    to: date | None = None,
) -> dict[str, Any]:
    """The ``rotmon.backtest/1`` document for the days (NYSE sessions) in ``[from_, to]``.

    ``from_`` / ``to`` default to the first / last replayed day; ``days`` counts the replayed
    days in that range; episodes that overlap the range are listed unchanged.
    """
    days = result.days
    lo = from_ if from_ is not None else (days[0].date() if len(days) else None)
    hi = to if to is not None else (days[-1].date() if len(days) else None)
    count = len(days)
    if len(days) and (lo is not None and hi is not None):
        dd = days.date
        count = int(((dd >= lo) & (dd <= hi)).sum())
    listed = [
        e
        for e in found
        if (hi is None or e.start <= hi) and (lo is None or e.end is None or e.end >= lo)
    ]
    doc = {
        "schema": SCHEMA,
        "from": _iso(lo),
        "to": _iso(hi),
        "days": count,
        "episodes": [
            {
                "rule": e.rule,
                "group": e.group,
                "severity": e.severity,
                "start": _iso(e.start),
                "end": _iso(e.end),
                "end_reason": e.end_reason,
                "peak": {"value": _num(e.peak_value), "date": _iso(e.peak_date)},
            }
            for e in listed
        ],
    }
    return inert_json(doc)  # rule ids come from the config file
