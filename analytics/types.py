"""Frozen results of the analytics: what panes render and what `snapshot` serialises (SPEC 9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Trend = Literal["up", "down", "flat"]
Severity = Literal["warning", "critical"]
Group = Literal["hard_landing", "energy_shock"]


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


@dataclass(frozen=True, slots=True)
class SectorRow:
    """One row of the sector heatmap: large vs small sector ETF returns per window."""

    sector: str
    large: str
    small: str | None
    returns: Mapping[str, LegReturns]


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
class SourceRow:
    """Health of one source as `snapshot` reports it."""

    name: str
    ok: bool
    last_success: datetime | None
    stale: bool
    error: str | None
    state: str = "ok"
    next_retry: datetime | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the dashboard shows at one moment; built once per poll, never mutated."""

    asof: datetime
    source: Literal["live", "demo", "pack"]
    spreads: tuple[PairRow, ...]
    heatmap: tuple[SectorRow, ...]
    alerts: tuple[Alert, ...]
    scores: Mapping[str, float]
    macro: tuple[MacroRow, ...]
    sources: tuple[SourceRow, ...] = ()
    indices: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    """Header: symbol -> (last, day change %)."""
    problems: tuple[str, ...] = ()
