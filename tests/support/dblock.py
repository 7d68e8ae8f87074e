"""A second process that holds an SQLite database's write lock (``BEGIN EXCLUSIVE``) until
released: the "another rotmon / a backup tool is writing" case of issue 14, for real."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    con.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    sys.stdin.readline()
    con.execute("COMMIT")
    con.close()
    print("released", flush=True)
    """
)


class Holder:
    """The holding process; ``release`` commits its (empty) transaction and ends it."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "locked":
            self.proc.kill()
            raise AssertionError(f"the lock holder did not start: {line!r}")
        self.released = False

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "released"
        assert self.proc.wait(10) == 0


@contextmanager
def write_locked(db: Path) -> Iterator[Holder]:
    """``db`` write-locked by another process for the duration (or until ``release``)."""
    holder = Holder(db)
    try:
        yield holder
    finally:
        if not holder.released:
            holder.proc.kill()
            holder.proc.wait(10)
