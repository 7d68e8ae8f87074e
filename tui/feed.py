"""Polling: one worker per source, re-armed after it finishes, with timeout, backoff and pause.

Every source runs on its own private event loop in a daemon thread. The UI's worker only awaits
a future from that loop, so a source that blocks (even with ``time.sleep``) or raises can never
stall the screen; the snapshot is computed in a worker thread and posted as one message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.timer import Timer
from textual.worker import Worker

from analytics.health import HealthState, SourceHealth
from analytics.text import inert
from analytics.types import Snapshot
from data_sources.aio import within
from data_sources.capabilities import (
    OwnBackoff,
    OwnInterval,
    Prefetching,
    Progressing,
    Waitable,
    positive_seconds,
)
from data_sources.clock import utc_now
from data_sources.intervals import Backoff, is_stale
from tui.messages import FeedChanged, MarketUpdated, SourceFailed

if TYPE_CHECKING:  # data_sources pulls in pandas; the first paint must not wait for it
    from typing_extensions import TypeIs  # typing's own from Python 3.13

    from data_sources.base import DataSource
    from data_sources.model import MarketData

log = logging.getLogger(__name__)

T = TypeVar("T")
Compute = Callable[["MarketData"], Snapshot]
SourceFactory = Callable[[], "DataSource"]

MIN_POLL_GAP = 0.25
"""Seconds between polls of a source that wakes the feed itself (``wait_for_update``): the
default refresh cap, so a streamed tick reaches the screen at once unless one just did."""
PREFETCH_AFTER = 0.08
"""Seconds after a step's poll before the next step is made ahead (``Feed.prefetch``): the
step's own snapshot is drawn and painted first (~25 ms), and key repeats (~30/s) make none."""

DEFAULT_INTERVALS: dict[str, float] = {"demo": 5.0, "pack": 60.0, "live": 15.0}
"""Seconds between polls when neither the caller nor the source says otherwise (SPEC 8)."""


def default_compute(market: MarketData) -> Snapshot:
    """The lead's analytics entry point, imported late so the app starts without pandas work."""
    from tui.compute import snapshot_from_market

    return snapshot_from_market(market)


class SourceLoop:
    """A private asyncio loop in a daemon thread: the home of one source's coroutines.

    The thread starts on first use, so an app that is built but never run leaves nothing behind.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=self._run, args=(loop,), name=f"rotmon-source-{self.name}", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            # Coroutines submitted just before the stop are still callbacks: make them tasks
            # (one pass of the loop), so that they are cancelled below, not left unawaited.
            loop.run_until_complete(asyncio.sleep(0))
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed: the app is exiting
            coro.close()
            raise

    def call_soon(self, fn: Callable[..., object], *args: object) -> None:
        """Call ``fn(*args)`` on this loop's thread without waiting; a failure is logged."""

        def call() -> None:
            try:
                fn(*args)
            except Exception as exc:  # the caller has moved on: log, never raise into the loop
                log.debug("%s on %s failed: %s", getattr(fn, "__name__", fn), self.name, exc)

        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is exiting
            self.loop.call_soon_threadsafe(call)

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Await ``fn(*args)`` (a plain function) run on this loop's thread."""

        async def call() -> T:
            return fn(*args)

        return await self.run(call())

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on this loop from another loop; cancelling the caller cancels it."""
        future = self.submit(coro)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise

    def close(self) -> None:
        """Stop the loop; the thread closes it once any running callback returns."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # already closed
            loop.call_soon_threadsafe(loop.stop)


@dataclass(eq=False)
class _Slot:
    source: DataSource | None
    factory: SourceFactory | None
    loop: SourceLoop
    name: str
    interval: float
    phase: HealthState = "loading"
    market: MarketData | None = None
    last_success: float | None = None
    """Monotonic seconds; ``succeeded_at`` is the same moment on the wall clock."""
    succeeded_at: datetime | None = None
    error: str | None = None
    failures: int = 0
    next_poll: float | None = None
    in_flight_since: float | None = None
    polls: int = 0
    worker: Worker[None] | None = None
    timer: Timer | None = None
    waiter: Worker[None] | None = None
    """Waiting on the source's ``wait_for_update`` for the next poll (live streaming sources)."""
    running: threading.Event | None = field(default=None, repr=False)
    """Set when the source's last fetch has really ended on its own loop (not just cancelled)."""
    ahead: tuple[MarketData, asyncio.Future[Snapshot]] | None = field(default=None, repr=False)
    """A market made ahead of the step to it (``Feed.prefetch``) and its snapshot's compute."""
    shown: tuple[tuple[MarketData, Snapshot], ...] = field(default=(), repr=False)
    """A steppable source's last two markets and their snapshots (a step back hands the one
    before again: ``PackSource.step``)."""


class Feed:
    """Polls each source in a named, grouped, exclusive worker and posts one snapshot per poll.

    The next poll of a source is armed only when its previous one has finished, so polls never
    overlap; failures back off exponentially (with jitter) up to ``max_backoff``.
    """

    def __init__(
        self,
        app: App[Any],
        sources: Sequence[DataSource | SourceFactory],
        *,
        clock: Callable[[], datetime],
        interval: float | None = None,
        compute: Compute = default_compute,
        live: bool = True,
        timeout: float = 20.0,
        max_backoff: float = 600.0,
    ) -> None:
        self._app = app
        self._clock = clock
        self._interval = interval
        self._compute = compute
        self.live = live
        self.timeout = timeout
        self.max_backoff = max_backoff
        self._paused = False
        self._stopped = False
        self._rng = random.Random()
        self._slots: list[_Slot] = []
        for i, item in enumerate(sources):
            built: DataSource | None
            factory: SourceFactory | None
            if _is_factory(item):
                built, factory = None, item
            else:
                built, factory = item, None
            name = _name(item, i)  # a factory may name its source
            self._slots.append(
                _Slot(
                    source=built,
                    factory=factory,
                    loop=SourceLoop(name),
                    name=name,
                    interval=self._interval_for(built),
                )
            )

    def _interval_for(self, source: DataSource | None) -> float:
        if self._interval:
            return float(self._interval)
        own = positive_seconds(source.poll_interval) if isinstance(source, OwnInterval) else None
        if own is not None:
            return own
        return DEFAULT_INTERVALS.get(str(getattr(source, "kind", "")), 15.0)

    @property
    def interval(self) -> float:
        """The first source's poll interval (seconds)."""
        return self._slots[0].interval

    def source(self, index: int = 0) -> DataSource | None:
        """Source ``index``, or None while its factory has not run yet."""
        return self._slots[index].source

    # -- control ---------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def busy(self) -> bool:
        """True while any poll is in flight."""
        return any(s.in_flight_since is not None for s in self._slots)

    def start(self) -> None:
        """Poll every source now (once, or for ever when live)."""
        for slot in self._slots:
            self._launch(slot)

    def refresh_now(self) -> int:
        """Poll every idle source at once, paused or not; returns how many polls started."""
        started = 0
        for slot in self._slots:
            if slot.in_flight_since is None:
                self._disarm(slot)
                self._launch(slot)
                started += 1
        return started

    def pause(self) -> None:
        """Stop polling: pending timers are dropped and polls in flight are cancelled."""
        if self._paused:
            return
        self._paused = True
        for slot in self._slots:
            self._disarm(slot)
            if slot.worker is not None:
                slot.worker.cancel()
        self._app.post_message(FeedChanged())

    def resume(self) -> None:
        """Poll again now and from then on at the usual interval."""
        if not self._paused:
            return
        self._paused = False
        self._app.post_message(FeedChanged())
        if self.live:
            self.refresh_now()

    def toggle_pause(self) -> bool:
        if self._paused:
            self.resume()
        else:
            self.pause()
        return self._paused

    def states(self) -> tuple[SourceHealth, ...]:
        """The feed's own view of each source now: its phase, the age of its last success,
        the seconds to its next poll or retry, its error, its polls (``requests``) and, while a
        factory builds it, the factory's progress (``detail``)."""
        now = time.monotonic()
        states = []
        for s in self._slots:
            phase = self._phase(s, now)
            age = None if s.last_success is None else now - s.last_success
            if phase == "loading" and s.in_flight_since is not None:
                age = None
            states.append(
                SourceHealth(
                    name=s.name,
                    state=phase,
                    last_success=s.succeeded_at,
                    error=s.error,
                    detail=_progress(s.factory) if s.source is None else None,
                    age_s=age,
                    next_in_s=None if s.next_poll is None else max(0.0, s.next_poll - now),
                    failures=s.failures,
                    requests=s.polls,
                    interval_s=s.interval,
                )
            )
        return tuple(states)

    def _phase(self, slot: _Slot, now: float) -> HealthState:
        if (
            slot.phase == "ok"
            and slot.last_success is not None
            and self.live
            and not self._paused
            and is_stale(now - slot.last_success, slot.interval)
        ):
            return "stale"
        return slot.phase

    async def run_on(self, index: int, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of source ``index`` (e.g. ``bars``) on that source's own loop."""
        return await self._slots[index].loop.run(coro)

    async def call(self, index: int, fn: Callable[..., T], *args: object) -> T:
        """Run a plain method of source ``index`` (e.g. ``step``) on that source's own loop
        thread, never on the UI thread: the source's state belongs to its loop."""
        return await self._slots[index].loop.call(fn, *args)

    def call_soon(self, index: int, fn: Callable[..., object], *args: object) -> None:
        """Like ``call`` without waiting for the result (``set_hot``); failures are logged."""
        self._slots[index].loop.call_soon(fn, *args)

    async def stop(self, close_timeout: float = 2.0) -> None:
        """Cancel everything, close each source on its own loop, stop the loops."""
        self._stopped = True
        for slot in self._slots:
            self._disarm(slot)
            if slot.worker is not None:
                slot.worker.cancel()
        for slot in self._slots:
            if slot.source is None or (slot.running is not None and not slot.running.is_set()):
                slot.loop.close()  # nothing to close, or a fetch is stuck: closing would wait
                continue
            try:
                await within(slot.loop.run(slot.source.aclose()), close_timeout)
            except Exception as exc:  # closing is best effort; a hung source must not hang exit
                log.debug("closing %s failed: %s", slot.name, exc)
            slot.loop.close()

    # -- polling ---------------------------------------------------------------------------

    def _disarm(self, slot: _Slot) -> None:
        if slot.timer is not None:
            slot.timer.stop()
            slot.timer = None
        if slot.waiter is not None:
            slot.waiter.cancel()
            slot.waiter = None
        slot.next_poll = None

    def _launch(self, slot: _Slot) -> None:
        # Timer callback: kept trivial, the work happens in the worker.
        slot.timer = None
        if self._stopped or slot.in_flight_since is not None:
            return
        slot.in_flight_since = time.monotonic()
        slot.next_poll = None
        slot.worker = self._app.run_worker(
            self._poll(slot),
            name=f"poll:{slot.name}",
            group=f"feed:{slot.name}",
            description=f"poll {slot.name}",
            exclusive=True,
            exit_on_error=False,
        )

    def _arm(self, slot: _Slot, delay: float) -> None:
        if self._stopped or self._paused or not self.live:
            return
        slot.next_poll = time.monotonic() + delay
        source = slot.source
        if isinstance(source, Waitable) and slot.phase == "ok":
            # A streaming source says when it has news (a tick, a finished download): poll
            # then, at most every MIN_POLL_GAP seconds, and at the latest after ``delay``.
            slot.waiter = self._app.run_worker(
                self._wait_then_launch(slot, source.wait_for_update, delay),
                name=f"wait:{slot.name}",
                group=f"wait:{slot.name}",
                exclusive=True,
                exit_on_error=False,
            )
            return
        slot.timer = self._app.set_timer(
            delay, lambda: self._launch(slot), name=f"rearm:{slot.name}"
        )

    async def _wait_then_launch(
        self, slot: _Slot, wait: Callable[[float], Coroutine[Any, Any, object]], delay: float
    ) -> None:
        started = time.monotonic()
        try:
            await slot.loop.run(wait(delay))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken wait falls back to the interval
            log.debug("wait_for_update of %s failed: %s", slot.name, exc)
            await asyncio.sleep(max(0.0, delay - (time.monotonic() - started)))
        gap = getattr(slot.source, "min_poll_gap", MIN_POLL_GAP)  # a desk terminal: 0
        rest = float(gap) - (time.monotonic() - started)
        if rest > 0:
            await asyncio.sleep(rest)
        slot.waiter = None
        if not (self._stopped or self._paused):
            self._launch(slot)

    def _backoff(self, slot: _Slot) -> float:
        cap = self.max_backoff
        if isinstance(slot.source, OwnBackoff):  # e.g. a desk terminal reconnecting
            own = positive_seconds(slot.source.max_backoff)
            if own is not None:
                cap = min(cap, own)
        return Backoff.capped(slot.interval, cap, rng=self._rng).delay(max(1, slot.failures))

    async def _poll(self, slot: _Slot) -> None:
        cancelled = False
        try:
            await self._poll_once(slot)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            slot.in_flight_since = None
            slot.worker = None
            if not cancelled:
                delay = slot.interval if slot.phase == "ok" else self._backoff(slot)
                self._arm(slot, delay)
            self._app.post_message(FeedChanged())  # cancelled too: the feed is idle again

    async def _poll_once(self, slot: _Slot) -> None:
        slot.polls += 1
        if slot.running is not None and not slot.running.is_set():
            # The previous fetch is stuck inside the source: queueing another would pile up.
            self._fail(slot, "still waiting for the previous fetch")
            return
        if slot.source is None and not await self._build(slot):
            return
        source = slot.source
        assert source is not None
        from data_sources.base import SourceError  # the source has imported it by now
        from data_sources.model import MarketData

        now = self._clock()
        finished = threading.Event()
        slot.running = finished
        future = slot.loop.submit(_tracked(lambda: source.fetch(now), finished))
        try:
            market = await within(asyncio.shield(asyncio.wrap_future(future)), self.timeout)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except TimeoutError:
            future.cancel()
            self._fail(slot, f"no answer after {self.timeout:g}s")
            return
        except SourceError as exc:
            self._fail(slot, str(exc) or type(exc).__name__)
            return
        except Exception as exc:  # any bug in a source is a failing source, not a dead app
            log.exception("source %s raised", slot.name)
            self._fail(slot, f"{type(exc).__name__}: {exc}")
            return
        if not isinstance(market, MarketData):
            self._fail(slot, f"fetch returned {type(market).__name__}, expected MarketData")
            return
        if market is slot.market:  # the very same object: nothing new (a desk terminal)
            slot.phase, slot.error, slot.failures = "ok", None, 0
            self._succeeded(slot)
            return
        slot.market = market
        merged = self._merged()
        try:
            snapshot = await self._snapshot_of(slot, merged)
        except Exception as exc:
            log.exception("analytics failed on %s data", slot.name)
            self._fail(slot, f"analytics failed: {type(exc).__name__}: {exc}")
            return
        slot.phase = "ok"
        slot.error = None
        slot.failures = 0
        self._succeeded(slot)
        self._app.post_message(MarketUpdated(snapshot, source=slot.name, market=merged))

    async def _snapshot_of(self, slot: _Slot, merged: MarketData) -> Snapshot:
        """The snapshot of ``merged``: the one computed ahead when this is the market made
        ahead (awaited if still computing), the one shown when it is a market shown before (a
        step back), else computed now on a thread."""
        ahead, slot.ahead = slot.ahead, None
        snapshot: Snapshot | None = None
        if ahead is not None and ahead[0] is merged:
            try:
                snapshot = await asyncio.shield(ahead[1])
            except Exception:  # (it failed ahead: compute it now, failing the poll if it fails)
                log.debug("snapshot computed ahead failed on %s", slot.name, exc_info=True)
        if snapshot is None:
            known = [s for m, s in slot.shown if m is merged]
            snapshot = known[0] if known else await asyncio.to_thread(self._compute, merged)
        if isinstance(slot.source, Prefetching):
            slot.shown = (*slot.shown[-1:], (merged, snapshot))
        return snapshot

    def prefetch(self, index: int, days: int, after: float = PREFETCH_AFTER) -> None:
        """Make the market of the next ``step(days)`` of a source that can (a data pack) and
        compute its snapshot, so that the step's poll finds it done: an as-of step then costs
        the repaint, not the fetch and the analytics.

        It runs after the poll in flight and ``after`` more seconds (that poll's repaint goes
        first, not sharing the interpreter with it), posts nothing, and a newer call replaces
        it. Only with one source (several merge into another market than the one made ahead).
        """
        slot = self._slots[index]
        if self._stopped or len(self._slots) != 1 or not isinstance(slot.source, Prefetching):
            return
        self._app.run_worker(
            self._prefetch(slot, slot.source, days, after),
            name=f"prefetch:{slot.name}",
            group=f"prefetch:{slot.name}",
            description=f"make {slot.name}'s next step ahead",
            exclusive=True,
            exit_on_error=False,
        )

    async def _prefetch(self, slot: _Slot, source: Prefetching, days: int, after: float) -> None:
        while slot.in_flight_since is not None:  # the step's own poll first
            await asyncio.sleep(0.01)
        await asyncio.sleep(after)
        if self._stopped or slot.in_flight_since is not None or slot.source is not source:
            return  # stepped again meanwhile: that step's poll does its own work
        market = await slot.loop.call(source.prefetch, days)
        if market is None or self._stopped:
            return
        compute = asyncio.ensure_future(asyncio.to_thread(self._compute, market))
        compute.add_done_callback(_retrieved)
        slot.ahead = (market, compute)
        # The poll of the step may take the compute over: cancelling this worker (a newer
        # prefetch) must not cancel it.
        with contextlib.suppress(Exception):
            await asyncio.shield(compute)

    async def _build(self, slot: _Slot) -> bool:
        """Run the source's factory on its own loop thread (imports and set-up stay off the UI)."""
        assert slot.factory is not None
        factory = slot.factory

        async def build() -> DataSource:
            return factory()

        try:
            slot.source = await slot.loop.run(build())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("building source %s failed", slot.name)
            self._fail(slot, f"could not start: {type(exc).__name__}: {exc}")
            return False
        slot.name = _name(slot.source, self._slots.index(slot))
        slot.interval = self._interval_for(slot.source)
        return True

    def _merged(self) -> MarketData:
        markets = [s.market for s in self._slots if s.market is not None]
        merged = markets[0]
        for market in markets[1:]:
            merged = merged.merged(market)
        return merged

    @staticmethod
    def _succeeded(slot: _Slot) -> None:
        slot.last_success = time.monotonic()
        slot.succeeded_at = utc_now()  # the real moment, whatever clock the data runs on

    def _fail(self, slot: _Slot, error: str) -> None:
        slot.phase = "failing"
        slot.failures += 1
        slot.error = inert(error.splitlines()[0] if error else "failed", 200)
        self._app.post_message(SourceFailed(slot.name, slot.error))
        log.info("source %s failing (%d): %s", slot.name, slot.failures, error)


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Read a finished future's error (asyncio logs one nobody read): a compute made ahead
    may end unread, when no step comes or another one does."""
    if not future.cancelled():
        future.exception()


async def _tracked(start: Callable[[], Awaitable[T]], finished: threading.Event) -> T:
    """``start()`` awaited on the source's loop; ``finished`` set when it is done. The fetch is
    made here, on that loop, so a poll that never runs (the app exiting) leaves no coroutine
    behind that was never awaited."""
    try:
        return await start()
    finally:
        finished.set()


def _progress(factory: object) -> str | None:
    """A factory's own word on how far it is (``PackLoader.progress``), if it gives one."""
    progress = factory.progress if isinstance(factory, Progressing) else None
    return inert(progress, 80) if isinstance(progress, str) and progress else None


def _is_factory(item: DataSource | SourceFactory) -> TypeIs[SourceFactory]:
    return callable(item) and not callable(getattr(item, "fetch", None))


def _name(source: DataSource | SourceFactory, index: int) -> str:
    name = getattr(source, "name", None)
    return inert(name, 24) if isinstance(name, str) and name else f"source{index}"
