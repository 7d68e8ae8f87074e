"""Yahoo Finance through yfinance: batched daily history, streamed and polled quotes, details.

yfinance is imported lazily inside the functions that need it, so ``--demo`` never loads it
(nor curl_cffi). All blocking yfinance work runs in this source's own worker threads; the event
loop only schedules, merges and reports.

The Yahoo modules: ``yahoowire`` (hosts, routes, the recording session, the lazy yfinance
import), ``yahooquotes`` (Yahoo's answers as rotmon's types, pure), ``yahoostream`` (the pricing
websocket) and this one, ``YahooSource``. It is over 600 lines because ``YahooSource`` is one
class: history, quotes and details share its schedules, health and cache, and splitting the
class would scatter that state. The names the rest of rotmon imports from here still work.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time as _time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote as _urlquote

from analytics.health import SourceHealth, worst_state
from data_sources.aio import within
from data_sources.clock import NY, utc_now
from data_sources.fundpe import SUMMARY_MODULES, SUMMARY_URL, FundPE, pe_from_summary
from data_sources.httpclient import (
    Limits,
    RateGate,
    RateLimited,
)
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.model import Bars, Quote
from data_sources.polling import (
    Backoff,
    Circuit,
    HealthRecord,
    MarketStateFn,
    default_market_state,
    describe_exception,
    one_line,
    quote_interval,
)
from data_sources.yahooquotes import (
    _STATIC,
    _host_trouble,
    _info_price,
    bars_from_download,
    chunks,
    details_from_info,
    merge_quote,
    quote_from_v7,
)
from data_sources.yahooquotes import quote_from_stream as quote_from_stream
from data_sources.yahoostream import QuoteStream
from data_sources.yahoowire import (
    CLOSE_SETTLE,
    DEFAULT_STREAM_URL,
    MAX_BATCH,
    MAX_BODY,
    QUOTE_URL,
    Backend,
    Clock,
    Exchange,
    HistoryResult,
    QuoteResult,
    Wiretap,
    _Collect,
    _is_transient,
    _quiet_yfinance,
    _yfinance,
    make_session,
)
from data_sources.yahoowire import route_url as route_url
from data_sources.yahoowire import routes_to as routes_to

# -- the source -------------------------------------------------------------------------------


class YahooSource:
    """Daily history, quotes and details for a set of symbols; state lives on the event loop.

    ``refresh_history``, ``poll_quotes`` and ``details`` each run their yfinance call in a
    worker thread and fold the result in; ``start_stream`` keeps the websocket connected.
    ``set_hot`` names the symbols a screen shows: those are polled every 15 s while the market
    is open and the stream is down or silent; every other symbol every 5 minutes.
    """

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        routes: Mapping[str, str] | None = None,
        backend: Backend = "curl",
        stream_url: str | None = DEFAULT_STREAM_URL,
        timeout: float = 10.0,
        history_timeout: float = 180.0,
        max_bytes: int = MAX_BODY,
        period: str = "2y",
        batch_size: int = MAX_BATCH,
        download_threads: int = 4,
        silence_s: float = 30.0,
        clock: Clock = utc_now,
        market_state: MarketStateFn = default_market_state,
        backoff: Callable[[], Backoff] | None = None,
        circuit_threshold: int = 3,
        on_change: Callable[[], None] | None = None,
        intervals: PollIntervals = DEFAULT_INTERVALS,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        self.symbols: tuple[str, ...] = tuple(dict.fromkeys(symbols))
        self.routes = dict(routes or {})
        self.backend: Backend = backend
        self.timeout = timeout
        self.history_timeout = history_timeout
        self.period = period
        self.batch_size = batch_size
        self.download_threads = download_threads
        self.clock = clock
        self.market_state = market_state
        self.intervals = intervals
        self.on_change: Callable[[], None] = on_change or (lambda: None)
        new_backoff = backoff or (lambda: Backoff.capped(5.0, intervals.backoff_max))
        self.circuit = Circuit("yahoo", threshold=circuit_threshold)
        self.history_health = HealthRecord(
            # Re-downloads follow the closes (history_due); the week is only a safety net.
            "yahoo-history",
            timedelta(days=7),
            backoff=new_backoff(),
            circuit=self.circuit,
        )
        self.quote_health = HealthRecord(
            "yahoo-quotes", self._quote_interval, backoff=new_backoff(), circuit=self.circuit
        )
        self.details_health = HealthRecord(
            "yahoo-details", timedelta(hours=1), backoff=new_backoff(), circuit=self.circuit
        )
        self.wiretap = Wiretap()
        self.max_bytes = max_bytes
        # One gate for all of Yahoo: a 429 to any request stops history, quotes and details.
        self.gate = RateGate()
        self.bars: dict[str, Bars] = {}
        self.quotes: dict[str, Quote] = {}
        self.problems: dict[str, str] = {}
        self.hot: frozenset[str] = frozenset()
        self._next_poll: dict[str, datetime] = {}
        self._details_at: dict[str, datetime] = {}
        self._history_retry: set[str] = set()
        self._history_close: date | None = None
        self._session: Any = None
        self._session_lock = threading.Lock()
        # History, quotes and details each get a worker, so a slow download never holds up
        # a quote poll.
        self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="rotmon-yahoo")
        self._downloading = 0  # downloads still running in a thread (maybe abandoned)
        self._closed = False
        self.stream: QuoteStream | None = (
            QuoteStream(
                stream_url,
                self._stream_quote,
                silence_s=silence_s,
                connect_timeout_s=timeout,
                clock=clock,
                market_state=market_state,
                on_change=self._stream_changed,
            )
            if stream_url
            else None
        )
        self.version = 0
        """Bumped on every change of bars or quotes (cheap change detection for the caller)."""

    # -- plumbing ---------------------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        self.on_change()

    def _stream_changed(self) -> None:
        if self.stream is not None and not self.stream.live:
            # The stream went away: hot symbols are due for polling now.
            now = self.clock()
            for symbol in self.hot:
                self._next_poll[symbol] = min(self._next_poll.get(symbol, now), now)
        self.on_change()

    def _stream_quote(self, quote: Quote) -> None:
        self.quotes[quote.symbol] = merge_quote(self.quotes.get(quote.symbol), quote)
        self._changed()

    def _ensure_session(self) -> Any:
        """Our session installed in yfinance's process-wide ``YfData`` (worker thread)."""
        with self._session_lock:
            YfData = _yfinance().data.YfData

            _quiet_yfinance()
            if self._session is None:
                self._session = make_session(
                    routes=self.routes,
                    backend=self.backend,
                    timeout=self.timeout,
                    wiretap=self.wiretap,
                    gate=self.gate,
                    limits=Limits(deadline=self.timeout, max_bytes=self.max_bytes),
                )
            data = YfData(session=self._session)
            if getattr(data, "_session", None) is not self._session:  # pragma: no cover
                data._set_session(self._session)
            if getattr(data, "_rotmon_session", None) is not self._session:
                # The cookie and crumb belong to the session they came with.
                data._rotmon_session = self._session
                if hasattr(data, "_crumb"):
                    data._crumb = None
                if hasattr(data, "_cookie"):
                    data._cookie = None
            return data

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _quote_interval(self, now: datetime) -> timedelta:
        fast = quote_interval(now, self.market_state, self.intervals)
        if self.hot and not (self.stream is not None and self.stream.live):
            return fast
        return self.intervals.quotes(market_open=False)

    def warm_calendar(self, now: datetime) -> None:
        """Build the market calendar's tables (slow the first time); call from a thread."""
        self.market_state(now)
        _last_close_day(now, self.market_state)

    def refresh_now(self, now: datetime) -> None:
        """Everything due at once (the `r` key): the backoff is skipped, not the circuit."""
        for health in (self.history_health, self.quote_health):
            health.next_retry = None
            health.next_due = now
        for symbol in self._next_poll:
            self._next_poll[symbol] = now

    def set_hot(self, symbols: Iterable[str]) -> None:
        """The symbols a screen shows now; they are refreshed at the fast interval."""
        hot = frozenset(symbols)
        added = hot - self.hot
        self.hot = hot
        now = self.clock()
        for symbol in added:
            # Newly shown symbols are polled at once unless they were polled very recently.
            due = self._next_poll.get(symbol)
            if due is None or due - now > quote_interval(now, self.market_state, self.intervals):
                self._next_poll[symbol] = now
        if self.stream is not None:
            self.stream.set_symbols(set(self.symbols) | hot)

    def start_stream(self) -> None:
        if self.stream is not None:
            self.stream.set_symbols(set(self.symbols) | set(self.hot))
            self.stream.start()

    async def aclose(self) -> None:
        self._closed = True
        if self.stream is not None:
            await self.stream.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- history ----------------------------------------------------------------------------

    def history_due(self, now: datetime) -> bool:
        """At start, once after each close (when the daily bar is final), else weekly."""
        h = self.history_health
        if h.in_flight or self._downloading:
            # A download abandoned after its time limit may still run in its thread.
            return False
        if h.last_success is not None and h.next_retry is None:
            close_day = _last_close_day(now, self.market_state)
            if close_day is not None and close_day != self._history_close:
                h.schedule(now)
        return h.due(now)

    def _download_sync(self, symbols: list[str]) -> HistoryResult:
        self._downloading += 1
        try:
            return self._download_batches(symbols)
        finally:
            self._downloading -= 1

    def _download_batches(self, symbols: list[str]) -> HistoryResult:
        yf = _yfinance()
        YfData = yf.data.YfData

        self._ensure_session()
        # yfinance memoises some chart answers for the whole process, error pages included;
        # a fresh round must not inherit a 5xx from an earlier one.
        YfData.cache_get.cache_clear()
        collect = _Collect()
        logger = logging.getLogger("yfinance")
        logger.addHandler(collect)
        mark = self.wiretap.mark()
        started = _time.perf_counter()
        result = HistoryResult()
        try:
            for batch in chunks(symbols, self.batch_size):
                data = yf.download(
                    batch,
                    period=self.period,
                    interval="1d",
                    auto_adjust=True,
                    actions=False,
                    threads=max(1, min(self.download_threads, len(batch))),
                    group_by="ticker",
                    progress=False,
                    timeout=self.timeout,
                    session=self._session,
                    multi_level_index=True,
                )
                got = bars_from_download(data, batch)
                result.bars.update(got)
                if not got and len(batch) > 1:
                    # A whole batch failing means the host is unhappy: spare it the rest.
                    result.failed.update({s: "" for s in symbols if s not in result.bars})
                    break
        finally:
            logger.removeHandler(collect)
        result.latency_s = _time.perf_counter() - started
        exchanges = self.wiretap.since(mark)
        shut = self.gate.remaining()  # a 429 in this round: what yfinance never sent is why
        for symbol in symbols:
            if symbol in result.bars:
                continue
            reason = _history_reason(symbol, exchanges, collect.lines)
            if shut is not None and "HTTP" not in reason:
                reason = str(RateLimited(shut))
            result.failed[symbol] = reason
        retry = [x.retry_after for x in exchanges if x.retry_after is not None]
        retry += [shut] if shut is not None else []
        result.retry_after = max(retry) if retry else None
        return result

    async def refresh_history(self, now: datetime | None = None) -> bool:
        """Download daily history (all symbols, or those a transient failure left out).
        Returns True when at least one symbol arrived; failures become health, never raise."""
        now = now or self.clock()
        h = self.history_health
        wanted = sorted(self._history_retry) if self._history_retry else list(self.symbols)
        if not wanted:
            return False
        h.started(now)
        try:
            result: HistoryResult = await within(
                self._run(self._download_sync, wanted), self.history_timeout
            )
        except asyncio.CancelledError:
            h.cancelled()
            raise
        except Exception as exc:
            h.failed(self.clock(), f"history: {describe_exception(exc)}")
            self._changed()
            return False
        done = self.clock()
        if result.bars:
            self.bars.update(result.bars)
            for symbol in result.bars:
                self.problems.pop(symbol, None)
            h.succeeded(done, result.latency_s)
            self._history_close = _last_close_day(done, self.market_state)
            self._history_retry = {s for s, r in result.failed.items() if _is_transient(r)}
            for symbol, reason in result.failed.items():
                self.problems[symbol] = f"{symbol}: no daily history ({reason})"
            if self._history_retry:
                # Retry what a rate limit or outage left out well before tomorrow.
                delay = max(result.retry_after or 0.0, 60.0)
                h.next_due = done + timedelta(seconds=delay)
            self._changed()
            return True
        reasons = [r for r in result.failed.values() if r]
        reason = max(set(reasons), key=reasons.count) if reasons else "no data"
        h.failed(
            done, f"history: {reason}", retry_after=result.retry_after, latency_s=result.latency_s
        )
        self._changed()
        return False

    async def history_for(self, symbol: str) -> Bars | None:
        """Daily bars of one symbol (the symbol screen), downloaded once when not yet known."""
        if symbol in self.bars:
            return self.bars[symbol]
        now = self.clock()
        if not self.circuit.allow(now) and self.circuit.state == "open":
            return None
        try:
            result: HistoryResult = await within(
                self._run(self._download_sync, [symbol]), self.history_timeout
            )
        except Exception as exc:
            self.problems[symbol] = f"{symbol}: {describe_exception(exc)}"
            return None
        if symbol in result.bars:
            self.bars[symbol] = result.bars[symbol]
            self._changed()
            return result.bars[symbol]
        self.problems[symbol] = f"{symbol}: no daily history ({result.failed.get(symbol)})"
        return None

    # -- quotes -----------------------------------------------------------------------------

    def quotes_due(self, now: datetime) -> list[str]:
        """The symbols whose quote poll is due at ``now`` (hot ones first), or [] when the
        backoff or the circuit says wait."""
        h = self.quote_health
        if h.in_flight:
            return []
        wanted = list(dict.fromkeys([*sorted(self.hot), *self.symbols]))
        due = [s for s in wanted if self._poll_due(s, now)]
        if not due:
            return []
        h.next_due = None  # per-symbol schedule decides; the health keeps backoff and circuit
        return due if h.due(now) else []

    def _poll_due(self, symbol: str, now: datetime) -> bool:
        when = self._next_poll.get(symbol)
        if when is None:
            return True
        # After a backward clock jump the stored time may lie far ahead: poll anyway.
        return now >= when or when - now > self.intervals.quotes(market_open=False) * 2

    def _quotes_sync(self, symbols: list[str]) -> QuoteResult:
        data = self._ensure_session()
        result = QuoteResult()
        started = _time.perf_counter()
        mark = self.wiretap.mark()
        for batch in chunks(symbols, self.batch_size):
            try:
                payload = data.get_raw_json(
                    QUOTE_URL,
                    params={
                        "symbols": ",".join(batch),
                        "formatted": "false",
                        "lang": "en-US",
                        "region": "US",
                    },
                    timeout=self.timeout,
                )
            except Exception as exc:
                exchanges = self.wiretap.since(mark)
                # the server's own answer first (a 429 page), not the requests it stopped
                http = [x for x in exchanges if x.error and x.status is not None] or [
                    x for x in exchanges if x.error
                ]
                result.error = f"quotes: {http[-1].error if http else describe_exception(exc)}"
                retry = [x.retry_after for x in exchanges if x.retry_after is not None]
                result.retry_after = max(retry) if retry else None
                break
            items = _quote_items(payload)
            if items is None:
                result.error = "quotes: unexpected answer (no quoteResponse.result list)"
                break
            for item in items:
                quote = quote_from_v7(item) if isinstance(item, Mapping) else None
                if quote is not None and quote.symbol in batch:
                    result.quotes[quote.symbol] = quote
            result.missing.extend(s for s in batch if s not in result.quotes)
        result.latency_s = _time.perf_counter() - started
        return result

    async def poll_quotes(self, now: datetime | None = None, symbols: Sequence[str] = ()) -> bool:
        """Poll the v7 quote endpoint (batches of <= 50) for ``symbols`` or whatever is due."""
        now = now or self.clock()
        wanted = list(symbols) or self.quotes_due(now)
        if not wanted:
            return False
        h = self.quote_health
        h.started(now)
        try:
            result: QuoteResult = await within(
                self._run(self._quotes_sync, wanted), self.timeout * (len(wanted) // 50 + 3)
            )
        except asyncio.CancelledError:
            h.cancelled()
            raise
        except Exception as exc:
            h.failed(self.clock(), f"quotes: {describe_exception(exc)}")
            self._changed()
            return False
        done = self.clock()
        for symbol, quote in result.quotes.items():
            self.quotes[symbol] = merge_quote(self.quotes.get(symbol), quote)
            self.problems.pop(f"quote:{symbol}", None)
        for symbol in result.missing:
            if result.error is None:
                self.problems[f"quote:{symbol}"] = f"{symbol}: Yahoo returned no quote"
        if result.error and not result.quotes:
            h.failed(done, result.error, retry_after=result.retry_after, latency_s=result.latency_s)
            self._changed()
            return False
        fast = quote_interval(done, self.market_state, self.intervals)
        slow = self.intervals.quotes(market_open=False)
        stream_live = self.stream is not None and self.stream.live
        for symbol in wanted:
            if symbol in result.quotes or symbol in result.missing:
                hot = symbol in self.hot and not stream_live
                self._next_poll[symbol] = done + (fast if hot else slow)
        h.succeeded(done, result.latency_s)
        if self._next_poll:
            h.next_due = min(self._next_poll.values())
        self._changed()
        return True

    # -- details ----------------------------------------------------------------------------

    def _details_sync(self, symbol: str) -> dict[str, Any]:
        """``Ticker.info`` (quoteSummary, v7 quote and a fundamentals time series). When that
        fails - ``info`` raises on any malformed part - the v7 quote alone still carries
        P/E and the 52-week range."""
        yf = _yfinance()

        self._ensure_session()
        mark = self.wiretap.mark()
        first: str | None = None
        try:
            info = dict(yf.Ticker(symbol, session=self._session).info or {})
        except Exception as exc:
            first = describe_exception(exc)
        else:
            if _info_price(info) is not None:  # what details_from_info needs
                return info
            # With its default settings yfinance swallows error pages and returns what little
            # it has: no price means the v7 quote alone must answer, or say why it cannot.
        result = self._quotes_sync([symbol])
        item = result.quotes.get(symbol)
        if item is None:
            exchanges = self.wiretap.since(mark)
            trouble = [x.error for x in exchanges if x.error and _host_trouble(x.status)]
            if trouble or result.error:
                raise RuntimeError(trouble[-1] if trouble else result.error)
            if first is not None and not any(x.status == 404 for x in exchanges):
                raise RuntimeError(first)
            return {}  # Yahoo answered and knows nothing of the symbol: not a failing host
        return {
            "regularMarketPrice": item.price,
            "regularMarketTime": item.time.timestamp(),
            "trailingPE": item.trailing_pe,
            "forwardPE": item.forward_pe,
            "fiftyTwoWeekLow": item.year_low,
            "fiftyTwoWeekHigh": item.year_high,
            "shortName": item.name,
        }

    async def details(self, symbol: str, now: datetime | None = None) -> Quote | None:
        """The quote of ``symbol`` with P/E and 52-week range, fetched (``Ticker.info``) at
        most once an hour per symbol; None when Yahoo has nothing."""
        now = now or self.clock()
        last = self._details_at.get(symbol)
        if last is not None and now - last < timedelta(hours=1):
            self.details_health.cache_hit()
            return self.quotes.get(symbol)
        if not self.circuit.allow(now) and self.circuit.state == "open":
            return self.quotes.get(symbol)
        h = self.details_health
        h.started(now)
        started = _time.perf_counter()
        try:
            info = await within(self._run(self._details_sync, symbol), self.timeout * 4)
        except Exception as exc:
            h.failed(self.clock(), f"details {symbol}: {describe_exception(exc)}")
            return self.quotes.get(symbol)
        done = self.clock()
        h.succeeded(done, _time.perf_counter() - started)
        self._details_at[symbol] = done
        extra = details_from_info(symbol, info, done)
        if extra is not None:
            old = self.quotes.get(symbol)
            if old is None:
                self.quotes[symbol] = extra
            else:
                fill = {k: getattr(extra, k) for k in _STATIC if getattr(extra, k) is not None}
                self.quotes[symbol] = replace(old, **fill)
            self._changed()
        return self.quotes.get(symbol)

    # -- fund P/E (SPEC 11) ---------------------------------------------------------------------

    def _fund_pe_sync(self, symbol: str) -> FundPE | None:
        data = self._ensure_session()
        payload = data.get_raw_json(
            SUMMARY_URL.format(symbol=_urlquote(symbol, safe="")),
            params={"modules": SUMMARY_MODULES, "formatted": "false", "lang": "en-US"},
            timeout=self.timeout,
        )
        return pe_from_summary(symbol, payload)

    async def fund_pe(self, symbol: str) -> FundPE | None:
        """The fund's P/E from its quoteSummary holdings statistics (``equityHoldings``, an
        earnings yield), else its ``summaryDetail``; None when Yahoo has neither. Raises on a
        failed request (the caller records it)."""
        return await within(self._run(self._fund_pe_sync, symbol), self.timeout * 3)

    # -- reporting --------------------------------------------------------------------------

    def status(self, now: datetime) -> SourceHealth:
        """One ``yahoo`` status from the history and quote records."""
        parts = [self.history_health, self.quote_health]
        states = [p.state(now) for p in parts]
        state = worst_state(states)
        worst = parts[states.index(state)]
        successes = [p.last_success for p in parts if p.last_success is not None]
        detail = (
            f"{len(self.bars)}/{len(self.symbols)} histories, {len(self.quotes)} quotes,"
            f" {len(self.hot)} hot"
        )
        return SourceHealth(
            name="yahoo",
            state=state,
            last_success=max(successes) if successes else None,
            error=worst.last_error,
            next_retry=worst.next_retry if worst.consecutive_failures else None,
            detail=detail,
        )


def _quote_items(payload: Any) -> list[Any] | None:
    if not isinstance(payload, Mapping):
        return None
    inner = payload.get("quoteResponse")
    if not isinstance(inner, Mapping):
        return None
    items = inner.get("result")
    if items is None:
        return []
    return items if isinstance(items, list) else None


def _history_reason(symbol: str, exchanges: list[Exchange], lines: list[str]) -> str:
    """Why ``symbol`` has no history: the HTTP answer to its chart request when that failed
    (yfinance reports any failure as "possibly delisted"), else yfinance's own words."""
    tails = {f"/v8/finance/chart/{symbol}", f"/v8/finance/chart/{_urlquote(symbol, safe='')}"}
    mine = [x for x in exchanges if any(x.url.endswith(t) for t in tails)]
    for x in reversed(mine):
        if x.error:
            return x.error
    crumbs = [x for x in exchanges if x.error and "getcrumb" in x.url]
    if not mine and crumbs:
        return crumbs[-1].error or "no data"
    for line in reversed(lines):
        if symbol in line or symbol.upper() in line:
            text = line.split(": ", 1)[1] if ": " in line else line
            return one_line(text.replace(f"${symbol}: ", ""), 120)
    return "no data"


def _last_close_day(now: datetime, market_state: MarketStateFn) -> date | None:
    """The NY date of the most recent session close (plus ``CLOSE_SETTLE``) at or before
    ``now``; None when the calendar cannot say."""
    try:
        from data_sources.market_calendar import is_session, previous_session, session_open_close
    except ImportError:  # pragma: no cover - the calendar is part of the package
        return None
    local = now.astimezone(NY)
    today = local.date()
    try:
        if is_session(today):
            _, close = session_open_close(today)
            if local >= close + CLOSE_SETTLE:
                return today
        return previous_session(today)
    except Exception:  # a calendar outside its range must not stop the polling
        return None
