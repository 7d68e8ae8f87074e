"""Window returns, drawdown and the as-of row of a price series (SPEC 6).

A snapshot reads ~50 price series at one as-of day, each for several figures: the series are read
as numpy arrays once (:func:`series_at`: dates in nanoseconds, values as floats and the position
of the as-of row), and every figure is computed on those arrays, not through pandas' per-call
machinery (an as-of step read ~1,000 rows that way). The figures are the same numbers either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.catalog import WINDOW_ROWS

_NS = np.dtype("datetime64[ns]")
NS_PER_DAY = 86_400_000_000_000
_EPOCH = date(1970, 1, 1)


def day_ns(asof: date) -> int:
    """``pd.Timestamp(asof).value``: a date's midnight (a naive datetime's moment) in ns."""
    if type(asof) is date:  # the common case, without building a Timestamp
        return (asof - _EPOCH).days * NS_PER_DAY
    key = pd.Timestamp(asof)
    if key.tz is not None:
        raise TypeError("Cannot compare tz-naive and tz-aware datetime-like objects")
    return int(key.as_unit("ns").value)


def ns_date(ns: int | np.integer) -> date:
    """The calendar date of a moment in ns (``pd.Timestamp(ns).date()``)."""
    return _EPOCH + timedelta(days=int(ns) // NS_PER_DAY)


def index_ns(index: pd.Index) -> np.ndarray:
    """A tz-naive date index as int64 nanoseconds (a view when it is in ns already)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"expected a DatetimeIndex of dates, got {type(index).__name__}")
    if index.tz is not None:
        raise TypeError("Cannot compare tz-naive and tz-aware datetime-like objects")
    return index.asi8 if index.dtype == _NS else index.as_unit("ns").asi8


@dataclass(frozen=True, slots=True)
class SeriesAt:
    """A price series as arrays, read at an as-of day."""

    ns: np.ndarray
    """Dates of every row, int64 nanoseconds (ascending)."""
    values: np.ndarray
    """Values of every row, float64."""
    t: int | None
    """Position of row ``t``: the last row at or before the as-of day (None: no such row)."""
    series: pd.Series
    """The series read."""


def series_at(prices: pd.Series, asof: date | None) -> SeriesAt:
    """``prices`` as arrays and the position of its as-of row (the last row when None)."""
    ns = index_ns(prices.index)  # type: ignore[arg-type]
    values = prices.to_numpy(dtype=float)
    return SeriesAt(ns, values, _position(ns, asof), prices)


def _position(ns: np.ndarray, asof: date | None) -> int | None:
    n = len(ns)
    if n == 0:
        return None
    if asof is None:
        return n - 1
    pos = int(ns.searchsorted(day_ns(asof), side="right")) - 1
    return pos if pos >= 0 else None


def asof_position(index: pd.DatetimeIndex, asof: date | None) -> int | None:
    """Position of row ``t``: the last row at or before ``asof`` (the last row when None)."""
    if len(index) == 0:
        return None
    if asof is None:
        return len(index) - 1
    key = pd.Timestamp(asof)
    if index.dtype == _NS and key.tz is None:  # the common case, without pandas' boxing
        pos = int(np.searchsorted(index.asi8, key.as_unit("ns").value, side="right")) - 1
    else:
        pos = int(index.searchsorted(key, side="right")) - 1
    return pos if pos >= 0 else None


def finite(x: float | np.floating | None) -> float | None:
    """``x`` as a float, or None when unknown (None, NaN or infinite)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _pct(now: float, base: float) -> float | None:
    if not (math.isfinite(now) and math.isfinite(base)) or base == 0:
        return None
    return (now / base - 1.0) * 100.0


def _year_start_ns(ns: int) -> int:
    """1 January of the year of the moment ``ns``, in ns."""
    return day_ns(date(ns_date(ns).year, 1, 1))


def _window_return_at(ns: np.ndarray, values: np.ndarray, t: int, window: str) -> float | None:
    if window == "YTD":
        base = int(ns.searchsorted(_year_start_ns(int(ns[t])), side="left")) - 1
        if base < 0:
            return None
        return _pct(values[t], values[base])
    w = WINDOW_ROWS[window]
    if t - w < 0:
        return None
    return _pct(values[t], values[t - w])


def window_return(prices: pd.Series, window: str, asof: date | None = None) -> float | None:
    """Return over ``window`` in percent: ``P[t] / P[t-W] - 1`` by row offset; YTD from the last
    row of the previous calendar year. None when the history is too short."""
    x = series_at(prices, asof)
    return None if x.t is None else _window_return_at(x.ns, x.values, x.t, window)


def returns_at(x: SeriesAt | None, windows: tuple[str, ...]) -> dict[str, float | None]:
    """:func:`window_returns` of a series read by :func:`series_at` (None: all None)."""
    if x is None or x.t is None:
        return dict.fromkeys(windows)
    t = x.t
    return {w: _window_return_at(x.ns, x.values, t, w) for w in windows}


def window_returns(
    prices: pd.Series | None, windows: tuple[str, ...], asof: date | None = None
) -> dict[str, float | None]:
    """``window_return`` for each window; all None when the series is missing. The as-of row
    and the values are found once for all windows (an as-of step reads ~300 series)."""
    if prices is None or prices.empty:
        return dict.fromkeys(windows)
    return returns_at(series_at(prices, asof), windows)


def drawdown_at(x: SeriesAt, rows: int = 252) -> float | None:
    """:func:`drawdown` of a series read by :func:`series_at`."""
    t = x.t
    if t is None or t + 1 < rows:
        return None
    window = x.values[t + 1 - rows : t + 1]
    peak = np.nanmax(window)
    return _pct(window[-1], peak)


def drawdown(prices: pd.Series, asof: date | None = None, rows: int = 252) -> float | None:
    """``P[t] / max(P over the last rows) - 1`` in percent; None with fewer than ``rows`` rows."""
    return drawdown_at(series_at(prices, asof), rows)


def last_value_at(x: SeriesAt | None) -> float | None:
    """:func:`last_value` of a series read by :func:`series_at`."""
    return None if x is None or x.t is None else finite(x.values[x.t])


def last_value(prices: pd.Series | None, asof: date | None = None) -> float | None:
    """``P[t]``, or None."""
    return None if prices is None else last_value_at(series_at(prices, asof))
