"""Frozen results of the analytics: what panes render and what `snapshot` serialises (SPEC 9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from analytics.health import SourceHealth

Trend = Literal["up", "down", "flat"]
Severity = Literal["warning", "critical"]
Group = Literal["hard_landing", "energy_shock", "user"]
"""``user``: the user's own ``[[alerts]]`` (analytics.user_alerts); they count in no score."""
Phase = Literal["cutting", "hiking", "on hold"]
Basis = Literal["forward", "trailing"]


@dataclass(frozen=True, slots=True)
class LegReturns:
    """Returns of both legs over one window (percent) and their spread (percentage points)."""

    small: float | None
    large: float | None
    spread_pp: float | None


@dataclass(frozen=True, slots=True)
class PairRow:
    """One row of the spreads pane / one entry of snapshot ``spreads``."""

    id: str
    small: str
    large: str
    label: str
    small_last: float | None
    large_last: float | None
    ratio: float | None
    returns: Mapping[str, LegReturns]
    zscore_1y: float | None
    trend: Trend | None
    corr_3m: float | None
    beta_3m: float | None
    ratio_spark: tuple[float, ...] = ()
    small_drawdown: float | None = None
    large_drawdown: float | None = None
    stale: tuple[str, ...] = ()
    """Legs whose data ends too long before the as-of day (SPEC 8): their figures are None."""
    last_date: Mapping[str, date | None] = field(default_factory=dict)
    """Each leg's last bar at or before the as-of day: the date its figures are observed on."""
    reasons: tuple[str, ...] = ()
    """Why figures are unknown, e.g. ``"PSCE: data ends 2020-12-11"``."""


@dataclass(frozen=True, slots=True)
class SectorRow:
    """One row of the sector heatmap: large vs small sector ETF returns per window."""

    sector: str
    large: str
    small: str | None
    returns: Mapping[str, LegReturns]
    stale: tuple[str, ...] = ()
    last_date: Mapping[str, date | None] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Alert:
    """An active rule level at the as-of date (SPEC 7)."""

    rule: str
    group: Group
    severity: Severity
    value: float
    threshold: float
    since: date
    message: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class MacroRow:
    """One indicator of the macro & energy pane."""

    id: str
    label: str
    value: float | None
    date: date | None
    change: float | None = None
    unit: str = ""
    spark: tuple[float, ...] = ()
    stale: bool = False
    """Older than three of its expected intervals (SPEC 8): shown dimmed, with its age."""


@dataclass(frozen=True, slots=True)
class RateMove:
    """One change of the policy rate: its observation date, size (pp) and the new level."""

    date: date
    change: float
    level: float

    @property
    def is_cut(self) -> bool:
        return self.change < 0


@dataclass(frozen=True, slots=True)
class RateCycle:
    """Where the Fed stands at one date. Unknown fields are None and ``reason`` says why."""

    phase: Phase | None
    first_cut: date | None
    cuts: int | None
    cut_bp: float | None
    months_since_first_cut: int | None
    two_year_minus_funds: float | None
    source: str | None
    rate: float | None = None
    rate_date: date | None = None
    last_move: RateMove | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    """Caveats that do not make a field unknown (a cycle that may have begun before the data)."""


@dataclass(frozen=True, slots=True)
class PE:
    """One fund's P/E at the as-of day. Unknown values are None and ``reason`` says why."""

    symbol: str
    pe: float | None
    forward_pe: float | None
    date: date | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ValuationGap:
    """The gap between the large side and the small side at the as-of day."""

    large: PE
    small: tuple[PE, ...]
    gap_turns: float | None
    gap_pct: float | None
    basis: Basis | None = None
    gap_small: str | None = None
    zscore_5y: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the dashboard shows at one moment; built once per poll, never mutated."""

    asof: datetime
    source: Literal["live", "demo", "pack"]
    spreads: tuple[PairRow, ...]
    heatmap: tuple[SectorRow, ...]
    alerts: tuple[Alert, ...]
    scores: Mapping[str, float | None]
    """Per group, 0-100 over the known rules; None when no rule of the group is known."""
    macro: tuple[MacroRow, ...]
    sources: tuple[SourceHealth, ...] = ()
    """Each source's health as the snapshot keeps it (``SourceHealth.summary``)."""
    indices: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    """Header: symbol -> (last, day change %)."""
    problems: tuple[str, ...] = ()
    valuation: ValuationGap | None = None
    """P/E of SPY, IJR and IWM and the gap (SPEC 11); None when not computed."""
    cycle: RateCycle | None = None
    """The Fed's rate cycle (SPEC 11); None when not computed."""
    coverage: Mapping[str, float] = field(default_factory=dict)
    """Per group, the known rules' weight over all its rules' weight (0-1)."""
    unknown: Mapping[str, str] = field(default_factory=dict)
    """Rule id -> why it is unknown (its inputs missing or stale), in rule order."""

    @property
    def unknown_rules(self) -> tuple[str, ...]:
        return tuple(self.unknown)

    @property
    def stale_reasons(self) -> tuple[str, ...]:
        """Why figures of the spreads and heatmap are n/a: ``"PSCE: data ends 2020-12-11"``."""
        reasons = [r for row in self.spreads for r in row.reasons]
        reasons += [r for row in self.heatmap for r in row.reasons]
        return tuple(dict.fromkeys(reasons))
