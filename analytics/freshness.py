"""Freshness of a price leg at an as-of day: the one rule of SPEC 8, for every screen and command.

A price series is *stale* at the as-of day when its last bar is more than
:data:`STALE_SESSIONS` NYSE sessions (exchange_calendars' XNYS) older than that day; every figure
computed from a stale leg is unknown, with a reason such as ``"PSCE: data ends 2020-12-11"``.
Pure: the as-of day is an argument, never the clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.returns import SeriesAt, ns_date, series_at
from analytics.xnys import TABLE_YEARS, xnys_sessions

STALE_SESSIONS = 3
"""A leg whose last bar is more than this many NYSE sessions before the as-of day is stale."""

_EPOCH = date(1970, 1, 1)


def _day_number(d: date) -> int:
    return (d - _EPOCH).days


class _Calendar:
    """XNYS sessions of a span of years as sorted day numbers (days since 1970-01-01)."""

    __slots__ = ("days", "first_year", "last_year")

    def __init__(self, first_year: int, last_year: int) -> None:
        table = xnys_sessions(first_year, last_year)  # the packaged table, or a build
        self.days: np.ndarray = table.days
        self.first_year = table.first_year
        self.last_year = table.last_year


_FIRST_YEAR = TABLE_YEARS[0]  # exchange_calendars' XNYS has no earlier sessions
_lock = threading.Lock()
_cache: _Calendar | None = None


def _calendar(lo_year: int, hi_year: int) -> _Calendar:
    """The cached calendar, rebuilt wider when a year outside it is asked for."""
    global _cache
    lo_year, hi_year = max(lo_year, _FIRST_YEAR), max(hi_year, _FIRST_YEAR)
    cached = _cache
    if cached is not None and cached.first_year <= lo_year and hi_year <= cached.last_year:
        return cached
    with _lock:
        cached = _cache
        if cached is not None:
            lo_year = min(lo_year, cached.first_year)
            hi_year = max(hi_year, cached.last_year)
            if cached.first_year <= lo_year and hi_year <= cached.last_year:
                return cached
        table = _Calendar(max(_FIRST_YEAR, lo_year - 5), hi_year + 1)
        _cache = table
        return table


def _years(day_numbers: np.ndarray) -> tuple[int, int]:
    lo, hi = int(day_numbers.min()), int(day_numbers.max())
    return (
        pd.Timestamp(np.datetime64(lo, "D")).year,
        pd.Timestamp(np.datetime64(hi, "D")).year,
    )


def session_days(start: date, end: date) -> pd.DatetimeIndex:
    """NYSE sessions from ``start`` to ``end`` inclusive (tz-naive midnights, ns)."""
    if end < start:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    cal = _calendar(start.year, end.year)
    lo = np.searchsorted(cal.days, _day_number(start), side="left")
    hi = np.searchsorted(cal.days, _day_number(end), side="right")
    return pd.DatetimeIndex(cal.days[lo:hi].astype("datetime64[D]").astype("datetime64[ns]"))


def sessions_after_days(last: np.ndarray, asof: np.ndarray) -> np.ndarray:
    """Per element: the NYSE sessions ``s`` with ``last < s <= asof`` (day numbers in, ints out)."""
    last = np.asarray(last, dtype=np.int64)
    asof = np.asarray(asof, dtype=np.int64)
    if last.size == 0 and asof.size == 0:
        return np.zeros(np.broadcast(last, asof).shape, dtype=np.int64)
    both = np.concatenate([last.ravel(), asof.ravel()])
    cal = _calendar(*_years(both))
    after = np.searchsorted(cal.days, asof, side="right") - np.searchsorted(
        cal.days, last, side="right"
    )
    return np.maximum(after, 0)


def sessions_after(last: date, asof: date) -> int:
    """The NYSE sessions after ``last`` up to and including ``asof``."""
    # one pair: what sessions_after_days computes, without building arrays for it
    cal = _calendar(min(last.year, asof.year), max(last.year, asof.year))
    days = cal.days
    after = int(days.searchsorted(_day_number(asof), side="right")) - int(
        days.searchsorted(_day_number(last), side="right")
    )
    return max(after, 0)


def is_stale(last: date | None, asof: date) -> bool:
    """True when a bar dated ``last`` is too old to compute from at ``asof`` (None: no bar)."""
    return last is None or sessions_after(last, asof) > STALE_SESSIONS


@dataclass(frozen=True, slots=True)
class LegFreshness:
    """One price leg at an as-of day: the date of its last bar there and whether it is stale."""

    symbol: str
    last_date: date | None
    """The last bar at or before the as-of day (None: the leg has no data up to it)."""
    stale: bool
    reason: str | None
    """``"PSCE: data ends 2020-12-11"`` for a stale leg, ``"PSCE: no data"``; None when fresh."""

    @property
    def usable(self) -> bool:
        return self.last_date is not None and not self.stale


def last_bar_date(prices: pd.Series | None, asof: date) -> date | None:
    """The date of the last non-missing bar at or before ``asof``."""
    if prices is None or prices.empty:
        return None
    return last_bar_date_at(series_at(prices, asof))


def last_bar_date_at(x: SeriesAt) -> date | None:
    """:func:`last_bar_date` of a series read by ``analytics.returns.series_at``."""
    t = x.t
    if t is None:
        return None
    value = x.values[t]
    if value != value:  # a trailing NaN bar is not an observation
        seen = np.flatnonzero(~np.isnan(x.values[: t + 1]))
        if len(seen) == 0:
            return None
        t = int(seen[-1])
    return ns_date(x.ns[t])


def leg_freshness(symbol: str, prices: pd.Series | None, asof: date) -> LegFreshness:
    """The freshness of one price leg at ``asof`` (see the module docstring)."""
    return _freshness(symbol, last_bar_date(prices, asof), asof)


def leg_freshness_at(symbol: str, x: SeriesAt | None, asof: date) -> LegFreshness:
    """:func:`leg_freshness` of a series read at ``asof`` by ``analytics.returns.series_at``
    (None: no series, or an empty one)."""
    return _freshness(symbol, None if x is None else last_bar_date_at(x), asof)


def _freshness(symbol: str, last: date | None, asof: date) -> LegFreshness:
    if last is None:
        return LegFreshness(symbol, None, False, f"{symbol}: no data")
    if sessions_after(last, asof) > STALE_SESSIONS:
        return LegFreshness(symbol, last, True, f"{symbol}: data ends {last.isoformat()}")
    return LegFreshness(symbol, last, False, None)


def legs_freshness(
    prices: Mapping[str, pd.Series], symbols: Iterable[str], asof: date
) -> dict[str, LegFreshness]:
    """:func:`leg_freshness` of each symbol (once each)."""
    return {s: leg_freshness(s, prices.get(s), asof) for s in dict.fromkeys(symbols)}
