"""The real rotmon process in a pseudo-terminal: bytes out, a pyte screen, keys, signals."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[2]

KEYS: dict[str, bytes] = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
}


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment whose config, data and cache dirs live under ``home`` (platformdirs
    follows XDG), with a known terminal and no colour switches inherited from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTMON_", "TEXTUAL"))}
    env.pop("NO_COLOR", None)
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _own_terminal() -> None:
    """In the child: a session of its own with the pty as controlling terminal, as a login
    shell has, so closing the master side sends SIGHUP the way a dropped SSH link does."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyApp:
    """``argv`` running on the slave side of a pty of ``size``; a thread drains the master."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int] = (120, 36)
    ) -> None:
        self.cols, self.rows = size
        self.master, slave = pty.openpty()
        self._set_size(slave)
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=ROOT,
            preexec_fn=_own_terminal,
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.screen = pyte.Screen(self.cols, self.rows)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self._closed = False
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _set_size(self, fd: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))

    def _drain(self) -> None:
        while not self._closed:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every slave end is closed (the process exited)
                return
            if not data:
                return
            with self._lock:
                self.output += data
                self._stream.feed(data)

    # -- looking ---------------------------------------------------------------------------

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 20.0) -> str:
        test = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while True:
            shown = self.text()
            if test(shown):
                return shown
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = bytes(self.output[-400:])
                raise AssertionError(
                    f"waited for {predicate!r}; exit {self.proc.poll()}; screen:\n{shown}\n"
                    f"last bytes: {tail!r}"
                )
            time.sleep(0.05)

    # -- acting ----------------------------------------------------------------------------

    def press(self, *keys: str, gap: float = 0.15) -> None:
        for key in keys:
            os.write(self.master, KEYS.get(key, key.encode()))
            time.sleep(gap)

    def resize(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self._set_size(self.master)
        with self._lock:
            self.screen.resize(rows, cols)
        os.killpg(self.proc.pid, signal.SIGWINCH)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def hang_up(self) -> None:
        """Close the terminal the way a dropped SSH link does: the master side goes away."""
        self._closed = True
        self._reader.join(1)
        os.close(self.master)
        self.master = -1

    def wait(self, timeout: float = 10.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._reader.join(2)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self._closed = True
        self._reader.join(2)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def rotmon(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]
