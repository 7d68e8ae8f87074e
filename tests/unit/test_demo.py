"""The demo market: determinism, shapes, realism, live ticks and the four scenarios."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS, PAIRS, SECTORS
from analytics.risk import evaluate_risk
from analytics.spreads import pair_row
from data_sources.base import DataSource
from data_sources.demo import DEMO_START, SCENARIOS, DemoClock, DemoSource
from data_sources.market_calendar import NY
from data_sources.model import MarketData

ROOT = Path(__file__).resolve().parents[2]
TODAY = DEMO_START.date()  # Tuesday 2026-11-24
YESTERDAY = pd.Timestamp("2026-11-23")

# Run in this process and in a fresh one (another PYTHONHASHSEED): the digests must agree.
DIGEST = """
import hashlib
import numpy as np
from data_sources.demo import DEMO_START, DemoSource

def digest(seed, scenario):
    md = DemoSource(seed=seed, scenario=scenario).market_data(DEMO_START)
    h = hashlib.sha256()
    for sym in sorted(md.prices):
        h.update(sym.encode())
        h.update(np.ascontiguousarray(md.prices[sym].to_numpy(float)).tobytes())
    for sid in sorted(md.macro):
        h.update(sid.encode())
        h.update(np.ascontiguousarray(md.macro[sid].values.to_numpy(float)).tobytes())
    for c in md.constituents:
        h.update(f"{c.symbol}|{c.name}|{c.sector}|{c.weight!r}|{c.last!r}|{c.change_pct!r}".encode())
    return h.hexdigest()
"""


class Wall:
    """A hand-driven wall clock for DemoClock."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def data(scenario: str = "rotation", seed: int = 7, now: datetime = DEMO_START) -> MarketData:
    return DemoSource(seed=seed, scenario=scenario).market_data(now)


@pytest.fixture(scope="module")
def rotation() -> MarketData:
    return data("rotation")


@pytest.fixture(scope="module")
def calm() -> MarketData:
    return data("calm")


def macro_frame(md: MarketData) -> dict[str, pd.Series]:
    return {k: m.values for k, m in md.macro.items()}


def log_returns(s: pd.Series) -> np.ndarray:
    return np.diff(np.log(s.to_numpy(float)))


def ret(s: pd.Series, rows: int) -> float:
    return (s.iloc[-1] / s.iloc[-1 - rows] - 1.0) * 100.0


# -- construction and the protocol ----------------------------------------------------------------


def test_is_a_data_source_named_demo() -> None:
    src = DemoSource()
    assert isinstance(src, DataSource)
    assert (src.name, src.kind) == ("demo", "demo")
    assert src.status()[0].state == "loading"
    assert SCENARIOS == ("rotation", "hard-landing", "oil-shock", "calm")
    assert src.clock.start == DEMO_START


def test_unknown_scenario_is_a_one_line_error_listing_the_valid_ones() -> None:
    with pytest.raises(ValueError) as err:
        DemoSource(scenario="crash")
    msg = str(err.value)
    assert "\n" not in msg
    valid = "rotation, hard-landing, oil-shock, calm"
    assert msg == f"unknown scenario 'crash': expected one of {valid}"


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_bad_seed_is_rejected(seed: object) -> None:
    with pytest.raises(ValueError, match="demo seed: expected a whole number >= 0"):
        DemoSource(seed=seed)  # type: ignore[arg-type]


@pytest.mark.parametrize("speed", [0, -1.0, math.inf, math.nan])
def test_bad_speed_is_rejected(speed: float) -> None:
    with pytest.raises(ValueError, match="demo speed"):
        DemoSource(speed=speed)


def test_clock_runs_at_speed_from_its_start() -> None:
    wall = Wall()
    clock = DemoClock(DEMO_START, speed=60, wall=wall)
    assert clock.now() == DEMO_START
    wall.t += 90  # 90 s of wall time at 60x is 90 demo minutes
    assert clock.now() == datetime(2026, 11, 24, 12, 0, tzinfo=NY)
    naive = DemoClock(datetime(2026, 11, 24, 9, 0), wall=wall)
    assert naive.now() == datetime(2026, 11, 24, 9, 0, tzinfo=NY)


async def test_fetch_is_async_and_reports_ok() -> None:
    src = DemoSource()
    now = src.clock.now()
    md = await src.fetch(now)
    assert md.source == "demo" and md.asof == now
    assert len(md.statuses) == 1
    status = md.statuses[0]
    assert (status.name, status.state, status.last_success) == ("demo", "ok", now)
    assert src.status() == md.statuses
    await src.aclose()


# -- determinism ----------------------------------------------------------------------------------


def test_same_seed_and_scenario_give_identical_numbers_in_another_process() -> None:
    scope: dict[str, object] = {}
    exec(DIGEST, scope)
    here = scope["digest"](7, "rotation")  # type: ignore[operator]
    code = DIGEST + "\nprint(digest(7, 'rotation'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == here
    assert scope["digest"](8, "rotation") != here  # type: ignore[operator]
    assert scope["digest"](7, "calm") != here  # type: ignore[operator]


def test_the_price_at_a_moment_does_not_depend_on_earlier_polls() -> None:
    later = datetime(2026, 11, 27, 11, 15, tzinfo=NY)  # three sessions on, a half day
    polled = DemoSource()
    for minutes in (0, 45, 24 * 60, 2 * 24 * 60):
        polled.market_data(DEMO_START + timedelta(minutes=minutes))
    direct = DemoSource().market_data(later)
    a = polled.market_data(later)
    for sym in ("SPY", "^VIX", "CL=F"):
        pd.testing.assert_series_equal(a.prices[sym], direct.prices[sym])
    assert a.constituents == direct.constituents


# -- shapes and dates -----------------------------------------------------------------------------


def test_three_years_of_sessions_then_the_live_row(rotation: MarketData) -> None:
    assert set(rotation.prices) == set(MARKET_SYMBOLS)
    spy = rotation.prices["SPY"]
    idx = spy.index
    assert isinstance(idx, pd.DatetimeIndex) and idx.tz is None
    assert idx.is_monotonic_increasing and idx.is_unique and (idx == idx.normalize()).all()
    assert idx[0] == pd.Timestamp("2023-11-24")  # three years before the demo date
    assert idx[-2] == YESTERDAY and idx[-1] == pd.Timestamp(TODAY)  # open: today is live
    # 2024: 252 sessions; no weekend, no holiday.
    assert ((idx >= "2024-01-01") & (idx <= "2024-12-31")).sum() == 252
    assert (idx.day_of_week < 5).all()
    for holiday in ("2024-07-04", "2024-12-25", "2025-01-09", "2025-11-27", "2026-04-03"):
        assert pd.Timestamp(holiday) not in idx
    assert len(idx) == 753
    for sym in MARKET_SYMBOLS:
        s = rotation.prices[sym]
        assert s.index.equals(idx), sym
        assert np.isfinite(s.to_numpy(float)).all() and (s > 0).all(), sym


def test_every_fred_series_with_its_frequency_and_release_cut(rotation: MarketData) -> None:
    assert set(rotation.macro) == set(FRED_SERIES)
    freq = {k: m.frequency for k, m in rotation.macro.items()}
    assert freq["FEDFUNDS"] == freq["UNRATE"] == freq["SAHMREALTIME"] == "monthly"
    assert freq["ICSA"] == "weekly"
    assert freq["DGS10"] == freq["VIXCLS"] == "daily"
    for sid, m in rotation.macro.items():
        s = m.values
        assert s.index.is_monotonic_increasing and s.notna().all(), sid
        assert s.index[-1] <= pd.Timestamp(TODAY), sid
        if m.frequency == "monthly":
            assert (s.index.day == 1).all() and s.index[-1] == pd.Timestamp("2026-11-01"), sid
        elif m.frequency == "weekly":
            assert (s.index.day_of_week == 5).all() and s.index[-1] == pd.Timestamp("2026-11-21")
        else:
            assert s.index[-1] == YESTERDAY, sid  # daily series: up to the previous day
    assert len(rotation.macro["SAHMREALTIME"].values) >= 36


def test_series_are_consistent_with_each_other(rotation: MarketData) -> None:
    m = macro_frame(rotation)
    assert (m["T10Y2Y"] - (m["DGS10"] - m["DGS2"]).round(2)).abs().max() < 1e-9
    assert (m["T10Y3M"] - (m["DGS10"] - m["DGS3MO"]).round(2)).abs().max() < 1e-9
    for fred, sym in (("VIXCLS", "^VIX"), ("OVXCLS", "^OVX")):
        market = rotation.prices[sym].reindex(m[fred].index)
        assert (m[fred] - market).abs().max() < 1e-9, fred
    for fred, sym in (("DCOILWTICO", "CL=F"), ("DCOILBRENTEU", "BZ=F")):
        gap = (m[fred] / rotation.prices[sym].reindex(m[fred].index) - 1).abs()
        assert gap.max() < 0.02, fred
    # The Sahm rule from UNRATE: 3-month average minus the lowest of the prior 12 months.
    u3 = m["UNRATE"].rolling(3).mean()
    sahm = (u3 - u3.shift(1).rolling(12).min()).round(2).reindex(m["SAHMREALTIME"].index)
    assert (sahm - m["SAHMREALTIME"]).abs().max() < 1e-9
    # Brent trades a few dollars over WTI.
    spread = rotation.prices["BZ=F"] - rotation.prices["CL=F"]
    assert 0 < spread.iloc[-1] < 10


def test_levels_are_near_late_2025(rotation: MarketData) -> None:
    near = {
        "SPY": 670, "^GSPC": 6700, "IWM": 240, "^RUT": 2400, "QQQ": 600, "IJR": 115, "RSP": 185,
        "IWN": 170, "IWO": 310, "MDY": 590, "XLK": 280, "XLE": 45, "^VIX": 17, "^OVX": 35,
        "CL=F": 60, "BZ=F": 64, "DX-Y.NYB": 99.5,
    }  # fmt: skip
    for sym, level in near.items():
        last = rotation.prices[sym].iloc[-2]  # yesterday's close
        assert 0.85 * level < last < 1.15 * level, (sym, last)
    m = macro_frame(rotation)
    macro_near = {"FEDFUNDS": 3.9, "DGS2": 3.5, "DGS10": 4.1, "DGS3MO": 3.8,
                  "BAMLH0A0HYM2": 3.0, "UNRATE": 4.4}  # fmt: skip
    for sid, level in macro_near.items():
        assert abs(m[sid].iloc[-1] - level) < 0.35, (sid, m[sid].iloc[-1])
    assert 190_000 < m["ICSA"].iloc[-1] < 260_000


def test_indices_track_their_etfs_and_ratios_are_plausible(rotation: MarketData) -> None:
    p = rotation.prices
    for etf, index in (("SPY", "^GSPC"), ("IWM", "^RUT")):
        a, b = log_returns(p[etf]), log_returns(p[index])
        assert np.corrcoef(a, b)[0, 1] > 0.995
        assert np.abs(a - b).max() < 0.005  # tracking noise and the dividend carry only
        assert 9.0 < p[index].iloc[-1] / p[etf].iloc[-1] < 11.0


@pytest.mark.parametrize("scenario", ["rotation", "calm"])
def test_volatilities_and_correlations_are_realistic(scenario: str) -> None:
    md = data(scenario)
    r = {k: log_returns(md.prices[k]) for k in ("SPY", "IWM", "XLE", "PSCE", "^VIX", "XLK", "PSCT")}
    vol = {k: float(v.std() * math.sqrt(252)) for k, v in r.items()}
    assert 0.12 < vol["SPY"] < 0.20, vol
    assert 0.18 < vol["IWM"] < 0.27, vol
    assert vol["IWM"] > vol["SPY"]
    assert 0.15 < vol["XLE"] < 0.32, vol
    corr = np.corrcoef([r["SPY"], r["IWM"], r["^VIX"], r["XLE"], r["PSCE"], r["XLK"], r["PSCT"]])
    assert 0.7 < corr[0, 1] < 0.95  # small vs large caps
    assert corr[0, 2] < -0.5  # VIX rises when the market falls
    assert corr[3, 4] > 0.6 and corr[5, 6] > 0.6  # sector ETF pairs
    # VIX mean-reverts: its 3-year range stays in plausible bounds.
    vix = md.prices["^VIX"]
    assert vix.min() > 8 and vix.max() < 60


# -- quotes, constituents, bars -------------------------------------------------------------------


def test_quotes_for_every_symbol(rotation: MarketData) -> None:
    assert set(rotation.quotes) == set(MARKET_SYMBOLS)
    for sym, q in rotation.quotes.items():
        s = rotation.prices[sym]
        assert q.price == s.iloc[-1] and q.prev_close == s.iloc[-2], sym
        assert q.change_pct == pytest.approx((q.price / q.prev_close - 1) * 100)
        assert q.day_low <= q.price <= q.day_high, sym
        assert q.year_low <= q.day_low and q.day_high <= q.year_high, sym
        assert q.market_state == "open"
        assert q.time == DEMO_START and q.name
    assert rotation.quotes["SPY"].trailing_pe is not None
    assert rotation.quotes["PSCE"].trailing_pe is not None
    for sym in ("^GSPC", "^RUT", "^VIX", "CL=F", "BZ=F", "DX-Y.NYB"):
        assert rotation.quotes[sym].trailing_pe is None, sym
    assert rotation.quotes["SPY"].volume > 0
    assert rotation.quotes["^VIX"].volume is None  # an index without volume: unknown, not 0


def test_small_cap_universe(rotation: MarketData) -> None:
    members = rotation.constituents
    assert len(members) == 2000
    tickers = [c.symbol for c in members]
    assert len(set(tickers)) == 2000 and not set(tickers) & set(MARKET_SYMBOLS)
    assert all(t.isascii() and t.isalpha() and t.isupper() and 2 <= len(t) <= 4 for t in tickers)
    assert len({c.name for c in members}) == 2000
    assert math.fsum(c.weight for c in members) == pytest.approx(100.0, abs=1e-9)
    weights = [c.weight for c in members]
    assert weights == sorted(weights, reverse=True) and 0.1 < weights[0] < 2.0
    sectors = {s.sector for s in SECTORS}
    counts = pd.Series([c.sector for c in members]).value_counts()
    assert set(counts.index) == sectors and counts.min() >= 20
    assert all(c.last > 0 and math.isfinite(c.change_pct) for c in members)
    again = DemoSource(scenario="calm").market_data(DEMO_START).constituents
    assert [(c.symbol, c.name, c.weight) for c in again] == [
        (c.symbol, c.name, c.weight) for c in members
    ]  # the same companies in every scenario; only prices differ


async def test_bars_for_catalog_symbols_and_members() -> None:
    src = DemoSource()
    md = await src.fetch(DEMO_START)
    spy = await src.bars("SPY")
    assert spy is not None and list(spy.columns) == ["open", "high", "low", "close", "volume"]
    assert spy.index.equals(md.prices["SPY"].index)
    assert (spy["close"] == md.prices["SPY"]).all()
    assert (spy["high"] >= spy[["open", "close"]].max(axis=1)).all()
    assert (spy["low"] <= spy[["open", "close"]].min(axis=1)).all()
    assert (spy["volume"] > 0).all()
    member = md.constituents[5]
    bars = await src.bars(member.symbol)
    assert bars is not None and len(bars) == len(spy)
    assert bars["close"].iloc[-1] == pytest.approx(member.last, abs=0.011)
    prev = member.last / (1 + member.change_pct / 100)
    assert bars["close"].iloc[-2] == pytest.approx(prev, rel=1e-3)
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1) - 1e-9).all()
    assert await src.bars("NOPE") is None


# -- the live clock -------------------------------------------------------------------------------


def test_ticks_advance_with_the_clock_and_roll_over_at_the_close() -> None:
    wall = Wall()
    src = DemoSource(speed=60, wall=wall)
    first = src.market_data(src.clock.now())
    wall.t += 10  # ten demo minutes
    later = src.market_data(src.clock.now())
    assert later.asof == DEMO_START + timedelta(minutes=10)
    assert later.prices["SPY"].index[-1] == pd.Timestamp(TODAY)
    assert later.prices["SPY"].iloc[-1] != first.prices["SPY"].iloc[-1]
    assert (later.prices["SPY"].iloc[:-1] == first.prices["SPY"].iloc[:-1]).all()
    assert later.quotes["SPY"].time == DEMO_START + timedelta(minutes=10)

    close = src.market_data(datetime(2026, 11, 24, 16, 0, tzinfo=NY))
    evening = src.market_data(datetime(2026, 11, 24, 19, 0, tzinfo=NY))
    night = src.market_data(datetime(2026, 11, 25, 3, 0, tzinfo=NY))
    pre = src.market_data(datetime(2026, 11, 25, 8, 0, tzinfo=NY))
    assert [md.quotes["SPY"].market_state for md in (close, evening, night, pre)] == [
        "post", "post", "closed", "pre",
    ]  # fmt: skip
    day_close = close.prices["SPY"].iloc[-1]
    for md in (evening, night, pre):  # after the close the last tick is the day's close
        assert md.prices["SPY"].index[-1] == pd.Timestamp(TODAY)
        assert md.prices["SPY"].iloc[-1] == day_close
    assert pre.quotes["SPY"].change_pct == close.quotes["SPY"].change_pct
    # The daily FRED series gain the finished session the next day.
    assert close.macro["VIXCLS"].values.index[-1] == YESTERDAY
    assert pre.macro["VIXCLS"].values.index[-1] == pd.Timestamp(TODAY)
    assert pre.macro["VIXCLS"].values.iloc[-1] == close.prices["^VIX"].iloc[-1]

    nxt = src.market_data(datetime(2026, 11, 25, 9, 31, tzinfo=NY))
    assert nxt.prices["SPY"].index[-1] == pd.Timestamp("2026-11-25")
    assert nxt.prices["SPY"].iloc[-2] == day_close
    assert nxt.quotes["SPY"].prev_close == day_close

    # Thanksgiving is skipped; the half day after it closes at 13:00.
    holiday = src.market_data(datetime(2026, 11, 26, 12, 0, tzinfo=NY))
    assert holiday.prices["SPY"].index[-1] == pd.Timestamp("2026-11-25")
    assert holiday.quotes["SPY"].market_state == "closed"
    half = src.market_data(datetime(2026, 11, 27, 13, 30, tzinfo=NY))
    assert half.quotes["SPY"].market_state == "post"
    bars = src.bars_at("SPY", datetime(2026, 11, 27, 13, 30, tzinfo=NY))
    assert bars is not None and bars.index[-1] == pd.Timestamp("2026-11-27")
    assert bars["close"].iloc[-1] == half.prices["SPY"].iloc[-1]


def test_before_the_open_there_is_no_row_for_today() -> None:
    md = data(now=datetime(2026, 11, 24, 8, 0, tzinfo=NY))
    assert md.prices["IWM"].index[-1] == YESTERDAY
    assert md.quotes["IWM"].market_state == "pre"


# -- scenarios ------------------------------------------------------------------------------------


def risk(md: MarketData):  # type: ignore[no-untyped-def]
    return evaluate_risk(md.prices, macro_frame(md), md.asof.date())


@pytest.mark.parametrize("seed", [7, 11])
def test_rotation_small_caps_lead_with_the_trend(seed: int) -> None:
    md = data("rotation", seed)
    p = md.prices
    assert ret(p["IWM"], 63) - ret(p["SPY"], 63) >= 5.0  # hand-computed from the series
    row = pair_row(PAIRS[0], p["IWM"], p["SPY"], TODAY)
    assert row.returns["3M"].spread_pp >= 5.0 and row.trend == "up"
    ratio = p["IWM"] / p["SPY"]
    assert ratio.iloc[-1] > ratio.iloc[-50:].mean() and ratio.iloc[-1] > ratio.iloc[-200:].mean()
    assert all(a.severity != "critical" for a in risk(md).alerts)


@pytest.mark.parametrize("seed", [7, 11])
def test_hard_landing_fires_the_hard_landing_rules(seed: int) -> None:
    md = data("hard-landing", seed)
    m, p = macro_frame(md), md.prices
    # As released at the demo date: October's Sahm rule (out on 7 November) and yesterday's
    # daily values.
    assert m["SAHMREALTIME"].loc["2026-10-01"] >= 0.5
    assert m["UNRATE"].loc["2026-10-01"] > m["UNRATE"].loc["2026-04-01"]
    t10y3m = m["T10Y3M"]
    assert t10y3m.iloc[-1] > 0
    recent = t10y3m.loc["2026-02-24":]
    inverted = (recent < 0).to_numpy()
    runs = np.diff(np.concatenate(([0], inverted.astype(int), [0])))
    starts, ends = np.flatnonzero(runs == 1), np.flatnonzero(runs == -1)
    assert (ends - starts).max() >= 63  # a 3-month inversion that ended in the last 9 months
    assert m["BAMLH0A0HYM2"].iloc[-1] >= 6.5
    assert p["^VIX"].iloc[-1] >= 35
    assert p["IWM"].iloc[-1] / p["IWM"].iloc[-252:].max() - 1 <= -0.20
    r = risk(md)
    levels = {a.rule: a.severity for a in r.alerts}
    assert levels["sahm"] == "critical"
    for rule in ("yield_curve", "hy_oas", "vix", "r2k_drawdown"):
        assert levels[rule] == "critical", rule
    assert r.scores["hard_landing"] >= 50


@pytest.mark.parametrize("seed", [7, 11])
def test_oil_shock_fires_the_energy_rules(seed: int) -> None:
    md = data("oil-shock", seed)
    p = md.prices
    assert ret(p["CL=F"], 20) >= 30
    assert p["^OVX"].iloc[-1] >= 60
    assert ret(p["XLE"], 21) - ret(p["SPY"], 21) >= 15
    r = risk(md)
    levels = {a.rule: a.severity for a in r.alerts}
    assert levels["wti_20d"] == levels["ovx"] == "critical"
    assert r.scores["energy_shock"] >= 50


@pytest.mark.parametrize("seed", [7, 11])
def test_calm_fires_nothing(seed: int) -> None:
    md = data("calm", seed)
    r = risk(md)
    assert r.alerts == ()
    assert r.scores == {"hard_landing": 0.0, "energy_shock": 0.0}
    assert md.prices["^VIX"].iloc[-1] < 20


def test_scenarios_hold_at_the_first_close_too() -> None:
    close = datetime(2026, 11, 24, 16, 30, tzinfo=NY)
    assert risk(data("calm", now=close)).alerts == ()
    levels = {a.rule: a.severity for a in risk(data("hard-landing", now=close)).alerts}
    assert levels["sahm"] == levels["vix"] == "critical"
    levels = {a.rule: a.severity for a in risk(data("oil-shock", now=close)).alerts}
    assert levels["wti_20d"] == levels["ovx"] == "critical"


def test_another_start_date_shapes_the_months_before_it() -> None:
    start = datetime(2027, 3, 10, 11, 0, tzinfo=NY)
    src = DemoSource(scenario="hard-landing", start=start)
    md = src.market_data(start)
    assert md.prices["SPY"].index[-2] == pd.Timestamp(date(2027, 3, 9))
    levels = {a.rule: a.severity for a in risk(md).alerts}
    assert levels["sahm"] == "critical" and levels["vix"] == "critical"
