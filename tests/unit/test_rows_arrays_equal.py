"""The snapshot's per-row figures (pair, sector and macro rows, the header's indices) are
computed on numpy arrays read once per series (``analytics.returns.series_at``), where each figure
went through pandas before: at every week of the real pack_small history, and on generated legs
and FRED-like series with gaps, NaN bars, other calendars, repeats and early ends, they equal what
the previous code computed (kept here as the reference, verbatim but for names). Where pandas
refused an input (a series out of order cut at a day it lacks), the rows are those of the
series put in order."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from analytics.catalog import (
    MACRO,
    MONTHLY_SERIES,
    PAIRS,
    SECTORS,
    WEEKLY_SERIES,
    WINDOW_ROWS,
    WINDOWS,
    MacroIndicator,
    Pair,
    SectorPair,
)
from analytics.freshness import (
    STALE_SESSIONS,
    LegFreshness,
    is_stale,
    last_bar_date,
    leg_freshness,
    sessions_after,
    sessions_after_days,
)
from analytics.macro import STALE_DAYS, indicator_series, macro_rows
from analytics.returns import drawdown, last_value, window_return, window_returns
from analytics.risk import RiskResult
from analytics.riskinputs import _clean, _frequency, _lags, visible_series
from analytics.sectors import sector_rows
from analytics.snapshot import build_snapshot
from analytics.spreads import pair_row
from analytics.types import LegReturns, MacroRow, PairRow, SectorRow, Trend
from data_sources.pack import PackSource

# generated legs have zero prices: the old and the new code both divide by them
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
_NS = np.dtype("datetime64[ns]")

# -- the reference: the previous code ----------------------------------------------------------


def ref_asof_position(index: pd.DatetimeIndex, asof: date | None) -> int | None:
    if len(index) == 0:
        return None
    if asof is None:
        return len(index) - 1
    key = pd.Timestamp(asof)
    if index.dtype == _NS and key.tz is None:
        pos = int(np.searchsorted(index.asi8, key.as_unit("ns").value, side="right")) - 1
    else:
        pos = int(index.searchsorted(key, side="right")) - 1
    return pos if pos >= 0 else None


def ref_finite(x: float | np.floating | None) -> float | None:
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def ref_pct(now: float, base: float) -> float | None:
    if not (math.isfinite(now) and math.isfinite(base)) or base == 0:
        return None
    return (now / base - 1.0) * 100.0


def ref_window_return_at(
    prices: pd.Series, values: np.ndarray, t: int, window: str
) -> float | None:
    if window == "YTD":
        year_start = pd.Timestamp(prices.index[t].year, 1, 1)
        base = int(prices.index.searchsorted(year_start, side="left")) - 1
        if base < 0:
            return None
        return ref_pct(values[t], values[base])
    w = WINDOW_ROWS[window]
    if t - w < 0:
        return None
    return ref_pct(values[t], values[t - w])


def ref_window_returns(
    prices: pd.Series | None, windows: tuple[str, ...], asof: date | None = None
) -> dict[str, float | None]:
    if prices is None or prices.empty:
        return dict.fromkeys(windows)
    t = ref_asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None:
        return dict.fromkeys(windows)
    values = prices.to_numpy(dtype=float)
    return {w: ref_window_return_at(prices, values, t, w) for w in windows}


def ref_drawdown(prices: pd.Series, asof: date | None = None, rows: int = 252) -> float | None:
    t = ref_asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None or t + 1 < rows:
        return None
    window = prices.to_numpy(dtype=float)[t + 1 - rows : t + 1]
    peak = np.nanmax(window)
    return ref_pct(window[-1], peak)


def ref_last_value(prices: pd.Series | None, asof: date | None = None) -> float | None:
    if prices is None:
        return None
    t = ref_asof_position(prices.index, asof)  # type: ignore[arg-type]
    return None if t is None else ref_finite(prices.iloc[t])


def ref_sessions_after(last: date, asof: date) -> int:
    epoch = date(1970, 1, 1)
    out = sessions_after_days(np.array([(last - epoch).days]), np.array([(asof - epoch).days]))
    return int(out[0])


def ref_last_bar_date(prices: pd.Series | None, asof: date) -> date | None:
    if prices is None or prices.empty:
        return None
    t = ref_asof_position(prices.index, asof)  # type: ignore[arg-type]
    if t is None:
        return None
    value = prices.iloc[t]
    if value != value:
        upto = prices.iloc[: t + 1].dropna()
        if upto.empty:
            return None
        t = len(upto) - 1
        return pd.Timestamp(upto.index[t]).date()
    return pd.Timestamp(prices.index[t]).date()


def ref_leg_freshness(symbol: str, prices: pd.Series | None, asof: date) -> LegFreshness:
    last = ref_last_bar_date(prices, asof)
    if last is None:
        return LegFreshness(symbol, None, False, f"{symbol}: no data")
    if ref_sessions_after(last, asof) > STALE_SESSIONS:
        return LegFreshness(symbol, last, True, f"{symbol}: data ends {last.isoformat()}")
    return LegFreshness(symbol, last, False, None)


def ref_leg_returns(
    small: pd.Series | None, large: pd.Series | None, asof: date | None, windows=WINDOWS
) -> dict[str, LegReturns]:
    rs = ref_window_returns(small, windows, asof)
    rl = ref_window_returns(large, windows, asof)
    out: dict[str, LegReturns] = {}
    for w in windows:
        s, l_ = rs[w], rl[w]
        out[w] = LegReturns(s, l_, None if s is None or l_ is None else s - l_)
    return out


def ref_aligned(small: pd.Series, large: pd.Series, asof: date | None = None) -> pd.DataFrame:
    a, b = small.index, large.index
    if (
        a.dtype == _NS
        and b.dtype == _NS
        and a.is_unique
        and b.is_unique
        and a.is_monotonic_increasing
        and b.is_monotonic_increasing
    ):
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


def ref_zscore(ratio: pd.Series, rows: int = 252) -> float | None:
    if len(ratio) < rows:
        return None
    window = ratio.to_numpy(dtype=float)[-rows:]
    std = float(np.std(window, ddof=1))
    if not np.isfinite(std) or std <= 1e-9 * abs(float(window.mean())):
        return None
    return ref_finite((window[-1] - window.mean()) / std)


def ref_trend(ratio: pd.Series) -> Trend | None:
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


def ref_corr_beta(joined: pd.DataFrame, rows: int = 63) -> tuple[float | None, float | None]:
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
    corr = ref_finite(cov / np.sqrt(var_s * var_l)) if var_s > 0 else None
    return corr, ref_finite(cov / var_l)


def ref_tail(prices: pd.Series, asof: date | None, rows: int = 600) -> pd.Series:
    t = ref_asof_position(prices.index, asof)  # type: ignore[arg-type]
    return prices.iloc[: 0 if t is None else t + 1].iloc[-rows:]


def ref_fresh_legs(
    legs: dict[str, pd.Series | None], asof: date | None
) -> tuple[dict[str, pd.Series | None], tuple[str, ...], dict[str, date | None], tuple[str, ...]]:
    if asof is None:
        return legs, (), {}, ()
    fresh = {sym: ref_leg_freshness(sym, s, asof) for sym, s in legs.items()}
    usable = {sym: (None if fresh[sym].stale else s) for sym, s in legs.items()}
    stale = tuple(sym for sym, f in fresh.items() if f.stale)
    reasons = tuple(f.reason for f in fresh.values() if f.stale and f.reason)
    return usable, stale, {sym: f.last_date for sym, f in fresh.items()}, reasons


def ref_pair_row(
    pair: Pair, small: pd.Series | None, large: pd.Series | None, asof: date | None = None
) -> PairRow:
    legs, stale, last_date, reasons = ref_fresh_legs({pair.small: small, pair.large: large}, asof)
    small, large = legs[pair.small], legs[pair.large]
    returns = ref_leg_returns(small, large, asof)
    ratio = pd.Series(dtype=float)
    corr = beta = None
    if small is not None and large is not None and not small.empty and not large.empty:
        s_tail, l_tail = ref_tail(small, asof), ref_tail(large, asof)
        joined = ref_aligned(s_tail, l_tail)
        if len(joined) <= 252 and (len(s_tail) < len(small) or len(l_tail) < len(large)):
            joined = ref_aligned(small, large, asof)
        ratio = joined["s"] / joined["l"]
        corr, beta = ref_corr_beta(joined)
    return PairRow(
        id=pair.id,
        small=pair.small,
        large=pair.large,
        label=pair.label,
        small_last=ref_last_value(small, asof),
        large_last=ref_last_value(large, asof),
        ratio=ref_finite(ratio.iloc[-1]) if len(ratio) else None,
        returns=returns,
        zscore_1y=ref_zscore(ratio),
        trend=ref_trend(ratio),
        corr_3m=corr,
        beta_3m=beta,
        ratio_spark=tuple(float(x) for x in ratio.to_numpy(dtype=float)[-120:]),
        small_drawdown=None if small is None else ref_drawdown(small, asof),
        large_drawdown=None if large is None else ref_drawdown(large, asof),
        stale=stale,
        last_date=last_date,
        reasons=reasons,
    )


def ref_sector_rows(
    prices: Mapping[str, pd.Series], asof: date | None, sectors: tuple[SectorPair, ...]
) -> tuple[SectorRow, ...]:
    rows = []
    for s in sectors:
        given = {s.large: prices.get(s.large)}
        if s.small:
            given[s.small] = prices.get(s.small)
        usable, stale, last_date, reasons = ref_fresh_legs(given, asof)
        legs = ref_leg_returns(usable.get(s.small) if s.small else None, usable[s.large], asof)
        rows.append(
            SectorRow(
                sector=s.sector,
                large=s.large,
                small=s.small,
                returns=legs,
                stale=stale,
                last_date=last_date,
                reasons=reasons,
            )
        )
    return tuple(rows)


def ref_indices(
    prices: Mapping[str, pd.Series], day: date, symbols: tuple[str, ...]
) -> tuple[dict[str, tuple[float | None, float | None]], list[str]]:
    indices: dict[str, tuple[float | None, float | None]] = {}
    reasons: list[str] = []
    for sym in symbols:
        fresh = ref_leg_freshness(sym, prices.get(sym), day)
        series = None if fresh.stale else prices.get(sym)
        change = (
            None
            if series is None or series.empty
            else ref_window_returns(series, ("1D",), day)["1D"]
        )
        indices[sym] = (ref_last_value(series, day), change)
        if fresh.stale and fresh.reason:
            reasons.append(fresh.reason)
    return indices, reasons


def ref_release_dates(
    series_id: str, index: pd.DatetimeIndex, release_lags: Mapping[str, object] | None = None
) -> pd.DatetimeIndex:
    lags = _lags(release_lags)
    freq = _frequency(series_id)
    lag = lags.get(series_id, lags[freq])
    if index.tz is not None:
        index = index.tz_localize(None)
    days = index.as_unit("ns").to_numpy().astype("datetime64[D]")
    if freq == "monthly":
        days = (days.astype("datetime64[M]") + 1).astype("datetime64[D]") + (lag - 1)
    else:
        days = days + lag
    return pd.DatetimeIndex(days.astype("datetime64[ns]"))


def ref_visible_series(
    series_id: str, values: pd.Series, day: date, release_lags: Mapping[str, object] | None = None
) -> pd.Series:
    s = _clean(series_id, values)
    rel = ref_release_dates(series_id, s.index, release_lags)
    return s[np.asarray(rel <= pd.Timestamp(day))]


def ref_chosen(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    release_lags: Mapping[str, object] | None,
    tail: int = 400,
) -> tuple[pd.Series | None, bool]:
    market: pd.Series | None = None
    fred: pd.Series | None = None
    if ind.market and ind.market in prices and not prices[ind.market].empty:
        market = prices[ind.market].loc[: pd.Timestamp(day)].iloc[-tail:].dropna()
        market = market if not market.empty else None
    if ind.series and ind.series in macro:
        raw = macro[ind.series].loc[: pd.Timestamp(day)]
        if market is not None and (raw.empty or market.index[-1] >= raw.index[-1]):
            return market, True
        recent = raw.iloc[-tail:]
        fred = ref_visible_series(ind.series, recent, day, release_lags)
        fred = fred if not fred.empty else None
    if market is not None and (fred is None or market.index[-1] >= fred.index[-1]):
        return market, True
    return fred, False


def ref_indicator(
    ind: MacroIndicator,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None,
    release_lags: Mapping[str, object] | None,
    tail: int = 400,
) -> tuple[pd.Series | None, bool]:
    s, market = ref_chosen(ind, prices, macro, day, release_lags, tail)
    if s is not None and ind.id == "ICSA":
        s = (s.rolling(4).mean() / 1000.0).dropna()
    if (s is None or s.empty) and ind.id == "SAHMREALTIME" and risk is not None:
        s = risk.values["sahm"].dropna() if "sahm" in risk.values else None
        market = False
    return (None if s is None or s.empty else s), market


def ref_macro_rows(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    indicators: tuple[MacroIndicator, ...] = MACRO,
    risk: RiskResult | None = None,
    release_lags: Mapping[str, object] | None = None,
) -> tuple[MacroRow, ...]:
    rows = []
    for ind in indicators:
        s, market = ref_indicator(ind, prices, macro, day, risk, release_lags)
        if s is None:
            rows.append(MacroRow(ind.id, ind.label, None, None, unit=ind.unit))
            continue
        value = ref_finite(s.iloc[-1])
        last = s.index[-1].date()
        change = ref_finite(s.iloc[-1] - s.iloc[-2]) if len(s) > 1 else None
        kind = (
            "market"
            if market
            else "monthly"
            if ind.series in MONTHLY_SERIES
            else "weekly"
            if ind.series in WEEKLY_SERIES
            else "daily"
        )
        rows.append(
            MacroRow(
                id=ind.id,
                label=ind.label,
                value=value,
                date=last,
                change=change,
                unit=ind.unit,
                spark=tuple(float(x) for x in s.to_numpy(dtype=float)[-60:]),
                stale=(
                    is_stale(last, day)
                    if kind == "market"
                    else (day - last).days > STALE_DAYS[kind]
                ),
            )
        )
    return tuple(rows)


def same(new: object, ref: object) -> bool:
    """Equal, NaN included (a ratio over a zero price), bit for bit: floats' repr round-trips."""
    return repr(new) == repr(ref)


def outcome(f: Callable[..., object], *args: object) -> str:
    """What ``f(*args)`` gives (its repr) or raises (the error's type)."""
    try:
        return repr(f(*args))
    except (ValueError, KeyError, TypeError) as e:
        return type(e).__name__


# -- the pack: every week of real history --------------------------------------------------------

ALL_PAIRS = (*PAIRS, Pair("XLE", "SPY", "x"), Pair("PSCE", "IWM", "p"), Pair("SPY", "SPY", "s"))
"""The catalog's pairs (some legs are not in the pack), pairs whose legs the pack has, one leg
that ends early (PSCE) and one pair of a symbol with itself."""


def _weeks(first: date, last: date, step: int = 7) -> list[date]:
    return [first + timedelta(days=d) for d in range(0, (last - first).days + 1, step)]


def test_pack_small_rows_equal_the_reference_every_week() -> None:
    source = PackSource(SMALL)
    prices = source.market_data().prices
    sessions = source.sessions()
    # from before the first bar to after the last (every leg stale), weekends and holidays too
    days = _weeks(sessions[0].date() - timedelta(days=20), sessions[-1].date() + timedelta(days=30))
    days += _weeks(sessions[0].date() + timedelta(days=3), sessions[-1].date(), 7)
    assert len(days) > 200
    seen_stale = seen_z = 0
    for day in days:
        for pair in ALL_PAIRS:
            row = pair_row(pair, prices.get(pair.small), prices.get(pair.large), day)
            assert row == ref_pair_row(pair, prices.get(pair.small), prices.get(pair.large), day)
            seen_stale += bool(row.stale)
            seen_z += row.zscore_1y is not None
        assert sector_rows(prices, day, SECTORS) == ref_sector_rows(prices, day, SECTORS)
    assert seen_stale and seen_z  # the days reach stale legs and full-year z-scores


def test_pack_small_cut_snapshots_equal_the_reference_every_week() -> None:
    """As the app steps: the pack cut at each week's session, the snapshot's rows."""
    source = PackSource(SMALL)
    sessions = source.sessions()
    for i in range(0, len(sessions), 5):
        source.set_asof(sessions[i].date())
        market = source.market_data()
        day = market.asof.date()
        snap = build_snapshot(
            source="pack", asof=market.asof, prices=market.prices, macro={}, pairs=ALL_PAIRS
        )
        p = market.prices
        assert snap.spreads == tuple(
            ref_pair_row(x, p.get(x.small), p.get(x.large), day) for x in ALL_PAIRS
        )
        assert snap.heatmap == ref_sector_rows(p, day, SECTORS)
        indices, reasons = ref_indices(p, day, ("^RUT", "^GSPC", "^VIX"))
        assert snap.indices == {k: indices[k] for k in snap.indices}
        for reason in reasons:
            if reason.split(":")[0] in snap.indices:
                assert any(reason in problem for problem in snap.problems)


# -- generated legs ----------------------------------------------------------------------------


@st.composite
def legs(draw: st.DrawFn) -> pd.Series:
    """A price leg on business days from a random start, with holes, NaN bars and a random end."""
    n = draw(st.integers(0, 700))
    start = date(2017, 1, 2) + timedelta(days=draw(st.integers(0, 900)))
    days = pd.bdate_range(start, periods=n)
    keep = draw(st.sampled_from([1, 1, 1, 2, 5]))  # every day, every other one, weekly
    days = days[::keep]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    if len(days) and draw(st.booleans()):
        values[rng.random(len(days)) < draw(st.sampled_from([0.01, 0.2]))] = np.nan
    if len(days) and draw(st.booleans()):
        values[-draw(st.integers(1, 5)) :] = np.nan  # trailing NaN bars
    if len(days) and draw(st.booleans()):
        values[rng.integers(0, len(days))] = 0.0  # a base of zero
    return pd.Series(values, index=days)


@settings(max_examples=150, deadline=None)
@given(
    small=legs(),
    large=legs(),
    offsets=st.lists(st.one_of(st.none(), st.integers(-30, 1900)), min_size=1, max_size=6),
)
def test_generated_rows_equal_the_reference(
    small: pd.Series, large: pd.Series, offsets: list[int | None]
) -> None:
    pair = Pair("AAA", "BBB", "a")
    sectors = (SectorPair("S", "BBB", "AAA"), SectorPair("L", "BBB", None))
    prices = {"AAA": small, "BBB": large}
    # a leg on the same days as the small one (the usual case: one exchange's sessions)
    twin = (large.reindex(small.index) if len(large) else small) * 1.5
    for off in offsets:
        day = None if off is None else date(2017, 1, 2) + timedelta(days=off)
        assert same(pair_row(pair, small, large, day), ref_pair_row(pair, small, large, day))
        assert same(pair_row(pair, small, twin, day), ref_pair_row(pair, small, twin, day))
        assert window_returns(small, WINDOWS, day) == ref_window_returns(small, WINDOWS, day)
        assert last_value(large, day) == ref_last_value(large, day)
        if len(small):
            assert drawdown(small, day) == ref_drawdown(small, day)
            assert (
                window_return(small, "YTD", day) == ref_window_returns(small, ("YTD",), day)["YTD"]
            )
        if day is not None:
            assert same(sector_rows(prices, day, sectors), ref_sector_rows(prices, day, sectors))
            assert last_bar_date(small, day) == ref_last_bar_date(small, day)
            assert leg_freshness("AAA", small, day) == ref_leg_freshness("AAA", small, day)


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_other_units_and_repeated_dates_equal_the_reference(unit: str) -> None:
    """An index in another unit, and legs with a repeated or out-of-order date (pandas' join)."""
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2019-01-01", periods=500)
    a = pd.Series(100 + rng.random(500).cumsum(), index=idx.as_unit(unit))
    b = pd.Series(50 + rng.random(500).cumsum(), index=idx)
    repeated = pd.concat([b.iloc[:300], b.iloc[299:]])
    shuffled = b.iloc[np.r_[0:200, 201, 200, 202:500]]
    pair = Pair("AAA", "BBB", "a")
    compared = 0
    for day in (None, date(2019, 6, 3), date(2020, 6, 30), date(2021, 1, 1)):
        for large in (b, repeated, shuffled):
            ref = outcome(ref_pair_row, pair, a, large, day)
            if ref.endswith("Error") and day is not None:
                # pandas' join refused the repeated date of rows past the as-of day that the
                # arrays never read: a row now, the same as the legs cut at that day give
                end = pd.Timestamp(day)
                ref = outcome(ref_pair_row, pair, a.loc[:end], large.loc[:end], day)
            compared += not ref.endswith("Error")
            assert outcome(pair_row, pair, a, large, day) == ref
    assert compared >= 6


@pytest.mark.parametrize(("last", "asof"), [(date(2020, 3, 13), date(2020, 3, 18))])
def test_sessions_after_equals_the_array_form(last: date, asof: date) -> None:
    for d in range(-400, 400, 3):
        day = asof + timedelta(days=d)
        assert sessions_after(last, day) == ref_sessions_after(last, day)
        assert sessions_after(day, last) == ref_sessions_after(day, last)


# -- macro rows ----------------------------------------------------------------------------------


def test_pack_small_macro_rows_equal_the_reference_every_week() -> None:
    """Market prices and FRED series of the real pack, with and without the replay's Sahm
    fallback, under the default and overridden release lags."""
    from tui.compute import risk_of_market

    source = PackSource(SMALL)
    market = source.market_data()
    prices = market.prices
    macro = {k: m.values for k, m in market.macro.items()}
    no_sahm = {k: v for k, v in macro.items() if k != "SAHMREALTIME"}
    no_vix = {k: v for k, v in prices.items() if k != "^VIX"}
    risk = risk_of_market(market)
    sessions = source.sessions()
    days = _weeks(
        sessions[0].date() - timedelta(days=20), sessions[-1].date() + timedelta(days=120)
    )
    lag_sets: list[Mapping[str, object] | None] = [None, {"monthly": 1, "daily": 0, "ICSA": 12}]
    compared = 0
    for day in days:
        for p, m, lags in ((prices, macro, None), (no_vix, no_sahm, lag_sets[1])):
            rows = macro_rows(p, m, day, MACRO, risk, lags)
            assert same(rows, ref_macro_rows(p, m, day, MACRO, risk, lags))
            compared += sum(r.value is not None for r in rows)
        for ind in MACRO:
            new = indicator_series(ind, prices, macro, day, risk, tail=256)
            ref = ref_indicator(ind, prices, macro, day, risk, None, tail=256)[0]
            assert (new is None) == (ref is None)
            if new is not None and ref is not None:
                assert new.index.equals(ref.index)
                assert same(new.to_numpy().tolist(), ref.to_numpy().tolist())
    assert compared > 500


@st.composite
def observations(draw: st.DrawFn) -> pd.Series:
    """A FRED-like series: daily, weekly or monthly, maybe with NaN, repeats, a time of day or
    out of order (the cleaning path), maybe clean (the positional path)."""
    freq = draw(st.sampled_from(["B", "W-SAT", "MS"]))
    n = draw(st.integers(0, 500))
    start = date(2015, 1, 1) + timedelta(days=draw(st.integers(0, 2000)))
    idx = pd.date_range(start, periods=n, freq=freq)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.round(2 + np.cumsum(rng.normal(0, 0.05, n)), 2)
    s = pd.Series(values, index=idx)
    mess = draw(st.sampled_from(["clean", "clean", "nan", "repeat", "time", "unsorted"]))
    if n and mess == "nan":
        s.iloc[rng.integers(0, n, max(1, n // 10))] = np.nan
    elif n > 2 and mess == "repeat":
        s = pd.concat([s.iloc[: n // 2], s.iloc[n // 2 - 1 :]])
    elif n and mess == "time":
        s.index = s.index + pd.Timedelta(hours=9)
    elif n > 2 and mess == "unsorted":
        s = s.iloc[np.r_[0 : n - 2, n - 1, n - 2]]
    return s


@settings(max_examples=120, deadline=None)
@given(
    series=observations(),
    market=st.one_of(st.none(), legs()),
    sid=st.sampled_from(["VIXCLS", "ICSA", "FEDFUNDS", "SAHMREALTIME"]),
    offsets=st.lists(st.integers(-30, 4000), min_size=1, max_size=5),
)
def test_generated_macro_rows_equal_the_reference(
    series: pd.Series, market: pd.Series | None, sid: str, offsets: list[int]
) -> None:
    ind = next(i for i in MACRO if i.series == sid)
    ind = MacroIndicator(ind.id, ind.label, sid, "MKT" if market is not None else None, ind.unit)
    prices = {} if market is None else {"MKT": market}
    macro = {sid: series}
    for off in offsets:
        day = date(2015, 1, 1) + timedelta(days=off)
        new = outcome(macro_rows, prices, macro, day, (ind,))
        ref = outcome(ref_macro_rows, prices, macro, day, (ind,))
        if ref == "KeyError":  # pandas refused to cut an out-of-order series at a day it lacks
            ordered = {sid: series.sort_index(kind="stable")}
            ref = outcome(ref_macro_rows, prices, ordered, day, (ind,))
        assert new == ref
        if ref != "KeyError":
            pd.testing.assert_series_equal(
                visible_series(sid, series, day), ref_visible_series(sid, series, day)
            )
