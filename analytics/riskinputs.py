"""The risk engine's inputs: prices and macro series cleaned onto the replay's days, each
observation usable from its release date only (no look-ahead), the freshest source of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalog import MONTHLY_SERIES, WEEKLY_SERIES
from analytics.freshness import STALE_SESSIONS, session_days, sessions_after_days
from analytics.rules import (
    RELEASE_LAGS,
    RULE_SYMBOLS,
    Frequency,
)

# -- inputs -----------------------------------------------------------------------------------


_NS_PER_DAY = 86_400_000_000_000
_NS_DTYPE = np.dtype("datetime64[ns]")


def _midnights(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``idx.normalize()`` in nanoseconds, without pandas inferring a frequency on the way
    (that inference was most of the cost of a snapshot on a long pack)."""
    ns = idx.as_unit("ns")
    i8 = ns.asi8
    floored = i8 - i8 % _NS_PER_DAY
    if np.array_equal(floored, i8):
        return ns
    return pd.DatetimeIndex(floored.view("datetime64[ns]"))


def _clean(name: str, s: object) -> pd.Series:
    """A float series on a normalised, tz-naive, ascending, unique date index, NaN dropped."""
    if not isinstance(s, pd.Series):
        raise ValueError(
            f"{name}: expected a pandas Series indexed by date, got {type(s).__name__}"
        )
    idx = s.index
    if (
        idx.dtype == _NS_DTYPE
        and s.dtype == np.float64
        and idx.is_monotonic_increasing
        and idx.is_unique
    ):
        vals = s.to_numpy()
        if not (idx.asi8 % _NS_PER_DAY).any() and np.isfinite(vals).all():
            return pd.Series(vals, index=idx, name=name, copy=False)  # clean already (a pack)
    if not isinstance(idx, pd.DatetimeIndex):
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(idx))
        except (ValueError, TypeError):
            raise ValueError(f"{name}: expected a date index, got {idx.dtype}") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    vals = pd.to_numeric(pd.Series(s.to_numpy(), copy=False), errors="coerce").to_numpy(float)
    out = pd.Series(vals, index=_midnights(idx), name=name)
    out = out[np.isfinite(vals)]
    if not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
    if out.index.has_duplicates:
        out = out[~out.index.duplicated(keep="last")]
    return out


def _frequency(series_id: str) -> Frequency:
    if series_id in MONTHLY_SERIES:
        return "monthly"
    if series_id in WEEKLY_SERIES:
        return "weekly"
    return "daily"


def _lags(release_lags: Mapping[str, object] | None) -> dict[str, int]:
    merged: dict[str, object] = {**RELEASE_LAGS, **(release_lags or {})}
    out: dict[str, int] = {}
    for key, x in merged.items():
        freq = key if key in ("monthly", "weekly", "daily") else _frequency(key)
        if freq == "monthly":
            ok = isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 28
            expected = "a day of the next month, 1-28"
        else:
            ok = isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 366
            expected = "a whole number of days, 0-366"
        if not ok:
            raise ValueError(f"release_lags[{key!r}]: expected {expected}, got {x!r}")
        out[key] = int(x)  # type: ignore[call-overload]
    return out


def release_dates(
    series_id: str, index: pd.DatetimeIndex, release_lags: Mapping[str, object] | None = None
) -> pd.DatetimeIndex:
    """The release date of each observation of a FRED series (see :data:`RELEASE_LAGS`)."""
    if index.tz is not None:
        index = index.tz_localize(None)
    days = _release_days(
        series_id, index.as_unit("ns").to_numpy().astype("datetime64[D]"), release_lags
    )
    return pd.DatetimeIndex(days.astype("datetime64[ns]"))


def _release_days(
    series_id: str, days: np.ndarray, release_lags: Mapping[str, object] | None
) -> np.ndarray:
    """:func:`release_dates` of observation days (``datetime64[D]``), as ``datetime64[D]``."""
    lags = _lags(release_lags)
    freq = _frequency(series_id)
    lag = lags.get(series_id, lags[freq])
    if freq == "monthly":  # day ``lag`` of the month after the observation's month
        return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") + (lag - 1)
    return days + lag


def visible_series(
    series_id: str,
    values: pd.Series,
    day: date,
    release_lags: Mapping[str, object] | None = None,
) -> pd.Series:
    """The observations of a FRED series released by ``day``, by observation date."""
    n = _released_prefix(series_id, values, 0, len(values), day, release_lags)
    if n is not None:  # clean already: the first n observations, as cleaning would give them
        ns = values.index.asi8[:n]
        index = pd.DatetimeIndex(ns.view(_NS_DTYPE))
        return pd.Series(values.to_numpy()[:n], index=index, name=series_id, copy=False)
    s = _clean(series_id, values)
    rel = release_dates(series_id, s.index, release_lags)
    return s[np.asarray(rel <= pd.Timestamp(day))]


def _released_prefix(
    series_id: str,
    values: pd.Series,
    lo: int,
    hi: int,
    day: date,
    release_lags: Mapping[str, object] | None,
) -> int | None:
    """How many of ``values.iloc[lo:hi]`` are released by ``day`` when that slice is clean
    already (float values, finite, on ascending unique midnights, as a pack's or a FRED
    download's); None when it needs :func:`_clean` first.

    Release dates follow observation dates (a lag per series), so the released observations
    are the first ones: a position, found by one search.
    """
    idx = values.index
    if not (isinstance(idx, pd.DatetimeIndex) and idx.dtype == _NS_DTYPE):
        return None
    if values.dtype != np.float64:
        return None
    ns = idx.asi8[lo:hi]
    if len(ns) > 1 and not bool((ns[1:] > ns[:-1]).all()):
        return None
    if (ns % _NS_PER_DAY).any() or not np.isfinite(values.to_numpy()[lo:hi]).all():
        return None
    rel = _release_days(series_id, ns.view(_NS_DTYPE).astype("datetime64[D]"), release_lags)
    rel_ns = rel.astype(_NS_DTYPE).view(np.int64)
    return int(np.searchsorted(rel_ns, pd.Timestamp(day).value, side="right"))


def visible_arrays(
    series_id: str,
    values: pd.Series,
    lo: int,
    hi: int,
    day: date,
    release_lags: Mapping[str, object] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`visible_series` of ``values.iloc[lo:hi]`` as arrays (dates in ns, values),
    without building a series when the slice is clean already."""
    n = _released_prefix(series_id, values, lo, hi, day, release_lags)
    if n is not None:
        return values.index.asi8[lo : lo + n], values.to_numpy()[lo : lo + n]
    s = visible_series(series_id, values.iloc[lo:hi], day, release_lags)
    return s.index.asi8, s.to_numpy(dtype=float)


def _days(ts: pd.DatetimeIndex) -> np.ndarray:
    """Dates as integer day numbers (fast, unit-proof comparisons)."""
    return ts.as_unit("ns").to_numpy().astype("datetime64[D]").astype(np.int64)


class _Inputs:
    """The cleaned inputs and the replay grid; aligns a computed series onto the grid."""

    def __init__(
        self,
        prices: Mapping[str, pd.Series],
        macro: Mapping[str, pd.Series],
        asof: pd.Timestamp,
        lags: dict[str, int],
        stale: Mapping[str, int],
    ) -> None:
        # Only the symbols the rules read: their trading days are the replay grid, and cleaning
        # fifty other series on every snapshot cost more than the whole replay.
        self.prices = {
            k: _clean(f"prices[{k!r}]", v) for k, v in prices.items() if k in RULE_SYMBOLS
        }
        self.macro = {k: _clean(f"macro[{k!r}]", v) for k, v in macro.items()}
        self.prices = {k: v for k, v in self.prices.items() if not v.empty}
        self.macro = {k: v for k, v in self.macro.items() if not v.empty}
        self.lags = lags
        self.stale = stale
        firsts = [v.index[0] for v in self.prices.values()]
        firsts += [self.release(k, v.index)[0] for k, v in self.macro.items()]
        # Every NYSE session from the first data on (SPEC 7): a weekend row is not a replay day.
        self.grid: pd.DatetimeIndex = (
            session_days(min(firsts).date(), asof.date())
            if firsts
            else pd.DatetimeIndex([], dtype="datetime64[ns]")
        )
        self.grid_days = _days(self.grid)

    def release(self, series_id: str, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
        return release_dates(series_id, index, self.lags)

    def price(self, symbol: str) -> pd.Series | None:
        return self.prices.get(symbol)

    def series(self, series_id: str) -> pd.Series | None:
        return self.macro.get(series_id)

    def observed(
        self, s: pd.Series | None, frequency: Frequency, source: str = ""
    ) -> tuple[np.ndarray, np.ndarray]:
        """``s`` (by observation date) as known on each grid day -- released, not stale -- and
        the day number of that observation (:data:`_NO_OBS` where there is none).

        ``s`` is an input series or a value computed on one: a NaN row is an observation whose
        value is undefined (a return over a base <= 0), so the day is unknown rather than
        carrying the previous value.
        """
        n = len(self.grid_days)
        out = np.full(n, np.nan)
        obs = np.full(n, _NO_OBS, dtype=np.int64)
        if s is None or s.empty or n == 0:
            return out, obs
        own = _days(s.index)
        stamps = own if frequency == "market" else _days(self.release(source, s.index))
        # Release dates are monotone in observation dates, but guard against odd lag overrides.
        rel = np.maximum.accumulate(stamps)
        pos = np.searchsorted(rel, self.grid_days, side="right") - 1
        ok = pos >= 0
        at = np.maximum(pos, 0)
        if frequency == "market":
            fresh = sessions_after_days(own[at], self.grid_days) <= STALE_SESSIONS
        else:
            fresh = self.grid_days - rel[at] <= self.stale[frequency]
        ok &= fresh
        vals = s.to_numpy(float)
        out[ok] = vals[at[ok]]
        obs[ok] = own[at[ok]]
        return out, obs

    def on_grid(self, s: pd.Series | None, frequency: Frequency, source: str = "") -> np.ndarray:
        """``s`` as known on each grid day (see :meth:`observed`)."""
        return self.observed(s, frequency, source)[0]


_NO_OBS = np.iinfo(np.int64).min


def _prefer(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(first), second, first)


def _freshest(market: tuple[np.ndarray, np.ndarray], other: tuple[np.ndarray, np.ndarray]):
    """Equivalent inputs (SPEC 7): each day the freshest visible observation, the market one on
    a tie -- even when that observation's value is undefined (the day is then unknown)."""
    (mv, mo), (ov, oo) = market, other
    use_market = (mo != _NO_OBS) & (mo >= oo)
    return np.where(use_market, mv, ov)
