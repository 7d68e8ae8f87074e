"""An intraday step of the risk replay: only the days whose prices moved are evaluated again.

Intraday a live source hands the same history with a new last price every poll. The replay up
to yesterday does not change (it never looks ahead), and neither does any rule that reads macro
series only (FRED releases: the same data all day). :func:`step_replay` takes the last replay of
the same rules, day and settings and evaluates again only the rows of the rules that read
prices, from the first day on which a price differs, each condition's hysteresis continuing from
its state of the day before.

The result equals ``replay_risk`` of the new data exactly, array for array
(tests/unit/test_risk_step.py: every poll of demo runs, real histories). Each rule that reads
prices is evaluated here at one day with the same float operations as ``riskrules`` does over
the whole series (elementwise arithmetic and rolling maxima, both exact whatever the window's
start): a change to a rule there must be made here too, and the test fails until it is.
Whenever a step cannot promise equality -- another day, rules or settings, macro data that
differ in any way, a symbol come or gone, a first row changed, more than
:data:`MAX_STEP_DAYS` days to redo -- it is the full replay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from analytics.freshness import STALE_SESSIONS, sessions_after_days
from analytics.risk import (
    RULE_INPUTS,
    RiskReplay,
    _group_scores,
    _InputDates,
    _stale,
    replay_risk,
)
from analytics.riskinputs import _NO_OBS, _NS_PER_DAY, _clean, _days, _lags
from analytics.rules import DEFAULT_RULES, RULE_SYMBOLS, Direction, RuleSpec

MAX_STEP_DAYS = 5
"""More days than this to evaluate again (a source that revised older prices): replay all."""

PRICE_RULES: frozenset[str] = frozenset(
    rid for rid, names in RULE_INPUTS.items() if set(names) & RULE_SYMBOLS
)
"""The rules that read a market price; the others read macro series only."""

_NAN = float("nan")
_Obs = tuple[float, int]
"""A value as known on a day and the day number of its observation (``_NO_OBS``: none)."""


@dataclass(frozen=True, slots=True)
class _Cond:
    """One condition of a rule on one day (``riskrules._Condition`` at a single day)."""

    level: float
    value: float
    threshold: float
    kind: str = "level"
    strict: bool = False
    direction: Direction = "above"


def step_replay(
    base: RiskReplay,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    asof: date,
    rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
    *,
    release_lags: Mapping[str, object] | None = None,
    stale_after: Mapping[str, int] | None = None,
    same_macro: bool = False,
) -> RiskReplay:
    """``replay_risk(prices, macro, asof, rules, ...)``, from ``base`` where it can be.

    ``same_macro``: the caller knows ``macro`` holds the very series ``base`` was replayed
    (or stepped) from, the same objects (``tui.compute``'s memo: the same macro mapping, kept
    by a live source for the day); their arrays are then not compared again (cleaning and
    comparing every macro series was ~3.5 of a busy demo poll's 9 ms of compute)."""
    step = _step(base, prices, macro, asof, tuple(rules), release_lags, stale_after, same_macro)
    if step is not None:
        return step
    return replay_risk(
        prices, macro, asof, rules, release_lags=release_lags, stale_after=stale_after
    )


def _step(
    base: RiskReplay,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    asof: date,
    rules: tuple[RuleSpec, ...],
    release_lags: Mapping[str, object] | None,
    stale_after: Mapping[str, int] | None,
    same_macro: bool = False,
) -> RiskReplay | None:
    """The stepped replay, or None where a step cannot promise the full replay's result."""
    if (
        pd.Timestamp(asof).normalize().date() != base.asof
        or rules != base.rules
        or len(base.active) != len(rules)
        or base.lags is None
        or base.stale is None
        or _lags(release_lags) != base.lags
        or _stale(stale_after) != base.stale
    ):
        return None
    # Macro data: exactly the replayed data, or no step (the whole replay reads it).
    if not same_macro and not _macro_replayed(base, macro):
        return None
    # Prices the rules read: the same symbols and first rows; find the first day that moved.
    base_prices = {k: d for k, d in base.inputs.items() if d.market}
    new_prices: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k, v in prices.items():
        if k not in RULE_SYMBOLS:
            continue
        raw = _plain(v)
        if raw is None:
            s = _clean(f"prices[{k!r}]", v)
            raw = (_days(s.index), s.to_numpy(float))
        if len(raw[0]):
            new_prices[k] = raw
    if new_prices.keys() != base_prices.keys():
        return None
    first_moved = np.iinfo(np.int64).max
    inputs: dict[str, _InputDates] = dict(base.inputs)
    for k, (own, vals) in new_prices.items():
        d = base_prices[k]
        i = _first_difference(d.observed, d.values, own, vals)
        if i == 0:
            return None  # the first row decides where the replay starts
        if i is not None:
            for days in (own, d.observed):
                if i < len(days):
                    first_moved = min(first_moved, int(days[i]))
        inputs[k] = _InputDates(own, own, True, 0, vals)
    grid_days = _days(base.grid)
    n = len(grid_days)
    start = int(np.searchsorted(grid_days, first_moved, "left"))
    if n - start > MAX_STEP_DAYS:
        return None

    values, levels = base.values.copy(), base.levels.copy()
    trig_v, trig_t, kinds = base.trigger_values.copy(), base.thresholds.copy(), base.kinds.copy()
    active = list(base.active)
    daily_stale = base.stale["daily"]
    for j, spec in enumerate(rules):
        if spec.id not in PRICE_RULES or start >= n:
            continue
        states = active[j].copy()
        for i in range(start, n):
            v, conds = _point(spec, int(grid_days[i]), inputs, daily_stale)
            if len(conds) != states.shape[1]:
                return None  # not the conditions the replay ran: never guess
            prev = states[i - 1] if i > 0 else np.zeros(len(conds), dtype=bool)
            lev = 0.0
            for c_idx, c in enumerate(conds):
                on = _state(c, spec.hysteresis, bool(prev[c_idx]))
                states[i, c_idx] = on
                if on:
                    lev = max(lev, c.level)
            values[i, j] = v
            trig_v[i, j], trig_t[i, j], kinds[i, j] = _NAN, _NAN, ""
            for c_idx in reversed(range(len(conds))):
                c = conds[c_idx]
                if states[i, c_idx] and lev == c.level:
                    trig_v[i, j], trig_t[i, j], kinds[i, j] = c.value, c.threshold, c.kind
            levels[i, j] = _NAN if math.isnan(v) else lev
        active[j] = states
    history, coverage = _group_scores(rules, levels)
    return replace(
        base,
        values=values,
        levels=levels,
        trigger_values=trig_v,
        thresholds=trig_t,
        kinds=kinds,
        history=history,
        coverage=coverage,
        inputs=inputs,
        active=tuple(active),
    )


def _macro_replayed(base: RiskReplay, macro: Mapping[str, pd.Series]) -> bool:
    """True when ``macro`` cleans to exactly the macro inputs ``base`` replayed."""
    base_macro = {k: d for k, d in base.inputs.items() if not d.market}
    seen = 0
    for k, v in macro.items():
        d = base_macro.get(k)
        if d is not None and _same_clean(v, d.observed, d.values):
            seen += 1
            continue
        s = _clean(f"macro[{k!r}]", v)
        if s.empty:
            continue
        if d is None or not _same(_days(s.index), s.to_numpy(float), d.observed, d.values):
            return False
        seen += 1
    return seen == len(base_macro)


def _plain(s: object) -> tuple[np.ndarray, np.ndarray] | None:
    """Day numbers and values of a series that ``_clean`` would keep as it is (float values,
    tz-naive ascending unique midnights, all finite); None for any other: clean it."""
    if not isinstance(s, pd.Series) or s.dtype != np.float64:
        return None
    idx = s.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is not None:
        return None
    i8 = idx.as_unit("ns").asi8
    vals = s.to_numpy()
    if (i8 % _NS_PER_DAY).any() or not np.isfinite(vals).all():
        return None
    if len(i8) > 1 and not (i8[1:] > i8[:-1]).all():
        return None
    return i8 // _NS_PER_DAY, vals


def _same_clean(s: object, days: np.ndarray, values: np.ndarray) -> bool:
    """True when ``s`` is already clean and holds exactly ``days`` and ``values``."""
    raw = _plain(s)
    return raw is not None and _same(raw[0], raw[1], days, values)


def _same(days: np.ndarray, values: np.ndarray, days2: np.ndarray, values2: np.ndarray) -> bool:
    return np.array_equal(days, days2) and np.array_equal(values, values2)


def _first_difference(
    old_days: np.ndarray, old_vals: np.ndarray, new_days: np.ndarray, new_vals: np.ndarray
) -> int | None:
    """The first row at which two series differ (a row only one of them has counts), or None."""
    m = min(len(old_days), len(new_days))
    differ = (old_days[:m] != new_days[:m]) | (old_vals[:m] != new_vals[:m])
    hit = np.flatnonzero(differ)
    if len(hit):
        return int(hit[0])
    return None if len(old_days) == len(new_days) else m


def _state(c: _Cond, h: float, prev: bool) -> bool:
    """``riskrules._hysteresis`` at one day, from the state of the day before."""
    v, t = c.value, c.threshold
    if math.isnan(v):
        return False  # an unknown day switches the condition off
    if c.direction == "above":
        on = v > t if c.strict else v >= t
        off = v <= t - h
    else:
        on = v < t if c.strict else v <= t
        off = v >= t + h
    return on if (on or off) else prev


# -- one rule at one day (riskrules._rule_conditions at a single day) --------------------------


def _pct_return(p: np.ndarray, pos: int, rows: int) -> float:
    """``riskrules._pct_return`` at row ``pos``."""
    if pos < rows:
        return _NAN
    base = p[pos - rows]
    return float((p[pos] / base - 1.0) * 100.0) if base > 0 else _NAN


def _drawdown(p: np.ndarray, pos: int, rows: int) -> float:
    """``(p / p.rolling(rows).max() - 1) * 100`` at row ``pos``."""
    if pos < rows - 1:
        return _NAN
    return float((p[pos] / p[pos - rows + 1 : pos + 1].max() - 1.0) * 100.0)


def _above_high(p: np.ndarray, pos: int, rows: int) -> float:
    """The oil rule's rise over the high of the ``rows`` rows before, at row ``pos``."""
    if pos < rows:
        return _NAN
    high = p[pos - rows : pos].max()
    return float((p[pos] / high - 1.0) * 100.0) if high > 0 else _NAN


def _market(d: _InputDates | None, day: int, derive: Callable[[int], float]) -> _Obs:
    """``_Inputs.observed(..., "market")`` at one day: the last row up to it, if fresh."""
    if d is None:
        return _NAN, _NO_OBS
    pos = int(np.searchsorted(d.observed, day, "right")) - 1
    if pos < 0:
        return _NAN, _NO_OBS
    last = int(d.observed[pos])
    if int(sessions_after_days(np.array([last]), np.array([day]))[0]) > STALE_SESSIONS:
        return _NAN, _NO_OBS
    return derive(pos), last


def _released(d: _InputDates | None, day: int, stale: int, derive: Callable[[int], float]) -> _Obs:
    """``_Inputs.observed(..., "daily", source)`` at one day: the last release, if fresh."""
    if d is None:
        return _NAN, _NO_OBS
    pos = int(np.searchsorted(d.visible, day, "right")) - 1
    if pos < 0 or day - int(d.visible[pos]) > stale:
        return _NAN, _NO_OBS
    return derive(pos), int(d.observed[pos])


def _freshest(market: _Obs, other: _Obs) -> float:
    (mv, mo), (ov, oo) = market, other
    return mv if mo != _NO_OBS and mo >= oo else ov


def _point(
    spec: RuleSpec, day: int, inputs: Mapping[str, _InputDates], stale: int
) -> tuple[float, list[_Cond]]:
    """A price rule's value on ``day`` and its conditions, most preferred first per level."""
    rid = spec.id

    def raw(d: _InputDates | None) -> Callable[[int], float]:
        return lambda pos: float(d.values[pos]) if d is not None else _NAN

    def on(
        d: _InputDates | None, f: Callable[[np.ndarray, int, int], float], rows: int
    ) -> Callable[[int], float]:
        return lambda pos: f(d.values, pos, rows) if d is not None else _NAN

    def plain(v: float) -> tuple[float, list[_Cond]]:
        return v, [
            _Cond(1.0, v, spec.critical, direction=spec.direction),
            _Cond(0.5, v, spec.warning, direction=spec.direction),
        ]

    if rid in ("vix", "ovx"):
        sym, series = ("^VIX", "VIXCLS") if rid == "vix" else ("^OVX", "OVXCLS")
        m, o = inputs.get(sym), inputs.get(series)
        return plain(_freshest(_market(m, day, raw(m)), _released(o, day, stale, raw(o))))
    if rid == "r2k_drawdown":
        w = spec.window or 252
        a, b = inputs.get("IWM"), inputs.get("^RUT")
        return plain(
            _freshest(_market(a, day, on(a, _drawdown, w)), _market(b, day, on(b, _drawdown, w)))
        )
    if rid == "wti_20d":
        w = spec.window or 20
        m, o = inputs.get("CL=F"), inputs.get("DCOILWTICO")
        return plain(
            _freshest(
                _market(m, day, on(m, _pct_return, w)),
                _released(o, day, stale, on(o, _pct_return, w)),
            )
        )
    if rid == "energy_outperformance":
        w = spec.window or 21
        xle, spy = inputs.get("XLE"), inputs.get("SPY")
        if xle is None or spy is None:
            return plain(_NAN)
        joint = np.intersect1d(xle.observed, spy.observed, assume_unique=True)
        x = xle.values[np.searchsorted(xle.observed, joint)]
        y = spy.values[np.searchsorted(spy.observed, joint)]

        def outperformance(pos: int) -> float:
            return float(np.float64(_pct_return(x, pos, w)) - np.float64(_pct_return(y, pos, w)))

        both = _InputDates(joint, joint, True, 0, x)
        return plain(_market(both, day, outperformance)[0])
    if rid == "oil_net_increase":
        short, long_ = spec.window or 252, spec.long_window or 756
        m, o = inputs.get("CL=F"), inputs.get("DCOILWTICO")

        def wti(rows: int) -> float:
            return _freshest(
                _market(m, day, on(m, _above_high, rows)),
                _released(o, day, stale, on(o, _above_high, rows)),
            )

        x1, x3 = wti(short), wti(long_)
        return x1, [
            _Cond(1.0, x3, spec.critical, "long", strict=True, direction=spec.direction),
            _Cond(0.5, x1, spec.warning, strict=True, direction=spec.direction),
        ]
    raise ValueError(f"rule {rid}: no one-day evaluation (not a price rule)")
