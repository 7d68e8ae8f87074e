"""The drill-down context: what a drill-down screen may read, and the app's holder of it.

Pure (no Textual): the app owns one ``DrillData``, calls ``update(market, snapshot)`` on every
new snapshot and then ``tui.screens.drillbase.refresh_visible``, so that a drill-down screen on
top of the stack redraws what changed. A screen hidden under another (or under a modal) is not
redrawn; it catches up from ``context.version`` when it is shown again. The screens themselves
live in ``tui.screens`` (base: ``tui.screens.drillbase``; by kind: ``tui.screens.registry``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from analytics.risk import DEFAULT_RULES, RiskResult, RuleSpec, evaluate_risk
from analytics.types import Snapshot
from data_sources.base import SourceError
from data_sources.clock import NY
from data_sources.model import MarketData

log = logging.getLogger(__name__)

BarsFn = Callable[[str], Awaitable[pd.DataFrame | None]]

WINDOWS: tuple[str, ...] = ("1M", "3M", "6M", "1Y", "2Y")
"""The chart windows ``[`` and ``]`` step through."""

WINDOW_ROWS: dict[str, int] = {"1M": 21, "3M": 63, "6M": 126, "1Y": 252, "2Y": 504}


@runtime_checkable
class DrillContext(Protocol):
    """What a drill-down screen may ask the app for. All of it is read-only."""

    @property
    def version(self) -> int:
        """Bumped on every ``update``; screens compare it to know whether they are behind."""
        ...

    @property
    def export_dir(self) -> Path:
        """Where ``e`` writes files."""
        ...

    def market(self) -> MarketData:
        """The latest merged market data."""
        ...

    def snapshot(self) -> Snapshot:
        """The latest snapshot (computed from ``market()``)."""
        ...

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Daily OHLCV bars of ``symbol`` (open high low close volume), or None when unknown."""
        ...

    def risk(self) -> RiskResult | None:
        """The risk replay of the latest market (values and levels per day and rule)."""
        ...

    def rules(self) -> tuple[RuleSpec, ...]:
        """The configured risk rules."""
        ...

    def alert_log(self, rule: str) -> Sequence[Any] | None:
        """The alert log of ``rule``, newest first (entries with time, rule, severity, event,
        value, threshold, message), or None when there is no store to read it from."""
        ...


class DrillData:
    """The app's DrillContext: holds the latest data; the app calls ``update`` per snapshot.

    ``bars`` is the coroutine function that fetches daily bars (for live data the app should
    run it on the source's own loop, e.g. ``lambda s: feed.run_on(0, source.bars(s))``);
    ``store`` is anything with ``alert_log(rule)`` (``data_sources.store.Store``);
    ``compute_risk`` replays the rules (default: ``evaluate_risk`` with ``rules``), lazily on
    the first ``risk()`` after an update, only when a screen asks for it.
    """

    def __init__(
        self,
        market: MarketData,
        snapshot: Snapshot,
        *,
        bars: BarsFn | None = None,
        store: Any = None,
        rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
        risk: RiskResult | None = None,
        compute_risk: Callable[[MarketData], RiskResult] | None = None,
        export_dir: Path | str = ".",
    ) -> None:
        self._market = market
        self._snapshot = snapshot
        self._bars = bars
        self._store = store
        self._rules = tuple(rules)
        self._risk = risk
        self._compute_risk = compute_risk
        self._export_dir = Path(export_dir)
        self._version = 1
        self._bars_cache: dict[str, tuple[date, pd.DataFrame | None]] = {}

    @classmethod
    def from_market(
        cls,
        market: MarketData,
        *,
        source: Any = None,
        store: Any = None,
        export_dir: Path | str = ".",
        rules: tuple[RuleSpec, ...] | None = None,
    ) -> DrillData:
        """A context for ``market`` with its snapshot computed here (tests, one-shot use);
        ``source`` is a DataSource whose ``bars`` are awaited on the current loop."""
        from tui.compute import snapshot_from_market

        snapshot = snapshot_from_market(market)
        return cls(
            market,
            snapshot,
            bars=None if source is None else source.bars,
            store=store,
            export_dir=export_dir,
            rules=rules or DEFAULT_RULES,
        )

    # -- the app's side ------------------------------------------------------------------------

    def update(
        self, market: MarketData, snapshot: Snapshot, risk: RiskResult | None = None
    ) -> None:
        """Take the latest data; the risk replay is redone lazily unless given."""
        if market.asof.date() != self._market.asof.date():
            self._bars_cache.clear()  # a new day (or a pack's as-of step): bars have changed
        self._market = market
        self._snapshot = snapshot
        self._risk = risk
        self._version += 1

    def set_export_dir(self, path: Path | str) -> None:
        self._export_dir = Path(path)

    # -- DrillContext ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    @property
    def export_dir(self) -> Path:
        return self._export_dir

    def market(self) -> MarketData:
        return self._market

    def snapshot(self) -> Snapshot:
        return self._snapshot

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Bars from the source (cached per as-of day); else the close-only history the market
        data holds (``open high low volume`` unknown); else None."""
        day = self._market.asof.date()
        cached = self._bars_cache.get(symbol)
        if cached is not None and cached[0] == day:
            return cached[1]
        frame: pd.DataFrame | None = None
        if self._bars is not None:
            try:
                result = self._bars(symbol)
                frame = await result if inspect.isawaitable(result) else result
            except SourceError as exc:
                log.info("bars of %s: %s", symbol, exc)
                frame = None
        if frame is None or frame.empty or "close" not in frame:
            closes = self._market.prices.get(symbol)
            frame = None
            if closes is not None and not closes.empty:
                frame = pd.DataFrame({"close": closes.astype(float)})
                for col in ("open", "high", "low", "volume"):
                    frame[col] = float("nan")
        self._bars_cache[symbol] = (day, frame)
        return frame

    def risk(self) -> RiskResult | None:
        if self._risk is None:
            try:
                if self._compute_risk is not None:
                    self._risk = self._compute_risk(self._market)
                else:
                    m = self._market
                    self._risk = evaluate_risk(
                        m.prices,
                        {k: s.values for k, s in m.macro.items()},
                        m.asof.date(),
                        self._rules,
                    )
            except ValueError as exc:
                log.warning("risk replay failed: %s", exc)
                return None
        return self._risk

    def rules(self) -> tuple[RuleSpec, ...]:
        return self._rules

    def alert_log(self, rule: str) -> Sequence[Any] | None:
        if self._store is None:
            return None
        try:
            return list(self._store.alert_log(rule))
        except Exception as exc:  # a broken store must not take the screen down
            log.warning("alert log of %s: %s", rule, exc)
            return None


def window_slice(series: pd.Series, window: str) -> pd.Series:
    """The last rows of ``series`` that ``window`` covers."""
    return series.iloc[-WINDOW_ROWS[window] :]


def date_labels(index: pd.Index, window: str) -> tuple[str, ...]:
    """x labels for a chart: ``Mar 07`` for short windows, ``Mar 25`` (month year) for long."""
    fmt = "%b %d" if WINDOW_ROWS[window] <= 126 else "%b %y"
    return tuple(pd.DatetimeIndex(index).strftime(fmt))


def asof_text(moment: datetime) -> str:
    """The as-of moment in New York time, as the dashboard's clock shows it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(NY)
    return moment.strftime("%Y-%m-%d %H:%M")
