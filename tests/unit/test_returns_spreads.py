"""Window returns, YTD base, z-score, trend, beta, drawdown on small hand-made frames."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.catalog import WINDOWS, Pair
from analytics.returns import asof_position, drawdown, window_return
from analytics.sectors import sector_rows
from analytics.spreads import corr_beta, pair_row, ratio_series, trend, zscore


def series(values, start="2024-01-01", freq="B") -> pd.Series:
    idx = (
        pd.bdate_range(start, periods=len(values))
        if freq == "B"
        else pd.date_range(start, periods=len(values), freq=freq)
    )
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def test_window_returns_by_row_offset() -> None:
    p = series(np.arange(100.0, 400.0))  # 300 rows, P[i] = 100 + i
    t = 299
    assert window_return(p, "1D") == pytest.approx((399 / 398 - 1) * 100)
    assert window_return(p, "1W") == pytest.approx((399 / 394 - 1) * 100)
    assert window_return(p, "1M") == pytest.approx((399 / (100 + t - 21) - 1) * 100)
    assert window_return(p, "3M") == pytest.approx((399 / (100 + t - 63) - 1) * 100)
    assert window_return(p, "1Y") == pytest.approx((399 / (100 + t - 252) - 1) * 100)


def test_too_short_history_is_none_not_a_shorter_window() -> None:
    p = series(np.linspace(100, 110, 30))
    assert window_return(p, "1M") is not None
    assert window_return(p, "3M") is None
    assert window_return(p, "1Y") is None
    assert drawdown(p) is None


def test_ytd_uses_last_row_of_previous_year() -> None:
    idx = pd.DatetimeIndex(["2024-12-27", "2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"])
    p = pd.Series([90.0, 95.0, 100.0, 104.0, 110.0], index=idx)
    assert window_return(p, "YTD") == pytest.approx(10.0)
    # as of the first trading day of the year the base is still 31 Dec
    assert window_return(p, "YTD", date(2025, 1, 2)) == pytest.approx(4.0)
    # no row in the previous year -> None
    assert window_return(p.iloc[3:], "YTD") is None


def test_asof_selects_last_row_at_or_before() -> None:
    p = series([1, 2, 3, 4, 5], start="2024-01-01")  # Mon..Fri
    assert asof_position(p.index, date(2024, 1, 6)) == 4  # Saturday -> Friday
    assert asof_position(p.index, date(2023, 12, 31)) is None
    assert window_return(p, "1D", date(2024, 1, 3)) == pytest.approx(50.0)


def test_zscore_uses_sample_std_over_252() -> None:
    values = np.r_[np.ones(10) * 7.0, np.arange(252.0)]
    r = series(values)
    w = np.arange(252.0)
    expected = (w[-1] - w.mean()) / w.std(ddof=1)
    assert zscore(r) == pytest.approx(expected)
    assert zscore(r.iloc[-251:]) is None


def test_trend_up_down_flat() -> None:
    up = series(np.linspace(1, 2, 250))
    assert trend(up) == "up"
    assert trend(series(np.linspace(2, 1, 250))) == "down"
    # above the 200-day average but below the 50-day one -> flat
    flat = np.r_[np.ones(150), np.linspace(1, 3, 40), np.linspace(3, 1.8, 60)]
    assert trend(series(flat)) == "flat"
    assert trend(series(np.ones(199))) is None


def test_beta_and_correlation_of_a_levered_copy() -> None:
    rng = np.random.default_rng(1)
    large_r = rng.normal(0, 0.01, 100)
    large = series(100 * np.cumprod(1 + np.r_[0, large_r]))
    small = series(50 * np.cumprod(1 + np.r_[0, 1.5 * large_r]))
    corr, beta = corr_beta(small, large)
    assert beta == pytest.approx(1.5)
    assert corr == pytest.approx(1.0)
    c2, b2 = corr_beta(small.iloc[:63], large.iloc[:63])
    assert (c2, b2) == (None, None)


def test_beta_hand_computed() -> None:
    large = series([100, 101, 100, 102] + [102] * 61)
    small = series([50, 51, 49.5, 51] + [51] * 61)
    corr, beta = corr_beta(small, large)
    ls = large.pct_change().dropna().to_numpy()[-63:]
    ss = small.pct_change().dropna().to_numpy()[-63:]
    assert beta == pytest.approx(np.cov(ss, ls)[0, 1] / np.var(ls, ddof=1))
    assert corr == pytest.approx(np.corrcoef(ss, ls)[0, 1])


def test_drawdown_from_252_row_high() -> None:
    values = np.r_[np.full(10, 500.0), np.full(251, 100.0), 80.0]
    p = series(values)
    assert drawdown(p) == pytest.approx(-20.0)  # the 500s are older than 252 rows


def test_ratio_uses_common_dates_only() -> None:
    a = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]))
    b = pd.Series([2.0, 4.0], index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    r = ratio_series(a, b)
    assert list(r.index.strftime("%d")) == ["02", "03"]
    assert list(r) == [1.0, 0.75]


def test_pair_row_spread_and_missing_leg() -> None:
    small = series(np.linspace(100, 130, 300))
    large = series(np.linspace(100, 110, 300))
    row = pair_row(Pair("S", "L", "test"), small, large)
    leg = row.returns["1M"]
    assert leg.spread_pp == pytest.approx(leg.small - leg.large)
    assert row.trend == "up"
    missing = pair_row(Pair("S", "X", "test"), small, None)
    assert missing.large_last is None and missing.ratio is None
    assert all(missing.returns[w].spread_pp is None for w in WINDOWS)
    assert missing.returns["1D"].small is not None


def test_sector_without_small_etf_is_none() -> None:
    prices = {"XLRE": series(np.linspace(10, 11, 30))}
    rows = {r.sector: r for r in sector_rows(prices)}
    re = rows["Real Estate"]
    assert (
        re.small is None and re.returns["1D"].small is None and re.returns["1D"].large is not None
    )
    assert rows["Energy"].returns["1D"].large is None


prices_st = st.lists(
    st.floats(min_value=1.0, max_value=1e4, allow_nan=False), min_size=260, max_size=300
)


@settings(max_examples=40, deadline=None)
@given(prices_st)
def test_spread_of_a_pair_with_itself_is_zero(values: list[float]) -> None:
    p = series(values)
    row = pair_row(Pair("A", "A", "self"), p, p)
    for w in WINDOWS:
        spread = row.returns[w].spread_pp
        assert spread is None or spread == 0.0


@settings(max_examples=40, deadline=None)
@given(prices_st, st.floats(min_value=0.5, max_value=2.0))
def test_swapping_sides_negates_the_spread(values: list[float], k: float) -> None:
    a = series(values)
    b = series(np.asarray(values)[::-1] * k)
    ab = pair_row(Pair("A", "B", ""), a, b)
    ba = pair_row(Pair("B", "A", ""), b, a)
    for w in WINDOWS:
        x, y = ab.returns[w].spread_pp, ba.returns[w].spread_pp
        assert (x is None and y is None) or x == pytest.approx(-y, abs=1e-9)  # type: ignore[operator]


@settings(max_examples=40, deadline=None)
@given(prices_st, st.floats(min_value=1e-3, max_value=1e3))
def test_ratio_zscore_is_scale_invariant(values: list[float], k: float) -> None:
    a = series(values)
    b = series(np.full(len(values), 10.0))
    z1 = pair_row(Pair("A", "B", ""), a, b).zscore_1y
    z2 = pair_row(Pair("A", "B", ""), a * k, b).zscore_1y
    assert (z1 is None and z2 is None) or z1 == pytest.approx(z2, rel=1e-6, abs=1e-6)


def test_pair_row_on_long_history_equals_the_full_computation() -> None:
    rng = np.random.default_rng(3)
    small = series(100 * np.cumprod(1 + rng.normal(0, 0.01, 2000)))
    large = series(100 * np.cumprod(1 + rng.normal(0, 0.01, 2000))).drop(small.index[1500:1510])
    asof = small.index[1800].date()
    row = pair_row(Pair("S", "L", ""), small, large, asof)
    full = ratio_series(small, large, asof)
    assert row.zscore_1y == pytest.approx(zscore(full), rel=1e-12)
    assert row.trend == trend(full)
    assert (row.corr_3m, row.beta_3m) == pytest.approx(corr_beta(small, large, asof), rel=1e-12)
    assert row.ratio_spark == tuple(full.to_numpy()[-120:])


def test_window_returns_equal_each_window_alone_at_every_asof_day() -> None:
    """window_returns finds the as-of row once for all windows: the same numbers as asking
    window_return window by window, on a real pack series at every as-of day (and gaps)."""
    from pathlib import Path

    from analytics.returns import window_returns

    path = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small" / "prices" / "IWM.csv"
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    prices = frame.iloc[:, 0].astype(float)
    prices.iloc[::37] = np.nan
    days = pd.date_range(prices.index[0] - pd.Timedelta(days=5), prices.index[-1], freq="3D")
    assert len(days) > 100
    for day in [None, *(d.date() for d in days)]:
        got = window_returns(prices, WINDOWS, day)
        want = {w: window_return(prices, w, day) for w in WINDOWS}
        assert got == want and list(got) == list(WINDOWS)
