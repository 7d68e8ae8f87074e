"""NYSE (exchange_calendars' XNYS) sessions with their open and close times, as plain arrays.

exchange_calendars costs 0.1-0.2 s to import and 0.2-0.3 s to build XNYS on every start (issue
19: most of a first start's wait). Its answer for 1900-2040 is shipped as package data
(``xnys_sessions.bin``, written by ``python -m analytics.xnys``; a test checks it still equals
what the installed exchange_calendars answers), and exchange_calendars itself is built, once per
process, only for a year outside that table.

File format: the line ``XNYS 1``, one line of JSON (``first_year``, ``last_year``,
``first_day`` -- days since 1970-01-01 of the first session --, ``sessions``, the
``exchange_calendars`` version it came from), then zlib-compressed little-endian arrays of
``sessions`` values each: int16 days from the previous session (0 for the first), int16 open
minute of the session's UTC day, int16 minutes from open to close.
"""

from __future__ import annotations

import json
import sys
import threading
import warnings
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

TABLE_FILE = Path(__file__).with_name("xnys_sessions.bin")
TABLE_YEARS = (1900, 2040)
"""The years the packaged table covers (exchange_calendars' XNYS has no earlier sessions)."""

_MAGIC = b"XNYS 1\n"
_NS_PER_MINUTE = 60_000_000_000
_MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True, eq=False)
class SessionTable:
    """Every XNYS session of ``first_year`` to ``last_year``, in order: ``days`` (days since
    1970-01-01), ``opens`` and ``closes`` (UTC nanoseconds since the epoch), all int64."""

    first_year: int
    last_year: int
    days: np.ndarray
    opens: np.ndarray
    closes: np.ndarray

    def covers(self, first_year: int, last_year: int) -> bool:
        return self.first_year <= first_year and last_year <= self.last_year

    def same_sessions(self, other: SessionTable) -> bool:
        return all(
            np.array_equal(a, b)
            for a, b in (
                (self.days, other.days),
                (self.opens, other.opens),
                (self.closes, other.closes),
            )
        )


def table_of_calendar(cal: ExchangeCalendar, first_year: int, last_year: int) -> SessionTable:
    """The sessions of an exchange_calendars calendar as a table said to cover those years."""
    import pandas as pd

    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads tz-aware Series.values, deprecated in pandas 3.1.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        sessions = pd.DatetimeIndex(cal.sessions)
        if sessions.tz is not None:
            sessions = sessions.tz_localize(None)
        days = sessions.as_unit("ns").to_numpy().astype("datetime64[D]").astype(np.int64)
        opens, closes = (
            times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
            for times in (cal.opens, cal.closes)
        )
    return SessionTable(
        first_year, last_year, days, opens.view(np.int64).copy(), closes.view(np.int64).copy()
    )


def encode(table: SessionTable, version: str) -> bytes:
    """The packaged file's bytes for ``table`` (see the module docstring)."""
    days, opens, closes = table.days, table.opens, table.closes
    gaps = np.diff(days, prepend=days[:1])
    open_minute = opens // _NS_PER_MINUTE - days * _MINUTES_PER_DAY
    length = (closes - opens) // _NS_PER_MINUTE
    if (opens % _NS_PER_MINUTE).any() or (closes % _NS_PER_MINUTE).any():
        raise ValueError("a session opens or closes off the minute")
    for column in (gaps, open_minute, length):
        if column.size and (column.min() < -(2**15) or column.max() >= 2**15):
            raise ValueError("a session's gap, open or length does not fit the format")
    header = {
        "first_year": table.first_year,
        "last_year": table.last_year,
        "first_day": int(days[0]),
        "sessions": len(days),
        "exchange_calendars": version,
    }
    body = b"".join(c.astype("<i2").tobytes() for c in (gaps, open_minute, length))
    return _MAGIC + json.dumps(header).encode() + b"\n" + zlib.compress(body, 9)


def decode(data: bytes, years: tuple[int, int] | None = None) -> SessionTable:
    """The table in a packaged file's bytes, or only its sessions of ``years`` (first, last;
    within the file's years): ValueError when they are not one.

    Only the asked years' rows are widened to int64: the whole table in int64 arrays and their
    temporaries were ~2 MB of a dashboard's peak RSS, for the ~30 years it reads."""
    if not data.startswith(_MAGIC):
        raise ValueError("not an XNYS session table")
    line, _, packed = data[len(_MAGIC) :].partition(b"\n")
    header = json.loads(line)
    n = int(header["sessions"])
    body = zlib.decompress(packed)
    if len(body) != 6 * n:
        raise ValueError("XNYS session table: truncated")
    gaps, open_minute, length = (
        np.frombuffer(body, dtype="<i2", count=n, offset=2 * n * k) for k in range(3)
    )
    days = np.cumsum(gaps, dtype=np.int64) + int(header["first_day"])
    first_year, last_year = int(header["first_year"]), int(header["last_year"])
    if years is not None:
        if not (first_year <= years[0] <= years[1] <= last_year):
            raise ValueError(f"XNYS session table: {years} is not within its years")
        first_year, last_year = years
        lo, hi = np.searchsorted(days, [_day_number(first_year), _day_number(last_year + 1)])
        days, open_minute, length = days[lo:hi].copy(), open_minute[lo:hi], length[lo:hi]
    opens = (days * _MINUTES_PER_DAY + open_minute.astype(np.int64)) * _NS_PER_MINUTE
    closes = opens + length.astype(np.int64) * _NS_PER_MINUTE
    return SessionTable(first_year, last_year, days, opens, closes)


def _day_number(year: int) -> int:
    """Days from 1970-01-01 to the first of January of ``year``."""
    return int(np.datetime64(f"{year:04d}-01-01", "D").astype(np.int64))


@cache
def _packaged_bytes() -> bytes | None:
    try:
        return TABLE_FILE.read_bytes()
    except OSError:
        return None


def packaged_table(years: tuple[int, int] | None = None) -> SessionTable | None:
    """The shipped table, or only its sessions of ``years`` (first, last), decoded anew each
    time (~1 ms: the callers keep what they asked for); None when the file is missing or
    unreadable, or does not cover ``years``: exchange_calendars then answers."""
    data = _packaged_bytes()
    if data is None:
        return None
    try:
        return decode(data, years)
    except (ValueError, KeyError, zlib.error):
        return None


_FIRST_YEAR = TABLE_YEARS[0]
_xnys_lock = threading.Lock()
_xnys: tuple[int, int, ExchangeCalendar] | None = None
_built: SessionTable | None = None


def xnys_calendar(first_year: int, last_year: int) -> ExchangeCalendar:
    """exchange_calendars' XNYS calendar covering at least ``first_year`` to ``last_year``, built
    once per process (from 1900 to the year after the last asked: a build costs ~0.2 s whatever
    its span) and rebuilt wider only when a later year is asked."""
    global _xnys
    cached = _xnys
    if cached is not None and cached[0] <= first_year and last_year <= cached[1]:
        return cached[2]
    with _xnys_lock:
        cached = _xnys
        lo = min(first_year, _FIRST_YEAR)
        hi = max(last_year, cached[1] if cached is not None else last_year)
        if cached is not None and cached[0] <= first_year and last_year <= cached[1]:
            return cached[2]
        import exchange_calendars as xc  # ~0.1-0.4 s to import: only when sessions are asked

        with warnings.catch_warnings():
            # exchange_calendars 4.13 reads tz-aware Series.values, deprecated in pandas 3.1.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            cal = xc.get_calendar("XNYS", start=f"{lo}-01-01", end=f"{hi + 1}-12-31")
        _xnys = (lo, hi + 1, cal)
        return cal


def xnys_sessions(first_year: int, last_year: int) -> SessionTable:
    """The sessions of at least ``first_year`` to ``last_year``: exactly those years of the
    packaged table when it covers them (the callers keep what they are given and ask again,
    wider, for a year outside it), else a table of exchange_calendars' answer (built once,
    wider, see :func:`xnys_calendar`)."""
    global _built
    if TABLE_YEARS[0] <= first_year <= last_year <= TABLE_YEARS[1]:
        packaged = packaged_table((first_year, last_year))
        if packaged is not None:
            return packaged
    built = _built
    if built is not None and built.covers(first_year, last_year):
        return built
    cal = xnys_calendar(first_year, last_year)
    cached = _xnys
    lo, hi = (cached[0], cached[1]) if cached is not None else (first_year, last_year)
    built = table_of_calendar(cal, min(lo, first_year), max(hi, last_year))
    _built = built
    return built


def generate(first_year: int = TABLE_YEARS[0], last_year: int = TABLE_YEARS[1]) -> bytes:
    """The packaged file's bytes, from the installed exchange_calendars."""
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xc.get_calendar("XNYS", start=f"{first_year}-01-01", end=f"{last_year}-12-31")
    return encode(table_of_calendar(cal, first_year, last_year), xc.__version__)


if __name__ == "__main__":  # python -m analytics.xnys: rewrite the packaged table
    TABLE_FILE.write_bytes(generate())
    sys.stdout.write(f"{TABLE_FILE}: {TABLE_FILE.stat().st_size} bytes\n")
