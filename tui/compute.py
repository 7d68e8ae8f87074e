"""From what a source knows (MarketData) to what the screen shows (Snapshot)."""

from __future__ import annotations

import threading
from datetime import date

from analytics.catalog import PAIRS, SECTORS
from analytics.risk import RiskReplay, RiskResult, evaluate_risk, replay_risk
from analytics.snapshot import build_snapshot
from analytics.types import Snapshot
from data_sources.model import MarketData
from tui.config import Settings

_DEFAULTS = Settings()


class _ReplayMemo:
    """The last whole-history replay, by the identity of the history and of the settings.

    A pack stepped through time hands the same ``uncut`` data with every as-of step; replaying
    25 years of rules on each key press was most of a step's cost. One slot is enough: an app
    shows one pack under one set of rules.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[MarketData, Settings] | None = None
        self._replay: RiskReplay | None = None

    def replay(self, history: MarketData, cfg: Settings) -> RiskReplay:
        with self._lock:
            key = self._key
            if key is None or key[0] is not history or key[1] is not cfg or self._replay is None:
                self._replay = replay_risk(
                    history.prices,
                    {k: m.values for k, m in history.macro.items()},
                    history.asof.date(),
                    cfg.rules,
                    release_lags=cfg.release_lags,
                    stale_after=cfg.stale_after,
                )
                self._key = (history, cfg)
            return self._replay


_MEMO = _ReplayMemo()


def risk_of_market(
    market: MarketData, settings: Settings | None = None, asof: date | None = None
) -> RiskResult:
    """The rules of ``settings`` replayed over ``market`` up to ``asof`` (default its own).

    When ``market`` is the cut of a longer history (``market.uncut``), the history is replayed
    once and cut at ``asof``: the same result, since the replay never looks ahead. The last
    replay is kept, so the drill-down screens reuse the snapshot's.
    """
    cfg = settings or _DEFAULTS
    day = asof or market.asof.date()
    if day > market.asof.date():  # past the data: the plain replay says what it can
        return evaluate_risk(
            market.prices,
            {k: m.values for k, m in market.macro.items()},
            day,
            cfg.rules,
            release_lags=cfg.release_lags,
            stale_after=cfg.stale_after,
        )
    history = market.uncut if market.uncut is not None else market
    return _MEMO.replay(history, cfg).at(day)


def snapshot_from_market(market: MarketData, settings: Settings | None = None) -> Snapshot:
    """Compute the snapshot of ``market`` as of its own ``asof`` under the configured rules,
    for the pairs and sectors the source names (the catalog's unless a pack names its own)
    and the user's own ``[[pairs]]`` after them."""
    cfg = settings or _DEFAULTS
    snapshot = build_snapshot(
        source=market.source,
        asof=market.asof,
        prices=market.prices,
        macro={k: m.values for k, m in market.macro.items()},
        rules=cfg.rules,
        sources=tuple(s.row() for s in market.statuses),
        problems=market.problems,
        pairs=cfg.with_pairs(market.pairs if market.pairs is not None else PAIRS),
        sectors=market.sectors if market.sectors is not None else SECTORS,
        release_lags=cfg.release_lags,
        stale_after=cfg.stale_after,
        risk=risk_of_market(market, cfg),
        valuations=market.valuations,
    )
    if not cfg.alerts:
        return snapshot
    from analytics.user_alerts import with_user_alerts

    return with_user_alerts(snapshot, cfg.alerts)
