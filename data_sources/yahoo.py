"""Yahoo Finance through yfinance: batched daily history, streamed and polled quotes, details.

yfinance is imported lazily inside the functions that need it, so ``--demo`` never loads it
(nor curl_cffi). All blocking yfinance work runs in this source's own worker threads; the event
loop only schedules, merges and reports.

How requests reach Yahoo: yfinance keeps one process-wide ``YfData`` with one session. We hand it
our own session (a subclass of curl_cffi's or requests' ``Session``) whose transport can rewrite
``https://query1.finance.yahoo.com`` and the other Yahoo hosts to any base URL (``routes``) -
the tests point them at a loopback server - and which records every exchange (status, latency,
Retry-After, a short reason) for the diagnostics.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import threading
import time as _time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import quote as _urlquote
from urllib.parse import urljoin, urlsplit

import numpy as np
import pandas as pd

from data_sources.clock import NY, utc_now
from data_sources.fundpe import SUMMARY_MODULES, SUMMARY_URL, FundPE, pe_from_summary
from data_sources.httpclient import (
    REDIRECT_STATUSES,
    BodyTooLarge,
    DeadlineExceeded,
    Limits,
    RateGate,
    RateLimited,
    RedirectRefused,
    same_host,
)
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.model import Bars, Quote, SourceStatus
from data_sources.polling import (
    Backoff,
    Circuit,
    MarketStateFn,
    SourceHealth,
    default_market_state,
    describe_exception,
    http_error,
    one_line,
    parse_retry_after,
    quote_interval,
)

DEFAULT_STREAM_URL = "wss://streamer.finance.yahoo.com/?version=2"
QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
YAHOO_HOSTS: tuple[str, ...] = (
    "query1.finance.yahoo.com",
    "query2.finance.yahoo.com",
    "fc.yahoo.com",
    "guce.yahoo.com",
    "consent.yahoo.com",
    "finance.yahoo.com",
)
"""Every host yfinance contacts for history, quotes, details and its cookie and crumb."""

CLOSE_SETTLE = timedelta(minutes=20)
"""History is downloaded again this long after each close, once Yahoo's daily bar is final."""

MAX_BODY = 8 << 20
"""Bytes one Yahoo answer may have: 25 years of daily bars of a symbol are < 1 MB, a v7 quote
batch of 50 symbols ~150 KB."""

MAX_BATCH = 50
"""Yahoo answers larger batches with 429s (issue 7)."""

Backend = Literal["curl", "requests"]
Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


def routes_to(base_url: str, hosts: Iterable[str] = YAHOO_HOSTS) -> dict[str, str]:
    """A ``routes`` mapping that sends every Yahoo host to ``base_url`` (e.g. a loopback)."""
    base = base_url.rstrip("/")
    return {host: base for host in hosts}


def route_url(url: str, routes: Mapping[str, str] | None) -> str:
    """``url`` with its scheme and host replaced by the base URL routed for that host."""
    if not routes:
        return url
    parts = urlsplit(url)
    base = routes.get(parts.hostname or "")
    if base is None:
        return url
    rest = url[len(f"{parts.scheme}://{parts.netloc}") :]
    return base.rstrip("/") + (rest or "/")


# -- the wire ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request as seen by the session (the URL without its query)."""

    time: datetime
    method: str
    url: str
    status: int | None
    latency_s: float
    retry_after: float | None = None
    error: str | None = None


class Wiretap:
    """A thread-safe record of the most recent exchanges (yfinance's threads write here)."""

    def __init__(self, size: int = 512) -> None:
        self._lock = threading.Lock()
        self._items: deque[Exchange] = deque(maxlen=size)
        self.total = 0

    def record(self, item: Exchange) -> None:
        with self._lock:
            self._items.append(item)
            self.total += 1

    def mark(self) -> int:
        with self._lock:
            return self.total

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            n = self.total - mark
            return list(self._items)[-n:] if n > 0 else []


def _curl_code(exc: BaseException) -> int | None:
    """libcurl's error code carried by a curl_cffi exception, if any."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


def _response_error(resp: Any) -> tuple[str | None, float | None]:
    status = int(resp.status_code)
    retry = parse_retry_after(resp.headers.get("Retry-After"), utc_now())
    if status < 400:
        return None, retry
    try:
        body = resp.text[:4000]
    except Exception:  # a body that cannot be decoded is still an error page
        body = None
    return http_error(status, body, resp.headers.get("Content-Type")), retry


def _redirect(method: str, url: str, resp: Any) -> tuple[str, str] | None:
    """(method, absolute URL) a redirect answer points to, or None when it is not one."""
    if int(resp.status_code) not in REDIRECT_STATUSES:
        return None
    location = resp.headers.get("Location")
    if not location:
        return None
    status = int(resp.status_code)
    if status == 303 or (status in (301, 302) and method.upper() == "POST"):
        method = "GET"
    return method, urljoin(url, location)


def _bounded_body(resp: Any, limits: Limits, started: float) -> None:
    """Read a streamed ``requests`` answer within ``limits`` (its timeout bounds each read
    only) and keep it as the response's content."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        resp.close()
        raise BodyTooLarge(limits.max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > limits.max_bytes or _time.perf_counter() - started > limits.deadline:
                chunks.clear()  # a traceback kept by yfinance must not pin the body
                if size > limits.max_bytes:
                    raise BodyTooLarge(limits.max_bytes)
                raise DeadlineExceeded(limits.deadline)
            chunks.append(chunk)
    finally:
        resp.close()
    resp._content = b"".join(chunks)
    resp._content_consumed = True


def make_session(
    *,
    routes: Mapping[str, str] | None = None,
    backend: Backend = "curl",
    timeout: float = 10.0,
    wiretap: Wiretap | None = None,
    gate: RateGate | None = None,
    limits: Limits | None = None,
) -> Any:
    """A yfinance-compatible session: curl_cffi (browser TLS, what yfinance uses itself) or
    requests. Every request's timeout is capped at ``timeout`` (yfinance asks for 30 s for
    its cookie and crumb) and its host is rewritten by ``routes``.

    Bounded as the httpx sources are (data_sources/httpclient.py): the whole request within
    ``limits.deadline`` (curl's timeout is already the whole transfer; ``requests`` reads the
    body streamed against the clock), the body within ``limits.max_bytes`` (curl's
    MAXFILESIZE aborts a transfer that passes it), redirects followed here and only on the
    same host (a refused one is returned unfollowed: yfinance's cookie dance reads its
    cookies), and ``gate``: after a 429 no request leaves until its Retry-After has passed -
    yfinance's own retries and crumb fetches included."""
    tap = wiretap if wiretap is not None else Wiretap()
    table = dict(routes or {})
    gate = gate if gate is not None else RateGate()
    bounds = limits if limits is not None else Limits(deadline=timeout, max_bytes=MAX_BODY)

    def observe(method: str, url: str, call: Callable[[], Any]) -> Any:
        started = _time.perf_counter()
        when = utc_now()
        short = url.split("?", 1)[0]

        def failed(exc: BaseException) -> None:
            tap.record(
                Exchange(
                    when,
                    method,
                    short,
                    None,
                    _time.perf_counter() - started,
                    getattr(exc, "retry_after", None),  # RateLimited: what is left of the wait
                    describe_exception(exc),
                )
            )

        too_large = False
        try:
            gate.check()
            resp = call()
        except Exception as exc:
            if _curl_code(exc) != 63:  # not CURLE_FILESIZE_EXCEEDED
                failed(exc)
                raise
            too_large = True
        if too_large:
            # Raised here, outside the handler: curl's exception (its frames hold the partial
            # body) is not chained to ours, so it is freed now, not when yfinance lets go.
            too_big = BodyTooLarge(bounds.max_bytes)
            failed(too_big)
            raise too_big
        gate.saw(int(resp.status_code), resp.headers)
        error, retry = _response_error(resp)
        tap.record(
            Exchange(
                when,
                method,
                short,
                int(resp.status_code),
                _time.perf_counter() - started,
                retry,
                error,
            )
        )
        return resp

    def capped(kwargs: dict[str, Any]) -> dict[str, Any]:
        t = kwargs.get("timeout")
        if not isinstance(t, int | float) or t <= 0 or t > timeout:
            kwargs["timeout"] = timeout
        kwargs["allow_redirects"] = False  # followed by ``follow``, same host only
        return kwargs

    def follow(method: str, url: str, send: Callable[[str, str], Any]) -> Any:
        """Send, then follow redirects that stay on the host (at most 5)."""
        resp = observe(method, url, lambda: send(method, url))
        for _ in range(5):
            nxt = _redirect(method, url, resp)
            if nxt is None:
                return resp
            if not same_host(url, nxt[1]):
                refused = RedirectRefused(url, nxt[1])
                tap.record(
                    Exchange(
                        utc_now(), method, nxt[1].split("?", 1)[0], None, 0.0, None, str(refused)
                    )
                )
                return resp
            method, url = nxt
            resp = observe(method, url, functools.partial(send, method, url))
        return resp

    if backend == "curl":
        from curl_cffi import CurlOpt
        from curl_cffi import requests as curl_requests
        from curl_cffi.curl import CURL_WRITEFUNC_ERROR

        class CurlSession(curl_requests.Session):  # type: ignore[misc]
            def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> Any:
                kw = capped(kwargs)

                def send(verb: str, to: str) -> Any:
                    if verb != str(method):
                        kw.pop("data", None)
                        kw.pop("json", None)
                    target = route_url(to, table)
                    # The body is gathered here, not in curl_cffi's growing BytesIO (each
                    # realloc of which left its copy in a thread's malloc arena), and the
                    # transfer is aborted as soon as it passes the cap.
                    chunks: list[bytes] = []
                    size = 0

                    def write(chunk: bytes) -> int:
                        nonlocal size
                        size += len(chunk)
                        if size > bounds.max_bytes:
                            chunks.clear()
                            return CURL_WRITEFUNC_ERROR
                        chunks.append(chunk)
                        return len(chunk)

                    over = False
                    try:
                        resp = super(CurlSession, self).request(
                            cast(Any, verb), target, *args, **{**kw, "content_callback": write}
                        )
                    except Exception:
                        if size <= bounds.max_bytes:
                            raise
                        over = True
                    if over:  # raised outside the handler: curl's error is not chained
                        raise BodyTooLarge(bounds.max_bytes)
                    resp.content = b"".join(chunks)
                    return resp

                return follow(str(method), url, send)

        session: Any = CurlSession(
            impersonate="chrome", curl_options={CurlOpt.MAXFILESIZE_LARGE: bounds.max_bytes}
        )
    elif backend == "requests":
        import requests

        class RoutingAdapter(requests.adapters.HTTPAdapter):
            def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
                # Rewriting a copy at the transport keeps the session's view (cookie domains,
                # redirects) on the original host.
                routed = route_url(request.url, table)
                if routed != request.url:
                    request = request.copy()
                    request.url = routed
                return super().send(request, *args, **kwargs)

        class RequestsSession(requests.Session):
            def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
                kw = capped(kwargs)
                kw["stream"] = True  # the body is read by _bounded_body

                def send(verb: str, to: str) -> Any:
                    if verb != str(method):
                        kw.pop("data", None)
                        kw.pop("json", None)
                    started = _time.perf_counter()
                    resp = super(RequestsSession, self).request(verb, to, *args, **kw)
                    _bounded_body(resp, bounds, started)
                    return resp

                return follow(str(method), str(url), send)

        session = RequestsSession()
        if table:
            session.mount("https://", RoutingAdapter())
            session.mount("http://", RoutingAdapter())
        session.headers.update(
            {
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                "Accept": "text/html,application/json;q=0.9,*/*;q=0.8",
            }
        )
    else:
        raise ValueError(f"session backend must be 'curl' or 'requests', not {backend!r}")
    session.rotmon_wiretap = tap
    return session


# -- conversions (pure) -----------------------------------------------------------------------

_MARKET_STATES = {
    "PRE": "pre",
    "REGULAR": "open",
    "POST": "post",
    "POSTPOST": "closed",
    "PREPRE": "closed",
    "CLOSED": "closed",
}


def _number(value: Any, *, zero_unknown: bool = True) -> float | None:
    """A finite float, or None; 0 is unknown unless ``zero_unknown`` is False."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or (zero_unknown and number == 0.0):
        return None
    return number


def _f32(value: Any) -> float | None:
    """A float32 wire value at the precision it was sent (94745.078125 -> 94745.08)."""
    number = _number(value)
    return None if number is None else float(str(np.float32(number)))


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return one_line(value, 80)


def _epoch(value: Any, scale: float = 1.0) -> datetime | None:
    number = _number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / scale, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def quote_from_v7(item: Mapping[str, Any]) -> Quote | None:
    """A ``Quote`` from one v7 ``quoteResponse.result`` object (PAYLOADS 3 and 11).

    ``regularMarketChangePercent`` is already in percent here; the previous close is
    ``regularMarketPreviousClose``; zeros in prices, ranges and index volumes are unknown.
    A stub without a price (delisted, ``quoteType: NONE``) gives None.
    """
    symbol = item.get("symbol")
    price = _number(item.get("regularMarketPrice"))
    when = _epoch(item.get("regularMarketTime"))
    if not isinstance(symbol, str) or price is None or when is None:
        return None
    kind = item.get("quoteType")
    prev = _number(item.get("regularMarketPreviousClose"))
    change = _number(item.get("regularMarketChangePercent"), zero_unknown=False)
    if change is None and prev is not None:
        change = (price / prev - 1.0) * 100.0
    volume = _number(item.get("regularMarketVolume"), zero_unknown=kind in ("INDEX", "CURRENCY"))
    state = item.get("marketState")
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        prev_close=prev,
        change_pct=change,
        volume=volume,
        day_high=_number(item.get("regularMarketDayHigh")),
        day_low=_number(item.get("regularMarketDayLow")),
        year_high=_number(item.get("fiftyTwoWeekHigh")),
        year_low=_number(item.get("fiftyTwoWeekLow")),
        trailing_pe=_number(item.get("trailingPE")),
        forward_pe=_number(item.get("forwardPE")),
        market_state=_MARKET_STATES.get(state) if isinstance(state, str) else None,
        name=_text(item.get("shortName")) or _text(item.get("longName")),
    )


def quote_from_stream(msg: Mapping[str, Any]) -> Quote | None:
    """A ``Quote`` from one decoded ``PricingData`` (yfinance's dict: 64-bit ints as strings).

    Proto3 leaves out fields at their default, so an absent previous close or range is
    unknown here, never 0; ``change_percent`` is in percent.
    """
    symbol = msg.get("id")
    price = _f32(msg.get("price"))
    when = _epoch(msg.get("time"), 1000.0)
    if not isinstance(symbol, str) or not symbol or price is None or when is None:
        return None
    prev = _f32(msg.get("previous_close"))
    if prev is not None:
        change: float | None = (price / prev - 1.0) * 100.0
    else:
        change = _number(msg.get("change_percent"), zero_unknown=False)
        change = None if change is None else float(str(np.float32(change)))
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        prev_close=prev,
        change_pct=change,
        volume=_number(msg.get("day_volume")),
        day_high=_f32(msg.get("day_high")),
        day_low=_f32(msg.get("day_low")),
        name=_text(msg.get("short_name")),
    )


def _host_trouble(status: int | None) -> bool:
    """An answer that says the host is unwell (no answer, 5xx, 429), not the symbol unknown."""
    return status is None or status >= 500 or status == 429


def _info_price(info: Mapping[str, Any]) -> float | None:
    return _number(info.get("regularMarketPrice")) or _number(info.get("currentPrice"))


def details_from_info(symbol: str, info: Mapping[str, Any], now: datetime) -> Quote | None:
    """P/E and 52-week range from ``Ticker.info`` (quoteSummary + v7 quote, flattened)."""
    price = _info_price(info)
    when = _epoch(info.get("regularMarketTime")) or now
    if price is None:
        return None
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        year_high=_number(info.get("fiftyTwoWeekHigh")),
        year_low=_number(info.get("fiftyTwoWeekLow")),
        trailing_pe=_number(info.get("trailingPE")),
        forward_pe=_number(info.get("forwardPE")),
        name=_text(info.get("shortName")) or _text(info.get("longName")),
    )


_STATIC = ("year_high", "year_low", "trailing_pe", "forward_pe", "name", "market_state")
_DAILY = ("prev_close", "day_high", "day_low", "volume")


def merge_quote(old: Quote | None, new: Quote) -> Quote:
    """The newer quote, with fields it lacks taken from the older one: slow-moving fields
    (P/E, 52-week range, name, market state) always, day fields only from the same NY day.
    The change is recomputed from the newer price, never copied from an older quote."""
    if old is None or old.symbol != new.symbol:
        return new
    base, other = (new, old) if new.time >= old.time else (old, new)
    same_day = base.time.astimezone(NY).date() == other.time.astimezone(NY).date()
    fill: dict[str, Any] = {}
    for name in _STATIC + (_DAILY if same_day else ()):
        if getattr(base, name) is None and getattr(other, name) is not None:
            fill[name] = getattr(other, name)
    if "day_high" in fill:
        fill["day_high"] = max(fill["day_high"], base.price)
    if "day_low" in fill:
        fill["day_low"] = min(fill["day_low"], base.price)
    merged = replace(base, **fill) if fill else base
    if merged.change_pct is None and merged.prev_close:
        merged = replace(merged, change_pct=(merged.price / merged.prev_close - 1.0) * 100.0)
    return merged


def bars_from_frame(symbol: str, frame: pd.DataFrame | None) -> Bars | None:
    """``Bars`` from one symbol's yfinance columns (Open High Low Close Volume, any case)."""
    if frame is None or frame.empty:
        return None
    cols = {str(c).lower().replace(" ", ""): c for c in frame.columns}
    close_col = cols.get("close") or cols.get("adjclose")
    if close_col is None:
        return None
    out = pd.DataFrame(index=frame.index)
    for name in ("open", "high", "low", "close", "volume"):
        col = close_col if name == "close" else cols.get(name)
        out[name] = (
            pd.to_numeric(frame[col], errors="coerce").astype("float64")
            if col is not None
            else np.nan
        )
    out = out[out["close"].notna() & (out["close"] != 0.0)]
    if out.empty:
        return None
    index = pd.DatetimeIndex(out.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    out.index = index.normalize()
    out = out[~out.index.duplicated(keep="last")].sort_index()
    out.index.name = None
    return Bars(symbol, out)


def bars_from_download(data: pd.DataFrame | None, symbols: Sequence[str]) -> dict[str, Bars]:
    """Per-symbol ``Bars`` from a ``yf.download(..., group_by="ticker")`` frame."""
    found: dict[str, Bars] = {}
    if data is None or data.empty:
        return found
    columns = data.columns
    for symbol in symbols:
        if isinstance(columns, pd.MultiIndex):
            if symbol.upper() not in columns.get_level_values(0):
                continue
            part = data[symbol.upper()]
        elif len(symbols) == 1:
            part = data
        else:
            continue
        bars = bars_from_frame(symbol, part)
        if bars is not None:
            found[symbol] = bars
    return found


def chunks(items: Sequence[str], size: int = MAX_BATCH) -> list[list[str]]:
    """``items`` in batches of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


# -- results of the worker threads ------------------------------------------------------------


@dataclass(slots=True)
class HistoryResult:
    bars: dict[str, Bars] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    latency_s: float = 0.0

    @property
    def transient(self) -> bool:
        """Did any symbol fail for a reason worth retrying soon (rate limit, 5xx, network)?"""
        return any(_is_transient(reason) for reason in self.failed.values())


@dataclass(slots=True)
class QuoteResult:
    quotes: dict[str, Quote] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None
    latency_s: float = 0.0


def _is_transient(reason: str) -> bool:
    low = reason.lower()
    return any(
        key in low
        for key in (
            "http 429",
            "http 5",
            "timed out",
            "refused",
            "cannot connect",
            "rate limit",
            "closed mid-response",
            "truncated",
        )
    )


class _Collect(logging.Handler):
    """Keeps yfinance's error lines during one download (it logs instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # A broken log record must not break the download.
        with contextlib.suppress(Exception):
            self.lines.append(record.getMessage())


_quieted = False


_IMPORT_LOCK = threading.Lock()


def _yfinance() -> Any:
    """yfinance, imported once under a lock: worker threads that race into a half-imported
    yfinance fail with "cannot import name ... from partially initialized module"."""
    with _IMPORT_LOCK:
        import yfinance
        import yfinance.data
        import yfinance.live
    return yfinance


def _quiet_yfinance() -> None:
    """yfinance logs errors and triggers pandas deprecation warnings; without a handler and a
    filter Python would print both on stderr, over the TUI (done once per process)."""
    global _quieted
    if _quieted:
        return
    _quieted = True
    logging.getLogger("yfinance").addHandler(logging.NullHandler())
    warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")


# -- the stream -------------------------------------------------------------------------------


class QuoteStream:
    """Yahoo's pricing websocket through yfinance's ``AsyncWebSocket``, kept connected.

    yfinance's own ``listen()`` is not used: after a clean close it re-enters ``async for`` on
    the dead connection, which returns at once, so it spins without ever yielding to the loop.
    We connect and subscribe with ``AsyncWebSocket``, read frames ourselves, decode them with
    its ``_decode_message`` (the generated ``pricing_pb2``), and reconnect with backoff.
    The stream is "silent" after ``silence_s`` without a frame; while the market is open a
    silent stream is reconnected, and in any case quote polling takes over.
    """

    def __init__(
        self,
        url: str,
        on_quote: Callable[[Quote], None],
        *,
        silence_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        clock: Clock = utc_now,
        market_state: MarketStateFn = default_market_state,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self._on_quote = on_quote
        self._on_change = on_change or (lambda: None)
        self.silence_s = silence_s
        self.connect_timeout_s = connect_timeout_s
        self.clock = clock
        self.market_state = market_state
        self.health = SourceHealth(
            "stream",
            timedelta(seconds=silence_s),
            backoff=backoff or Backoff(base=1.0),
            circuit=Circuit("stream", threshold=1_000_000),  # reconnects are paced by backoff
        )
        self.connected = False
        self.silent = False
        self.messages = 0
        self.bad_messages = 0
        self.connects = 0
        self.last_message: datetime | None = None
        self._symbols: set[str] = set()
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self._closed = False

    @property
    def live(self) -> bool:
        """Connected and not silent: polling can slow down."""
        return self.connected and not self.silent

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self._symbols)

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="rotmon-yahoo-stream")

    def set_symbols(self, symbols: Iterable[str]) -> None:
        new = set(symbols)
        added, removed = new - self._symbols, self._symbols - new
        self._symbols = new
        if self._wake is not None:
            self._wake.set()
        client = self._client
        if client is not None and self.connected and (added or removed):
            task = asyncio.create_task(self._resubscribe(client, added, removed))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _resubscribe(self, client: Any, added: set[str], removed: set[str]) -> None:
        try:
            if added:
                await client.subscribe(sorted(added))
            if removed:
                await client.unsubscribe(sorted(removed))
        except Exception as exc:  # the receive loop notices a dead connection itself
            log.debug("resubscribe failed: %s", describe_exception(exc))

    def state(self, now: datetime) -> SourceStatus:
        h = self.health
        last = self.last_message or h.last_success
        if self._closed:
            state, error = "off", None
        elif self.connected:
            quiet = self.silent and self.market_state(now) == "open"
            state, error = ("stale" if quiet else "ok"), None
            if quiet:
                error = f"no ticks for {self.silence_s:g} s"
        elif h.consecutive_failures:
            state, error = "failing", h.last_error
        else:
            state, error = "loading", None
        detail = f"{len(self._symbols)} symbols, {self.messages} ticks, {self.connects} connects"
        return SourceStatus(
            name="stream",
            state=state,  # type: ignore[arg-type]
            last_success=last,
            error=error,
            next_retry=h.next_retry if state == "failing" else None,
            detail=detail,
        )

    async def close(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close_client()

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(client.close(), 2.0)

    async def _run(self) -> None:
        AsyncWebSocket = _yfinance().live.AsyncWebSocket

        _quiet_yfinance()
        assert self._wake is not None
        while not self._closed:
            if not self._symbols:
                self._wake.clear()
                await self._wake.wait()
                continue
            started = _time.perf_counter()
            self.health.started(self.clock())
            error = "connection closed by the server"
            try:
                client = AsyncWebSocket(url=self.url, verbose=False)
                self._client = client
                await asyncio.wait_for(
                    client.subscribe(sorted(self._symbols)), self.connect_timeout_s
                )
                self.connected = True
                self.silent = False
                self.connects += 1
                self.health.succeeded(self.clock(), _time.perf_counter() - started)
                self._on_change()
                await self._receive(client)
            except asyncio.CancelledError:
                raise
            except _Silent:
                error = f"no ticks for {self.silence_s:g} s while the market is open"
            except Exception as exc:
                error = describe_exception(exc)
            finally:
                self.connected = False
                await self._close_client()
            delay = self.health.failed(self.clock(), error)
            self._on_change()
            if self._closed:
                break
            await asyncio.sleep(delay)

    async def _receive(self, client: Any) -> None:
        conn = client._ws
        while True:
            try:
                raw = await asyncio.wait_for(conn.recv(), self.silence_s)
            except TimeoutError:
                if not self.silent:
                    self.silent = True
                    self._on_change()
                if self.market_state(self.clock()) == "open":
                    raise _Silent() from None
                continue
            if self.silent:
                self.silent = False
                self._on_change()
            self._handle(client, raw)

    def _handle(self, client: Any, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
            encoded = frame.get("message", "") if isinstance(frame, dict) else ""
            decoded = client._decode_message(encoded) if encoded else {}
        except (ValueError, TypeError, AttributeError):
            decoded = {}
        quote = quote_from_stream(decoded) if decoded and "error" not in decoded else None
        if quote is None:
            self.bad_messages += 1
            return
        self.messages += 1
        self.last_message = self.clock()
        self._on_quote(quote)


class _Silent(Exception):
    pass


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
        self.history_health = SourceHealth(
            # Re-downloads follow the closes (history_due); the week is only a safety net.
            "yahoo-history",
            timedelta(days=7),
            backoff=new_backoff(),
            circuit=self.circuit,
        )
        self.quote_health = SourceHealth(
            "yahoo-quotes", self._quote_interval, backoff=new_backoff(), circuit=self.circuit
        )
        self.details_health = SourceHealth(
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
            result: HistoryResult = await asyncio.wait_for(
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
            result: HistoryResult = await asyncio.wait_for(
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
            result: QuoteResult = await asyncio.wait_for(
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
            info = await asyncio.wait_for(self._run(self._details_sync, symbol), self.timeout * 4)
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
        return await asyncio.wait_for(self._run(self._fund_pe_sync, symbol), self.timeout * 3)

    # -- reporting --------------------------------------------------------------------------

    def status(self, now: datetime) -> SourceStatus:
        """One ``yahoo`` status from the history and quote records."""
        parts = [self.history_health, self.quote_health]
        states = [p.state(now) for p in parts]
        order = ("failing", "loading", "stale", "ok")
        state = next(s for s in order if s in states)
        worst = parts[states.index(state)]
        successes = [p.last_success for p in parts if p.last_success is not None]
        detail = (
            f"{len(self.bars)}/{len(self.symbols)} histories, {len(self.quotes)} quotes,"
            f" {len(self.hot)} hot"
        )
        return SourceStatus(
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
