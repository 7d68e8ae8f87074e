"""The risk engine's rule values: each rule's condition per day, with hysteresis and recovery."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.riskinputs import _freshest, _Inputs, _prefer
from analytics.rules import (
    RULE_IDS,
    Direction,
    RuleSpec,
)

# -- rule values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Condition:
    """One threshold of a rule on one value series; ``active`` is the hysteresis state per day."""

    level: float
    values: np.ndarray
    threshold: float
    active: np.ndarray
    kind: str = "level"


def _hysteresis(
    v: np.ndarray, threshold: float, h: float, direction: Direction, strict: bool = False
) -> np.ndarray:
    """On when ``v`` reaches the threshold, off once it is back past it by ``h`` (vectorised)."""
    with np.errstate(invalid="ignore"):
        if direction == "above":
            on = v > threshold if strict else v >= threshold
            off = v <= threshold - h  # at or past the threshold moved back by h (SPEC 7)
        else:
            on = v < threshold if strict else v <= threshold
            off = v >= threshold + h
    off = off | np.isnan(v)
    n = len(v)
    events = np.where(on | off, np.arange(n), -1)
    last = np.maximum.accumulate(events) if n else events
    # A day's state is the last event's kind; before any event the rule is off.
    return (last >= 0) & on[np.maximum(last, 0)]


def _pct_return(s: pd.Series, rows: int) -> pd.Series:
    base = s.shift(rows)
    out = (s / base - 1.0) * 100.0
    return out.where(base > 0)  # a non-positive base (WTI 2020-04-20) has no return


def _sahm_from_unrate(u: pd.Series) -> pd.Series:
    u3 = u.rolling(3, min_periods=3).mean()
    return u3 - u3.shift(1).rolling(12, min_periods=12).min()


def _rule_conditions(spec: RuleSpec, inp: _Inputs) -> tuple[np.ndarray, list[_Condition]]:
    """The rule's value on the grid and its conditions, most preferred first per level."""
    h = spec.hysteresis

    def cond(
        level: float,
        v: np.ndarray,
        thr: float,
        kind: str = "level",
        strict: bool = False,
        direction: Direction = spec.direction,
    ) -> _Condition:
        return _Condition(level, v, thr, _hysteresis(v, thr, h, direction, strict), kind)

    def plain(v: np.ndarray) -> tuple[np.ndarray, list[_Condition]]:
        return v, [cond(1.0, v, spec.critical), cond(0.5, v, spec.warning)]

    rid = spec.id
    if rid == "sahm":
        real = inp.on_grid(inp.series("SAHMREALTIME"), "monthly", "SAHMREALTIME")
        u = inp.series("UNRATE")
        computed = inp.on_grid(None if u is None else _sahm_from_unrate(u), "monthly", "UNRATE")
        return plain(_prefer(real, computed))
    if rid == "vix":
        return plain(
            _freshest(
                inp.observed(inp.price("^VIX"), "market"),
                inp.observed(inp.series("VIXCLS"), "daily", "VIXCLS"),
            )
        )
    if rid == "ovx":
        return plain(
            _freshest(
                inp.observed(inp.price("^OVX"), "market"),
                inp.observed(inp.series("OVXCLS"), "daily", "OVXCLS"),
            )
        )
    if rid == "claims":
        s = inp.series("ICSA")
        v = None
        if s is not None:
            avg = s.rolling(4, min_periods=4).mean()
            low = avg.rolling(spec.window or 52, min_periods=spec.window or 52).min()
            v = (avg / low - 1.0) * 100.0
        return plain(inp.on_grid(v, "weekly", "ICSA"))
    if rid == "r2k_drawdown":
        w = spec.window or 252

        def dd(p: pd.Series | None) -> pd.Series | None:
            return None if p is None else (p / p.rolling(w, min_periods=w).max() - 1.0) * 100.0

        return plain(
            _freshest(
                inp.observed(dd(inp.price("IWM")), "market"),
                inp.observed(dd(inp.price("^RUT")), "market"),
            )
        )
    if rid == "wti_20d":
        w = spec.window or 20

        def ret(p: pd.Series | None) -> pd.Series | None:
            return None if p is None else _pct_return(p, w)

        return plain(
            _freshest(
                inp.observed(ret(inp.price("CL=F")), "market"),
                inp.observed(ret(inp.series("DCOILWTICO")), "daily", "DCOILWTICO"),
            )
        )
    if rid == "energy_outperformance":
        w = spec.window or 21
        xle, spy = inp.price("XLE"), inp.price("SPY")
        v = None
        if xle is not None and spy is not None:
            both = pd.concat([xle, spy], axis=1, join="inner")
            v = _pct_return(both.iloc[:, 0], w) - _pct_return(both.iloc[:, 1], w)
        return plain(inp.on_grid(v, "market"))
    if rid == "hy_oas":
        s = inp.series("BAMLH0A0HYM2")
        level = inp.on_grid(s, "daily", "BAMLH0A0HYM2")
        conds = [cond(1.0, level, spec.critical)]
        if spec.change_window is not None:
            rise = inp.on_grid(
                None if s is None else s - s.shift(spec.change_window), "daily", "BAMLH0A0HYM2"
            )
            if spec.change_critical is not None:
                conds.append(cond(1.0, rise, spec.change_critical, "change", direction="above"))
            conds.append(cond(0.5, level, spec.warning))
            if spec.change_warning is not None:
                conds.append(cond(0.5, rise, spec.change_warning, "change", direction="above"))
        else:
            conds.append(cond(0.5, level, spec.warning))
        return level, conds
    if rid == "oil_net_increase":
        short, long_ = spec.window or 252, spec.long_window or 756

        def above_high(p: pd.Series | None, rows: int) -> pd.Series | None:
            if p is None:
                return None
            high = p.shift(1).rolling(rows, min_periods=rows).max()
            return ((p / high - 1.0) * 100.0).where(high > 0)

        def wti(rows: int) -> np.ndarray:
            return _freshest(
                inp.observed(above_high(inp.price("CL=F"), rows), "market"),
                inp.observed(above_high(inp.series("DCOILWTICO"), rows), "daily", "DCOILWTICO"),
            )

        x1, x3 = wti(short), wti(long_)
        return x1, [
            cond(1.0, x3, spec.critical, "long", strict=True),
            cond(0.5, x1, spec.warning, strict=True),
        ]
    if rid == "yield_curve":
        d10, d3 = inp.series("DGS10"), inp.series("DGS3MO")
        diff = None
        if d10 is not None and d3 is not None:
            both = pd.concat([d10, d3], axis=1, join="inner")
            diff = both.iloc[:, 0] - both.iloc[:, 1]
        sources = [(inp.series("T10Y3M"), "T10Y3M"), (diff, "DGS10")]
        v = np.full(len(inp.grid), np.nan)
        crit_on = np.full(len(inp.grid), np.nan)
        for series, source in sources:  # T10Y3M, else DGS10 - DGS3MO, day by day
            recovered = None if series is None else _recovery_days(series, spec)
            take = np.isnan(v)
            v = np.where(take, inp.on_grid(series, "daily", source), v)
            crit_on = np.where(take, inp.on_grid(recovered, "daily", source), crit_on)
        inverted = _hysteresis(v, spec.warning, h, "below", strict=True)
        crit = (crit_on == 1.0) & ~np.isnan(v)
        return v, [
            _Condition(1.0, v, spec.critical, crit, "recovery"),
            _Condition(0.5, v, spec.warning, inverted),
        ]
    raise ValueError(f"rule {rid}: unknown rule id (expected one of {', '.join(RULE_IDS)})")


def _recovery_days(s: pd.Series, spec: RuleSpec) -> pd.Series:
    """Per observation of the 10Y-3M series: 1.0 where the yield-curve critical holds (SPEC 7),
    else 0.0 -- the value is at or above ``critical`` and lies within ``recovery_days``
    observations after the last day on which at least ``min_inverted_days`` of the
    ``inversion_window`` observations ending that day were below ``warning``."""
    window = spec.inversion_window or 84
    need = spec.min_inverted_days or 63
    recovery = spec.recovery_days or 126
    vals = s.to_numpy(float)
    n = len(vals)
    with np.errstate(invalid="ignore"):
        below = (vals < spec.warning).astype(np.int64)
        back = vals >= spec.critical
    counts = np.convolve(below, np.ones(window, dtype=np.int64))[:n]  # trailing sums
    long_inversion = (np.arange(n) >= window - 1) & (counts >= need)
    i = np.arange(n)
    last = np.maximum.accumulate(np.where(long_inversion, i, -1)) if n else i
    on = back & (last >= 0) & (i - last <= recovery)
    return pd.Series(on.astype(float), index=s.index)
