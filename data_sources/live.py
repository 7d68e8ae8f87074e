"""The live source: Yahoo (history, quotes, stream), FRED and iShares behind ``DataSource``.

``fetch(now)`` never waits on the network by default: it starts whatever is due as background
tasks (history, quote poll, FRED round, holdings) and returns at once what is known, each
sub-source's health as a ``SourceHealth``. ``wait_for_update`` lets a caller sleep until a
task finishes or a streamed tick arrives. A failing sub-source never raises out of ``fetch``.
With a cache (the SQLite store) a start with the network down paints the cached market at once
with its age, then keeps retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS
from analytics.health import SourceHealth
from data_sources.aio import within
from data_sources.base import SourceError
from data_sources.clock import NY, utc_now
from data_sources.fred import API_URL, GRAPH_URL, FredSource
from data_sources.fundpe import FundPEBook
from data_sources.holdings import ISHARES_IWM_URL, HoldingsSource
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.model import Bars, Constituent, MacroSeries, MarketData, Quote, SourceKind
from data_sources.polling import (
    HealthRecord,
    MarketStateFn,
    default_market_state,
    describe_exception,
    one_line,
)
from data_sources.yahoo import DEFAULT_STREAM_URL, Backend, YahooSource

Clock = Callable[[], datetime]

QUOTE_SAVE_EVERY = timedelta(seconds=60)
UNIVERSE = "IWM"
"""The fund whose holdings file is the small-cap universe (the key of its cache rows)."""


class Cached(Protocol):
    value: Any
    fetched_at: datetime


class LiveCache(Protocol):
    """What the live source needs from a cache; ``data_sources.store.Store`` fits as it is.
    Methods are called from a worker thread. ``save_holdings`` / ``load_holdings`` are used
    when the cache has them."""

    def save_bars(self, bars: Bars, fetched_at: datetime) -> None: ...

    def load_bars(self, symbol: str) -> Any: ...

    def save_series(self, series: MacroSeries, fetched_at: datetime) -> None: ...

    def load_series(self, series_id: str) -> Any: ...

    def save_quotes(self, quotes: Iterable[Quote], fetched_at: datetime) -> None: ...

    def load_quotes(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """Everything configurable about the live source (the CLI/config maps onto this).

    ``yahoo_routes`` maps a Yahoo host (``query1.finance.yahoo.com``, ...) to another base URL
    (a proxy or, in tests, a loopback server); ``yahoo.routes_to(url)`` builds one for every
    Yahoo host. ``stream_url=None`` turns streaming off; ``holdings_url=None`` turns holdings
    off. ``fred_api_key`` comes from the caller (rotmon's config reads ``FRED_API_KEY``: this
    package never reads the environment). ``poll`` gives every sub-source's interval and the
    retry ceiling (the config's ``[poll]``).
    """

    symbols: tuple[str, ...] = MARKET_SYMBOLS
    fred_series: tuple[str, ...] = FRED_SERIES
    yahoo_routes: Mapping[str, str] = field(default_factory=dict)
    yahoo_backend: Backend = "curl"
    stream_url: str | None = DEFAULT_STREAM_URL
    fred_api_key: str | None = field(default=None, repr=False)
    fred_graph_url: str = GRAPH_URL
    fred_api_url: str = API_URL
    holdings_url: str | None = ISHARES_IWM_URL
    timeout: float = 10.0
    stream_silence_s: float = 30.0
    fetch_wait: float = 0.0
    poll: PollIntervals = DEFAULT_INTERVALS


class LiveSource:
    """The live ``DataSource`` (name ``"live"``, kind ``"live"``)."""

    name = "live"
    kind: SourceKind = "live"

    def __init__(
        self,
        settings: LiveSettings | None = None,
        *,
        cache: LiveCache | None = None,
        clock: Clock = utc_now,
        market_state: MarketStateFn = default_market_state,
        yahoo: YahooSource | None = None,
        fred: FredSource | None = None,
        holdings: HoldingsSource | None = None,
    ) -> None:
        """Builds the Yahoo, FRED and holdings sources from ``settings`` (default
        ``LiveSettings()``) unless given ready-made (tests, benches)."""
        s = settings if settings is not None else LiveSettings()
        self.settings = s
        self.clock = clock
        self.market_state = market_state
        self.cache = cache
        self.fetch_wait = s.fetch_wait
        self.yahoo = yahoo or YahooSource(
            s.symbols,
            routes=s.yahoo_routes,
            backend=s.yahoo_backend,
            stream_url=s.stream_url,
            timeout=s.timeout,
            silence_s=s.stream_silence_s,
            intervals=s.poll,
            clock=clock,
            market_state=market_state,
        )
        self.yahoo.on_change = self._notify
        self.fred = fred or FredSource(
            s.fred_series,
            api_key=s.fred_api_key,
            graph_url=s.fred_graph_url,
            api_url=s.fred_api_url,
            timeout=max(s.timeout, 20.0),
            intervals=s.poll,
            clock=clock,
        )
        self.holdings: HoldingsSource | None = holdings
        if holdings is None and s.holdings_url:
            self.holdings = HoldingsSource(
                s.holdings_url, timeout=max(s.timeout, 30.0), clock=clock, intervals=s.poll
            )
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._event: asyncio.Event | None = None
        self._started = False
        self._closed = False
        self._problems: dict[str, str] = {}
        self._price_cache: dict[str, tuple[tuple[Any, ...], pd.Series]] = {}
        self._price_base: dict[str, tuple[Any, ...]] = {}
        self._constituents_key: tuple[Any, ...] | None = None
        self._constituents: tuple[Constituent, ...] = ()
        self._last_quote_save: datetime | None = None
        self._saving: set[asyncio.Task[None]] = set()
        self._cached_pe: list[Any] = []
        self.pe_book = FundPEBook()
        """P/E of SPY, IJR and IWM by day (quotes, else the funds' holdings statistics)."""
        self.version = 0

    @property
    def poll_interval(self) -> float:
        """Seconds between the feed's calls of ``fetch`` (which starts what is due): the
        shortest configured interval, so no sub-source waits longer than it asked for."""
        p = self.settings.poll
        return min(p.quotes_open, p.quotes_closed, p.fred, p.holdings)

    # -- the protocol ---------------------------------------------------------------------

    async def fetch(self, now: datetime, *, wait: float | None = None) -> MarketData:
        """What is known at ``now``, after starting every refresh that is due.

        ``wait`` (default ``settings.fetch_wait``, 0) is how long to wait for those refreshes
        before answering; the CLI's one-shot commands pass a generous value.
        """
        if self._closed:
            raise SourceError("live source: already closed")
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)  # a naive time is taken as UTC, as everywhere here
        if not self._started:
            await self._start()
        self._kick(now)
        budget = self.fetch_wait if wait is None else wait
        if budget > 0 and self._tasks:
            await asyncio.wait(set(self._tasks.values()), timeout=budget)
        return self._compose(now)

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Daily bars for the symbol screen; a symbol outside the dashboard is downloaded once."""
        got = await self.yahoo.history_for(symbol)
        return None if got is None else got.frame.copy()

    def status(self) -> tuple[SourceHealth, ...]:
        return self._statuses(self.clock())

    async def aclose(self) -> None:
        self._closed = True
        tasks = list(self._tasks.values()) + list(self._saving)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.yahoo.aclose()
        await self.fred.aclose()
        if self.holdings is not None:
            await self.holdings.aclose()

    # -- extras for the app -----------------------------------------------------------------

    def set_hot(self, symbols: Iterable[str]) -> None:
        """The symbols on screen now: polled every 15 s while the market is open (when the
        stream is down or silent) and added to the stream's subscription."""
        self.yahoo.set_hot(symbols)

    async def details(self, symbol: str) -> Quote | None:
        """The quote of ``symbol`` with P/E and 52-week range (fetched lazily, hourly)."""
        return await self.yahoo.details(symbol)

    async def wait_for_update(self, timeout: float) -> bool:
        """Sleep until something changed (a task finished, a tick arrived) or ``timeout``."""
        event = self._ensure_event()
        if event.is_set():
            event.clear()
            return True
        try:
            await within(event.wait(), timeout)
        except TimeoutError:
            return False
        event.clear()
        return True

    def refresh_now(self) -> None:
        """Make every source due at the next ``fetch`` (the `r` key); the backoff is skipped,
        an open circuit still refuses until its probe time."""
        now = self.clock()
        self.yahoo.refresh_now(now)
        others = [self.fred.health] + ([self.holdings.health] if self.holdings else [])
        for health in others:
            health.next_retry = None
            health.next_due = now

    def diagnostics(self, now: datetime | None = None) -> tuple[SourceHealth, ...]:
        """Per source: request times, latency, errors, retry schedule, cache hits."""
        now = now or self.clock()
        items = [
            self.yahoo.history_health.at(now),
            self.yahoo.quote_health.at(now),
            self.yahoo.details_health.at(now),
        ]
        if self.yahoo.stream is not None:
            items.append(self.yahoo.stream.health.at(now))
        items.append(self.fred.health.at(now))
        if self.holdings is not None:
            items.append(self.holdings.health.at(now))
        return tuple(items)

    # -- internals --------------------------------------------------------------------------

    def _ensure_event(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def _notify(self) -> None:
        self.version += 1
        if self._event is not None:
            self._event.set()

    async def _start(self) -> None:
        self._started = True
        self._ensure_event()
        # The market calendar builds its session table on first use (~0.2 s): not on the loop.
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.yahoo.warm_calendar, self.clock())
        if self.cache is not None:
            try:
                loaded = await asyncio.to_thread(self._load_cache)
            except Exception as exc:  # a broken cache must not stop live data
                self._problems["cache"] = f"cache: {describe_exception(exc)}"
            else:
                self._adopt(*loaded)
        self.yahoo.start_stream()

    def _load_cache(self) -> tuple[dict[str, Any], dict[str, Any], Mapping[str, Any], Any]:
        assert self.cache is not None
        bars = {s: c for s in self.yahoo.symbols if (c := self.cache.load_bars(s)) is not None}
        series = {
            s: c for s in self.fred.series_ids if (c := self.cache.load_series(s)) is not None
        }
        # Holdings are optional in a cache (an older or a test cache may not keep them).
        load_holdings = getattr(self.cache, "load_holdings", None)
        holdings = load_holdings(UNIVERSE) if self.holdings is not None and load_holdings else None
        load_fund_pe = getattr(self.cache, "load_fund_pe", None)
        self._cached_pe = load_fund_pe() if callable(load_fund_pe) else []
        return bars, series, self.cache.load_quotes(), holdings

    def _adopt(
        self,
        bars: dict[str, Any],
        series: dict[str, Any],
        quotes: Mapping[str, Any],
        holdings: Any = None,
    ) -> None:
        y = self.yahoo
        # Histories and series are as old as the oldest of them; quotes as new as the newest.
        _adopt_cached(y.bars, bars, y.history_health, min)
        _adopt_cached(y.quotes, quotes, y.quote_health, max)
        _adopt_cached(self.fred.data, series, self.fred.health, min)
        self.pe_book.adopt(self._cached_pe)
        if holdings is not None and self.holdings is not None:
            self.holdings.adopt(holdings.value.constituents, holdings.value.as_of)
            self.holdings.health.restore(holdings.fetched_at)
            self.holdings.health.cache_hit()
        self._notify()

    def _spawn(self, kind: str, coro: Any) -> None:
        task = asyncio.create_task(self._guard(kind, coro), name=f"rotmon-live-{kind}")
        self._tasks[kind] = task

    async def _guard(self, kind: str, coro: Any) -> None:
        try:
            await coro
            self._problems.pop(kind, None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the sub-sources record failures; this is a last resort
            self._problems[kind] = one_line(f"{kind}: {describe_exception(exc)}")
        finally:
            self._tasks.pop(kind, None)
            self._notify()
        if self.cache is not None and not self._closed:
            self._save_later(kind)

    def _kick(self, now: datetime) -> None:
        y = self.yahoo
        if "history" not in self._tasks and y.history_due(now):
            self._spawn("history", y.refresh_history(now))
        if "quotes" not in self._tasks:
            due = y.quotes_due(now)
            if due:
                self._spawn("quotes", y.poll_quotes(now, due))
        if "fred" not in self._tasks and self.fred.due(now):
            self._spawn("fred", self.fred.refresh(now))
        h = self.holdings
        if h is not None and "holdings" not in self._tasks and h.due(now):
            self._spawn("holdings", h.refresh(now))
        if "fundpe" not in self._tasks:
            self.pe_book.observe_quotes(y.quotes)
            wanted = self.pe_book.wanting(now, y.quotes)
            if wanted:
                self._spawn("fundpe", self._fetch_fund_pe(wanted, now))

    async def _fetch_fund_pe(self, symbols: list[str], now: datetime) -> None:
        """The holdings statistics of the funds whose quotes carry no P/E (SPEC 11)."""
        day = now.astimezone(NY).date()
        failures: list[str] = []
        for symbol in symbols:
            self.pe_book.tried[symbol] = now
            try:
                pe = await self.yahoo.fund_pe(symbol)
            except Exception as exc:  # recorded, never raised: the valuation shows n/a
                failures.append(f"{symbol} P/E: {describe_exception(exc)}")
                continue
            if pe is not None:
                self.pe_book.add(pe, day)
        if failures:
            self._problems["fundpe-fetch"] = one_line("valuation: " + "; ".join(failures))
        else:
            self._problems.pop("fundpe-fetch", None)

    def _save_later(self, kind: str) -> None:
        now = self.clock()
        work: Callable[[], None] | None = None
        cache = self.cache
        assert cache is not None
        if kind in ("quotes", "fundpe"):
            self._save_fund_pe(cache, now)
        if kind == "history" and (stamp := _saved_as_of(self.yahoo.history_health)):
            bars, bars_at = list(self.yahoo.bars.values()), stamp

            def work() -> None:
                for item in bars:
                    cache.save_bars(item, bars_at)

        elif kind == "fred" and (stamp := _saved_as_of(self.fred.health)):
            series, series_at = list(self.fred.data.values()), stamp

            def work() -> None:
                for item in series:
                    cache.save_series(item, series_at)

        elif kind == "holdings" and self.holdings is not None:
            h = self.holdings
            save_holdings = getattr(cache, "save_holdings", None)
            stamp = _saved_as_of(h.health)
            if stamp and h.constituents and save_holdings:
                members, as_of = h.constituents, h.as_of

                def work() -> None:
                    save_holdings(UNIVERSE, members, as_of, stamp)

        elif kind == "quotes" and (
            self._last_quote_save is None or now - self._last_quote_save >= QUOTE_SAVE_EVERY
        ):
            self._last_quote_save = now
            quotes = list(self.yahoo.quotes.values())

            def work() -> None:
                cache.save_quotes(quotes, now)

        if work is None:
            return
        task = asyncio.create_task(self._save(kind, work), name=f"rotmon-cache-{kind}")
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    def _save_fund_pe(self, cache: LiveCache, now: datetime) -> None:
        """Write the P/E rows that changed (a day's quote value, a fetched one)."""
        save_fund_pe = getattr(cache, "save_fund_pe", None)
        if not callable(save_fund_pe):
            return
        self.pe_book.observe_quotes(self.yahoo.quotes)
        rows = self.pe_book.take_dirty()
        if not rows:
            return

        def work() -> None:
            save_fund_pe(rows, now)

        task = asyncio.create_task(self._save("fundpe", work), name="rotmon-cache-fundpe")
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def _save(self, kind: str, work: Callable[[], None]) -> None:
        try:
            await asyncio.to_thread(work)
            self._problems.pop(f"cache-{kind}", None)
        except Exception as exc:  # a full disk shows as a problem, the data stays on screen
            self._problems[f"cache-{kind}"] = (
                f"cache: cannot save {kind} ({describe_exception(exc)})"
            )

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait for running refreshes and cache writes (one-shot commands, tests)."""
        pending = set(self._tasks.values()) | set(self._saving)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        pending = set(self._saving)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    # -- composing MarketData ---------------------------------------------------------------

    def _price_series(self, symbol: str, bars: Bars, live_day: date | None) -> pd.Series:
        """The adjusted closes, with today's live last as the last row while the market is
        open (replacing a partial bar for today, or appended). Cached: a new quote only
        rebuilds one float array on a precomputed index, which keeps a poll cycle cheap."""
        quote = self.yahoo.quotes.get(symbol)
        use = (
            quote is not None
            and live_day is not None
            and quote.time.astimezone(NY).date() == live_day
        )
        key = (bars, quote.price if use and quote else None, live_day)  # Bars compare by identity
        hit = self._price_cache.get(symbol)
        if hit is not None and hit[0] == key:
            return hit[1]
        base = self._price_base.get(symbol)
        if base is None or base[0] is not bars or base[1] != live_day:
            close = bars.close.rename(symbol)
            index, values, live = close.index, close.to_numpy(dtype="float64", copy=True), False
            if live_day is not None and len(index):
                day = pd.Timestamp(live_day)
                if index[-1] < day:
                    index = index.append(pd.DatetimeIndex([day]))
                    values = np.append(values, np.nan)
                    live = True
                elif index[-1] == day:
                    live = True
            base = (bars, live_day, close, index, values, live)
            self._price_base[symbol] = base
        _, _, close, index, values, live = base
        if use and live and quote is not None:
            filled = values.copy()
            filled[-1] = quote.price
            series = pd.Series(filled, index=index, name=symbol, copy=False)
        else:
            series = close
        self._price_cache[symbol] = (key, series)
        return series

    def _constituent_rows(self) -> tuple[Constituent, ...]:
        h = self.holdings
        if h is None or not h.constituents:
            return ()
        key = (id(h.constituents), self.yahoo.version)
        if key == self._constituents_key:
            return self._constituents
        quotes = self.yahoo.quotes
        rows = tuple(
            replace(c, last=q.price, change_pct=q.change_pct)
            if (q := quotes.get(c.symbol)) is not None
            else c
            for c in h.constituents
        )
        self._constituents_key = key
        self._constituents = rows
        return rows

    def _statuses(self, now: datetime) -> tuple[SourceHealth, ...]:
        y = self.yahoo
        stream = (
            y.stream.state(now)
            if y.stream is not None
            else SourceHealth("stream", "off", detail="streaming disabled")
        )
        holdings = (
            self.holdings.status(now)
            if self.holdings is not None
            else SourceHealth("holdings", "off", detail="holdings disabled")
        )
        return (y.status(now), stream, self.fred.status(now), holdings)

    def _compose(self, now: datetime) -> MarketData:
        y = self.yahoo
        live_day = now.astimezone(NY).date() if self.market_state(now) == "open" else None
        prices: dict[str, pd.Series] = {}
        broken: list[str] = []
        for symbol, bars in y.bars.items():
            try:
                prices[symbol] = self._price_series(symbol, bars, live_day)
            except Exception as exc:  # one odd frame must not take the others down
                broken.append(f"{symbol}: cannot use its bars ({describe_exception(exc)})")
        statuses = self._statuses(now)
        problems = [*self._problems.values(), *y.problems.values(), *self.fred.problems, *broken]
        if self.holdings is not None:
            problems.extend(self.holdings.problems)
        if not prices and not self.fred.data and all(s.state == "failing" for s in statuses[:1]):
            # no retry time in the words: they would change with every retry and toast again
            # (the status bar counts down to the next try)
            problems.insert(0, "live: no cached data and no connection yet; retrying")
        self.pe_book.observe_quotes(y.quotes)
        return MarketData(
            source="live",
            asof=now,
            valuations=self.pe_book.frames(),
            prices=prices,
            macro=dict(self.fred.data),
            quotes=dict(y.quotes),
            constituents=self._constituent_rows(),
            statuses=statuses,
            problems=tuple(dict.fromkeys(problems)),
        )


def _adopt_cached(
    into: dict[str, Any],
    cached: Mapping[str, Any],
    health: HealthRecord,
    age: Callable[[Iterable[datetime]], datetime],
) -> None:
    """Cached values where nothing fresher has arrived yet; ``health`` shows their age."""
    for key, item in cached.items():
        into.setdefault(key, item.value)
    if cached:
        health.restore(age(item.fetched_at for item in cached.values()))
        health.cache_hit(len(cached))


def _saved_as_of(health: HealthRecord) -> datetime | None:
    """The fetch time to save the data under, or None when the last refresh failed (the data
    is then what was loaded from the cache or saved before: nothing new to write)."""
    return health.last_success if health.consecutive_failures == 0 else None
