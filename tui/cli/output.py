"""Writing a command's result: stdout for the result, ``rotmon: …`` lines on stderr for
problems, a progress line, and ``plain`` so that no terminal control sequence from a server or
a file reaches the terminal."""

from __future__ import annotations

import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

REDIRECTED_WIDTH = 1000
"""Columns a table may take when stdout is a file or a pipe: wide enough that nothing is cut."""


def problems_to_stderr(problems: Iterable[str]) -> None:
    """One ``rotmon: problem`` line each (the text was made plain where it was read)."""
    for problem in problems:
        sys.stderr.write(f"rotmon: {problem}\n")


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


def plain(text: object, limit: int | None = None) -> str:
    """``text`` safe for a terminal: line breaks become spaces, every other control character
    (ESC, C1, bidi overrides ...) is dropped; cut at ``limit`` characters."""
    out = "".join(
        " " if ch in "\t\n\r\v\f" else ch
        for ch in str(text)
        if ch in "\t\n\r\v\f" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + "…"
    return out


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
        text = plain(text)
        if text == self._text and not force:
            return
        if not force and now - self._last < self.every:
            return
        self._last = now
        self._text = text
        if self.tty:
            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            self.stream.write("\r\x1b[K" + plain(text, width))
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
    out.write(f"rotmon: {plain(text)}\n")
