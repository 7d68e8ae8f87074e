"""Window returns, drawdown and the as-of row of a price series (SPEC 6)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalog import WINDOW_ROWS

_NS = np.dtype("datetime64[ns]")


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


def _window_return_at(prices: pd.Series, values: np.ndarray, t: int, window: str) -> float | None:
    if window == "YTD":
        year_start = pd.Timestamp(prices.index[t].year, 1, 1)
        base = int(prices.index.searchsorted(year_start, side="left")) - 1
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
    t = asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None:
        return None
    return _window_return_at(prices, prices.to_numpy(dtype=float), t, window)


def window_returns(
    prices: pd.Series | None, windows: tuple[str, ...], asof: date | None = None
) -> dict[str, float | None]:
    """``window_return`` for each window; all None when the series is missing. The as-of row
    and the values are found once for all windows (an as-of step reads ~300 series)."""
    if prices is None or prices.empty:
        return dict.fromkeys(windows)
    t = asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None:
        return dict.fromkeys(windows)
    values = prices.to_numpy(dtype=float)
    return {w: _window_return_at(prices, values, t, w) for w in windows}


def drawdown(prices: pd.Series, asof: date | None = None, rows: int = 252) -> float | None:
    """``P[t] / max(P over the last rows) - 1`` in percent; None with fewer than ``rows`` rows."""
    t = asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None or t + 1 < rows:
        return None
    window = prices.to_numpy(dtype=float)[t + 1 - rows : t + 1]
    peak = np.nanmax(window)
    return _pct(window[-1], peak)


def last_value(prices: pd.Series | None, asof: date | None = None) -> float | None:
    """``P[t]``, or None."""
    if prices is None:
        return None
    t = asof_position(prices.index, asof)  # type: ignore[arg-type]
    return None if t is None else finite(prices.iloc[t])
