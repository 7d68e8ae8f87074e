"""Pair statistics: spreads per window, ratio z-score and trend, correlation and beta (SPEC 6)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.catalog import WINDOWS, Pair
from analytics.freshness import LegFreshness, leg_freshness, leg_freshness_at
from analytics.returns import (
    SeriesAt,
    drawdown_at,
    finite,
    last_value_at,
    returns_at,
    series_at,
    window_returns,
)
from analytics.types import LegReturns, PairRow, Trend

_NS = np.dtype("datetime64[ns]")
Z_ROWS = 252
CORR_ROWS = 63
SPARK_ROWS = 120


def leg_returns(
    small: pd.Series | None, large: pd.Series | None, asof: date | None, windows=WINDOWS
) -> dict[str, LegReturns]:
    """Both legs' returns per window and the spread in percentage points."""
    rs = window_returns(small, windows, asof)
    rl = window_returns(large, windows, asof)
    out: dict[str, LegReturns] = {}
    for w in windows:
        s, l_ = rs[w], rl[w]
        out[w] = LegReturns(s, l_, None if s is None or l_ is None else s - l_)
    return out


def aligned(small: pd.Series, large: pd.Series, asof: date | None = None) -> pd.DataFrame:
    """Both legs on the dates both have (inner join, no NaN), up to ``asof``: columns s, l."""
    a, b = small.index, large.index
    if (
        a.dtype == _NS
        and b.dtype == _NS
        and a.is_unique
        and b.is_unique
        and a.is_monotonic_increasing
        and b.is_monotonic_increasing
    ):  # the usual shape of price series: a sorted intersection, without pandas' join
        common, i, j = np.intersect1d(a.asi8, b.asi8, assume_unique=True, return_indices=True)
        s = small.to_numpy(dtype=float)[i]
        l_ = large.to_numpy(dtype=float)[j]
        ok = ~(np.isnan(s) | np.isnan(l_))
        joined = pd.DataFrame(
            {"s": s[ok], "l": l_[ok]}, index=pd.DatetimeIndex(common[ok].view("datetime64[ns]"))
        )
    else:
        joined = pd.concat([small.rename("s"), large.rename("l")], axis=1, join="inner").dropna()
    if asof is not None:
        joined = joined.loc[: pd.Timestamp(asof)]
    return joined


def ratio_series(small: pd.Series, large: pd.Series, asof: date | None = None) -> pd.Series:
    """``small / large`` on the dates both have, up to ``asof``."""
    return _ratio(aligned(small, large, asof))


def _ratio(joined: pd.DataFrame) -> pd.Series:
    return joined["s"] / joined["l"]


def zscore(ratio: pd.Series, rows: int = Z_ROWS) -> float | None:
    """``(ratio[t] - mean) / std`` over the last ``rows`` observations (ddof=1)."""
    return _zscore(ratio.to_numpy(dtype=float), rows)


def _zscore(values: np.ndarray, rows: int = Z_ROWS) -> float | None:
    if len(values) < rows:
        return None
    window = values[-rows:]
    std = float(np.std(window, ddof=1))
    # A ratio that is constant to rounding error has no meaningful z-score.
    if not np.isfinite(std) or std <= 1e-9 * abs(float(window.mean())):
        return None
    return finite((window[-1] - window.mean()) / std)


def trend(ratio: pd.Series) -> Trend | None:
    """``up`` above both the 50- and 200-day averages, ``down`` below both, else ``flat``."""
    return _trend(ratio.to_numpy(dtype=float))


def _trend(values: np.ndarray) -> Trend | None:
    if len(values) < 200:
        return None
    last = values[-1]
    sma50, sma200 = values[-50:].mean(), values[-200:].mean()
    if last > sma50 and last > sma200:
        return "up"
    if last < sma50 and last < sma200:
        return "down"
    return "flat"


def corr_beta(
    small: pd.Series, large: pd.Series, asof: date | None = None, rows: int = CORR_ROWS
) -> tuple[float | None, float | None]:
    """Correlation and beta (cov/var of large) over the last ``rows`` common daily returns."""
    return _corr_beta(aligned(small, large, asof), rows)


def _corr_beta(joined: pd.DataFrame, rows: int = CORR_ROWS) -> tuple[float | None, float | None]:
    return _corr_beta_of(joined["s"].to_numpy(dtype=float), joined["l"].to_numpy(dtype=float), rows)


def _corr_beta_of(
    s: np.ndarray, l_: np.ndarray, rows: int = CORR_ROWS
) -> tuple[float | None, float | None]:
    """Correlation and beta of the last ``rows`` returns of two aligned price arrays."""
    if len(s) < rows + 1:
        return None, None
    s, l_ = s[-(rows + 1) :], l_[-(rows + 1) :]
    rs = s[1:] / s[:-1] - 1.0
    rl = l_[1:] / l_[:-1] - 1.0
    var_l = float(np.var(rl, ddof=1))
    if var_l == 0:
        return None, None
    cov = float(np.cov(rs, rl, ddof=1)[0, 1])
    var_s = float(np.var(rs, ddof=1))
    corr = finite(cov / np.sqrt(var_s * var_l)) if var_s > 0 else None
    return corr, finite(cov / var_l)


TAIL_ROWS = 600
"""Rows of each leg kept for the ratio statistics: the longest window they read is 252 common
rows, so joining decades of history on every snapshot would only cost time."""


def _increasing(ns: np.ndarray) -> bool:
    """Dates strictly ascending: sorted and unique (the usual shape of a price series)."""
    return len(ns) < 2 or bool((ns[1:] > ns[:-1]).all())


def _joined_at(
    xs: SeriesAt, xl: SeriesAt, lo_s: int, lo_l: int, t_s: int, t_l: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Both legs' values on the dates both have among rows ``lo..t`` of each, NaN dropped
    (:func:`aligned` on arrays); None when a leg's dates are not strictly ascending there."""
    a, b = xs.ns[lo_s : t_s + 1], xl.ns[lo_l : t_l + 1]
    if not _increasing(a):
        return None
    s, l_ = xs.values[lo_s : t_s + 1], xl.values[lo_l : t_l + 1]
    if not np.array_equal(a, b):  # (the same trading days: every row is common)
        if not _increasing(b):
            return None
        _, i, j = np.intersect1d(a, b, assume_unique=True, return_indices=True)
        s, l_ = s[i], l_[j]
    ok = ~(np.isnan(s) | np.isnan(l_))
    return (s, l_) if ok.all() else (s[ok], l_[ok])


def _frame_arrays(joined: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return joined["s"].to_numpy(dtype=float), joined["l"].to_numpy(dtype=float)


def _pair_ratio(
    xs: SeriesAt, xl: SeriesAt, asof: date | None
) -> tuple[np.ndarray, tuple[float | None, float | None]]:
    """The ratio small / large on the dates both have among the last :data:`TAIL_ROWS` rows of
    each leg up to its as-of row (all its rows when those rarely meet), and corr/beta."""
    small, large = xs.series, xl.series
    t_s = -1 if xs.t is None else xs.t
    t_l = -1 if xl.t is None else xl.t
    lo_s, lo_l = max(t_s + 1 - TAIL_ROWS, 0), max(t_l + 1 - TAIL_ROWS, 0)
    joined = _joined_at(xs, xl, lo_s, lo_l, t_s, t_l)
    if joined is None:  # dates out of order or repeated: pandas' join, as aligned() does
        joined = _frame_arrays(aligned(small.iloc[lo_s : t_s + 1], large.iloc[lo_l : t_l + 1]))
    cut = lo_s > 0 or t_s + 1 < len(small) or lo_l > 0 or t_l + 1 < len(large)
    if len(joined[0]) <= Z_ROWS and cut:  # calendars that rarely meet: use all of it
        joined = _joined_at(xs, xl, 0, 0, t_s, t_l) or _frame_arrays(aligned(small, large, asof))
    s, l_ = joined
    with np.errstate(divide="ignore", invalid="ignore"):  # as pandas divides
        return s / l_, _corr_beta_of(s, l_)


def fresh_legs(
    legs: dict[str, pd.Series | None], asof: date | None
) -> tuple[dict[str, pd.Series | None], tuple[str, ...], dict[str, date | None], tuple[str, ...]]:
    """The legs usable at ``asof`` (a stale leg becomes None), the stale symbols, each leg's
    last bar date and the reasons -- the one freshness rule (analytics.freshness) per row."""
    if asof is None:
        return legs, (), {}, ()
    fresh: dict[str, LegFreshness] = {sym: leg_freshness(sym, s, asof) for sym, s in legs.items()}
    usable = {sym: (None if fresh[sym].stale else s) for sym, s in legs.items()}
    return usable, *_stale(fresh)


def _stale(
    fresh: dict[str, LegFreshness],
) -> tuple[tuple[str, ...], dict[str, date | None], tuple[str, ...]]:
    stale = tuple(sym for sym, f in fresh.items() if f.stale)
    reasons = tuple(f.reason for f in fresh.values() if f.stale and f.reason)
    return stale, {sym: f.last_date for sym, f in fresh.items()}, reasons


def read_legs(
    legs: dict[str, pd.Series | None], asof: date | None
) -> tuple[dict[str, SeriesAt | None], tuple[str, ...], dict[str, date | None], tuple[str, ...]]:
    """:func:`fresh_legs` with each usable leg read at ``asof`` (``returns.series_at``): a
    missing, empty or stale leg is None."""
    read = {
        sym: None if s is None or len(s) == 0 else series_at(s, asof) for sym, s in legs.items()
    }
    if asof is None:
        return read, (), {}, ()
    fresh = {sym: leg_freshness_at(sym, x, asof) for sym, x in read.items()}
    usable = {sym: (None if fresh[sym].stale else x) for sym, x in read.items()}
    return usable, *_stale(fresh)


def returns_of_legs(
    small: SeriesAt | None, large: SeriesAt | None, windows: tuple[str, ...] = WINDOWS
) -> dict[str, LegReturns]:
    """:func:`leg_returns` of legs read by :func:`read_legs`."""
    rs = returns_at(small, windows)
    rl = returns_at(large, windows)
    out: dict[str, LegReturns] = {}
    for w in windows:
        s, l_ = rs[w], rl[w]
        out[w] = LegReturns(s, l_, None if s is None or l_ is None else s - l_)
    return out


def pair_row(
    pair: Pair, small: pd.Series | None, large: pd.Series | None, asof: date | None = None
) -> PairRow:
    """Everything the spreads pane shows about one pair; unknowns are None.

    A leg that is stale at ``asof`` (SPEC 8) counts as missing: every figure computed from it
    is None, and the row names it in ``stale`` and ``reasons``. Each leg is read as arrays once
    (``returns.series_at``) and every figure comes from those.
    """
    legs, stale, last_date, reasons = read_legs({pair.small: small, pair.large: large}, asof)
    xs, xl = legs[pair.small], legs[pair.large]
    ratio = np.empty(0)
    corr = beta = None
    if xs is not None and xl is not None:
        ratio, (corr, beta) = _pair_ratio(xs, xl, asof)
    return PairRow(
        id=pair.id,
        small=pair.small,
        large=pair.large,
        label=pair.label,
        small_last=last_value_at(xs),
        large_last=last_value_at(xl),
        ratio=finite(ratio[-1]) if len(ratio) else None,
        returns=returns_of_legs(xs, xl),
        zscore_1y=_zscore(ratio),
        trend=_trend(ratio),
        corr_3m=corr,
        beta_3m=beta,
        ratio_spark=tuple(ratio[-SPARK_ROWS:].tolist()),
        small_drawdown=None if xs is None else drawdown_at(xs),
        large_drawdown=None if xl is None else drawdown_at(xl),
        stale=stale,
        last_date=last_date,
        reasons=reasons,
    )
