"""Macro & energy rows: each indicator's latest released value, change and sparkline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalog import MACRO, MONTHLY_SERIES, WEEKLY_SERIES, MacroIndicator
from analytics.freshness import is_stale
from analytics.returns import finite, index_ns, ns_date, series_at
from analytics.risk import RiskResult
from analytics.riskinputs import visible_arrays
from analytics.types import MacroRow

SPARK_POINTS = 60
STALE_DAYS: dict[str, int] = {"daily": 6, "weekly": 21, "monthly": 100}
"""Calendar days after which a FRED value is stale: three expected intervals plus its release
lag (daily: 3 sessions + a weekend; weekly: 3 weeks; monthly: 3 months past the 1st-of-month
date minus the release wait already in it). A market price follows the one rule of SPEC 8
(``analytics.freshness``: more than 3 NYSE sessions old)."""

TAIL_OBS = 400
"""Observations of a series read for its row: the spark, a change and a 4-week mean."""

_EMPTY = (np.empty(0, dtype=np.int64), np.empty(0))


def _in_order(s: pd.Series) -> pd.Series:
    """``s`` by ascending date: the rows up to a day are then the first ones (pandas refused
    to cut a series out of order at a date it lacks)."""
    return s if s.index.is_monotonic_increasing else s.sort_index(kind="stable")


def _market_obs(
    prices: pd.Series, day: date, tail: int = TAIL_OBS
) -> tuple[np.ndarray, np.ndarray]:
    """The last ``tail`` rows at or before ``day``, NaN dropped: dates (ns) and values."""
    x = series_at(_in_order(prices), day)
    if x.t is None:
        return _EMPTY
    lo = max(x.t + 1 - tail, 0)
    ns, values = x.ns[lo : x.t + 1], x.values[lo : x.t + 1]
    ok = ~np.isnan(values)
    return (ns, values) if ok.all() else (ns[ok], values[ok])


def _series(obs: tuple[np.ndarray, np.ndarray]) -> pd.Series:
    return pd.Series(obs[1], index=pd.DatetimeIndex(obs[0].view("datetime64[ns]")))


def _arrays(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return index_ns(s.index), s.to_numpy(dtype=float)  # type: ignore[arg-type]


def indicator_series(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None = None,
    release_lags: Mapping[str, object] | None = None,
    tail: int = TAIL_OBS,
) -> pd.Series | None:
    """The indicator's history as known on ``day``: a market price, else the released FRED series.

    ``tail`` observations at most (the pane needs few; a drill-down chart asks for more).

    Claims are shown as their 4-week average in thousands; the Sahm rule falls back to the risk
    engine's value (computed from UNRATE) when SAHMREALTIME is absent.
    """
    obs = _indicator(ind, prices, macro, day, risk, release_lags, tail)[0]
    return None if obs is None else _series(obs)


def _indicator(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None,
    release_lags: Mapping[str, object] | None,
    tail: int = TAIL_OBS,
) -> tuple[tuple[np.ndarray, np.ndarray] | None, bool]:
    """:func:`indicator_series` as arrays (dates in ns, values) and whether it is the market
    price."""
    obs, market = _chosen(ind, prices, macro, day, release_lags, tail)
    if obs is not None and ind.id == "ICSA":
        obs = _arrays((_series(obs).rolling(4).mean() / 1000.0).dropna())
    if (obs is None or len(obs[0]) == 0) and ind.id == "SAHMREALTIME" and risk is not None:
        obs = _arrays(risk.values["sahm"].dropna()) if "sahm" in risk.values else None
        market = False
    return (None if obs is None or len(obs[0]) == 0 else obs), market


def _chosen(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    release_lags: Mapping[str, object] | None,
    tail: int = TAIL_OBS,
) -> tuple[tuple[np.ndarray, np.ndarray] | None, bool]:
    """The freshest visible of the indicator's market price and FRED series, the market one on
    a tie (SPEC 7's equivalent inputs), and whether it is the market one."""
    market: tuple[np.ndarray, np.ndarray] | None = None
    fred: tuple[np.ndarray, np.ndarray] | None = None
    if ind.market and ind.market in prices and not prices[ind.market].empty:
        market = _market_obs(prices[ind.market], day, tail)
        market = market if len(market[0]) else None
    if ind.series and ind.series in macro:
        values = _in_order(macro[ind.series])
        fx = series_at(values, day)
        t = fx.t
        if market is not None and (t is None or market[0][-1] >= fx.ns[t]):
            return market, True  # as fresh as anything the FRED series could have released
        # The pane shows the tail only; cleaning decades of history each poll would be waste.
        hi = 0 if t is None else t + 1
        fred = visible_arrays(ind.series, values, max(hi - tail, 0), hi, day, release_lags)
        fred = fred if len(fred[0]) else None
    if market is not None and (fred is None or market[0][-1] >= fred[0][-1]):
        return market, True
    return fred, False


def _kind(ind: MacroIndicator, market: bool) -> str:
    """How often the shown series is expected to move."""
    if market:
        return "market"
    if ind.series in MONTHLY_SERIES:
        return "monthly"
    return "weekly" if ind.series in WEEKLY_SERIES else "daily"


def macro_rows(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    indicators: tuple[MacroIndicator, ...] = MACRO,
    risk: RiskResult | None = None,
    release_lags: Mapping[str, object] | None = None,
) -> tuple[MacroRow, ...]:
    """One row per indicator; an indicator with no data has value and date None. Each series
    is read as arrays (dates in ns, values) up to the as-of day, not as pandas objects."""
    rows = []
    for ind in indicators:
        obs, market = _indicator(ind, prices, macro, day, risk, release_lags)
        if obs is None:
            rows.append(MacroRow(ind.id, ind.label, None, None, unit=ind.unit))
            continue
        ns, values = obs
        value = finite(values[-1])
        last = ns_date(ns[-1])
        change = finite(values[-1] - values[-2]) if len(values) > 1 else None
        rows.append(
            MacroRow(
                id=ind.id,
                label=ind.label,
                value=value,
                date=last,
                change=change,
                unit=ind.unit,
                spark=tuple(values[-SPARK_POINTS:].tolist()),
                stale=(
                    is_stale(last, day)
                    if _kind(ind, market) == "market"
                    else (day - last).days > STALE_DAYS[_kind(ind, market)]
                ),
            )
        )
    return tuple(rows)
