"""Writing a command's result: stdout for the result, ``rotmon: …`` lines on stderr for
problems, a progress line; all text goes through ``analytics.text.inert`` so that no terminal
control sequence from a server or a file reaches the terminal."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from analytics.text import inert

if TYPE_CHECKING:
    from rich.console import Console

REDIRECTED_WIDTH = 1000
"""Columns a table may take when stdout is a file or a pipe: wide enough that nothing is cut."""


def problems_to_stderr(problems: Iterable[str]) -> None:
    """One ``rotmon: problem`` line each (the text was made plain where it was read)."""
    for problem in problems:
        sys.stderr.write(f"rotmon: {inert(problem)}\n")


def stdout_console(no_color: bool) -> Console:
    """A Rich console on stdout. On a terminal, as wide as the terminal; redirected to a file or
    a pipe, Rich would assume 80 columns and cut cells with "…", so it gets room for the widest
    table instead (a table without ``expand`` takes only the width it needs)."""
    from rich.console import Console

    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        return Console(no_color=no_color or None)
    return Console(no_color=no_color or None, width=REDIRECTED_WIDTH)


class Progress:
    """One status line on stderr: rewritten in place on a terminal, else a line now and then."""

    def __init__(
        self, stream: TextIO | None = None, *, every: float = 0.25, plain_every: float = 5.0
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self.every = every if self.tty else plain_every
        self._last = -1e9
        self._shown = False
        self._text = ""

    def update(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        text = inert(text)
        if text == self._text and not force:
            return
        if not force and now - self._last < self.every:
            return
        self._last = now
        self._text = text
        if self.tty:
            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            self.stream.write("\r\x1b[K" + inert(text, width))
            self._shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self, text: str | None = None) -> None:
        """Leave the line (and optionally a last word) and move on."""
        if text is not None:
            self.update(text, force=True)
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()
        self._shown = False


def say(text: str, stream: TextIO | None = None) -> None:
    """One ``rotmon: ...`` line on stderr."""
    out = stream if stream is not None else sys.stderr
    out.write(f"rotmon: {inert(text)}\n")
