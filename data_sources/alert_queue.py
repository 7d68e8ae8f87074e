"""The alert log's retry queue: an append-only, fsynced journal file beside the database.

Why a file and not memory: a transition is shown only once it is durable (SPEC 8: a crash
loses nothing that was shown as saved). When the database cannot take it (another process
holds its write lock, the disk is full) the transition goes here instead, and what is here is
written to the database, in order and with its original time, when it next accepts writes —
by this process's writer or, after a crash, at the next start.

Format: one JSON line per batch (``{"key": …, "transitions": [...]}``), written with one
``write`` and then ``fsync``. A line is durable once the ``fsync`` has returned; a torn last
line (a crash mid-write) was never reported durable, so it is cut off and ignored. The key
makes a replay idempotent: the database records the keys it has logged
(``Store.append_queued``), so a crash between the database commit and the truncation of this
file does not log a batch twice.

Several processes may share one database and so one queue: every operation holds an
exclusive ``flock`` on the file, and the file is emptied by truncation (never unlinked, which
would strand another process's appends in a deleted file).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from analytics.lifecycle import Transition

try:
    import fcntl
except ImportError:  # not POSIX: one rotmon per database file is assumed there
    fcntl = None  # type: ignore[assignment]

Batch = tuple[str, tuple[Transition, ...]]


def queue_path_for(db: Path) -> Path:
    """The queue file of the database at ``db`` (named apart from SQLite's own -wal/-journal)."""
    return db.with_name(db.name + ".alert-queue")


def _json_number(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return float(value)


def transition_to_json(t: Transition) -> dict[str, Any]:
    return {
        "time": t.time.isoformat(),
        "rule": t.rule,
        "group": t.group,
        "severity": t.severity,
        "event": t.event,
        "value": _json_number(t.value),
        "threshold": _json_number(t.threshold),
        "message": t.message,
        "announce": t.announce,
        "who": t.who,
    }


def transition_from_json(data: dict[str, Any]) -> Transition:
    return Transition(
        time=datetime.fromisoformat(data["time"]),
        rule=str(data["rule"]),
        group=data.get("group"),
        severity=data.get("severity"),
        event=data["event"],
        value=data.get("value"),
        threshold=data.get("threshold"),
        message=str(data.get("message", "")),
        announce=bool(data.get("announce", False)),
        who=None if data.get("who") is None else str(data["who"]),
    )


class AlertQueue:
    """The journal file at ``path``; created on the first append."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped = 0
        """Complete lines that could not be read back (damaged on disk); reported, not kept."""

    @contextlib.contextmanager
    def locked(self) -> Iterator[int]:
        """The open file (a descriptor) under an exclusive lock shared with other processes."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, key: str, transitions: Sequence[Transition], fd: int | None = None) -> None:
        """Add one batch durably (written and fsynced before return); raises OSError."""
        line = json.dumps(
            {"key": key, "transitions": [transition_to_json(t) for t in transitions]},
            ensure_ascii=False,
            allow_nan=False,
        )
        data = (line + "\n").encode("utf-8")
        if fd is None:
            with self.locked() as held:
                self._append(held, data)
        else:
            self._append(fd, data)

    def _append(self, fd: int, data: bytes) -> None:
        self._cut_torn_tail(fd)
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write to {self.path} ({written} of {len(data)} bytes)")
            os.fsync(fd)
        except OSError:
            # Leave no partial line behind for a later append to run into.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
        if size == 0:
            _fsync_directory(self.path.parent)  # the new file's name survives a power cut too

    def _cut_torn_tail(self, fd: int) -> None:
        """Drop a last line without its newline: a write that never finished (never durable)."""
        size = os.fstat(fd).st_size
        if size == 0:
            return
        os.lseek(fd, size - 1, os.SEEK_SET)
        if os.read(fd, 1) == b"\n":
            return
        data = _read_all(fd)
        keep = data.rfind(b"\n") + 1
        os.ftruncate(fd, keep)
        os.fsync(fd)

    def read(self, fd: int | None = None) -> list[Batch]:
        """The complete batches in the file, oldest first (a torn last line is left out)."""
        if fd is None:
            if not self.path.exists():
                return []
            with self.locked() as held:
                return self.read(held)
        data = _read_all(fd)
        batches: list[Batch] = []
        skipped = 0
        for raw in data.split(b"\n")[:-1]:  # the part after the last newline is torn
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                batch = (
                    str(item["key"]),
                    tuple(transition_from_json(t) for t in item["transitions"]),
                )
            except (ValueError, KeyError, TypeError):
                skipped += 1
                continue
            batches.append(batch)
        self.skipped = skipped
        return batches

    def clear(self, fd: int) -> None:
        """Empty the file (after its batches were logged); raises OSError."""
        os.ftruncate(fd, 0)
        os.fsync(fd)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
