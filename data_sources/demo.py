"""The embedded demo market: a seeded simulator of every catalog symbol, FRED series and a
~2,000-name small-cap universe, with a clock that can run faster than real time (SPEC 2, 8)."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.catalog import FRED_SERIES, MONTHLY_SERIES, WEEKLY_SERIES
from analytics.health import SourceHealth
from data_sources.demo_instruments import INDEX, INSTRUMENTS, SECTOR_NAMES, SYMBOLS
from data_sources.demo_scenarios import SCENARIOS, scenario_id, scenario_spec
from data_sources.demo_state import BuiltMarket, LiveSession
from data_sources.demo_universe import (
    UNIVERSE_SIZE,
    member_history,
)
from data_sources.demo_valuation import demo_valuations
from data_sources.market_calendar import (
    NY,
    market_state,
    session_open_close,
)
from data_sources.model import (
    Constituent,
    LazyConstituents,
    MacroSeries,
    MarketData,
    Quote,
    SourceKind,
)

__all__ = ["DEMO_START", "SCENARIOS", "DemoClock", "DemoSource"]

DEMO_START = datetime(2026, 11, 24, 10, 30, tzinfo=NY)
"""A Tuesday an hour into the session: the default start of the demo clock."""

_COLUMNS = ("open", "high", "low", "close", "volume")
_NO_PE_KINDS = ("index", "future", "volatility", "currency")


def _aware(when: datetime, what: str) -> datetime:
    if not isinstance(when, datetime):
        raise TypeError(f"{what}: expected a datetime, got {type(when).__name__}")
    return when.replace(tzinfo=NY) if when.tzinfo is None else when


class DemoClock:
    """Demo time: ``start`` plus the wall time elapsed since creation (or since ``origin``, a
    reading of ``wall``), times ``speed``.

    ``wall`` is a monotonic seconds counter; pass a fixed one for a frozen clock in tests.
    ``origin`` lets two clocks read the same time: the app's source and a first start's
    prefetched snapshot (tui.prefetch), made in another process from the same moment.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        wall: Callable[[], float] = time.monotonic,
        origin: float | None = None,
    ) -> None:
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not speed > 0:
            raise ValueError(f"demo speed: expected a number > 0, got {speed!r}")
        if not math.isfinite(speed):
            raise ValueError(f"demo speed: expected a finite number, got {speed!r}")
        self.start = _aware(start, "demo start").astimezone(NY)
        self.speed = float(speed)
        self._wall = wall
        self._t0 = wall() if origin is None else origin

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(self._wall() - self._t0) * self.speed)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"demo seed: expected a whole number >= 0, got {seed!r}")
    return int(seed)


@dataclass(frozen=True, slots=True, eq=False)
class _View:
    """What the demo market shows at one minute; cached between polls of the same minute."""

    prices: Mapping[str, pd.Series]
    macro: Mapping[str, MacroSeries]
    quotes: Mapping[str, Quote]
    constituents: LazyConstituents


class _Members(LazyConstituents):
    """The demo universe at one minute, made when read (all, one sector's, or one member)."""

    def __init__(
        self, source: DemoSource, m: BuiltMarket, complete: int, minute: int | None
    ) -> None:
        super().__init__(UNIVERSE_SIZE)
        self._source, self._market = source, m
        self._complete, self._minute = complete, minute

    def _make(self, members: Sequence[int] | None) -> list[Constituent]:
        return self._source._constituents(self._market, self._complete, self._minute, members)

    def sector_names(self) -> Sequence[str]:
        return self._market.universe.sectors

    def symbols_and_names(self) -> Sequence[tuple[str, str]]:
        u = self._market.universe
        return list(zip(u.tickers, u.names, strict=True))

    def position(self, symbol: str) -> int | None:
        return self._market.universe.index.get(symbol)


class DemoSource:
    """The demo DataSource: deterministic for a seed and scenario, driven by its ``clock``.

    Nothing is computed at construction; the first ``fetch`` builds the market of the catalog's
    symbols (~50 ms) and later ones only add the minute that passed. The ~2,000-name universe
    and its members' returns are made when read (``LazyConstituents``: a sector screen makes its
    own members only).
    """

    name = "demo"
    kind: SourceKind = "demo"

    def __init__(
        self,
        seed: int = 7,
        scenario: str = "rotation",
        speed: float = 1.0,
        start: datetime | None = None,
        *,
        wall: Callable[[], float] = time.monotonic,
        origin: float | None = None,
    ) -> None:
        self.seed = _check_seed(seed)
        scenario_spec(scenario)  # raises ValueError naming the valid scenarios
        self.scenario = scenario
        self.clock = DemoClock(DEMO_START if start is None else start, speed, wall, origin)
        self._lock = threading.Lock()
        self._market: BuiltMarket | None = None
        self._view_key: tuple[object, ...] | None = None
        self._view: _View | None = None
        # Kept between views so that an unchanged input is the same object from poll to poll
        # (the snapshot's memos key on identity): macro changes once a day, not each minute,
        # and the P/E frames follow the view.
        self._macro_key: tuple[date, int] | None = None
        self._macro_view: dict[str, MacroSeries] | None = None
        self._valued: tuple[_View, dict[str, pd.DataFrame]] | None = None
        self._members: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._last_now: datetime | None = None
        self._status = SourceHealth("demo", "loading")

    # -- DataSource protocol ----------------------------------------------------------------------

    async def fetch(self, now: datetime) -> MarketData:
        """The market at demo time ``now`` (the first call builds it in a worker thread)."""
        if self._market is None:
            return await asyncio.to_thread(self.market_data, now)
        return self.market_data(now)

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        return self.bars_at(symbol)

    def status(self) -> tuple[SourceHealth, ...]:
        return (self._status,)

    async def aclose(self) -> None:
        return None

    # -- synchronous API ------------------------------------------------------------------------

    def market(self) -> BuiltMarket:
        with self._lock:
            if self._market is None:
                anchor = self.clock.start.date()
                self._market = BuiltMarket(
                    self.seed, scenario_id(self.scenario), self.scenario, anchor
                )
            return self._market

    def market_data(self, now: datetime) -> MarketData:
        """Everything the demo market shows at ``now`` (see MarketData)."""
        now = _aware(now, "now").astimezone(NY)
        m = self.market()
        with self._lock:
            key, build = self._plan(m, now)
            if key != self._view_key or self._view is None:
                self._view = build()
                self._view_key = key
            view = self._view
            if self._valued is None or self._valued[0] is not view:
                start = self.clock.start.date()
                self._valued = (view, demo_valuations(view.prices, self.scenario, start))
            valuations = self._valued[1]
            self._last_now = now
            self._status = SourceHealth("demo", "ok", last_success=now)
        return MarketData(
            source="demo",
            asof=now,
            prices=view.prices,
            macro=view.macro,
            quotes=view.quotes,
            constituents=view.constituents,
            statuses=(self._status,),
            valuations=valuations,
        )

    def bars_at(self, symbol: str, now: datetime | None = None) -> pd.DataFrame | None:
        """Daily OHLCV of a catalog symbol or universe member up to ``now`` (default: the last
        fetch's time, else the clock), the running session included; None when unknown."""
        m = self.market()
        if symbol not in INDEX and symbol not in m.universe.index:
            return None
        when = _aware(now, "now").astimezone(NY) if now else (self._last_now or self.clock.now())
        with self._lock:
            lives, partial = self._sessions(m, when)
            if symbol in INDEX:
                return self._catalog_bars(m, INDEX[symbol], lives, partial)
            return self._member_bars(m, symbol, lives, partial)

    # -- assembly -------------------------------------------------------------------------------

    @staticmethod
    def _sessions(m: BuiltMarket, now: datetime) -> tuple[list[LiveSession], int | None]:
        """Completed live sessions at ``now`` and the minute of a running one (else None)."""
        today = now.date()
        lives = m.live_until(today)
        if lives and lives[-1].day.day == today:
            day = lives[-1].day
            if now < day.open:
                return lives[:-1], None
            if now < day.close:
                return lives, day.minute(now)
        return lives, None

    def _plan(
        self, m: BuiltMarket, now: datetime
    ) -> tuple[tuple[object, ...], Callable[[], _View]]:
        today = now.date()
        lives, minute = self._sessions(m, now)
        complete = len(lives) - (0 if minute is None else 1)
        state = market_state(now)
        key = (today, complete, minute, state)
        return key, lambda: self._build_view(m, now, lives, complete, minute, state)

    def _build_view(
        self,
        m: BuiltMarket,
        now: datetime,
        lives: list[LiveSession],
        complete: int,
        minute: int | None,
        state: str,
    ) -> _View:
        idx, _, closes = m.stacked(complete)
        running = lives[-1] if minute is not None else None
        if running is not None:
            tick = np.round(np.exp(running.day.logp[minute]), 2)
            idx = idx.append(pd.DatetimeIndex([pd.Timestamp(running.day.day)]).as_unit(idx.unit))
            closes = np.vstack([closes, tick])
        prices = {
            sym: pd.Series(closes[:, i], index=idx, name=sym) for i, sym in enumerate(SYMBOLS)
        }
        return _View(
            prices=prices,
            macro=self._macro_at(m, now.date(), complete),
            quotes=self._quotes(m, now, closes, lives, complete, minute, state),
            constituents=_Members(self, m, complete, minute),
        )

    def _macro_at(self, m: BuiltMarket, today: date, complete: int) -> dict[str, MacroSeries]:
        """``_macro``, the same dict while the day and the completed sessions are (a running
        session's minutes do not move the daily series)."""
        key = (today, complete)
        if self._macro_view is None or key != self._macro_key:
            self._macro_view = self._macro(m, today, complete)
            self._macro_key = key
        return self._macro_view

    @staticmethod
    def _macro(m: BuiltMarket, today: date, complete: int) -> dict[str, MacroSeries]:
        # Daily series up to the previous day: a live session's values once its date has passed.
        done = [lv for lv in m.live[:complete] if lv.day.day < today]
        days = m.hist.days
        if done:
            days = days.append(
                pd.DatetimeIndex(pd.to_datetime([lv.day.day for lv in done])).as_unit(days.unit)
            )
        cutoff = pd.Timestamp(today)
        out: dict[str, MacroSeries] = {}
        for sid in FRED_SERIES:
            if sid in MONTHLY_SERIES:
                s = m.monthly[sid]
                out[sid] = MacroSeries(sid, s.loc[:cutoff], "monthly")
            elif sid in WEEKLY_SERIES:
                s = m.weekly[sid]
                out[sid] = MacroSeries(sid, s.loc[:cutoff], "weekly")
            else:
                values = m.daily[sid]
                if done:
                    values = np.concatenate([values, [lv.macro[sid] for lv in done]])
                s = pd.Series(values, index=days, name=sid)
                out[sid] = MacroSeries(sid, s.loc[s.index < cutoff], "daily")
        return out

    @staticmethod
    def _quotes(
        m: BuiltMarket,
        now: datetime,
        closes: np.ndarray,
        lives: list[LiveSession],
        complete: int,
        minute: int | None,
        state: str,
    ) -> dict[str, Quote]:
        hist = m.hist
        n = len(closes)
        # The session the quote describes: the running one, else the last completed one.
        if minute is not None:
            day = lives[-1].day
            high, low = day.high[minute], day.low[minute]
            volume = day.volume[minute]
            when = day.open + timedelta(minutes=minute)
        elif complete > 0:
            day = m.live[complete - 1].day
            high, low, volume = day.high[-1], day.low[-1], day.volume[-1]
            when = day.close
        else:
            high, low, volume = hist.high[-1], hist.low[-1], hist.volume[-1]
            when = session_open_close(hist.days[-1].date())[1]
        highs = np.vstack([hist.high, *(lv.day.high[-1:] for lv in m.live[:complete])])
        lows = np.vstack([hist.low, *(lv.day.low[-1:] for lv in m.live[:complete])])
        if minute is None:
            highs, lows = highs[:-1], lows[:-1]  # the last session's own range is added below
        year_high = np.maximum(highs[-251:].max(axis=0), high)
        year_low = np.minimum(lows[-251:].min(axis=0), low)
        last = closes[-1]
        prev = closes[-2] if n > 1 else closes[-1]
        pe_base = np.exp(hist.logp[-1])
        quotes: dict[str, Quote] = {}
        for i, inst in enumerate(INSTRUMENTS):
            price = float(last[i])
            pe = None
            if inst.pe is not None and inst.kind not in _NO_PE_KINDS:
                pe = round(inst.pe * price / float(pe_base[i]), 2)
            vol = float(volume[i])
            quotes[inst.symbol] = Quote(
                symbol=inst.symbol,
                price=price,
                time=when,
                prev_close=float(prev[i]),
                change_pct=(price / float(prev[i]) - 1.0) * 100.0,
                volume=None if math.isnan(vol) else vol,
                day_high=round(float(max(high[i], price)), 2),
                day_low=round(float(min(low[i], price)), 2),
                year_high=round(float(max(year_high[i], price)), 2),
                year_low=round(float(min(year_low[i], price)), 2),
                trailing_pe=pe,
                market_state=state,
                name=inst.name,
            )
        return quotes

    def _constituents(
        self, m: BuiltMarket, complete: int, minute: int | None, members: Sequence[int] | None
    ) -> list[Constituent]:
        """The ``members`` (positions; None: all) after ``complete`` live sessions and, when
        ``minute`` is given, that minute of the next."""
        with self._lock:
            u = m.universe
            if minute is not None:
                k = complete
                prev = m.universe_prev_close(k)
                last = prev * np.exp(m.universe_live(k).log_move(u, minute))
            elif complete > 0:
                k = complete - 1
                prev = m.universe_prev_close(k)
                m.universe_live(k)
                last = m.universe_prev_close(k + 1)
            else:
                last = u.close
                prev = u.close / np.exp(m.last_returns)
            js = np.arange(len(u.tickers)) if members is None else np.asarray(members, np.intp)
            bases = m.member_bases(complete, minute is not None, js)
        last = np.round(last[js], 2)
        change = (last / prev[js] - 1.0) * 100.0
        names = [u.names[j] for j in js.tolist()]
        tickers = [u.tickers[j] for j in js.tolist()]
        sectors = [SECTOR_NAMES[k] for k in u.sector[js].tolist()]
        weights = u.weight[js].tolist()
        lasts = last.tolist()
        changes = change.tolist()
        # Returns over each window from the members' own closes (what their bars give).
        nothing = [None] * len(lasts)
        rets = [
            nothing if base is None else ((last / base - 1.0) * 100.0).tolist() for base in bases
        ]
        return [
            Constituent(t, n, s, w, p, c, *r)
            for t, n, s, w, p, c, *r in zip(
                tickers, names, sectors, weights, lasts, changes, *rets, strict=True
            )
        ]

    # -- bars -------------------------------------------------------------------------------------

    @staticmethod
    def _catalog_bars(
        m: BuiltMarket, i: int, lives: list[LiveSession], partial: int | None
    ) -> pd.DataFrame:
        hist = m.hist
        cols = {
            "open": [hist.open[:, i]],
            "high": [hist.high[:, i]],
            "low": [hist.low[:, i]],
            "close": [np.exp(hist.logp[:, i])],
            "volume": [hist.volume[:, i]],
        }
        days = list(hist.days)
        for k, lv in enumerate(lives):
            row = lv.day.minutes if partial is None or k < len(lives) - 1 else partial
            d = lv.day
            cols["open"].append(np.exp(d.logp[:1, i]))
            cols["high"].append(d.high[row : row + 1, i])
            cols["low"].append(d.low[row : row + 1, i])
            cols["close"].append(np.exp(d.logp[row : row + 1, i]))
            cols["volume"].append(d.volume[row : row + 1, i])
            days.append(pd.Timestamp(d.day))
        frame = {c: np.concatenate(v) for c, v in cols.items()}
        for c in ("open", "high", "low", "close"):
            frame[c] = np.round(frame[c], 2)
        return pd.DataFrame(frame, index=pd.DatetimeIndex(days).as_unit(hist.days.unit))

    def _member_bars(
        self, m: BuiltMarket, symbol: str, lives: list[LiveSession], partial: int | None
    ) -> pd.DataFrame:
        u = m.universe
        j = u.index[symbol]
        base = self._members.get(symbol)
        if base is None:
            base = member_history(u, j, m.hist, float(m.last_returns[j]), self.seed, m.scen)
            self._members[symbol] = base
            if len(self._members) > 64:
                self._members.popitem(last=False)
        rows = []
        for k, lv in enumerate(lives):
            minute = lv.day.minutes if partial is None or k < len(lives) - 1 else partial
            uday = m.universe_live(k)
            prev = float(m.universe_prev_close(k)[j])
            # Sample the session every ~15 minutes for the day's range (the knots are 30 min).
            step = max(1, minute // 26)
            moves = np.array([uday.log_move(u, t)[j] for t in (*range(0, minute, step), minute)])
            path = prev * np.exp(moves)
            sd = math.hypot(float(u.idio[j]), 0.01 * float(u.beta[j]))
            busy = 0.5 + 0.5 * min(abs(float(moves[-1])) / sd, 5.0)
            volume = round(float(base["volume"].iloc[-20:].mean()) * busy * minute / lv.day.minutes)
            day = pd.Timestamp(lv.day.day)
            rows.append((day, path[0], path.max(), path.min(), path[-1], volume))
        if rows:
            extra = pd.DataFrame(rows, columns=["date", *_COLUMNS]).set_index("date")
            extra.index = pd.DatetimeIndex(extra.index).as_unit(base.index.unit)
            extra.index.name = None
            base = pd.concat([base, extra])
        out = base.copy()
        for c in ("open", "high", "low", "close"):
            out[c] = out[c].round(2)
        return out
