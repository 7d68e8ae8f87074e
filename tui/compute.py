"""From what a source knows (MarketData) to what the screen shows (Snapshot)."""

from __future__ import annotations

from datetime import date

from analytics.risk import RiskResult, evaluate_risk
from analytics.snapshot import build_snapshot
from analytics.types import Snapshot, SourceRow
from data_sources.model import MarketData, SourceStatus
from tui.config import Settings

_DEFAULTS = Settings()


def source_row(status: SourceStatus) -> SourceRow:
    """The snapshot's view of one source's health."""
    return SourceRow(
        name=status.name,
        ok=status.ok,
        last_success=status.last_success,
        stale=status.stale,
        error=status.error,
        state=status.state,
        next_retry=status.next_retry,
    )


def risk_of_market(
    market: MarketData, settings: Settings | None = None, asof: date | None = None
) -> RiskResult:
    """The rules of ``settings`` replayed over ``market`` up to ``asof`` (default its own)."""
    cfg = settings or _DEFAULTS
    return evaluate_risk(
        market.prices,
        {k: m.values for k, m in market.macro.items()},
        asof or market.asof.date(),
        cfg.rules,
        release_lags=cfg.release_lags,
        stale_after=cfg.stale_after,
    )


def snapshot_from_market(market: MarketData, settings: Settings | None = None) -> Snapshot:
    """Compute the snapshot of ``market`` as of its own ``asof`` under the configured rules."""
    cfg = settings or _DEFAULTS
    return build_snapshot(
        source=market.source,
        asof=market.asof,
        prices=market.prices,
        macro={k: m.values for k, m in market.macro.items()},
        rules=cfg.rules,
        sources=tuple(source_row(s) for s in market.statuses),
        problems=market.problems,
        release_lags=cfg.release_lags,
        stale_after=cfg.stale_after,
    )
