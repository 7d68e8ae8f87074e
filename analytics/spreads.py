"""Pair statistics: spreads per window, ratio z-score and trend, correlation and beta (SPEC 6)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.catalog import WINDOWS, Pair
from analytics.freshness import LegFreshness, leg_freshness
from analytics.returns import asof_position, drawdown, finite, last_value, window_returns
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
    if len(ratio) < rows:
        return None
    window = ratio.to_numpy(dtype=float)[-rows:]
    std = float(np.std(window, ddof=1))
    # A ratio that is constant to rounding error has no meaningful z-score.
    if not np.isfinite(std) or std <= 1e-9 * abs(float(window.mean())):
        return None
    return finite((window[-1] - window.mean()) / std)


def trend(ratio: pd.Series) -> Trend | None:
    """``up`` above both the 50- and 200-day averages, ``down`` below both, else ``flat``."""
    if len(ratio) < 200:
        return None
    values = ratio.to_numpy(dtype=float)
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
    if len(joined) < rows + 1:
        return None, None
    prices = joined.to_numpy(dtype=float)[-(rows + 1) :]
    rets = prices[1:] / prices[:-1] - 1.0
    s, l_ = rets[:, 0], rets[:, 1]
    var_l = float(np.var(l_, ddof=1))
    if var_l == 0:
        return None, None
    cov = float(np.cov(s, l_, ddof=1)[0, 1])
    var_s = float(np.var(s, ddof=1))
    corr = finite(cov / np.sqrt(var_s * var_l)) if var_s > 0 else None
    return corr, finite(cov / var_l)


TAIL_ROWS = 600
"""Rows of each leg kept for the ratio statistics: the longest window they read is 252 common
rows, so joining decades of history on every snapshot would only cost time."""


def _tail(prices: pd.Series, asof: date | None, rows: int = TAIL_ROWS) -> pd.Series:
    t = asof_position(prices.index, asof)  # type: ignore[arg-type]
    return prices.iloc[: 0 if t is None else t + 1].iloc[-rows:]


def fresh_legs(
    legs: dict[str, pd.Series | None], asof: date | None
) -> tuple[dict[str, pd.Series | None], tuple[str, ...], dict[str, date | None], tuple[str, ...]]:
    """The legs usable at ``asof`` (a stale leg becomes None), the stale symbols, each leg's
    last bar date and the reasons -- the one freshness rule (analytics.freshness) per row."""
    if asof is None:
        return legs, (), {}, ()
    fresh: dict[str, LegFreshness] = {sym: leg_freshness(sym, s, asof) for sym, s in legs.items()}
    usable = {sym: (None if fresh[sym].stale else s) for sym, s in legs.items()}
    stale = tuple(sym for sym, f in fresh.items() if f.stale)
    reasons = tuple(f.reason for f in fresh.values() if f.stale and f.reason)
    return usable, stale, {sym: f.last_date for sym, f in fresh.items()}, reasons


def pair_row(
    pair: Pair, small: pd.Series | None, large: pd.Series | None, asof: date | None = None
) -> PairRow:
    """Everything the spreads pane shows about one pair; unknowns are None.

    A leg that is stale at ``asof`` (SPEC 8) counts as missing: every figure computed from it
    is None, and the row names it in ``stale`` and ``reasons``.
    """
    legs, stale, last_date, reasons = fresh_legs({pair.small: small, pair.large: large}, asof)
    small, large = legs[pair.small], legs[pair.large]
    returns = leg_returns(small, large, asof)
    ratio = pd.Series(dtype=float)
    corr = beta = None
    if small is not None and large is not None and not small.empty and not large.empty:
        s_tail, l_tail = _tail(small, asof), _tail(large, asof)
        joined = aligned(s_tail, l_tail)
        if len(joined) <= Z_ROWS and (len(s_tail) < len(small) or len(l_tail) < len(large)):
            joined = aligned(small, large, asof)  # calendars that rarely meet: use all of it
        ratio = _ratio(joined)
        corr, beta = _corr_beta(joined)
    return PairRow(
        id=pair.id,
        small=pair.small,
        large=pair.large,
        label=pair.label,
        small_last=last_value(small, asof),
        large_last=last_value(large, asof),
        ratio=finite(ratio.iloc[-1]) if len(ratio) else None,
        returns=returns,
        zscore_1y=zscore(ratio),
        trend=trend(ratio),
        corr_3m=corr,
        beta_3m=beta,
        ratio_spark=tuple(float(x) for x in ratio.to_numpy(dtype=float)[-SPARK_ROWS:]),
        small_drawdown=None if small is None else drawdown(small, asof),
        large_drawdown=None if large is None else drawdown(large, asof),
        stale=stale,
        last_date=last_date,
        reasons=reasons,
    )
