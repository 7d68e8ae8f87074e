"""The terminal under RotmonApp: hang-ups (a dropped SSH link) and resuming after ctrl+z."""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

from textual.app import App


def terminal_alive(app: App[Any]) -> bool:
    """False once the terminal has hung up (its tty no longer answers)."""
    driver = app._driver
    fileno = getattr(driver, "fileno", None)
    if not isinstance(fileno, int):
        return True
    try:
        return os.isatty(fileno)
    except OSError:
        return False


def silence_output(app: App[Any]) -> None:
    """Send the driver's remaining output (the terminal restore on exit) to /dev/null.

    Writing to a hung-up terminal fails with EIO and ends Textual's output thread; the
    shutdown writes would then fill its queue and block the exit for ever.
    """
    driver = app._driver
    if getattr(driver, "_writer_thread", None) is None:
        return
    from textual.drivers._writer_thread import WriterThread

    quiet = WriterThread(open(os.devnull, "w"))  # noqa: SIM115  (lives until the process ends)
    quiet.start()
    driver._writer_thread = quiet  # type: ignore[union-attr]


def resume_only_on_a_live_terminal(app: App[Any]) -> None:
    """Textual answers SIGCONT (``fg`` after ctrl+z) by re-entering application mode. The
    kernel also sends SIGCONT right after the SIGHUP of a hung-up terminal (a dropped SSH
    link); re-entering then starts a second output thread on the dead terminal and the exit
    that SIGHUP asked for deadlocks. Resume only while the terminal still answers."""
    previous = signal.getsignal(signal.SIGCONT)
    if not callable(previous):
        return

    def on_sigcont(signum: int, frame: Any) -> None:
        if terminal_alive(app):
            previous(signum, frame)

    with contextlib.suppress(ValueError):  # not the main thread: keep Textual's handler
        signal.signal(signal.SIGCONT, on_sigcont)
