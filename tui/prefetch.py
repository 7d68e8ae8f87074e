"""A first start's snapshot, computed by a forked copy of this process (issue 19).

A later start paints the snapshot cached by the one before at once, then brings it up to date.
A first start has no cache: the screen waits while, one after the other under one GIL, Textual
and the screens import and draw themselves (~0.4 s) and the source imports pandas, builds the
market and computes the snapshot (~0.5 s). A child forked before Textual is imported computes
that snapshot on another core meanwhile and writes it to the snapshot cache; the app paints it
as a later start paints its cache, and starts its own source once it is on screen (or the child
failed or took too long), as a later start does.

Only where ``os.fork`` exists, only from a process with one thread (a fork copies no other
thread, nor the locks they hold), and only for the demo: deterministic and offline, so the
child's market is the one the app's own source then shows (the two clocks share an origin,
``DemoClock(origin=...)``). The child reads and writes no terminal (its standard streams are
``/dev/null``), exits with ``os._exit`` (no atexit handler, no flush of the parent's buffers)
and is stopped and reaped when the app ends. It costs the first start ~0.5 s of CPU on the
other core and its own memory for that time.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.types import Snapshot

WAIT = 3.0
"""Seconds the app waits for the child before starting its own source anyway."""

_DONE = b"1"


class Prefetch:
    """A forked child computing the first snapshot into ``path``."""

    def __init__(self, pid: int, fd: int, path: Path) -> None:
        self.pid = pid
        self.path = path
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._reaped = False

    def wait(self, timeout: float = WAIT) -> bool:
        """True once the child has written the snapshot cache; False when it failed, is gone
        or is not done within ``timeout`` seconds (it is then stopped)."""
        with self._lock:
            fd = self._fd
            if fd is None:
                return False
            deadline = time.monotonic() + timeout
            word = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    ready, _, _ = select.select([fd], [], [], left)
                except InterruptedError:
                    continue
                if ready:
                    word = os.read(fd, 1)
                    break
            done = word == _DONE
            self._close_locked(exiting=done)
            return done

    def close(self) -> None:
        """Stop the child if it still runs and reap it (idempotent)."""
        with self._lock:
            self._close_locked()

    def _close_locked(self, exiting: bool = False) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._reaped:
            return
        self._reaped = True
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if exiting:  # it has said it is done: it is in os._exit
                os.waitpid(self.pid, 0)
                return
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            # Still computing: of no use any more. SIGTERM lets it remove a half-written
            # cache file; SIGKILL if it has not gone within a second.
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    return
                time.sleep(0.01)
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def fork_snapshot(compute: Callable[[], Snapshot], path: Path) -> Prefetch | None:
    """Fork a child that writes ``compute()`` to the snapshot cache ``path``; None when this
    process cannot fork safely (no ``os.fork``, more than one thread) or the fork failed."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # pragma: no cover - the child (tests see its cache file and its exit)
        try:
            _child(compute, path, read_end, write_end)
        finally:
            os._exit(1)  # never back into the parent's code
    os.close(write_end)
    return Prefetch(pid, read_end, path)


def _stop(_sig: int, _frame: object) -> None:
    raise SystemExit(1)


def _child(compute: Callable[[], Snapshot], path: Path, read_end: int, write_end: int) -> None:
    word = b"0"
    try:
        # Stopped by the app: unwind, so that a half-written cache file is removed.
        signal.signal(signal.SIGTERM, _stop)
        os.close(read_end)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the terminal belongs to the app: no warning may reach it
            os.dup2(null, fd)
        from tui.snapcache import write_cached

        write_cached(compute(), path)
        word = _DONE
    except BaseException:  # nothing to report to: the app computes its own snapshot
        pass
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # no unwinding from here
        try:
            os.write(write_end, word)
        finally:
            os._exit(0)
