"""Where rotmon keeps its files (platformdirs); importable without pandas for a fast start."""

from __future__ import annotations

from pathlib import Path


def default_db_path() -> Path:
    """``<user data dir>/rotmon.sqlite3``: the cache and the alert log."""
    import platformdirs

    return platformdirs.user_data_path("rotmon") / "rotmon.sqlite3"
