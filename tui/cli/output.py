"""Writing a command's result: stdout for the result, ``rotmon: …`` lines on stderr for problems."""

from __future__ import annotations

import sys
from collections.abc import Iterable


def problems_to_stderr(problems: Iterable[str]) -> None:
    """One ``rotmon: problem`` line each (the text was made plain where it was read)."""
    for problem in problems:
        sys.stderr.write(f"rotmon: {problem}\n")
