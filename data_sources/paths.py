"""Where rotmon keeps its files (platformdirs); importable without pandas for a fast start."""

from __future__ import annotations

from pathlib import Path


def default_db_path() -> Path:
    """``<user data dir>/rotmon.sqlite3``: the cache and the alert log."""
    import platformdirs

    return platformdirs.user_data_path("rotmon") / "rotmon.sqlite3"


def store_path_for(kind: str, db: Path | None, variant: str | None = None) -> Path:
    """The SQLite file for a source kind: ``--db`` when given; otherwise the live store, with
    demo and pack alerts kept in files of their own so they never mix with the real log.

    ``variant`` keeps one demo market's log from another's (``"oil-shock-7"``: scenario and
    seed; a pack's path digest): a ``calm`` start after ``oil-shock`` must not clear the oil
    alerts of another market (issue 16).
    """
    if db is not None:
        return db
    default = default_db_path()
    if kind == "live":
        return default
    suffix = f"-{variant}" if variant else ""
    return default.with_name(f"rotmon-{kind}{suffix}.sqlite3")


def default_export_dir() -> Path:
    """Where exports go unless the config says otherwise: the user's downloads directory when
    it exists (platformdirs), else ``<user data dir>/exports``; never the working directory."""
    import platformdirs

    downloads = platformdirs.user_downloads_path()
    if downloads.is_dir():
        return downloads
    return platformdirs.user_data_path("rotmon") / "exports"
