"""Bounded HTTP for the sources: a deadline per request, a body cap, same-host redirects and
a rate-limit gate shared by every request of a source (issue 14).

httpx's ``timeout`` bounds each read, so a server that drips a byte a second never times out;
``follow_redirects`` goes to any host; ``resp.text`` reads any size. ``bounded_get`` streams
the body under one deadline (connect + whole body), stops past ``max_bytes``, follows a
redirect only to the same host (never https -> http), and after a 429 the source's
``RateGate`` refuses every further request until ``Retry-After`` has passed. The Yahoo session
(curl_cffi, in yahoo.py) uses the same gate and limits.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from data_sources.polling import parse_retry_after

DEFAULT_RETRY_AFTER_S = 60.0
"""How long a 429 without a usable ``Retry-After`` stops a source's requests."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost: ``deadline`` seconds from the first byte sent to the last
    byte read (redirects included), ``max_bytes`` of (decoded) body, ``max_redirects`` hops."""

    deadline: float = 60.0
    max_bytes: int = 8 << 20
    max_redirects: int = 5


class DeadlineExceeded(httpx.TimeoutException):
    """The whole request took longer than its deadline (a slow drip, a hang mid-body)."""

    plain_reason = True  # its message is the reason shown (describe_exception)

    def __init__(self, deadline: float) -> None:
        super().__init__(f"timed out: no complete answer within {deadline:g} s")


class BodyTooLarge(httpx.HTTPError):
    """The body grew past the source's cap; the rest was never read."""

    plain_reason = True  # its message is the reason shown (describe_exception)

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {_size(limit)} (not read)")


class RedirectRefused(httpx.HTTPError):
    """A redirect to another host (or from https to http)."""

    plain_reason = True  # its message is the reason shown (describe_exception)

    def __init__(self, source: httpx.URL | str, target: httpx.URL | str) -> None:
        src, dst = httpx.URL(str(source)), httpx.URL(str(target))
        super().__init__(f"redirect from {src.host} to {dst.scheme}://{dst.host} refused")


class RateLimited(httpx.HTTPError):
    """Not sent: the server said 429 and its ``Retry-After`` has not passed yet."""

    plain_reason = True  # its message is the reason shown (describe_exception)

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"HTTP 429 Too Many Requests earlier: not sent, {retry_after:.0f} s of Retry-After left"
        )
        self.retry_after = retry_after


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def same_host(source: httpx.URL | str, target: httpx.URL | str) -> bool:
    """True when a redirect from ``source`` to ``target`` stays on the same host and port and
    never drops from https to http."""
    src, dst = httpx.URL(str(source)), httpx.URL(str(target))
    if (src.host or "").lower() != (dst.host or "").lower() or src.port != dst.port:
        return False
    return not (src.scheme == "https" and dst.scheme != "https")


class RateGate:
    """After a 429 every request of the source is refused until ``Retry-After`` has passed
    (thread-safe: yfinance's threads share it). ``clock`` is monotonic seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def remaining(self) -> float | None:
        """Seconds until requests may go again, or None when they may go now."""
        with self._lock:
            left = self._until - self._clock()
        return left if left > 0 else None

    def check(self) -> None:
        """Raise ``RateLimited`` while the gate is shut."""
        left = self.remaining()
        if left is not None:
            raise RateLimited(left)

    def block(self, retry_after: float | None) -> float:
        """Shut the gate for ``retry_after`` seconds (a default when None); returns them."""
        seconds = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER_S
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)
        return seconds

    def saw(self, status: int, headers: Mapping[str, str]) -> float | None:
        """Note one answer; a 429 shuts the gate. Returns the Retry-After seconds of a 429."""
        if status != 429:
            return None
        retry = parse_retry_after(headers.get("Retry-After"), datetime.now(UTC))
        return self.block(retry)


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole, bounded HTTP answer."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: httpx.URL
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")


async def bounded_get(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    limits: Limits = Limits(),
    gate: RateGate | None = None,
    timeout: float | None = None,
) -> Answer:
    """GET ``url`` within ``limits`` (see the module docstring). ``timeout`` is httpx's
    per-operation timeout. Raises httpx.HTTPError subclasses: DeadlineExceeded, BodyTooLarge,
    RedirectRefused, RateLimited, or httpx's own."""
    if gate is not None:
        gate.check()
    try:
        async with asyncio.timeout(limits.deadline):
            return await _get(client, url, params, limits, gate, timeout)
    except TimeoutError:
        raise DeadlineExceeded(limits.deadline) from None


async def _get(
    client: httpx.AsyncClient,
    url: str,
    params: Mapping[str, Any] | None,
    limits: Limits,
    gate: RateGate | None,
    timeout: float | None,
) -> Answer:
    extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    request = client.build_request("GET", url, params=params, **extra)
    for hop in range(limits.max_redirects + 1):
        resp = await client.send(request, stream=True, follow_redirects=False)
        try:
            if gate is not None:
                gate.saw(resp.status_code, resp.headers)
            nxt = resp.next_request
            if resp.status_code in REDIRECT_STATUSES and nxt is not None:
                if not same_host(request.url, nxt.url):
                    raise RedirectRefused(request.url, nxt.url)
                if hop == limits.max_redirects:
                    raise httpx.TooManyRedirects(f"more than {limits.max_redirects} redirects")
                if gate is not None:
                    gate.check()
                request = nxt
                continue
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise BodyTooLarge(limits.max_bytes)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    # The traceback keeps this frame alive (callers gather their errors):
                    # drop what was read, or each failed request pins max_bytes.
                    chunks.clear()
                    raise BodyTooLarge(limits.max_bytes)
                chunks.append(chunk)
            return Answer(
                resp.status_code,
                resp.headers,
                b"".join(chunks),
                resp.url,
                resp.charset_encoding or "utf-8",
            )
        finally:
            await resp.aclose()
    raise httpx.TooManyRedirects(f"more than {limits.max_redirects} redirects")  # unreachable


class LazyClient:
    """An ``httpx.AsyncClient`` made on first use, so it belongs to the event loop that uses it
    (each source runs on its own loop thread). A client handed in is the caller's: it is used
    as it is and never closed here. ``get`` is ``bounded_get`` with this source's limits and
    gate."""

    def __init__(
        self,
        client: httpx.AsyncClient | None,
        *,
        timeout: float,
        headers: Mapping[str, str],
        limits: Limits = Limits(),
        gate: RateGate | None = None,
    ) -> None:
        self._given = client
        self._made: httpx.AsyncClient | None = None
        self._timeout = timeout
        self._headers = dict(headers)
        self.limits = limits
        self.gate = gate if gate is not None else RateGate()

    def client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._made is None:
            self._made = httpx.AsyncClient(
                timeout=self._timeout, headers=self._headers, follow_redirects=False
            )
        return self._made

    async def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> Answer:
        return await bounded_get(
            self.client(),
            url,
            params=params,
            limits=self.limits,
            gate=self.gate,
            timeout=self._timeout,
        )

    async def aclose(self) -> None:
        """Close the client made here (if any); a later ``client()`` makes a new one."""
        made, self._made = self._made, None
        if made is not None:
            await made.aclose()
