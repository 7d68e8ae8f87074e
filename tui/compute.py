"""From what a source knows (MarketData) to what the screen shows (Snapshot)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from analytics.catalog import PAIRS, SECTORS
from analytics.cycle import rate_cycle
from analytics.risk import RiskReplay, RiskResult, evaluate_risk, replay_risk
from analytics.riskstep import step_replay
from analytics.snapshot import build_snapshot, fred_macro_rows
from analytics.types import MacroRow, RateCycle, Snapshot
from data_sources.model import MarketData
from tui.config import Settings

if TYPE_CHECKING:
    import pandas as pd

_DEFAULTS = Settings()


class _ReplayMemo:
    """The last whole-history replay, by the identity of the history's prices and macro
    mappings, its last day and the identity of the settings.

    A pack stepped through time hands the same ``uncut`` data with every as-of step; replaying
    25 years of rules on each key press was most of a step's cost. A live source that has
    nothing new hands the same mappings in a new MarketData (the demo between its minutes):
    replaying them again was most of an idle poll's cost. A busy market's new prices on the
    same day step the last replay (``analytics.riskstep``: only today's row of the rules that
    read prices is evaluated again; the same arrays as a full replay). One slot is enough: an
    app shows one market under one set of rules.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[object, object, date, Settings] | None = None
        self._replay: RiskReplay | None = None

    def replay(self, history: MarketData, cfg: Settings) -> RiskReplay:
        with self._lock:
            key = self._key
            day = history.asof.date()
            if (
                key is None
                or key[0] is not history.prices
                or key[1] is not history.macro
                or key[2] != day
                or key[3] is not cfg
                or self._replay is None
            ):
                macro = {k: m.values for k, m in history.macro.items()}
                last = self._replay
                if last is not None and key is not None and key[3] is cfg and key[2] == day:
                    self._replay = step_replay(
                        last,
                        history.prices,
                        macro,
                        day,
                        cfg.rules,
                        release_lags=cfg.release_lags,
                        stale_after=cfg.stale_after,
                        # the last replay read this very mapping's series
                        same_macro=key[1] is history.macro,
                    )
                else:
                    self._replay = replay_risk(
                        history.prices,
                        macro,
                        day,
                        cfg.rules,
                        release_lags=cfg.release_lags,
                        stale_after=cfg.stale_after,
                    )
                self._key = (history.prices, history.macro, day, cfg)
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


class _SnapshotMemo:
    """The last snapshot and what it was computed from.

    ``build_snapshot`` reads the moment's date, not its time: a poll that brings the same
    prices, macro and P/E mappings (by identity: sources build new ones when anything changed)
    on the same day, with the same problems, pairs, sectors and settings, gets the last
    snapshot with its own moment and source health. The idle demo polled every 5 s recomputed
    every figure each time (tens of ms of CPU for nothing).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._snapshot: Snapshot | None = None

    @staticmethod
    def _key_of(market: MarketData, cfg: Settings) -> tuple[object, ...]:
        uncut = market.uncut
        return (
            market.prices,
            market.macro,
            market.valuations,
            uncut,
            None if uncut is None else uncut.prices,
            None if uncut is None else uncut.macro,
            cfg,
            market.asof.date(),
            market.source,
            market.problems,
            market.pairs,
            market.sectors,
        )

    def get(self, market: MarketData, cfg: Settings) -> Snapshot | None:
        with self._lock:
            key, snapshot = self._key, self._snapshot
        if key is None or snapshot is None:
            return None
        new = self._key_of(market, cfg)
        # identity for the data and the settings (a mapping or a frame may not compare cheaply
        # or at all), equality for the day, names and problems
        same = all(a is b for a, b in zip(key[:7], new[:7], strict=True)) and key[7:] == new[7:]
        if not same:
            return None
        return replace(
            snapshot, asof=market.asof, sources=tuple(s.summary() for s in market.statuses)
        )

    def put(self, market: MarketData, cfg: Settings, snapshot: Snapshot) -> None:
        with self._lock:
            self._key, self._snapshot = self._key_of(market, cfg), snapshot


_SNAPSHOTS = _SnapshotMemo()


def snapshot_from_market(market: MarketData, settings: Settings | None = None) -> Snapshot:
    """Compute the snapshot of ``market`` as of its own ``asof`` under the configured rules,
    for the pairs and sectors the source names (the catalog's unless a pack names its own)
    and the user's own ``[[pairs]]`` after them."""
    cfg = settings or _DEFAULTS
    snapshot = _SNAPSHOTS.get(market, cfg) or _build(market, cfg)
    if not cfg.alerts:
        return snapshot
    from analytics.user_alerts import with_user_alerts

    return with_user_alerts(snapshot, cfg.alerts)


class _MacroMemo:
    """The rate cycle and the macro rows that read FRED series only, by the identity of the
    market's macro mapping and the settings, the day, and the Sahm rule's replayed values
    (the Sahm row's fallback). Intraday a busy market brings new prices every poll and the same
    macro mapping (FRED publishes once a day at most): neither changes with a price."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[object, Settings, date] | None = None
        self._sahm: pd.Series | None = None
        self._parts: tuple[RateCycle, dict[str, MacroRow]] | None = None

    def parts(
        self, market: MarketData, cfg: Settings, risk: RiskResult, macro: dict[str, pd.Series]
    ) -> tuple[RateCycle, dict[str, MacroRow]]:
        key = (market.macro, cfg, market.asof.date())
        sahm = risk.values.get("sahm")
        with self._lock:
            last, parts, last_sahm = self._key, self._parts, self._sahm
        if (
            last is not None
            and parts is not None
            and last[0] is key[0]
            and last[1] is cfg
            and last[2] == key[2]
            and (sahm is None if last_sahm is None else sahm is not None and sahm.equals(last_sahm))
        ):
            return parts
        day = key[2]
        parts = (
            rate_cycle(macro, day, release_lags=cfg.release_lags, stale_after=cfg.stale_after),
            fred_macro_rows(macro, day, risk, cfg.release_lags),
        )
        with self._lock:
            self._key, self._parts, self._sahm = key, parts, sahm
        return parts


_MACRO = _MacroMemo()


def _build(market: MarketData, cfg: Settings) -> Snapshot:
    macro = {k: m.values for k, m in market.macro.items()}
    risk = risk_of_market(market, cfg)
    cycle, fred_rows = _MACRO.parts(market, cfg, risk, macro)
    snapshot = build_snapshot(
        source=market.source,
        asof=market.asof,
        prices=market.prices,
        macro=macro,
        rules=cfg.rules,
        sources=tuple(s.summary() for s in market.statuses),
        problems=market.problems,
        pairs=cfg.with_pairs(market.pairs if market.pairs is not None else PAIRS),
        sectors=market.sectors if market.sectors is not None else SECTORS,
        release_lags=cfg.release_lags,
        stale_after=cfg.stale_after,
        risk=risk,
        valuations=market.valuations,
        cycle=cycle,
        fred_rows=fred_rows,
    )
    _SNAPSHOTS.put(market, cfg, snapshot)
    return snapshot
