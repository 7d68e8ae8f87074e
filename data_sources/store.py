"""The durable store: one SQLite file holding the alert log, rule state and the data caches.

Durability: WAL journal with ``synchronous=FULL``. A transaction that has committed is in the
WAL file before ``commit`` returns, so it survives ``kill -9`` of the process (the OS keeps the
written pages), and FULL adds an fsync per commit so it survives a power cut too. Commits are
rare (one per poll or user action), so the fsync costs nothing a user could notice. The UI
shows a transition only after ``append_transitions`` has returned.

Recognition: the file carries ``PRAGMA application_id`` = ``APPLICATION_ID`` and its schema
version in ``PRAGMA user_version``. A file that is not SQLite, another application's database
or one from a newer rotmon is refused (``StoreRefused``: exit 2, the file untouched); only a
file that SQLite itself reports damaged is moved aside by ``open_store`` (``storefile``).

Threads: one connection guarded by a re-entrant lock; every public method takes the lock, so a
worker thread and the UI thread may share one ``Store``. Processes: several may open the same
file (WAL readers never block the writer; writers use ``BEGIN IMMEDIATE`` and a busy timeout).

Size: only the alert log grows (a few hundred bytes per transition); the caches are upserts.

Length: over 600 lines because ``Store`` is one class on purpose: the alert log and the caches
share its one connection, its re-entrant lock and its write transaction; the file handling
around it (moving a damaged file aside) is already ``storefile``.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Generic, Literal, TypeVar

import pandas as pd

from analytics.lifecycle import EVENTS, ActiveEntry, Transition
from analytics.types import Alert
from data_sources.model import Bars, Constituent, MacroSeries, Quote
from data_sources.paths import default_db_path
from data_sources.storefile import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    SQLITE_MAGIC,
    DamagedDatabase,
    StoreError,
    StoreRefused,
    header_of,
    is_busy,
    is_damage,
    refusal_for,
)

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "SQLITE_MAGIC",
    "Cached",
    "DamagedDatabase",
    "Holdings",
    "LogEntry",
    "Store",
    "StoreError",
    "StoreRefused",
    "open_store",
]

BUSY_TIMEOUT_S = 10.0

T = TypeVar("T")

log = logging.getLogger(__name__)

_SCHEMA = f"""
CREATE TABLE alert_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    rule TEXT NOT NULL,
    grp TEXT,
    severity TEXT CHECK (severity IN ('warning', 'critical')),
    event TEXT NOT NULL CHECK (event IN ({", ".join(repr(e) for e in EVENTS)})),
    value REAL,
    threshold REAL,
    message TEXT NOT NULL DEFAULT '',
    who TEXT
);
CREATE INDEX alert_log_rule ON alert_log (rule, id);
CREATE TABLE bars (
    symbol TEXT NOT NULL,
    date TEXT NOT NULL,
    open REAL, high REAL, low REAL, close REAL, volume REAL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (symbol, date)
) WITHOUT ROWID;
CREATE TABLE series (
    id TEXT NOT NULL,
    date TEXT NOT NULL,
    value REAL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (id, date)
) WITHOUT ROWID;
CREATE TABLE series_info (
    id TEXT PRIMARY KEY,
    frequency TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE quotes (
    symbol TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    time TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE muted_rules (
    rule TEXT PRIMARY KEY,
    since TEXT NOT NULL
);
CREATE TABLE acknowledged (
    rule TEXT PRIMARY KEY,
    severity TEXT,
    time TEXT NOT NULL
);
"""

_ADDED_SINCE_VERSION_1 = """
CREATE TABLE IF NOT EXISTS holdings (
    universe TEXT NOT NULL,
    symbol TEXT NOT NULL,
    json TEXT NOT NULL,
    as_of TEXT,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (universe, symbol)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_queue_applied (
    key TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fund_pe (
    symbol TEXT NOT NULL,
    day TEXT NOT NULL,
    pe REAL,
    forward_pe REAL,
    source TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (symbol, day)
) WITHOUT ROWID
"""
"""Tables added after schema version 1 was released. A rotmon that does not know a table leaves
it alone, so they are created on open without a version bump (older builds still open the file
and keep its alert log). ``alert_queue_applied`` holds the keys of the batches written from the
alert-log retry queue, so that a batch replayed twice (a crash between the commit and the
queue's truncation) is logged once. ``fund_pe`` keeps the P/E of the valuation funds by day
(SPEC 11: a quote's or the fund's holdings statistics), so a history builds up."""
_ADDED_TABLES = ("holdings", "alert_queue_applied", "fund_pe")

ADDED_COLUMNS = (("alert_log", "who", "TEXT"),)
"""Columns added to version 1's tables later, the same way as the tables: ``ALTER TABLE ADD
COLUMN`` on open (the rows stay; older builds name their columns and keep working). ``who`` is
``user@host`` of whoever acknowledged, muted or unmuted (desk mode: any terminal of the desk)."""

_BAR_COLUMNS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the alert log. ``time`` is timezone-aware UTC."""

    id: int
    time: datetime
    rule: str
    group: str | None
    severity: str | None
    event: str
    value: float | None
    threshold: float | None
    message: str
    who: str | None = None
    """``user@host`` of an acknowledgement, mute or unmute (None: the rules, or an old row)."""


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    """A cached value with the time it was fetched (UTC)."""

    value: T
    fetched_at: datetime

    def age(self, now: datetime) -> timedelta:
        return _utc(now) - self.fetched_at


def _add_tables(conn: sqlite3.Connection) -> None:
    for statement in _ADDED_SINCE_VERSION_1.split(";"):
        if statement.strip():
            conn.execute(statement)
    for table, column, kind in _missing_columns(conn):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _missing_columns(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The ``ADDED_COLUMNS`` this file's tables do not have yet."""
    out = []
    for table, column, kind in ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            out.append((table, column, kind))
    return out


_open_files: dict[str, int] = {}
_open_files_lock = threading.Lock()


def _file_key(path: Path) -> str:
    return str(path.resolve())


def _is_open_here(key: str | None) -> bool:
    """True while a ``Store`` of this process has the file open.

    Then its header is not read again: closing *any* descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's included (its documented caveat). Another process
    would then think our connections gone, checkpoint and delete the WAL under them, and they
    would fail with "disk I/O error". A file open here has passed the check already.
    """
    with _open_files_lock:
        return key is not None and _open_files.get(key, 0) > 0


def _opened(key: str | None, step: int) -> None:
    if key is None:
        return
    with _open_files_lock:
        count = _open_files.get(key, 0) + step
        if count > 0:
            _open_files[key] = count
        else:
            _open_files.pop(key, None)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    # Fixed width so that text order is time order.
    return _utc(moment).isoformat(timespec="microseconds")


def _from_iso(text: str) -> datetime:
    return _utc(datetime.fromisoformat(text))


def _num(value: object) -> float | None:
    """A float for SQLite, NaN / None as NULL."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


class Store:
    """The SQLite store. Use ``open_store`` to get one without ever raising."""

    def __init__(self, path: Path | str, *, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        """Open (creating if needed) the rotmon database at ``path``; ``":memory:"`` for RAM.

        Raises ``StoreRefused`` for a file that is not ours to use (left untouched),
        ``DamagedDatabase`` for a file SQLite reports damaged (left untouched; ``open_store``
        moves it aside) and ``StoreError`` when the file cannot be opened at all (locked,
        unreadable). ``busy_timeout`` is how long a write waits for another process's lock.
        """
        self.path = Path(path)
        self._lock = threading.RLock()
        self._closed = False
        self.busy_timeout = busy_timeout
        self._tables_pending = False
        memory = str(path) == ":memory:"
        self._key = None if memory else _file_key(self.path)
        if not memory and not _is_open_here(self._key):
            self._check_header()
        try:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path),
                timeout=busy_timeout,
                isolation_level=None,  # we issue BEGIN / COMMIT ourselves
                check_same_thread=False,  # guarded by self._lock
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the database ({exc})") from exc
        try:
            self._setup(memory)
        except BaseException:
            self._conn.close()
            raise
        _opened(self._key, +1)

    @classmethod
    def memory(cls) -> Store:
        """A store that lives only as long as the process (the fallback of ``open_store``)."""
        return cls(":memory:")

    # -- opening ----------------------------------------------------------------------------

    def _check_header(self) -> None:
        """Refuse a non-SQLite file before SQLite touches it (it might try to use it)."""
        head = header_of(self.path)
        # An empty file is what SQLite itself creates for a new database.
        if head and not head.startswith(SQLITE_MAGIC):
            raise StoreRefused(self.path, "not an SQLite database file")

    def _setup(self, memory: bool) -> None:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self._classify()
            if not memory:
                self._use_wal()
            conn.execute("PRAGMA synchronous = FULL")
            self._create_schema()
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise DamagedDatabase(self.path, str(check))
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise DamagedDatabase(self.path, str(exc)) from exc
            # Locked, read-only, I/O, full: the file may be fine, so it is never moved aside.
            raise StoreError(f"{self.path}: cannot open the database ({exc})") from exc

    def _use_wal(self) -> None:
        """Put the file in WAL mode (it stays so). Switching takes an exclusive lock for which
        SQLite does not call the busy handler, so a second rotmon creating the same new file at
        the same moment got "database is locked" at once: wait for it here, as long as any
        other lock, and take the mode the other process may have set meanwhile."""
        conn = self._conn
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.005
        while True:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                try:
                    mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc) or time.monotonic() >= deadline:
                        raise
                    time.sleep(pause)
                    pause = min(pause * 2, 0.1)
                    continue
            if mode != "wal":
                raise StoreError(f"{self.path}: cannot use WAL mode (journal_mode {mode})")
            return

    def _classify(self) -> None:
        """Raise ``StoreRefused`` unless the file is ours (not newer) or an empty database.

        The three reads are one read transaction: another rotmon creating the file commits its
        tables and its application id together, and reads on either side of that commit made
        a fresh store look like another application's database.
        """
        conn = self._conn
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables: tuple[str, ...] = ()
            if app_id == 0:
                tables = tuple(
                    row[0]
                    for row in conn.execute(
                        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                    )
                )
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        refusal = refusal_for(app_id, version, tables)
        if refusal is not None:
            raise StoreRefused(self.path, refusal)

    def _create_schema(self) -> None:
        conn = self._conn
        if conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            present = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN"
                    f" ({', '.join('?' * len(_ADDED_TABLES))})",
                    _ADDED_TABLES,
                )
            }
            if present == set(_ADDED_TABLES) and not _missing_columns(conn):
                return  # nothing to write: opening never waits for another process's lock
            try:
                with self._write() as conn:
                    _add_tables(conn)
            except sqlite3.OperationalError as exc:
                # Locked or read-only now: our file is usable without them; the first write
                # that needs one creates it in its own transaction.
                log.info("%s: tables added later (%s)", self.path, exc)
                self._tables_pending = True
            return
        with self._write() as conn:
            # Another process may have created it between our check and our write lock.
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            _add_tables(conn)

    def _ensure_added_tables(self, conn: sqlite3.Connection) -> None:
        """Inside a write transaction: create the added tables if the open could not."""
        if self._tables_pending:
            _add_tables(conn)
            self._tables_pending = False

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE so two processes never deadlock on an upgrade.

        A failed COMMIT (disk full, I/O error) is rolled back too, so the connection is never
        left inside a transaction that the next ``BEGIN`` would trip over.
        """
        with self._lock:
            self._ensure_open()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    try:
                        self._conn.execute("ROLLBACK")
                    except sqlite3.Error as exc:  # the original error is the one to report
                        log.debug("rollback after a failed write: %s", exc)
                raise

    def _read(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            self._ensure_open()
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _ensure_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")

    def pragma(self, name: str) -> object:
        """The value of one PRAGMA (for diagnostics and tests)."""
        return self._read(f"PRAGMA {name}")[0][0]

    def close(self) -> None:
        """Close the connection (idempotent); SQLite checkpoints the WAL on the last close."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
                _opened(self._key, -1)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- alert log --------------------------------------------------------------------------

    def append_transitions(self, transitions: Iterable[Transition]) -> list[int]:
        """Log transitions in one committed transaction; returns their log ids.

        Also keeps the rule state in step: ``muted``/``unmuted`` update the muted rules,
        ``acknowledged`` records the ack, ``raised`` and ``cleared`` drop it.
        """
        items = list(transitions)
        if not items:
            return []
        with self._write() as conn:
            self._ensure_added_tables(conn)
            return [_insert_transition(conn, t) for t in items]

    def append_queued(self, batches: Iterable[tuple[str, Sequence[Transition]]]) -> int:
        """Log batches from the alert-log retry queue, in order, in one transaction.

        Each batch has a unique key; a batch whose key is already recorded was logged before
        (the queue was replayed again after a crash) and is skipped, so every transition is
        logged exactly once. Returns how many transitions were newly logged.
        """
        items = [(key, list(ts)) for key, ts in batches]
        if not items:
            return 0
        written = 0
        with self._write() as conn:
            self._ensure_added_tables(conn)
            for key, transitions in items:
                seen = conn.execute(
                    "SELECT 1 FROM alert_queue_applied WHERE key = ?", (key,)
                ).fetchone()
                if seen is not None:
                    continue
                for t in transitions:
                    _insert_transition(conn, t)
                written += len(transitions)
                conn.execute(
                    "INSERT INTO alert_queue_applied (key, applied_at) VALUES (?, ?)",
                    (key, _iso(datetime.now(UTC))),
                )
        return written

    def alert_log(self, rule: str | None = None, limit: int = 500) -> list[LogEntry]:
        """The newest ``limit`` log entries (of one rule, or all), newest first."""
        # ``who`` is missing only while another process's lock kept the open from adding it.
        who = "NULL" if self._tables_pending and self._lacks_who() else "who"
        sql = (
            "SELECT id, time, rule, grp, severity, event, value, threshold, message,"
            f" {who} FROM alert_log"
        )
        params: list[object] = []
        if rule is not None:
            sql += " WHERE rule = ?"
            params.append(rule)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(int(limit))
        return [LogEntry(row[0], _from_iso(row[1]), *row[2:]) for row in self._read(sql, params)]

    def _lacks_who(self) -> bool:
        with self._lock:
            return bool(_missing_columns(self._conn))

    def active_alerts(self) -> tuple[ActiveEntry, ...]:
        """The alerts the log says are active (last level event not ``cleared``), to restore
        an ``AlertBook`` after a restart so that nothing is raised or rung twice."""
        rows = self._read(
            """
            SELECT l.rule, l.grp, l.severity, l.value, l.threshold, l.message,
                   (SELECT r.time FROM alert_log r WHERE r.rule = l.rule AND r.event = 'raised'
                    ORDER BY r.id DESC LIMIT 1),
                   a.time
            FROM alert_log l
            JOIN (SELECT rule, MAX(id) AS id FROM alert_log
                  WHERE event IN ('raised', 'deescalated', 'cleared') GROUP BY rule) m
              ON l.id = m.id
            LEFT JOIN acknowledged a ON a.rule = l.rule
            WHERE l.event != 'cleared'
            ORDER BY l.id
            """
        )
        muted = self.muted_rules()
        out: list[ActiveEntry] = []
        for rule, group, severity, value, threshold, message, raised, acked in rows:
            if severity is None or group is None:
                continue
            raised_at = _from_iso(raised) if raised else datetime.now(UTC)
            alert = Alert(
                rule=rule,
                group=group,
                severity=severity,
                value=math.nan if value is None else value,
                threshold=math.nan if threshold is None else threshold,
                since=raised_at.date(),
                message=message,
            )
            out.append(
                ActiveEntry(
                    alert,
                    raised_at=raised_at,
                    acked_at=_from_iso(acked) if acked else None,
                    muted=rule in muted,
                )
            )
        return tuple(out)

    def muted_rules(self) -> frozenset[str]:
        return frozenset(row[0] for row in self._read("SELECT rule FROM muted_rules"))

    # -- caches -----------------------------------------------------------------------------

    def save_bars(self, bars: Bars, fetched_at: datetime) -> None:
        """Upsert the bars of one symbol; rows inside the new frame's date range that the
        new frame lacks are dropped (a re-download is the truth for its range)."""
        frame = bars.frame
        if frame.empty:
            return
        dates = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in frame.index]
        columns = [
            frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in _BAR_COLUMNS
        ]
        stamp = _iso(fetched_at)
        rows = [
            (bars.symbol, day, *(_num(col[i]) for col in columns), stamp)
            for i, day in enumerate(dates)
        ]
        with self._write() as conn:
            conn.execute(
                "DELETE FROM bars WHERE symbol = ? AND date BETWEEN ? AND ?",
                (bars.symbol, min(dates), max(dates)),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO bars (symbol, date, open, high, low, close, volume,"
                " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def load_bars(self, symbol: str) -> Cached[Bars] | None:
        """The cached bars of one symbol (NULL back to NaN), or None when none are cached."""
        rows = self._read(
            "SELECT date, open, high, low, close, volume, fetched_at FROM bars"
            " WHERE symbol = ? ORDER BY date",
            (symbol,),
        )
        if not rows:
            return None
        index = pd.DatetimeIndex(pd.to_datetime([r[0] for r in rows]))
        data = {
            name: pd.array(
                [math.nan if r[i + 1] is None else r[i + 1] for r in rows], dtype="float64"
            )
            for i, name in enumerate(_BAR_COLUMNS)
        }
        frame = pd.DataFrame(data, index=index)
        fetched = max(_from_iso(r[6]) for r in rows)
        return Cached(Bars(symbol, frame), fetched)

    def save_series(self, series: MacroSeries, fetched_at: datetime) -> None:
        """Upsert one macro series (same range rule as ``save_bars``)."""
        values = series.values.dropna()
        stamp = _iso(fetched_at)
        dates = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in values.index]
        rows = [
            (series.id, day, _num(v), stamp) for day, v in zip(dates, values.tolist(), strict=True)
        ]
        with self._write() as conn:
            if dates:
                conn.execute(
                    "DELETE FROM series WHERE id = ? AND date BETWEEN ? AND ?",
                    (series.id, min(dates), max(dates)),
                )
            conn.executemany(
                "INSERT OR REPLACE INTO series (id, date, value, fetched_at) VALUES (?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "INSERT OR REPLACE INTO series_info (id, frequency, fetched_at) VALUES (?, ?, ?)",
                (series.id, series.frequency, stamp),
            )

    def load_series(self, series_id: str) -> Cached[MacroSeries] | None:
        info = self._read(
            "SELECT frequency, fetched_at FROM series_info WHERE id = ?", (series_id,)
        )
        if not info:
            return None
        rows = self._read("SELECT date, value FROM series WHERE id = ? ORDER BY date", (series_id,))
        values = pd.Series(
            [r[1] for r in rows],
            index=pd.DatetimeIndex(pd.to_datetime([r[0] for r in rows])),
            dtype="float64",
            name=series_id,
        )
        stored = info[0][0]
        frequency: Literal["daily", "weekly", "monthly"] = "daily"
        if stored in ("weekly", "monthly"):
            frequency = "weekly" if stored == "weekly" else "monthly"
        return Cached(MacroSeries(series_id, values, frequency), _from_iso(info[0][1]))

    def series_ids(self) -> list[str]:
        return [row[0] for row in self._read("SELECT id FROM series_info ORDER BY id")]

    def save_quotes(self, quotes: Iterable[Quote], fetched_at: datetime) -> None:
        """Upsert the last quote of each symbol."""
        stamp = _iso(fetched_at)
        rows = []
        for quote in quotes:
            payload = asdict(quote)
            payload["time"] = _iso(quote.time)
            rows.append((quote.symbol, json.dumps(payload), payload["time"], stamp))
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO quotes (symbol, json, time, fetched_at)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )

    def load_quotes(self) -> dict[str, Cached[Quote]]:
        """Every cached quote by symbol; a row that no longer fits ``Quote`` is skipped."""
        known = {f.name for f in fields(Quote)}
        out: dict[str, Cached[Quote]] = {}
        for symbol, text, _time, fetched in self._read(
            "SELECT symbol, json, time, fetched_at FROM quotes ORDER BY symbol"
        ):
            try:
                payload = {k: v for k, v in json.loads(text).items() if k in known}
                payload["time"] = _from_iso(payload["time"])
                out[symbol] = Cached(Quote(**payload), _from_iso(fetched))
            except (ValueError, TypeError, KeyError):
                continue
        return out

    def save_holdings(
        self,
        universe: str,
        constituents: Iterable[Constituent],
        as_of: date | None,
        fetched_at: datetime,
    ) -> None:
        """Replace the cached members of ``universe`` (the fund's holdings file, parsed)."""
        stamp = _iso(fetched_at)
        day = None if as_of is None else as_of.isoformat()
        rows = [(universe, c.symbol, json.dumps(asdict(c)), day, stamp) for c in constituents]
        if not rows:
            return
        with self._write() as conn:
            self._ensure_added_tables(conn)
            conn.execute("DELETE FROM holdings WHERE universe = ?", (universe,))
            conn.executemany(
                "INSERT OR REPLACE INTO holdings (universe, symbol, json, as_of, fetched_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def save_fund_pe(
        self,
        rows: Iterable[tuple[str, date, float | None, float | None, str]],
        fetched_at: datetime,
    ) -> None:
        """Upsert P/E rows ``(symbol, day, pe, forward_pe, source)``."""
        stamp = _iso(fetched_at)
        data = [(s, d.isoformat(), _num(pe), _num(fwd), src, stamp) for s, d, pe, fwd, src in rows]
        if not data:
            return
        with self._write() as conn:
            self._ensure_added_tables(conn)
            conn.executemany(
                "INSERT OR REPLACE INTO fund_pe (symbol, day, pe, forward_pe, source, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                data,
            )

    def load_fund_pe(self) -> list[tuple[str, date, float | None, float | None, str]]:
        """Every cached P/E row, oldest day first; unreadable rows are skipped."""
        try:
            rows = self._read(
                "SELECT symbol, day, pe, forward_pe, source FROM fund_pe ORDER BY symbol, day"
            )
        except sqlite3.OperationalError:
            if self._tables_pending:  # an older file, locked when opened: nothing cached yet
                return []
            raise
        out: list[tuple[str, date, float | None, float | None, str]] = []
        for symbol, day, pe, fwd, source in rows:
            try:
                out.append((str(symbol), date.fromisoformat(day), _num(pe), _num(fwd), str(source)))
            except (TypeError, ValueError):
                continue
        return out

    def load_holdings(self, universe: str) -> Cached[Holdings] | None:
        """The cached members of ``universe`` by weight, or None; unreadable rows are skipped."""
        known = {f.name for f in fields(Constituent)}
        members: list[Constituent] = []
        as_of: date | None = None
        fetched: datetime | None = None
        try:
            rows = self._read(
                "SELECT json, as_of, fetched_at FROM holdings WHERE universe = ? ORDER BY symbol",
                (universe,),
            )
        except sqlite3.OperationalError:
            if self._tables_pending:  # an older file, locked when opened: nothing cached yet
                return None
            raise
        for text, day, stamp in rows:
            try:
                payload = {k: v for k, v in json.loads(text).items() if k in known}
                members.append(Constituent(**payload))
                as_of = date.fromisoformat(day) if day else None
                fetched = _from_iso(stamp)
            except (ValueError, TypeError):
                continue
        if not members or fetched is None:
            return None
        members.sort(key=lambda c: -c.weight)
        return Cached(Holdings(tuple(members), as_of), fetched)


def _insert_transition(conn: sqlite3.Connection, t: Transition) -> int:
    """Insert one transition into the log (inside a write transaction) and keep the rule
    state in step; returns its log id."""
    cursor = conn.execute(
        "INSERT INTO alert_log (time, rule, grp, severity, event, value, threshold,"
        " message, who) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            _iso(t.time),
            t.rule,
            t.group,
            t.severity,
            t.event,
            _num(t.value),
            _num(t.threshold),
            t.message,
            t.who,
        ),
    )
    if t.event == "muted":
        conn.execute(
            "INSERT OR IGNORE INTO muted_rules (rule, since) VALUES (?, ?)",
            (t.rule, _iso(t.time)),
        )
    elif t.event == "unmuted":
        conn.execute("DELETE FROM muted_rules WHERE rule = ?", (t.rule,))
    elif t.event == "acknowledged":
        conn.execute(
            "INSERT OR REPLACE INTO acknowledged (rule, severity, time) VALUES (?, ?, ?)",
            (t.rule, t.severity, _iso(t.time)),
        )
    elif t.event in ("raised", "cleared"):
        conn.execute("DELETE FROM acknowledged WHERE rule = ?", (t.rule,))
    return int(cursor.lastrowid or 0)


@dataclass(frozen=True, slots=True)
class Holdings:
    """A fund's members as the cache keeps them, with the date the fund published them."""

    constituents: tuple[Constituent, ...]
    as_of: date | None


def _stamp(now: datetime) -> str:
    return _utc(now).strftime("%Y%m%dT%H%M%SZ")


def _move_aside(path: Path, now: datetime) -> Path:
    """Rename the file (and its -wal / -shm) to ``<path>.corrupt-<stamp>``; returns the new path."""
    base = path.with_name(f"{path.name}.corrupt-{_stamp(now)}")
    aside = base
    n = 1
    while aside.exists():
        n += 1
        aside = base.with_name(f"{base.name}-{n}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            # Named so that SQLite would find them next to the moved file.
            side.rename(aside.with_name(aside.name + suffix))
    return aside


def open_store(
    path: Path | str | None = None, *, busy_timeout: float = BUSY_TIMEOUT_S
) -> tuple[Store, str | None]:
    """Open the store at ``path`` (default ``default_db_path()``).

    Returns the store and a one-line warning, or None. A file SQLite reports damaged is moved
    aside and a fresh log started in its place; a file that cannot be opened at all (locked,
    unreadable directory) gives an in-memory store for this session. Raises ``StoreRefused``
    (the file untouched) for a file that is not ours: not SQLite, another application's
    database, or a newer rotmon's.
    """
    target = Path(path) if path is not None else default_db_path()
    try:
        return Store(target, busy_timeout=busy_timeout), None
    except StoreRefused:
        raise
    except DamagedDatabase as exc:
        reason = exc.reason
    except StoreError as exc:
        return Store.memory(), f"{exc}; the alert log is kept in memory for this session"
    try:
        aside = _move_aside(target, datetime.now(UTC))
    except OSError as exc:
        return Store.memory(), (
            f"{target}: damaged database ({reason}); cannot move it aside"
            f" ({exc.strerror}); the alert log is kept in memory for this session"
        )
    warning = f"{target}: damaged database ({reason}); moved aside to {aside}, starting a fresh log"
    try:
        return Store(target, busy_timeout=busy_timeout), warning
    except StoreError as exc:
        return Store.memory(), f"{warning}; but {exc}; the alert log is kept in memory"
