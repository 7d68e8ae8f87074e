"""NYSE trading days, session times and market state, from exchange_calendars' XNYS calendar
(its answer for 1900-2040 shipped as a table: analytics.xnys)."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Literal

import pandas as pd

from analytics.xnys import xnys_sessions
from data_sources.clock import NY

"""The exchange's time zone; every session time is expressed in it."""

MarketState = Literal["pre", "open", "post", "closed"]

PRE_OPEN = time(4, 0)
POST_CLOSE = time(20, 0)

# The table covers at least the demo's three years of history and the year ahead (the packaged
# table: 1900-2040); a request outside it rebuilds once, wider (from the shared calendar,
# analytics.xnys.xnys_calendar, which spans 1900 to the year after the last asked).
_YEARS_BEFORE = 4
_YEARS_AFTER = 1


class _Sessions:
    """The calendar's sessions with open and close as int64 UTC nanoseconds, for fast look-ups."""

    __slots__ = ("closes", "first_year", "last_year", "opens", "sessions")

    def __init__(self, first_year: int, last_year: int) -> None:
        # The packaged XNYS table (analytics.xnys) for 1900-2040; exchange_calendars, built once
        # per process and shared with analytics.freshness, only for a year outside it.
        table = xnys_sessions(first_year, last_year)
        self.sessions = pd.DatetimeIndex(table.days.astype("datetime64[D]").astype("M8[ns]"))
        self.opens = table.opens
        self.closes = table.closes
        self.first_year = table.first_year
        self.last_year = table.last_year


_lock = threading.Lock()
_cache: _Sessions | None = None


def _table(*years: int) -> _Sessions:
    """The cached session table, rebuilt wider when a year outside it is asked for."""
    global _cache
    lo, hi = min(years), max(years)
    cached = _cache
    if cached is not None and cached.first_year <= lo and hi <= cached.last_year:
        return cached
    with _lock:
        cached = _cache
        if cached is not None:
            lo, hi = min(lo, cached.first_year), max(hi, cached.last_year)
            if cached.first_year <= lo and hi <= cached.last_year:
                return cached
        table = _Sessions(lo - _YEARS_BEFORE, hi + _YEARS_AFTER)
        _cache = table
        return table


def _as_date(day: date | datetime | pd.Timestamp) -> date:
    """A calendar date; an aware datetime is read in New York time."""
    if isinstance(day, pd.Timestamp):
        day = day.to_pydatetime()
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            day = day.astimezone(NY)
        return day.date()
    if isinstance(day, date):
        return day
    raise TypeError(f"expected a date or datetime, got {type(day).__name__}")


def _utc_ns(when: datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=NY)
    return int(pd.Timestamp(when).as_unit("ns").value)


def _from_utc_ns(value: int) -> datetime:
    return pd.Timestamp(value, tz="UTC").tz_convert(NY).to_pydatetime()


def sessions(start: date | datetime, end: date | datetime) -> pd.DatetimeIndex:
    """NYSE trading days from ``start`` to ``end`` inclusive (tz-naive, half days included)."""
    first, last = _as_date(start), _as_date(end)
    if last < first:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    table = _table(first.year, last.year)
    idx = table.sessions
    lo = idx.searchsorted(pd.Timestamp(first), side="left")
    hi = idx.searchsorted(pd.Timestamp(last), side="right")
    return idx[lo:hi]


def is_session(day: date | datetime) -> bool:
    """True when the NYSE trades on this calendar day."""
    d = _as_date(day)
    table = _table(d.year)
    i = table.sessions.searchsorted(pd.Timestamp(d))
    return i < len(table.sessions) and table.sessions[i].date() == d


def session_open_close(day: date | datetime) -> tuple[datetime, datetime]:
    """Regular open and close of a session, tz-aware in New York time (13:00 on half days)."""
    d = _as_date(day)
    table = _table(d.year)
    i = int(table.sessions.searchsorted(pd.Timestamp(d)))
    if i >= len(table.sessions) or table.sessions[i].date() != d:
        raise ValueError(f"{d.isoformat()} is not an NYSE trading day")
    return _from_utc_ns(int(table.opens[i])), _from_utc_ns(int(table.closes[i]))


def previous_session(day: date | datetime) -> date:
    """The last NYSE trading day strictly before ``day``."""
    d = _as_date(day)
    table = _table(d.year - 1, d.year)
    i = int(table.sessions.searchsorted(pd.Timestamp(d), side="left"))
    return table.sessions[i - 1].date()


def next_session(day: date | datetime) -> date:
    """The first NYSE trading day strictly after ``day``."""
    d = _as_date(day)
    table = _table(d.year, d.year + 1)
    i = int(table.sessions.searchsorted(pd.Timestamp(d), side="right"))
    return table.sessions[i].date()


def market_state(now: datetime) -> MarketState:
    """``pre`` 04:00 to the open, ``open`` in the regular session, ``post`` to 20:00, else closed.

    A naive ``now`` is taken as New York time.
    """
    local = now.replace(tzinfo=NY) if now.tzinfo is None else now.astimezone(NY)
    d = local.date()
    table = _table(d.year)
    i = int(table.sessions.searchsorted(pd.Timestamp(d)))
    if i >= len(table.sessions) or table.sessions[i].date() != d:
        return "closed"
    t = _utc_ns(local)
    if t < _utc_ns(datetime.combine(d, PRE_OPEN, NY)):
        return "closed"
    if t < table.opens[i]:
        return "pre"
    if t < table.closes[i]:
        return "open"
    if t < _utc_ns(datetime.combine(d, POST_CLOSE, NY)):
        return "post"
    return "closed"


def trading_minutes(day: date | datetime) -> int:
    """Length of the regular session in minutes (390, or 210 on a half day)."""
    open_, close = session_open_close(day)
    return int((close - open_) / timedelta(minutes=1))
