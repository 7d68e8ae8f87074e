"""How requests reach Yahoo: yfinance keeps one process-wide ``YfData`` with one session. We hand it
our own session (a subclass of curl_cffi's or requests' ``Session``) whose transport can rewrite
``https://query1.finance.yahoo.com`` and the other Yahoo hosts to any base URL (``routes``) -
the tests point them at a loopback server - and which records every exchange (status, latency,
Retry-After, a short reason) for the diagnostics. Also the lazily imported yfinance and what its
worker threads hand back.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time as _time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import urljoin, urlsplit

from data_sources.clock import utc_now
from data_sources.httpclient import (
    REDIRECT_STATUSES,
    BodyTooLarge,
    DeadlineExceeded,
    Limits,
    RateGate,
    RedirectRefused,
    same_host,
)
from data_sources.model import Bars, Quote
from data_sources.polling import (
    describe_exception,
    http_error,
    parse_retry_after,
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
