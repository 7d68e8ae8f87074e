"""Yahoo's pricing websocket, kept connected: ``QuoteStream`` (quotes as they tick)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time as _time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from analytics.health import SourceHealth
from data_sources.aio import within
from data_sources.clock import utc_now
from data_sources.model import Quote
from data_sources.polling import (
    Backoff,
    Circuit,
    HealthRecord,
    MarketStateFn,
    default_market_state,
    describe_exception,
)
from data_sources.yahooquotes import quote_from_stream
from data_sources.yahoowire import Clock, _quiet_yfinance, _yfinance

log = logging.getLogger(__name__)

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
        self.health = HealthRecord(
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

    def state(self, now: datetime) -> SourceHealth:
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
        return SourceHealth(
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
            await within(client.close(), 2.0)

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
                await within(client.subscribe(sorted(self._symbols)), self.connect_timeout_s)
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
                raw = await within(conn.recv(), self.silence_s)
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
