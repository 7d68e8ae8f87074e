"""The risk engine: the ten rules of SPEC 7 replayed day by day with release lags and hysteresis.

How a day is evaluated
----------------------
- **Days.** The replay runs over every NYSE session (exchange_calendars' XNYS) from the earliest
  data up to ``asof`` -- a weekend row in a file is not a replay day; the result keeps the days
  from ``start`` on. The days before ``start`` still run,
  so that hysteresis, episode starts and the yield-curve memory are the same whatever
  ``start`` is.
- **No look-ahead.** A macro observation is usable from its release date only
  (:data:`RELEASE_LAGS`: monthly series on the 7th of the next month, weekly claims 5 days after
  the week's date, daily FRED series the next day). Market prices are known on their own date.
  Rule values are computed on each series in its own time (rolling windows count the series'
  own rows) and then become visible on the release date of the observation they end on; every
  input of that value was released no later, so nothing leaks backwards.
- **Staleness.** A market price more than 3 NYSE sessions older than the day
  (:mod:`analytics.freshness`, the one rule of SPEC 8) and a FRED value older than
  :data:`STALE_AFTER_DAYS` (calendar days since its release) count as unknown, so a series that
  stopped updating never keeps an alert alive.
- **Sources.** Equivalent inputs (WTI: CL=F and DCOILWTICO; VIX: ^VIX and VIXCLS; OVX: ^OVX and
  OVXCLS; Russell: IWM and ^RUT): each day the rule reads the freshest visible observation
  among them, the market series on a tie. Other rules fall back day by day where the preferred
  source is unknown (SAHMREALTIME, else the Sahm rule computed from UNRATE; T10Y3M, else
  DGS10 - DGS3MO). A computed value that is undefined on its day (a return over a base <= 0)
  is unknown that day, never the last good value.
- **Levels.** 0 (none), 0.5 (warning), 1 (critical). Each threshold is a small state machine:
  it switches on when the value reaches it and off when the value is at or past the threshold
  moved back by the rule's ``hysteresis`` (above-rules: on at ``v >= T``, off at ``v <= T - h``;
  below-rules: on at ``v <= T``, off at ``v >= T + h``). A rule whose value is unknown on a day
  is *unknown* that day (level NaN, never 0) and starts afresh when its value returns.
  Rules with two conditions (HY OAS: level or 3-month rise; net oil increase: 1-year or
  3-year high) take the most severe active condition.
- **Yield curve** (SPEC 7, exactly). Warning while inverted (``10Y-3M < warning``, default 0,
  with hysteresis). Critical on a day with the spread at or above ``critical`` (default 0) that
  lies within ``recovery_days`` (126) observations after the last day on which at least
  ``min_inverted_days`` (63) of the ``inversion_window`` (84) observations ending that day were
  inverted: counted in the series' own observations, so short chop near zero never fires it.
- **Scores.** ``100 * sum(weight * level) / sum(weight)`` over the group's *known* rules;
  ``coverage`` is the known weight over all the group's weight. With no rule known the score is
  NaN in the arrays and None in :attr:`RiskResult.scores`.

The engine is three modules: ``riskinputs`` (the inputs on the replay's days, release lags),
``riskrules`` (each rule's condition per day) and this one (the replay and its result).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.freshness import STALE_SESSIONS, sessions_after_days
from analytics.riskinputs import _days, _frequency, _Inputs, _lags
from analytics.riskinputs import release_dates as release_dates
from analytics.riskinputs import visible_series as visible_series
from analytics.riskrules import _rule_conditions
from analytics.rules import (
    DEFAULT_RULES,
    GROUPS,
    RULE_IDS,
    SEVERITY_LEVEL,
    STALE_AFTER_DAYS,
    RuleSpec,
)
from analytics.rules import RELEASE_LAGS as RELEASE_LAGS
from analytics.types import Alert, Severity


@dataclass(frozen=True, slots=True, eq=False)
class RiskResult:
    """The replay of the rules over ``days`` (ascending, the last one at or before ``asof``).

    - ``values``: day x rule id, the rule's value (NaN where unknown);
    - ``levels``: day x rule id, 0 / 0.5 / 1;
    - ``trigger_values`` / ``thresholds``: day x rule id, the value and threshold of the
      condition behind the level (NaN at level 0) -- differs from ``values`` only for HY OAS's
      3-month rise and the net oil increase's 3-year high;
    - ``alerts``: active rules at the last day, most severe first;
    - ``scores`` / ``score_history``: the two group scores (0-100) at the last day / per day
      (None / NaN when no rule of the group is known);
    - ``coverage``: per group, the known weight over the total weight at the last day;
    - ``unknown``: rule id -> why it is unknown at the last day (missing or stale inputs).
    """

    rules: tuple[RuleSpec, ...]
    days: pd.DatetimeIndex
    values: pd.DataFrame
    levels: pd.DataFrame
    trigger_values: pd.DataFrame
    thresholds: pd.DataFrame
    alerts: tuple[Alert, ...]
    scores: dict[str, float | None]
    score_history: pd.DataFrame
    coverage: dict[str, float]
    unknown: dict[str, str]

    @property
    def unknown_rules(self) -> tuple[str, ...]:
        """The rules without a value at the last day, in rule order."""
        return tuple(r.id for r in self.rules if r.id in self.unknown)

    def rule(self, rule_id: str) -> RuleSpec:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


# -- the replay ---------------------------------------------------------------------------------


def _fmt(x: float, unit: str) -> str:
    text = f"{x:.{2 if abs(x) < 10 else 1}f}"
    return f"{text} {unit}" if unit else text


def _message(spec: RuleSpec, severity: Severity, value: float, threshold: float, kind: str) -> str:
    """A short plain sentence; says so when the level is only held by the hysteresis."""
    u, h = spec.unit, f"{spec.hysteresis:g}"
    if spec.id == "yield_curve":
        if severity == "critical":
            return (
                f"10Y-3M back above {threshold:g} at {_fmt(value, u)} after an inversion of "
                f"{spec.min_inverted_days}+ trading days."
            )
        if value < threshold:
            return f"10Y-3M at {_fmt(value, u)}: the yield curve is inverted."
        return f"10Y-3M at {_fmt(value, u)}: not yet {h} above {threshold:g} after its inversion."
    if spec.id == "oil_net_increase":
        years = "3 years" if kind == "long" else "year"
        if value > threshold:
            return f"WTI {_fmt(value, '%')} above its high of the prior {years}."
        return f"WTI {_fmt(-value, '%')} under the high of the prior {years} it just broke."
    if kind == "change":
        if value >= threshold:
            return (
                f"{spec.label} up {_fmt(value, 'pp')} in {spec.change_window} trading days, "
                f"at or above the {severity} rise of {_fmt(threshold, 'pp')}."
            )
        return (
            f"{spec.label} up {_fmt(value, 'pp')} in {spec.change_window} trading days: "
            f"{severity} held by the hysteresis; clears at or below "
            f"{_fmt(threshold - spec.hysteresis, 'pp')}."
        )
    if spec.direction == "above":
        if value >= threshold:
            return f"{spec.label} at {_fmt(value, u)}, at or above the {severity} level " + (
                f"{_fmt(threshold, u)}."
            )
        clears = f"at or below {_fmt(threshold - spec.hysteresis, u)}"
    else:
        if value <= threshold:
            return f"{spec.label} at {_fmt(value, u)}, at or below the {severity} level " + (
                f"{_fmt(threshold, u)}."
            )
        clears = f"at or above {_fmt(threshold + spec.hysteresis, u)}"
    # The level stands only because of the hysteresis: say so, and where it clears.
    return (
        f"{spec.label} at {_fmt(value, u)}: {severity} held by the hysteresis "
        f"({_fmt(threshold, u)} crossed); clears {clears}."
    )


def _check_rules(rules: tuple[RuleSpec, ...]) -> None:
    seen: set[str] = set()
    for r in rules:
        if not isinstance(r, RuleSpec):
            raise ValueError(f"rules: expected RuleSpec values, got {type(r).__name__}")
        if r.id not in RULE_IDS:
            raise ValueError(
                f"rule {r.id}: unknown rule id (expected one of {', '.join(RULE_IDS)})"
            )
        if r.id in seen:
            raise ValueError(f"rule {r.id}: given twice")
        seen.add(r.id)


def evaluate_risk(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    asof: date,
    rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
    *,
    start: date | None = None,
    release_lags: Mapping[str, object] | None = None,
    stale_after: Mapping[str, int] | None = None,
) -> RiskResult:
    """Replay ``rules`` over every day up to ``asof``; see the module docstring for the details.

    ``prices``: Yahoo symbol -> adjusted close by trading date; ``macro``: FRED id -> values by
    observation date. ``start`` trims the returned days (default: as far back as data allows).
    ``release_lags`` / ``stale_after`` are merged over :data:`RELEASE_LAGS` /
    :data:`STALE_AFTER_DAYS`. Bad input raises ``ValueError`` with a one-line message.
    """
    replay = replay_risk(
        prices, macro, asof, rules, release_lags=release_lags, stale_after=stale_after
    )
    return replay.at(asof, start=start)


RULE_INPUTS: Mapping[str, tuple[str, ...]] = {
    "sahm": ("SAHMREALTIME", "UNRATE"),
    "yield_curve": ("T10Y3M", "DGS10", "DGS3MO"),
    "hy_oas": ("BAMLH0A0HYM2",),
    "claims": ("ICSA",),
    "vix": ("^VIX", "VIXCLS"),
    "r2k_drawdown": ("IWM", "^RUT"),
    "wti_20d": ("CL=F", "DCOILWTICO"),
    "oil_net_increase": ("CL=F", "DCOILWTICO"),
    "ovx": ("^OVX", "OVXCLS"),
    "energy_outperformance": ("XLE", "SPY"),
}
"""The symbols and series each rule reads (its reason names them when the rule is unknown)."""


@dataclass(frozen=True, slots=True)
class _InputDates:
    """When each observation of one input became usable (day numbers), its own date and value
    (the cleaned input: ``analytics.riskstep`` compares the next poll's data with it)."""

    visible: np.ndarray
    observed: np.ndarray
    market: bool
    stale_days: int
    values: np.ndarray


def _input_dates(inp: _Inputs) -> dict[str, _InputDates]:
    out: dict[str, _InputDates] = {}
    for name, s in inp.prices.items():
        own = _days(s.index)
        out[name] = _InputDates(own, own, True, 0, s.to_numpy(float))
    for name, s in inp.macro.items():
        own = _days(s.index)
        vis = np.maximum.accumulate(_days(inp.release(name, s.index)))
        out[name] = _InputDates(vis, own, False, inp.stale[_frequency(name)], s.to_numpy(float))
    return out


def _day_text(day_number: int) -> str:
    return str(np.datetime64(int(day_number), "D"))


@dataclass(frozen=True, slots=True, eq=False)
class RiskReplay:
    """The rules replayed over every day of the data up to ``asof``, as raw day x rule arrays.

    The replay never looks ahead (rolling windows look back, values become visible on their
    release, hysteresis and the yield-curve memory run forwards), so its first rows are exactly
    the replay of the same data cut at an earlier day: :meth:`at` gives the result as of any day
    up to ``asof`` without running the rules again (a pack's as-of steps use that).
    """

    rules: tuple[RuleSpec, ...]
    asof: date
    grid: pd.DatetimeIndex
    values: np.ndarray
    levels: np.ndarray
    """day x rule: 0 / 0.5 / 1, NaN where the rule is unknown."""
    trigger_values: np.ndarray
    thresholds: np.ndarray
    kinds: np.ndarray
    """day x rule: the kind of the condition behind the level (for the alert's message)."""
    history: np.ndarray
    """day x group: the group scores (NaN where no rule of the group is known)."""
    coverage: np.ndarray
    """day x group: the known weight over all the group's weight."""
    inputs: Mapping[str, _InputDates]
    active: tuple[np.ndarray, ...] = ()
    """Per rule, day x condition: the hysteresis state of each of its conditions (in the order
    of ``riskrules._rule_conditions``), the state an intraday step continues from."""
    lags: Mapping[str, int] | None = None
    stale: Mapping[str, int] | None = None
    """The release lags and staleness the replay ran with (merged over the defaults)."""

    def _unknown_reason(self, rule_id: str, day: int) -> str:
        """Why ``rule_id`` has no value on ``day`` (a day number): each input's state."""
        parts: list[str] = []
        fresh: list[int] = []
        for name in RULE_INPUTS.get(rule_id, ()):
            dates = self.inputs.get(name)
            pos = -1 if dates is None else int(np.searchsorted(dates.visible, day, "right")) - 1
            if dates is None or pos < 0:
                parts.append(f"{name}: no data")
                continue
            last = int(dates.observed[pos])
            if dates.market:
                old = int(sessions_after_days(np.array([last]), np.array([day]))[0])
                stale = old > STALE_SESSIONS
            else:
                stale = day - int(dates.visible[pos]) > dates.stale_days
            if stale:
                parts.append(f"{name}: data ends {_day_text(last)}")
            else:
                fresh.append(last)
        if parts:
            return "; ".join(parts)
        if fresh:  # every input is there and fresh: the value itself is undefined
            return f"no value on {_day_text(max(fresh))} (too little history or a base <= 0)"
        return "no inputs"

    def at(self, asof: date | None = None, *, start: date | None = None) -> RiskResult:
        """The :class:`RiskResult` as of ``asof`` (default: the replay's own), days from ``start``.

        Raises ``ValueError`` for a day after the replay's ``asof`` (its data ends there).
        """
        day = self.asof if asof is None else asof
        if day > self.asof:
            raise ValueError(
                f"as-of date {day}: expected a day up to {self.asof}, where the replayed data ends"
            )
        grid_ns = self.grid.as_unit("ns").asi8
        n = int(
            np.searchsorted(grid_ns, pd.Timestamp(day).normalize().as_unit("ns").value, "right")
        )
        rules, levels = self.rules, self.levels
        ids = [r.id for r in rules]

        lo = 0
        if start is not None:
            start_ns = pd.Timestamp(start).normalize().as_unit("ns").value
            lo = min(int(np.searchsorted(grid_ns, start_ns)), n)
        keep = slice(lo, n)
        days = self.grid[keep]
        days.name = "date"
        last = n - 1 if n and len(days) else None

        # Alerts at the last day, with `since` from the whole replay (before `start` trims it).
        alerts: list[Alert] = []
        if last is not None:
            for j, spec in enumerate(rules):
                lev = levels[last, j]
                if not lev > 0:  # none or unknown
                    continue
                severity: Severity = "critical" if lev >= 1.0 else "warning"
                below = np.flatnonzero(~(levels[:n, j] >= lev))
                first = int(below[-1]) + 1 if len(below) else 0
                value, threshold = self.trigger_values[last, j], self.thresholds[last, j]
                alerts.append(
                    Alert(
                        rule=spec.id,
                        group=spec.group,
                        severity=severity,
                        value=float(value),
                        threshold=float(threshold),
                        since=self.grid[first].date(),
                        message=_message(spec, severity, value, threshold, self.kinds[last, j]),
                        label=spec.label,
                    )
                )
        alerts.sort(key=lambda a: (-SEVERITY_LEVEL[a.severity], ids.index(a.rule)))

        def frame(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a[keep], index=days, columns=pd.Index(ids, dtype=object))

        score_history = pd.DataFrame(
            self.history[keep], index=days, columns=pd.Index(GROUPS, dtype=object)
        )
        scores: dict[str, float | None] = dict.fromkeys(GROUPS)
        coverage: dict[str, float] = dict.fromkeys(GROUPS, 0.0)
        unknown: dict[str, str] = {}
        day_number = int(_days(pd.DatetimeIndex([pd.Timestamp(day)]))[0])
        for i, g in enumerate(GROUPS):
            if last is not None:
                x = float(self.history[last, i])
                scores[g] = x if np.isfinite(x) else None
                coverage[g] = float(self.coverage[last, i])
        for j, spec in enumerate(rules):
            if last is None or np.isnan(levels[last, j]):
                unknown[spec.id] = self._unknown_reason(spec.id, day_number)
        return RiskResult(
            rules=rules,
            days=days,
            values=frame(self.values),
            levels=frame(levels),
            trigger_values=frame(self.trigger_values),
            thresholds=frame(self.thresholds),
            alerts=tuple(alerts),
            scores=scores,
            score_history=score_history,
            coverage=coverage,
            unknown=unknown,
        )


def replay_risk(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    asof: date,
    rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
    *,
    release_lags: Mapping[str, object] | None = None,
    stale_after: Mapping[str, int] | None = None,
) -> RiskReplay:
    """Run ``rules`` over every day up to ``asof``; :func:`evaluate_risk` is this plus ``at``."""
    rules = tuple(rules)
    _check_rules(rules)
    asof_ts = pd.Timestamp(asof).normalize()
    stale = _stale(stale_after)
    lags = _lags(release_lags)
    inp = _Inputs(prices, macro, asof_ts, lags, stale)
    n = len(inp.grid)
    values = np.full((n, len(rules)), np.nan)
    levels = np.zeros((n, len(rules)))
    trig_v = np.full((n, len(rules)), np.nan)
    trig_t = np.full((n, len(rules)), np.nan)
    kinds = np.full((n, len(rules)), "", dtype=object)
    active: list[np.ndarray] = []
    for j, spec in enumerate(rules):
        v, conds = _rule_conditions(spec, inp)
        values[:, j] = v
        active.append(np.stack([c.active for c in conds], axis=1))
        lev = np.zeros(n)
        for c in conds:
            lev = np.maximum(lev, np.where(c.active, c.level, 0.0))
        # Walk from least to most preferred so the preferred active condition wins.
        for c in reversed(conds):
            pick = c.active & (lev == c.level)
            trig_v[pick, j] = c.values[pick]
            trig_t[pick, j] = c.threshold
            kinds[pick, j] = c.kind
        levels[:, j] = np.where(np.isnan(v), np.nan, lev)  # unknown, never level 0 (SPEC 7)

    history, coverage = _group_scores(rules, levels)
    return RiskReplay(
        rules=rules,
        asof=asof_ts.date(),
        grid=inp.grid,
        values=values,
        levels=levels,
        trigger_values=trig_v,
        thresholds=trig_t,
        kinds=kinds,
        history=history,
        coverage=coverage,
        inputs=_input_dates(inp),
        active=tuple(active),
        lags=lags,
        stale=stale,
    )


def _stale(stale_after: Mapping[str, int] | None) -> dict[str, int]:
    """``stale_after`` merged over :data:`STALE_AFTER_DAYS`, checked."""
    stale = {**STALE_AFTER_DAYS, **(stale_after or {})}
    for key, x in stale.items():
        if key not in STALE_AFTER_DAYS or isinstance(x, bool) or not isinstance(x, int) or x < 0:
            raise ValueError(
                f"stale_after[{key!r}]: expected a whole number of days >= 0 for one of "
                f"{', '.join(STALE_AFTER_DAYS)}, got {x!r}"
            )
    return stale


def _group_scores(rules: tuple[RuleSpec, ...], levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """day x group: the scores (NaN where no rule of the group is known) and the coverage."""
    n = len(levels)
    history = np.full((n, len(GROUPS)), np.nan)
    coverage = np.zeros((n, len(GROUPS)))
    for g, group in enumerate(GROUPS):
        cols = [j for j, r in enumerate(rules) if r.group == group]
        weights = np.array([rules[j].weight for j in cols], dtype=float)
        total = weights.sum()
        if not cols or total <= 0:
            continue
        block = levels[:, cols]
        known = ~np.isnan(block)
        known_weight = known.astype(float) @ weights
        weighted = np.where(known, block, 0.0) @ weights
        with np.errstate(invalid="ignore", divide="ignore"):
            history[:, g] = np.where(known_weight > 0, 100.0 * weighted / known_weight, np.nan)
        coverage[:, g] = known_weight / total
    return history, coverage
