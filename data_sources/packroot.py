"""Whether a path is a data pack at all: stat calls only (no pandas), for the app's first paint
and for ``data_sources.pack``."""

from __future__ import annotations

import os
from pathlib import Path

_EXPECTED = "expected a directory with prices/<SYMBOL>.csv and macro/<SERIES>.csv"


def root_problem(root: Path) -> str | None:
    """Why ``root`` is no data pack at all (one line), or None; it only looks (stat calls and
    listing the directory), opening no file."""
    if not root.exists():
        return f"data pack {root} does not exist: {_EXPECTED}"
    if not root.is_dir():
        return f"data pack {root} is not a directory: {_EXPECTED}"
    try:
        os.scandir(root).close()
    except OSError as exc:
        return f"data pack {root} cannot be read: {exc.strerror or type(exc).__name__}"
    if not os.path.lexists(root / "prices") and not os.path.lexists(root / "macro"):
        return f"data pack {root} has neither prices/ nor macro/: {_EXPECTED}"
    return None
