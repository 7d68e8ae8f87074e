"""The demo market's price engine: three years of daily history shaped by a scenario, then live
sessions minute by minute, every number a deterministic function of (seed, scenario, day)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from data_sources.demo_instruments import (
    FACTOR_DRIFT,
    FACTOR_INDEX,
    FACTOR_VOL,
    FACTORS,
    INDEX,
    INSTRUMENTS,
    MARKET_VOL_PER_VIX,
    OIL_VOL_PER_OVX,
    SQRT_DAYS,
    TRADING_DAYS,
    daily_vol,
    loading_matrix,
)
from data_sources.demo_scenarios import ScenarioSpec
from data_sources.market_calendar import session_open_close

# Independent random streams, so that changing one part of the model leaves the others' numbers.
STREAM_HISTORY = 1
STREAM_OHLC = 2
STREAM_DAY = 3
STREAM_MACRO = 4
STREAM_MACRO_DAY = 5
STREAM_LABOUR = 6
STREAM_NAMES = 7
STREAM_UNIVERSE = 8
STREAM_UNIVERSE_DAY = 9
STREAM_MEMBER = 10
STREAM_JITTER = 11


def rng_for(*words: int) -> np.random.Generator:
    """A generator seeded from non-negative integers only (never Python's per-process hash())."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(words))))


B = loading_matrix()
NS, NF = B.shape
CARRY = np.array([inst.carry for inst in INSTRUMENTS])
IDIO_D = np.array([inst.idio for inst in INSTRUMENTS]) / SQRT_DAYS
VOL_D = daily_vol()
LEVEL = np.array([inst.level for inst in INSTRUMENTS])
BASE_VOLUME = np.array([np.nan if inst.volume is None else inst.volume for inst in INSTRUMENTS])
TRACKERS = tuple((INDEX[i.symbol], INDEX[i.tracks]) for i in INSTRUMENTS if i.tracks)
VIX, OVX, WTI, BRENT = INDEX["^VIX"], INDEX["^OVX"], INDEX["CL=F"], INDEX["BZ=F"]
IWM, SPY, XLE = INDEX["IWM"], INDEX["SPY"], INDEX["XLE"]
MKT, SIZE, OIL = FACTOR_INDEX["market"], FACTOR_INDEX["size"], FACTOR_INDEX["oil"]
ENERGY = FACTOR_INDEX["Energy"]
# Constant-volatility random-walk factors (market and oil take theirs from VIX and OVX).
RW_VOL = np.array([0.0 if f in ("market", "oil") else FACTOR_VOL[f] for f in FACTORS]) / SQRT_DAYS
RW_DRIFT = np.array([FACTOR_DRIFT.get(f, 0.0) for f in FACTORS]) / TRADING_DAYS

VIX_BASE, VIX_KAPPA, VIX_ETA, VIX_RHO = 18.0, 0.05, 0.07, -0.75
OVX_BASE, OVX_KAPPA, OVX_ETA = 33.0, 0.04, 0.065
# OVX rises when oil falls and, whatever the direction, when oil moves a lot.
OVX_RHO_OIL, OVX_RHO_ABS, OVX_RHO_MKT = -0.2, 0.45, -0.25
OVX_OWN = math.sqrt(1 - OVX_RHO_OIL**2 - OVX_RHO_ABS**2 - OVX_RHO_MKT**2)
LIVE_KAPPA = 0.10  # live days pull VIX and OVX to the scenario's level faster
OIL_KAPPA = 0.008  # oil mean-reverts slowly around its trend (half-life ~ 4 months)
OIL_TREND = -0.20  # log change of oil's trend over the history (late-2023 ~78 -> ~60)
BRENT_PHI, BRENT_SD = 0.97, 0.006
TRACK_SD = 0.0002
GAP_SHARE = 0.15  # share of a day's variance in the overnight gap


def ramp(n: int, rows: int, end_back: int = 0) -> np.ndarray:
    """0 until ``rows`` rows before row ``n-1-end_back``, then linear to 1 there, 1 after."""
    end = n - 1 - end_back
    t = np.arange(n, dtype=float)
    return np.clip((t - (end - rows)) / rows, 0.0, 1.0)


def tent(n: int, start_back: int, end_back: int) -> np.ndarray:
    """A triangle: 0 at ``start_back`` and ``end_back`` rows before the end, 1 half-way."""
    a, b = n - 1 - start_back, n - 1 - end_back
    t = np.arange(n, dtype=float)
    mid = (a + b) / 2.0
    return np.clip(1.0 - np.abs(t - mid) / ((b - a) / 2.0), 0.0, 1.0)


def ar1(x0: float, keep: float, shocks: np.ndarray) -> np.ndarray:
    """``x[t] = keep * x[t-1] + shocks[t]`` from ``x0`` (a scalar recursion; a few hundred rows)."""
    out = np.empty(len(shocks))
    x = x0
    for i, u in enumerate(shocks.tolist()):
        x = keep * x + u
        out[i] = x
    return out


def compose(
    x: np.ndarray,
    idio: np.ndarray,
    years: np.ndarray,
    track: np.ndarray,
    lv: np.ndarray,
    lo: np.ndarray,
    brent: np.ndarray,
) -> np.ndarray:
    """Log prices (rows x symbols, before level offsets) from factor levels and the extras."""
    out = x @ B.T + idio + years[:, None] * CARRY
    for i, etf in TRACKERS:
        out[:, i] = out[:, etf] - years * CARRY[etf] + track[:, i]
    out[:, VIX] = lv
    out[:, OVX] = lo
    out[:, BRENT] += brent
    return out


@dataclass(frozen=True, slots=True, eq=False)
class DayState:
    """Everything a session's close hands to the next session."""

    years: float
    x: np.ndarray
    oil_mean: float
    oil_dev: float
    idio: np.ndarray
    track: np.ndarray
    lv: float
    lo: float
    brent: float


@dataclass(frozen=True, slots=True, eq=False)
class History:
    """Daily closes (log, level offsets applied), OHLCV and factor levels of the history rows."""

    days: pd.DatetimeIndex
    logp: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    x: np.ndarray
    vix_theta: np.ndarray  # log of the VIX mean-reversion level per row (HY OAS reads it)
    offsets: np.ndarray
    end: DayState


@dataclass(frozen=True, slots=True, eq=False)
class LiveDay:
    """One session after the history, minute by minute; row 0 is the open, row ``minutes`` the
    close. ``factors`` is each factor's move since the previous close (the universe reads it)."""

    day: date
    open: datetime
    close: datetime
    minutes: int
    logp: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    factors: np.ndarray
    end: DayState

    def minute(self, now: datetime) -> int:
        """The row of the last tick at ``now`` (0 before the open, ``minutes`` from the close)."""
        elapsed = (now - self.open).total_seconds()
        return int(min(max(elapsed // 60, 0), self.minutes))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return x * x * (3.0 - 2.0 * x)


def _theta(n: int, base: float, end: float, rows: int) -> np.ndarray:
    return np.log(base) + (math.log(end) - math.log(base)) * _smoothstep(ramp(n, rows))


def _ovx_shocks(z_oil: np.ndarray, z_mkt: np.ndarray, z_own: np.ndarray) -> np.ndarray:
    big = (np.abs(z_oil) - math.sqrt(2 / math.pi)) / math.sqrt(1 - 2 / math.pi)
    return OVX_RHO_OIL * z_oil + OVX_RHO_ABS * big + OVX_RHO_MKT * z_mkt + OVX_OWN * z_own


def _vol_index(theta: np.ndarray, kappa: float, eta: float, shocks: np.ndarray) -> np.ndarray:
    """Log of a volatility index mean-reverting to ``theta`` (log) with the given shocks."""
    u = kappa * theta + eta * shocks
    u[0] = theta[0] + eta / math.sqrt(2.0 * kappa) * shocks[0]  # a draw from the stationary law
    return ar1(0.0, 1.0 - kappa, u)


class _Shaper:
    """Applies a scenario's pins to the factor levels of a history (see ScenarioSpec)."""

    def __init__(self, x: np.ndarray, parts: tuple[np.ndarray, ...], spec: ScenarioSpec) -> None:
        self.x = x
        self.parts = parts
        self.spec = spec
        self.n = len(x)
        self.t = self.n - 1

    def logp(self) -> np.ndarray:
        return compose(self.x, *self.parts)

    def _ret(self, lp: np.ndarray, col: int, rows: int) -> float:
        return float(lp[self.t, col] - lp[self.t - rows, col])

    def pin_spread(self, small: int, factor: int, rows: int, spread: float) -> None:
        """Make ``small``'s simple return over ``rows`` exceed SPY's by ``spread``."""
        lp = self.logp()
        spy = math.exp(self._ret(lp, SPY, rows)) - 1.0
        want = math.log(1.0 + spy + spread)
        delta = (want - self._ret(lp, small, rows)) / B[small, factor]
        self.x[:, factor] += delta * ramp(self.n, rows)

    def pin_return(self, col: int, factor: int, rows: int, target: float) -> None:
        lp = self.logp()
        delta = (math.log(1.0 + target) - self._ret(lp, col, rows)) / B[col, factor]
        self.x[:, factor] += delta * ramp(self.n, rows)

    def keep_drawdown(self, factor: int) -> None:
        """Keep IWM's drawdown from its 252-row high in the scenario's range.

        Too deep: ``factor`` recovers from the high's row on (the high itself stays). Too shallow:
        it sells off over the last 60 rows.
        """
        lo, hi = (math.log1p(v) for v in self.spec.iwm_drawdown)
        for _ in range(6):
            lp = self.logp()[:, IWM]
            first = self.t - 251
            peak = first + int(np.argmax(lp[first:]))
            dd = float(lp[self.t] - lp[peak])
            if dd < lo:
                rows = max(self.t - peak, 1)
                self.x[:, factor] += (lo + 0.005 - dd) / B[IWM, factor] * ramp(self.n, rows)
            elif dd > hi:
                self.x[:, factor] += (hi - 0.01 - dd) / B[IWM, factor] * ramp(self.n, 60)
            else:
                return

    def oil_vs_high(self) -> float:
        """WTI's last close against its high of the prior 252 rows (log)."""
        lp = self.logp()[:, WTI]
        return float(lp[self.t] - lp[self.t - 252 : self.t].max())

    def ratio_margins(self) -> tuple[float, float]:
        lp = self.logp()
        r = np.exp(lp[:, IWM] - lp[:, SPY])
        last = math.log(r[self.t])
        return last - math.log(r[-50:].mean()), last - math.log(r[-200:].mean())

    def apply(self) -> None:
        s = self.spec
        for _ in range(3):  # pins on a shared factor interact: repeated passes settle them
            if s.spy_3m is not None:
                self.pin_return(SPY, MKT, 63, s.spy_3m)
            self.keep_drawdown(FACTOR_INDEX[s.drawdown_factor])
            if s.iwm_spy_3m is not None:
                self.pin_spread(IWM, SIZE, 63, s.iwm_spy_3m)
            if s.ratio_trend_up:
                # Dip the ratio inside the windows (ends unchanged) until today stands clear of
                # its 50- and 200-day averages, with room for a live day's move.
                for _ in range(4):
                    m50, m200 = self.ratio_margins()
                    if m50 < 0.025:
                        # 0.55: about the mean of the tent over the averaged rows.
                        self.x[:, SIZE] -= (0.03 - m50) / 0.55 * tent(self.n, 63, 0)
                    if m200 < 0.04:
                        self.x[:, SIZE] -= (0.05 - m200) / 0.55 * tent(self.n, 200, 63)
                    if m50 >= 0.025 and m200 >= 0.04:
                        break
            for _ in range(4):
                if s.oil_20d is not None:
                    self.pin_return(WTI, OIL, 20, s.oil_20d)
                gap = self.oil_vs_high()
                if s.oil_below_high is None or gap <= math.log(s.oil_below_high):
                    break
                self.x[:, OIL] += (math.log(s.oil_below_high) - 0.01 - gap) * ramp(self.n, 120)
            if s.xle_spy_1m is not None:
                self.pin_spread(XLE, ENERGY, 21, s.xle_spy_1m)


def _band(x: np.ndarray, factor: int, lo: float, hi: float) -> None:
    """Tilt a factor's drift over the whole history so its total change lies in [lo, hi]."""
    total = float(x[-1, factor] - x[0, factor])
    target = min(max(total, lo), hi)
    if target != total and len(x) > 1:
        x[:, factor] += (target - total) * ramp(len(x), len(x) - 1)


def simulate_history(days: pd.DatetimeIndex, seed: int, scen: int, spec: ScenarioSpec) -> History:
    """Three years of daily closes for every catalog symbol, shaped by ``spec`` at the end."""
    n = len(days)
    # Seed-dependent touches so that levels are not the same round numbers for every seed.
    jit = rng_for(seed, scen, STREAM_JITTER).standard_normal(NS + 2)
    level = LEVEL * np.exp(0.02 * jit[:NS])
    vix_end = spec.vix_end * math.exp(0.02 * jit[NS])
    ovx_end = spec.ovx_end * math.exp(0.02 * jit[NS + 1])
    rng = rng_for(seed, scen, STREAM_HISTORY)
    z = rng.standard_normal((n, NF))
    zv = rng.standard_normal((n, 2))
    e = rng.standard_normal((n, NS))
    trk = rng.standard_normal((n, NS))
    zb = rng.standard_normal(n)

    vix_theta = _theta(n, VIX_BASE, spec.vix_theta, spec.vix_rows)
    shocks = VIX_RHO * z[:, MKT] + math.sqrt(1 - VIX_RHO**2) * zv[:, 0]
    lv = _vol_index(vix_theta, VIX_KAPPA, VIX_ETA, shocks)
    lv += (math.log(vix_end) - lv[-1]) * ramp(n, 15)
    ovx_theta = _theta(n, OVX_BASE, spec.ovx_theta, spec.ovx_rows)
    shocks = _ovx_shocks(z[:, OIL], z[:, MKT], zv[:, 1])
    lo = _vol_index(ovx_theta, OVX_KAPPA, OVX_ETA, shocks)
    lo += (math.log(ovx_end) - lo[-1]) * ramp(n, 15)

    r = RW_DRIFT + RW_VOL * z
    mkt_sd = MARKET_VOL_PER_VIX * np.exp(lv) / 100.0 / SQRT_DAYS
    r[1:, MKT] = RW_DRIFT[MKT] + mkt_sd[:-1] * z[1:, MKT]
    r[0] = 0.0
    x = np.cumsum(r, axis=0)
    # Keep the three-year path near the real one before the scenario shapes the end: the S&P up
    # about a third, small caps lagging it.
    _band(x, MKT, 0.25, 0.45)
    _band(x, SIZE, -0.25, 0.0)
    oil_sd = OIL_VOL_PER_OVX * np.exp(lo) / 100.0 / SQRT_DAYS
    oil_shocks = np.zeros(n)
    oil_shocks[1:] = oil_sd[:-1] * z[1:, OIL]
    oil_dev = ar1(0.0, 1.0 - OIL_KAPPA, oil_shocks)
    oil_mean = OIL_TREND * np.arange(n) / max(n - 1, 1)
    for rp in spec.ramps:
        if rp.factor == "oil":
            oil_mean = oil_mean + rp.change * ramp(n, rp.rows)
        else:
            x[:, FACTOR_INDEX[rp.factor]] += rp.change * ramp(n, rp.rows)
    x[:, OIL] = oil_mean + oil_dev

    idio = np.cumsum(IDIO_D * e, axis=0)
    idio[0] = 0.0
    track = np.cumsum(TRACK_SD * trk, axis=0)
    brent = ar1(0.0, BRENT_PHI, BRENT_SD * zb)
    years = np.arange(n) / TRADING_DAYS
    parts = (idio, years, track, lv, lo, brent)

    before = x[:, OIL].copy()
    shaper = _Shaper(x, parts, spec)
    shaper.apply()
    oil_mean = oil_mean + (x[:, OIL] - before)  # pins on oil move its trend, not its noise

    lp = compose(x, *parts)
    anchor = n - 1 - min(spec.anchor_back, n - 1)
    offsets = np.log(level) - lp[anchor]
    offsets[[VIX, OVX]] = 0.0
    lp += offsets
    opens, highs, lows, volume = _ohlcv(lp, rng_for(seed, scen, STREAM_OHLC))
    end = DayState(
        years=float(years[-1]),
        x=x[-1].copy(),
        oil_mean=float(oil_mean[-1]),
        oil_dev=float(oil_dev[-1]),
        idio=idio[-1].copy(),
        track=track[-1].copy(),
        lv=float(lv[-1]),
        lo=float(lo[-1]),
        brent=float(brent[-1]),
    )
    return History(days, lp, opens, highs, lows, volume, x, vix_theta, offsets, end)


def _ohlcv(
    lp: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Plausible opens, highs, lows and volumes around the closes.

    Each normal draw (gaps, highs, lows, volumes, in that order from ``rng``) is turned into its
    column in place: the same products and sums as the plain expressions (IEEE ``*`` and ``+``
    commute), without their ~10 temporaries of rows x symbols (3 MB at the demo's 3 years, most
    of building the demo market's peak memory)."""
    n = len(lp)
    prev = np.vstack([lp[:1], lp[:-1]])
    o = rng.standard_normal((n, NS))  # prev + sqrt(GAP_SHARE) * VOL_D * zg
    o *= math.sqrt(GAP_SHARE) * VOL_D
    o += prev
    half = 0.5 * VOL_D
    hi = rng.standard_normal((n, NS))  # maximum(o, lp) + 0.5 * VOL_D * |zh|
    np.abs(hi, out=hi)
    hi *= half
    hi += np.maximum(o, lp)
    lo = rng.standard_normal((n, NS))  # minimum(o, lp) - 0.5 * VOL_D * |zl|
    np.abs(lo, out=lo)
    lo *= half
    np.subtract(np.minimum(o, lp), lo, out=lo)
    move = np.subtract(lp, prev, out=prev)  # |lp - prev| / VOL_D
    np.abs(move, out=move)
    move /= VOL_D
    volume = rng.standard_normal((n, NS))  # BASE * exp(0.25 * zv) * (0.5 + 0.5 * min(move, 5))
    volume *= 0.25
    np.exp(volume, out=volume)
    volume *= BASE_VOLUME
    np.minimum(move, 5.0, out=move)
    move *= 0.5
    move += 0.5
    volume *= move
    for column in (o, hi, lo):
        np.exp(column, out=column)
    np.round(volume, out=volume)
    return o, hi, lo, volume


KEEP_RATE = 0.3  # share of a kept statistic's excursion pulled back per live day


def keeper_pull(closes: np.ndarray, spec: ScenarioSpec) -> np.ndarray:
    """Extra drift for the next live day from recent log closes (rows x symbols): one per factor,
    then one each for log VIX and log OVX."""
    pull = np.zeros(NF + 2)

    def ret(col: int, rows: int) -> float:
        return math.exp(closes[-1, col] - closes[-1 - rows, col]) - 1.0

    def excess(name: str, value: float) -> float:
        lo, hi = spec.keep[name]
        return lo - value if value < lo else (hi - value if value > hi else 0.0)

    keep = spec.keep
    if "spy_3m" in keep:
        pull[MKT] += KEEP_RATE * excess("spy_3m", ret(SPY, 63))
    if "iwm_spy_3m" in keep:
        pull[SIZE] += KEEP_RATE * excess("iwm_spy_3m", ret(IWM, 63) - ret(SPY, 63))
    if "xle_spy_1m" in keep:
        pull[ENERGY] += KEEP_RATE * excess("xle_spy_1m", ret(XLE, 21) - ret(SPY, 21))
    if "oil_20d" in keep:
        pull[OIL] += KEEP_RATE * excess("oil_20d", ret(WTI, 20))
    for k, (name, col) in enumerate((("vix", VIX), ("ovx", OVX))):
        if name in keep:
            lo, hi = (math.log(v) for v in keep[name])
            level = float(closes[-1, col])
            pull[NF + k] = KEEP_RATE * (lo - level if level < lo else min(hi - level, 0.0))
    return pull


def _tau(minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of the day's variance at each row, and each row's own share."""
    w = np.full(minutes + 1, (1.0 - GAP_SHARE) / minutes)
    w[0] = GAP_SHARE
    return np.cumsum(w), w


def _bridge(
    a: np.ndarray, b: np.ndarray, sd: np.ndarray, tau: np.ndarray, w: np.ndarray, xi: np.ndarray
) -> np.ndarray:
    """Brownian bridges from ``a`` (previous close) to ``b`` (this close), rows x columns."""
    walk = np.cumsum(np.sqrt(w)[:, None] * xi, axis=0)
    t = tau[:, None]
    return a + (b - a) * t + sd * (walk - t * walk[-1])


def _volume_profile(minutes: int) -> np.ndarray:
    """Cumulative share of a day's volume traded by each row (busy open and close)."""
    k = np.arange(minutes + 1, dtype=float)
    u = 1.0 + 2.0 * (2.0 * k / minutes - 1.0) ** 2
    u[0] = 0.05 * u[1:].sum()  # the opening auction
    return np.cumsum(u) / u.sum()


def live_day(
    prev: DayState,
    day: date,
    seed: int,
    scen: int,
    spec: ScenarioSpec,
    offsets: np.ndarray,
    pull: np.ndarray | None = None,
) -> LiveDay:
    """The session ``day`` following the state ``prev`` (same dynamics as the history).

    ``pull`` is an extra per-factor log drift that keeps the scenario's statistics in range.
    """
    open_, close = session_open_close(day)
    minutes = int((close - open_).total_seconds() // 60)
    rng = rng_for(seed, scen, STREAM_DAY, day.toordinal())
    z = rng.standard_normal(int(NF))
    zv = rng.standard_normal(2)
    e = rng.standard_normal(NS)
    trk = rng.standard_normal(NS)
    zb = float(rng.standard_normal())
    zvol = rng.standard_normal(NS)
    xi = rng.standard_normal((minutes + 1, NF + NS + 2))

    drift = np.array([spec.drift.get(f, 0.0) for f in FACTORS])
    vol_pull = np.zeros(2)
    if pull is not None:
        drift = drift + pull[:NF]
        vol_pull = pull[NF:]
    mkt_sd = MARKET_VOL_PER_VIX * math.exp(prev.lv) / 100.0 / SQRT_DAYS
    oil_sd = OIL_VOL_PER_OVX * math.exp(prev.lo) / 100.0 / SQRT_DAYS
    lv = (
        prev.lv
        + LIVE_KAPPA * (math.log(spec.vix_theta) - prev.lv)
        + vol_pull[0]
        + VIX_ETA * (VIX_RHO * z[MKT] + math.sqrt(1 - VIX_RHO**2) * zv[0])
    )
    lo = (
        prev.lo
        + LIVE_KAPPA * (math.log(spec.ovx_theta) - prev.lo)
        + vol_pull[1]
        + OVX_ETA * float(_ovx_shocks(z[OIL : OIL + 1], z[MKT : MKT + 1], zv[1:2])[0])
    )
    x = prev.x + RW_DRIFT + drift + RW_VOL * z
    x[MKT] = prev.x[MKT] + RW_DRIFT[MKT] + drift[MKT] + mkt_sd * z[MKT]
    oil_mean = prev.oil_mean + drift[OIL]
    oil_dev = (1.0 - OIL_KAPPA) * prev.oil_dev + oil_sd * z[OIL]
    x[OIL] = oil_mean + oil_dev
    end = DayState(
        years=prev.years + 1.0 / TRADING_DAYS,
        x=x,
        oil_mean=oil_mean,
        oil_dev=oil_dev,
        idio=prev.idio + IDIO_D * e,
        track=prev.track + TRACK_SD * trk,
        lv=lv,
        lo=lo,
        brent=BRENT_PHI * prev.brent + BRENT_SD * zb,
    )

    tau, w = _tau(minutes)
    fsd = RW_VOL.copy()
    fsd[MKT], fsd[OIL] = mkt_sd, oil_sd
    xs = _bridge(prev.x, end.x, fsd, tau, w, xi[:, :NF])
    idio = _bridge(prev.idio, end.idio, IDIO_D, tau, w, xi[:, NF : NF + NS])
    vols = _bridge(
        np.array([prev.lv, prev.lo]),
        np.array([end.lv, end.lo]),
        np.array([VIX_ETA, OVX_ETA]),
        tau,
        w,
        xi[:, NF + NS :],
    )
    years = prev.years + tau / TRADING_DAYS
    track = prev.track + (end.track - prev.track) * tau[:, None]
    brent = prev.brent + (end.brent - prev.brent) * tau
    lp = compose(xs, idio, years, track, vols[:, 0], vols[:, 1], brent) + offsets
    prices = np.exp(lp)
    prev_close = compose(
        prev.x[None, :],
        prev.idio[None, :],
        np.array([prev.years]),
        prev.track[None, :],
        np.array([prev.lv]),
        np.array([prev.lo]),
        np.array([prev.brent]),
    )[0]
    move = np.abs(lp[-1] - (prev_close + offsets)) / VOL_D
    total = BASE_VOLUME * np.exp(0.25 * zvol) * (0.5 + 0.5 * np.minimum(move, 5.0))
    volume = np.round(total * _volume_profile(minutes)[:, None])
    return LiveDay(
        day=day,
        open=open_,
        close=close,
        minutes=minutes,
        logp=lp,
        high=np.maximum.accumulate(prices, axis=0),
        low=np.minimum.accumulate(prices, axis=0),
        volume=volume,
        factors=xs - prev.x,
        end=end,
    )
