"""What may be done with the file at ``--db``: use it, refuse it, or move it aside as damaged.

Kept free of pandas so that the command line can refuse a wrong ``--db`` (exit 2) before the
screen opens. The rule (issue 14): rotmon renames a file only when SQLite itself reports it
damaged. A file that is not SQLite at all (a typo: ``--db notes.txt``), another application's
database, or a rotmon database written by a newer rotmon is the user's data: it is refused,
never renamed, never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

APPLICATION_ID = 0x726F746D  # "rotm": tells our files from any other SQLite database
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
"""The SQLite header: user_version at offset 60, application_id at 68 (big-endian)."""


class StoreError(Exception):
    """The store cannot be used; the message is one plain line naming the file."""


class StoreRefused(StoreError):
    """The file is not ours to use or to move: the command exits 2 and the file stays as it is.

    ``reason`` is the short why ("not an SQLite database file", "schema version 3 is newer
    than this rotmon's 1", ...).
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}; rotmon leaves it untouched (choose another --db)")
        self.path = path
        self.reason = reason


class DamagedDatabase(StoreError):
    """An SQLite file that SQLite reports damaged; ``open_store`` moves it aside."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: damaged database ({reason})")
        self.path = path
        self.reason = reason


def _primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of ``exc`` (its extended code's low byte), if it has one."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_damage(exc: sqlite3.Error) -> bool:
    """True for SQLite's own verdict that a file's content is damaged (CORRUPT / NOTADB), as
    opposed to a lock, a full disk or a permission, after which the file may be fine."""
    import sqlite3  # not at import: the dashboard checks the file before its first frame

    return _primary_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def is_busy(exc: sqlite3.Error) -> bool:
    """True for SQLITE_BUSY or SQLITE_LOCKED: another connection holds a lock."""
    import sqlite3

    return _primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def header_of(path: Path) -> bytes | None:
    """The first ``HEADER_SIZE`` bytes of ``path``; None when there is no such file.

    Raises ``StoreRefused`` for a directory and ``StoreError`` for an unreadable file.
    """
    if path.is_dir():
        raise StoreRefused(path, "a directory, not a database file")
    try:
        with path.open("rb") as fh:
            return fh.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the database ({exc.strerror})") from exc


def check_store_file(path: Path | str) -> None:
    """Raise ``StoreRefused`` when the file at ``path`` must not be used as rotmon's store.

    Reads the header only (no SQLite connection, nothing written): a missing or empty file
    (a new store) and a file with the SQLite header (ours, or damaged: ``open_store`` decides)
    pass. ``Store`` repeats these checks through SQLite when it opens the file.
    """
    target = Path(path)
    head = header_of(target)
    if not head:
        return
    if not head.startswith(SQLITE_MAGIC):
        raise StoreRefused(target, "not an SQLite database file")
    if len(head) < HEADER_SIZE:
        return  # a truncated header: SQLite will call it damaged
    version = int.from_bytes(head[60:64], "big")
    app_id = int.from_bytes(head[68:72], "big")
    refusal = refusal_for(app_id, version, ())
    if refusal is not None:
        raise StoreRefused(target, refusal)


def refusal_for(app_id: int, version: int, tables: tuple[str, ...]) -> str | None:
    """Why a database with this application id, user_version and tables is not rotmon's to
    use, or None when it is (ours at our version or older, or an empty database)."""
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            return (
                f"schema version {version} is newer than this rotmon's {SCHEMA_VERSION}"
                " (written by a newer rotmon)"
            )
        return None
    if app_id != 0:
        return f"another application's database (application id {app_id:#010x})"
    if tables:
        shown = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
        return f"another application's database (tables {shown})"
    return None
