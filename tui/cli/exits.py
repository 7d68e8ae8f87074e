"""rotmon's exit codes and the one place that turns an exception into one of them (SPEC 2)."""

from __future__ import annotations

import sys
from typing import TextIO

from analytics.text import inert

EXIT_OK = 0
"""Success."""
EXIT_DATA = 1
"""Data could not be obtained (the partial result is still printed)."""
EXIT_USAGE = 2
"""A usage or configuration error."""
EXIT_INTERNAL = 70
"""An internal error: a bug in rotmon, not the data nor the user (EX_SOFTWARE of sysexits.h)."""
EXIT_INTERRUPTED = 130
"""Ctrl+C (128 + SIGINT)."""


class UsageError(Exception):
    """A mistake in the command line or configuration: one line, exit 2."""


def exit_code_of(exc: BaseException, *, debug: bool = False, err: TextIO | None = None) -> int:
    """Write the one-line message for ``exc`` to ``err`` (stderr) and return its exit code.

    With ``debug`` an unexpected exception is re-raised so its traceback shows; every other
    error is one line whatever ``debug`` says (SPEC 2).
    """
    from tui.config import ConfigError

    out = err if err is not None else sys.stderr
    if isinstance(exc, UsageError):
        out.write(f"rotmon: {inert(exc)}\n")
        return EXIT_USAGE
    if isinstance(exc, ConfigError):  # LiveConfigError too: its own lines, no prefix
        out.write("".join(f"{inert(p)}\n" for p in exc.problems[:2]))
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    from data_sources.storefile import StoreRefused

    if isinstance(exc, StoreRefused):  # --db names a file rotmon must neither use nor move
        out.write(f"rotmon: {exc}\n")
        return EXIT_USAGE
    from data_sources.base import SourceError

    if isinstance(exc, SourceError):
        out.write(f"rotmon: {inert(exc)}\n")
        return EXIT_DATA
    if debug:
        raise exc
    out.write(f"rotmon: internal error: {type(exc).__name__}: {inert(exc)} (rerun with --debug)\n")
    return EXIT_INTERNAL
