"""The demo market's economic series: Treasury yields, HY OAS, fed funds, unemployment, the Sahm
rule and initial claims, shaped by the scenario and consistent with each other."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data_sources.demo_market import STREAM_LABOUR, STREAM_MACRO, STREAM_MACRO_DAY, ar1, rng_for
from data_sources.demo_scenarios import ScenarioSpec

DAYS_PER_MONTH = 365.25 / 12
HORIZON_MONTHS = 60  # monthly and weekly series run this far past the demo date
WARMUP_MONTHS = 15  # the Sahm rule needs 15 months of unemployment before its first value

# (months from the demo date, value) knots; np.interp holds the ends flat.
_CURVE_NORMAL = ((-40, -1.4), (-30, -0.9), (-25, -0.2), (-23, 0.25), (-18, 0.45), (0, 0.40))
_CURVE_REINVERTED = (
    *_CURVE_NORMAL[:-1],
    (-11, 0.40),
    (-8.5, -0.40),
    (-3.8, -0.45),
    (-2.6, 0.35),
    (-1.5, 0.60),
    (0, 0.65),
    (12, 0.70),
)
# Where the 10Y-3M spread is held on one side of zero (soft limits), by months from the demo
# date: the inversion before the 2024 un-inversion, the positive curve after it, and for a hard
# landing a second inversion of ~5 months ending ~3 months before the demo date.
_FLOORS_NORMAL = ((-22.0, 999.0, 0.12),)
_CAPS_NORMAL = ((-999.0, -26.0, -0.10),)
_FLOORS_REINVERTED = ((-22.0, -9.2, 0.12), (-2.3, 999.0, 0.15))
_CAPS_REINVERTED = ((-999.0, -26.0, -0.10), (-8.0, -3.4, -0.12))

_OAS = ((-40, 3.9), (-24, 3.0), (0, 2.95))
_OAS_HARD = ((-40, 3.9), (-24, 3.0), (-3, 3.1), (0, 7.2))

_UNRATE_STEADY = ((-60, 3.9), (-36, 4.05), (-24, 4.15), (-12, 4.3), (0, 4.4))
_UNRATE_RISING = (
    *_UNRATE_STEADY[:-1],
    (-8, 4.4),
    (-6, 4.45),
    (-5, 4.55),
    (-4, 4.7),
    (-3, 4.9),
    (-2, 5.1),
    (-1, 5.3),
    (0, 5.5),
    (6, 6.2),
)
# Initial claims in thousands by weeks from the demo date.
_CLAIMS_STEADY = ((-220, 215.0), (0, 225.0))
_CLAIMS_RISING = ((-220, 215.0), (-30, 225.0), (-12, 250.0), (0, 345.0), (26, 380.0))

# Effective fed funds by month offset from the demo date's month: the 2024-25 cuts to ~3.9.
_POLICY_STEPS = ((-26, 5.13), (-25, 4.83), (-24, 4.64), (-23, 4.48), (-22, 4.33), (-14, 4.22),
                 (-13, 4.09), (-12, 3.88))  # fmt: skip
_POLICY_CUTS = ((-3, 3.63), (-2, 3.38), (-1, 2.88), (0, 2.63), (1, 2.38), (2, 2.13))
_POLICY_START = 5.33

S_KAPPA, S_ETA = 0.04, 0.045  # 10Y-3M noise: daily moves ~4.5 bp, stationary sd ~0.16
S2_KAPPA, S2_ETA = 0.05, 0.015
B3_KAPPA, B3_ETA = 0.10, 0.012
OAS_KAPPA, OAS_ETA = 0.03, 0.012
OAS_VIX_BETA = 0.5  # credit spreads widen with equity volatility


def _interp(knots: tuple[tuple[float, float], ...], m: np.ndarray) -> np.ndarray:
    xs, ys = zip(*knots, strict=True)
    return np.interp(m, xs, ys)


def _months(dates: pd.DatetimeIndex | np.ndarray, anchor: date) -> np.ndarray:
    """Months (fractional) from the demo date."""
    d = pd.DatetimeIndex(dates).to_numpy("datetime64[D]")
    return (d - np.datetime64(anchor, "D")).astype(float) / DAYS_PER_MONTH


def _month_offset(d: date, anchor: date) -> int:
    return (d.year - anchor.year) * 12 + d.month - anchor.month


def _soft_floor(x: np.ndarray, floor: float, width: float = 0.04) -> np.ndarray:
    return floor + width * np.logaddexp(0.0, (x - floor) / width)


def _soft_cap(x: np.ndarray, cap: float, width: float = 0.04) -> np.ndarray:
    return cap - width * np.logaddexp(0.0, (cap - x) / width)


@dataclass(frozen=True, slots=True, eq=False)
class MacroState:
    """The daily series' noise at a session's close, handed to the next session."""

    s: float
    s2: float
    b3: float
    oas: float


class MacroModel:
    """Daily, weekly and monthly economic series of one demo market (seed, scenario, date)."""

    def __init__(self, seed: int, scen: int, spec: ScenarioSpec, anchor: date) -> None:
        self.seed, self.scen, self.spec, self.anchor = seed, scen, spec, anchor
        self.curve = _CURVE_REINVERTED if spec.curve == "reinverted" else _CURVE_NORMAL
        self.floors = _FLOORS_REINVERTED if spec.curve == "reinverted" else _FLOORS_NORMAL
        self.caps = _CAPS_REINVERTED if spec.curve == "reinverted" else _CAPS_NORMAL
        self.oas_knots = _OAS_HARD if spec.curve == "reinverted" else _OAS
        self._policy_start = anchor - timedelta(days=4 * 366)
        self._policy_daily = self._daily_policy()

    # -- policy rate and the 3-month bill -----------------------------------------------------

    def policy(self, month_offset: int) -> float:
        """Effective fed funds of the month ``month_offset`` months from the demo date's."""
        rate = _POLICY_START
        for k, v in _POLICY_STEPS:
            if month_offset >= k:
                rate = v
        if self.spec.policy == "cuts":
            for k, v in _POLICY_CUTS:
                if month_offset >= k:
                    rate = v
        return rate

    def target_upper(self, month_offset: int) -> float:
        """The upper bound of the target range (DFEDTARU) that the month's effective rate sits
        under: the effective rate rounded up to the next quarter point."""
        return math.ceil(round(self.policy(month_offset) / 0.25, 6)) * 0.25

    def _daily_policy(self) -> np.ndarray:
        """Cumulative sum of the daily policy rate from ``_policy_start`` (for 91-day means)."""
        n = (HORIZON_MONTHS + 52) * 31 + 200
        days = np.datetime64(self._policy_start, "D") + np.arange(n)
        offsets = (days.astype("datetime64[M]") - np.datetime64(self.anchor, "M")).astype(int)
        unique, where = np.unique(offsets, return_inverse=True)
        rates = np.array([self.policy(int(k)) for k in unique])[where]
        return np.concatenate(([0.0], np.cumsum(rates)))

    def _bill_base(self, days: np.ndarray) -> np.ndarray:
        """The 3-month bill without noise: the policy rate expected over the next 91 days."""
        i = (days - np.datetime64(self._policy_start, "D")).astype(int)
        cum = self._policy_daily
        return (cum[i + 91] - cum[i]) / 91.0 - 0.05

    # -- daily series ---------------------------------------------------------------------------

    def _curve_limits(self, s: np.ndarray, m: np.ndarray) -> np.ndarray:
        for lo, hi, floor in self.floors:
            inside = (m >= lo) & (m <= hi)
            s = np.where(inside, _soft_floor(s, floor), s)
        for lo, hi, cap in self.caps:
            inside = (m >= lo) & (m <= hi)
            s = np.where(inside, _soft_cap(s, cap), s)
        return s

    def _assemble(
        self,
        days: np.ndarray,
        s_noise: np.ndarray,
        s2_noise: np.ndarray,
        b3_noise: np.ndarray,
        oas_noise: np.ndarray,
        lv: np.ndarray,
        vix_theta: np.ndarray,
    ) -> dict[str, np.ndarray]:
        m = _months(days, self.anchor)
        base = _interp(self.curve, m)
        s = self._curve_limits(base + s_noise, m)
        s2 = 0.35 * base - 0.45 + 0.4 * s_noise + s2_noise
        bill = self._bill_base(days) + b3_noise
        d3 = np.round(bill, 2)
        d10 = np.round(bill + s, 2)
        d2 = np.round(bill + s2, 2)
        offsets = (days.astype("datetime64[M]") - np.datetime64(self.anchor, "M")).astype(int)
        unique, where = np.unique(offsets, return_inverse=True)
        upper = np.array([self.target_upper(int(k)) for k in unique])[where]
        log_oas = np.log(_interp(self.oas_knots, m)) + OAS_VIX_BETA * (lv - vix_theta) + oas_noise
        return {
            "DGS3MO": d3,
            "DGS2": d2,
            "DGS10": d10,
            "T10Y3M": np.round(d10 - d3, 2),
            "T10Y2Y": np.round(d10 - d2, 2),
            "BAMLH0A0HYM2": np.round(np.exp(log_oas), 2),
            "DFEDTARU": upper,
        }

    def history(
        self, days: pd.DatetimeIndex, lv: np.ndarray, vix_theta: np.ndarray
    ) -> tuple[dict[str, np.ndarray], MacroState]:
        """Daily series on the history's sessions, and the state the first live day continues."""
        n = len(days)
        rng = rng_for(self.seed, self.scen, STREAM_MACRO)
        z = rng.standard_normal((n, 4))
        s_noise = ar1(0.0, 1 - S_KAPPA, S_ETA * z[:, 0])
        s2_noise = ar1(0.0, 1 - S2_KAPPA, S2_ETA * z[:, 1])
        b3_noise = ar1(0.0, 1 - B3_KAPPA, B3_ETA * z[:, 2])
        oas_noise = ar1(0.0, 1 - OAS_KAPPA, OAS_ETA * z[:, 3])
        d = days.to_numpy("datetime64[D]")
        # Pin the last HY OAS exactly on the scenario's level with a 30-row bridge.
        raw = self._assemble(
            d[-1:],
            s_noise[-1:],
            s2_noise[-1:],
            b3_noise[-1:],
            oas_noise[-1:],
            lv[-1:],
            vix_theta[-1:],
        )
        target = self.spec.oas_end * math.exp(0.03 * float(rng.standard_normal()))
        fix = math.log(target) - math.log(float(raw["BAMLH0A0HYM2"][0]))
        t = np.arange(n, dtype=float)
        oas_noise = oas_noise + fix * np.clip((t - (n - 31)) / 30.0, 0.0, 1.0)
        out = self._assemble(d, s_noise, s2_noise, b3_noise, oas_noise, lv, vix_theta)
        state = MacroState(
            float(s_noise[-1]), float(s2_noise[-1]), float(b3_noise[-1]), float(oas_noise[-1])
        )
        return out, state

    def step(self, prev: MacroState, day: date, lv: float) -> tuple[dict[str, float], MacroState]:
        """The daily series at the close of a live session ``day``."""
        z = rng_for(self.seed, self.scen, STREAM_MACRO_DAY, day.toordinal()).standard_normal(4)
        state = MacroState(
            s=(1 - S_KAPPA) * prev.s + S_ETA * z[0],
            s2=(1 - S2_KAPPA) * prev.s2 + S2_ETA * z[1],
            b3=(1 - B3_KAPPA) * prev.b3 + B3_ETA * z[2],
            oas=(1 - OAS_KAPPA) * prev.oas + OAS_ETA * z[3],
        )
        one = np.array([np.datetime64(day, "D")])
        out = self._assemble(
            one,
            np.array([state.s]),
            np.array([state.s2]),
            np.array([state.b3]),
            np.array([state.oas]),
            np.array([lv]),
            np.array([math.log(self.spec.vix_theta)]),
        )
        return {k: float(v[0]) for k, v in out.items()}, state

    # -- monthly and weekly series ----------------------------------------------------------------

    def monthly(self, first: date) -> dict[str, pd.Series]:
        """FEDFUNDS, UNRATE and SAHMREALTIME dated the 1st, from ``first``'s month on."""
        start = date(first.year, first.month, 1)
        months = pd.date_range(start, periods=HORIZON_MONTHS + 52, freq="MS").as_unit("ns")
        offsets = np.array([_month_offset(d.date(), self.anchor) for d in months])
        warm = pd.date_range(
            months[0] - pd.DateOffset(months=WARMUP_MONTHS), periods=WARMUP_MONTHS, freq="MS"
        ).as_unit("ns")
        all_months = warm.append(months)
        all_offsets = np.concatenate((offsets[0] - np.arange(WARMUP_MONTHS, 0, -1), offsets))
        rng = rng_for(self.seed, self.scen, STREAM_LABOUR)
        z = rng.standard_normal(len(all_offsets))
        zf = rng.standard_normal(len(offsets))
        knots = _UNRATE_RISING if self.spec.labour == "rising" else _UNRATE_STEADY
        base = _interp(knots, all_offsets.astype(float))
        scale = 1.0
        for _ in range(3):
            unrate = np.round(base + ar1(0.0, 0.5, 0.05 * scale * z), 1)
            sahm = self._sahm(unrate)
            # A steady labour market must not brush the Sahm warning (0.30) by noise alone.
            if self.spec.labour == "rising" or np.nanmax(sahm) < 0.22:
                break
            scale /= 2.0
        fed = np.round(np.array([self.policy(int(k)) for k in offsets]) + 0.008 * zf, 2)
        keep = slice(WARMUP_MONTHS, None)
        return {
            "FEDFUNDS": pd.Series(fed, index=months, name="FEDFUNDS"),
            "UNRATE": pd.Series(unrate, index=all_months, name="UNRATE"),
            "SAHMREALTIME": pd.Series(np.round(sahm[keep], 2), index=months, name="SAHMREALTIME"),
        }

    @staticmethod
    def _sahm(unrate: np.ndarray) -> np.ndarray:
        """3-month average minus the lowest 3-month average of the prior 12 months."""
        u = pd.Series(unrate)
        avg = u.rolling(3).mean()
        return (avg - avg.shift(1).rolling(12).min()).to_numpy()

    def weekly(self, first: date) -> pd.Series:
        """Initial claims (ICSA) on Saturdays (week ending), from before ``first`` on."""
        # The Saturday on or before ``first``, 56 weeks back (the 52-week low needs them).
        start = first - timedelta(days=(first.weekday() - 5) % 7 + 7 * 56)
        n = (HORIZON_MONTHS + 52) * 5
        weeks = pd.date_range(start, periods=n, freq="7D").as_unit("ns")
        w = (weeks.to_numpy("datetime64[D]") - np.datetime64(self.anchor, "D")).astype(float) / 7
        knots = _CLAIMS_RISING if self.spec.labour == "rising" else _CLAIMS_STEADY
        z = rng_for(self.seed, self.scen, STREAM_LABOUR, 1).standard_normal(n)
        noise = ar1(0.0, 0.7, 0.02 * z)
        claims = np.round(_interp(knots, w) * np.exp(noise)) * 1000.0
        return pd.Series(claims, index=weeks, name="ICSA")
