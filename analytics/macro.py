"""Macro & energy rows: each indicator's latest released value, change and sparkline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from analytics.catalog import MACRO, MONTHLY_SERIES, WEEKLY_SERIES, MacroIndicator
from analytics.freshness import is_stale
from analytics.returns import finite
from analytics.risk import RiskResult, visible_series
from analytics.types import MacroRow

SPARK_POINTS = 60
STALE_DAYS: dict[str, int] = {"daily": 6, "weekly": 21, "monthly": 100}
"""Calendar days after which a FRED value is stale: three expected intervals plus its release
lag (daily: 3 sessions + a weekend; weekly: 3 weeks; monthly: 3 months past the 1st-of-month
date minus the release wait already in it). A market price follows the one rule of SPEC 8
(``analytics.freshness``: more than 3 NYSE sessions old)."""

TAIL_OBS = 400
"""Observations of a series read for its row: the spark, a change and a 4-week mean."""


def _market_series(prices: pd.Series, day: date, tail: int = TAIL_OBS) -> pd.Series:
    return prices.loc[: pd.Timestamp(day)].iloc[-tail:].dropna()


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
    return _indicator(ind, prices, macro, day, risk, release_lags, tail)[0]


def _indicator(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None,
    release_lags: Mapping[str, object] | None,
    tail: int = TAIL_OBS,
) -> tuple[pd.Series | None, bool]:
    """:func:`indicator_series` and whether it is the market price."""
    s, market = _chosen(ind, prices, macro, day, release_lags, tail)
    if s is not None and ind.id == "ICSA":
        s = (s.rolling(4).mean() / 1000.0).dropna()
    if (s is None or s.empty) and ind.id == "SAHMREALTIME" and risk is not None:
        s = risk.values["sahm"].dropna() if "sahm" in risk.values else None
        market = False
    return (None if s is None or s.empty else s), market


def _chosen(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    release_lags: Mapping[str, object] | None,
    tail: int = TAIL_OBS,
) -> tuple[pd.Series | None, bool]:
    """The freshest visible of the indicator's market price and FRED series, the market one on
    a tie (SPEC 7's equivalent inputs), and whether it is the market one."""
    market: pd.Series | None = None
    fred: pd.Series | None = None
    if ind.market and ind.market in prices and not prices[ind.market].empty:
        market = _market_series(prices[ind.market], day, tail)
        market = market if not market.empty else None
    if ind.series and ind.series in macro:
        raw = macro[ind.series].loc[: pd.Timestamp(day)]
        if market is not None and (raw.empty or market.index[-1] >= raw.index[-1]):
            return market, True  # as fresh as anything the FRED series could have released
        # The pane shows the tail only; cleaning decades of history each poll would be waste.
        recent = raw.iloc[-tail:]
        fred = visible_series(ind.series, recent, day, release_lags)
        fred = fred if not fred.empty else None
    if market is not None and (fred is None or market.index[-1] >= fred.index[-1]):
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
    """One row per indicator; an indicator with no data has value and date None."""
    rows = []
    for ind in indicators:
        s, market = _indicator(ind, prices, macro, day, risk, release_lags)
        if s is None:
            rows.append(MacroRow(ind.id, ind.label, None, None, unit=ind.unit))
            continue
        value = finite(s.iloc[-1])
        last = s.index[-1].date()
        change = finite(s.iloc[-1] - s.iloc[-2]) if len(s) > 1 else None
        rows.append(
            MacroRow(
                id=ind.id,
                label=ind.label,
                value=value,
                date=last,
                change=change,
                unit=ind.unit,
                spark=tuple(float(x) for x in s.to_numpy(dtype=float)[-SPARK_POINTS:]),
                stale=(
                    is_stale(last, day)
                    if _kind(ind, market) == "market"
                    else (day - last).days > STALE_DAYS[_kind(ind, market)]
                ),
            )
        )
    return tuple(rows)
