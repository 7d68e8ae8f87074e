"""The alert log's writer thread: every SQLite write of the alert log happens here, never on
the UI thread, and a batch it cannot commit goes to the durable retry queue (``alert_queue``).

``submit`` returns a future that resolves once the batch is *durable* — committed to the
database (``logged``) or fsynced into the queue file (``queued``) — or, when neither can take
it (the queue's disk is full too), kept in memory (``unsaved``: retried, but lost in a crash;
the caller says so). The writer uses a short busy timeout, so a batch is never held up for
long by another process's lock: it goes to the queue and is retried with backoff, in order,
with its original time, and always before any later batch.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Literal

from analytics.lifecycle import ActiveEntry, Transition
from data_sources.alert_queue import AlertQueue, Batch
from data_sources.store import Store, StoreError

log = logging.getLogger(__name__)

WRITER_BUSY_TIMEOUT = 0.25
"""Seconds a write waits for another process's lock before the batch is queued instead."""
RETRY_FIRST = 0.5
RETRY_MAX = 30.0

SaveState = Literal["logged", "queued", "unsaved"]


@dataclass(frozen=True, slots=True)
class Saved:
    """Where a batch went: ``logged`` (in the database), ``queued`` (in the retry queue file,
    durable) or ``unsaved`` (memory only); ``error`` is why the database did not take it."""

    state: SaveState
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Restored:
    """The alert state at open: the database's, and the queued batches not yet in it."""

    active: tuple[ActiveEntry, ...]
    muted: frozenset[str]
    pending: tuple[Batch, ...]


@dataclass(frozen=True, slots=True)
class _Job:
    key: str
    transitions: tuple[Transition, ...]
    future: Future[Saved]


_STOP = object()
_NUDGE = object()


class AlertLogWriter:
    """One thread writing the alert log through ``store`` (its own connection, short busy
    timeout), with ``retry_queue`` as the durable fallback (None: memory only, for a store
    that is itself in memory). ``on_change`` is called from the writer thread whenever the
    number of transitions behind changes (it must not block)."""

    def __init__(
        self,
        store: Store,
        retry_queue: AlertQueue | None,
        *,
        retry_first: float = RETRY_FIRST,
        retry_max: float = RETRY_MAX,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.queue = retry_queue
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.on_change = on_change
        self.last_error: str | None = None
        self._jobs: queue.Queue[object] = queue.Queue()
        self._memory: list[Batch] = []
        self._queued = 0  # transitions this process knows to be in the queue file
        self._unsaved = 0
        self._view: list[Transition] = []  # what is behind, in order (for the UI to read)
        self._view_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="alert-log-writer", daemon=True)
        self._started = False

    # -- the caller's side -------------------------------------------------------------------

    @property
    def behind(self) -> int:
        """Transitions shown but not yet in the database (queued or unsaved)."""
        return self._queued + self._unsaved

    @property
    def unsaved(self) -> int:
        """Transitions kept only in memory (neither database nor queue file could take them)."""
        return self._unsaved

    def pending(self) -> tuple[Transition, ...]:
        """The transitions behind (queued or unsaved), oldest first; safe from any thread."""
        with self._view_lock:
            return tuple(self._view)

    def _set_view(self, transitions: list[Transition]) -> None:
        with self._view_lock:
            self._view = transitions

    def _add_view(self, transitions: Sequence[Transition]) -> None:
        with self._view_lock:
            self._view = [*self._view, *transitions]

    def restore(self) -> Restored:
        """Catch up once, then read the database's alert state and what is still queued, under
        the queue's lock (so nothing moves from one to the other between the two reads).
        Called before ``start``, off the UI thread."""
        with self._queue_fd() as fd:
            if fd is not None:
                self._flush(fd)
                pending = tuple(self.queue.read(fd)) if self.queue is not None else ()
            else:
                pending = ()
            self._queued = sum(len(ts) for _key, ts in pending)
            self._set_view([t for _key, ts in pending for t in ts])
            return Restored(self.store.active_alerts(), self.store.muted_rules(), pending)

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def submit(self, transitions: Sequence[Transition]) -> Future[Saved]:
        """Hand a batch to the writer; the future resolves once it is durable (or unsaved)."""
        future: Future[Saved] = Future()
        self._jobs.put(_Job(uuid.uuid4().hex, tuple(transitions), future))
        return future

    def nudge(self) -> None:
        """Retry the queue now instead of at the next backoff step."""
        self._jobs.put(_NUDGE)

    def close(self, timeout: float = 5.0) -> int:
        """Finish the submitted batches, try the queue once more, stop the thread.

        Returns how many transitions are lost with the process (memory only); what is in the
        queue file is written at the next start.
        """
        if self._started and self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout)
        return self._unsaved

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        wait = self.retry_first
        while True:
            try:
                job = self._jobs.get(timeout=self._retry_in(wait) if self.behind else None)
            except queue.Empty:
                caught_up = self._catch_up()
                wait = self.retry_first if caught_up else min(wait * 2, self.retry_max)
                continue
            if job is _STOP:
                if self.behind:
                    self._catch_up()
                return
            if job is _NUDGE:
                if self.behind and self._catch_up():
                    wait = self.retry_first
                continue
            assert isinstance(job, _Job)
            try:
                saved = self._save(job.key, job.transitions)
            except Exception as exc:  # never let the writer die: the batch stays in memory
                log.exception("alert log writer failed")
                self._keep_in_memory(job.key, job.transitions)
                self._add_view(job.transitions)
                saved = Saved("unsaved", f"{type(exc).__name__}: {exc}")
            if saved.state == "logged":
                wait = self.retry_first
            with contextlib.suppress(InvalidStateError):
                job.future.set_result(saved)  # the work is done even when the waiter has gone

    def _retry_in(self, wait: float) -> float:
        return wait * random.uniform(0.8, 1.2)

    @contextlib.contextmanager
    def _queue_fd(self) -> Iterator[int | None]:
        """The queue file, locked; None when there is none or it cannot be opened."""
        stack = contextlib.ExitStack()
        fd: int | None = None
        if self.queue is not None:
            try:
                fd = stack.enter_context(self.queue.locked())
            except OSError as exc:
                self.last_error = f"retry queue {self.queue.path}: {exc.strerror or exc}"
        with stack:
            yield fd

    def _save(self, key: str, transitions: tuple[Transition, ...]) -> Saved:
        with self._queue_fd() as fd:
            backlog = bool(self._memory) or (fd is not None and os.fstat(fd).st_size > 0)
            if not backlog:
                try:
                    self.store.append_transitions(transitions)
                    return Saved("logged")
                except (StoreError, sqlite3.Error) as exc:
                    self.last_error = str(exc)
            state = self._enqueue(fd, key, transitions)
            self._add_view(transitions)
            if backlog and self._flush(fd):
                return Saved("logged")  # caught up, this batch last
            self._changed()
            return Saved(state, self.last_error)

    def _enqueue(self, fd: int | None, key: str, transitions: tuple[Transition, ...]) -> SaveState:
        """Put a batch behind everything waiting: the queue file when it takes it, else
        memory (and then memory keeps every later batch too, so the order holds)."""
        if fd is not None and self.queue is not None:
            while self._memory:  # earlier batches first, now that the file may take them
                first_key, first = self._memory[0]
                try:
                    self.queue.append(first_key, first, fd=fd)
                except OSError:
                    break
                self._memory.pop(0)
                self._unsaved -= len(first)
                self._queued += len(first)
            if not self._memory:
                try:
                    self.queue.append(key, transitions, fd=fd)
                    self._queued += len(transitions)
                    return "queued"
                except OSError as exc:
                    self.last_error = f"{self.last_error}; retry queue: {exc.strerror or exc}"
        self._keep_in_memory(key, transitions)
        return "unsaved"

    def _keep_in_memory(self, key: str, transitions: tuple[Transition, ...]) -> None:
        self._memory.append((key, transitions))
        self._unsaved += len(transitions)

    def _catch_up(self) -> bool:
        with self._queue_fd() as fd:
            return self._flush(fd)

    def _flush(self, fd: int | None) -> bool:
        """Write the queue file's batches, then memory's, in one transaction; True when
        nothing is left behind."""
        if fd is None and self._queue_file_has_data():
            return False  # unreadable now, but its batches come before memory's
        batches = list(self.queue.read(fd)) if fd is not None and self.queue else []
        batches += self._memory
        if not batches:
            if self._queued or self._unsaved:
                self._queued = self._unsaved = 0
                self._set_view([])
                self._changed()
            return True
        try:
            self.store.append_queued(batches)
        except (StoreError, sqlite3.Error) as exc:
            self.last_error = str(exc)
            return False
        self._memory.clear()
        self._unsaved = 0
        if fd is not None and self.queue is not None:
            try:
                self.queue.clear(fd)
            except OSError as exc:  # the keys in the database keep a replay from doubling
                log.warning("could not empty %s: %s", self.queue.path, exc)
        self._queued = 0
        self._set_view([])
        self.last_error = None
        self._changed()
        return True

    def _queue_file_has_data(self) -> bool:
        if self.queue is None:
            return False
        try:
            return self.queue.path.stat().st_size > 0
        except OSError:
            return False

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception as exc:  # the UI may be gone (shutting down)
                log.debug("alert log on_change failed: %s", exc)
