"""The Fed's rate cycle from the policy-rate series: phase, the current easing cycle, and how
small caps did after each past first cut (SPEC 11).

How it reads the data
---------------------
- **Source.** FRED ``DFEDTARU`` (the daily upper bound of the target range) when it is present
  and fresh, else ``FEDFUNDS`` (the monthly effective rate). Each observation is used from its
  release only (:func:`analytics.risk.visible_series`), and a series whose last released value
  is older than :data:`analytics.rules.STALE_AFTER_DAYS` makes the cycle unknown, with the reason.
- **Moves.** A change between consecutive observations is a move: any change of the target
  (DFEDTARU), a change of at least :data:`MIN_FEDFUNDS_MOVE` (FEDFUNDS, whose monthly average
  drifts by a few basis points without any decision). The 2007 cycle, read from FEDFUNDS,
  therefore starts in August 2007 (-24 bp, the month of the first emergency easing), not in
  September when the target was first cut: the data says what it says.
- **The easing cycle.** Its first cut is the first cut after the last hike; a pause does not end
  a cycle, only a hike does. ``cuts`` counts the cut moves since, ``cut_bp`` is the rate before
  the first cut minus the latest rate, in basis points.
- **Phase.** ``cutting`` or ``hiking`` while the last move lies within :data:`ACTIVE_DAYS` of the
  latest observation (about one FOMC interval; the monthly average shows a decision in the month
  after it too), else ``on hold``.
- **2Y minus funds.** The released DGS2 minus the policy rate of the chosen source (the target's
  upper bound for DFEDTARU): below zero, the market prices further cuts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from analytics.risk import release_dates, visible_series
from analytics.rules import STALE_AFTER_DAYS
from analytics.types import Phase, RateCycle, RateMove

POLICY_SERIES: tuple[str, ...] = ("DFEDTARU", "FEDFUNDS")
"""Preferred first."""

MIN_FEDFUNDS_MOVE = 0.15
"""A monthly change of FEDFUNDS this large (percentage points) counts as a decision."""

ACTIVE_DAYS: Mapping[str, int] = {"DFEDTARU": 56, "FEDFUNDS": 45}
"""A last move this many days (or fewer) before the latest observation keeps the phase active."""

AFTER_MONTHS: tuple[int, ...] = (3, 6, 12)
"""Windows of the after-first-cut table, in calendar months."""

HISTORY_SINCE = date(1990, 1, 1)

EVIDENCE_PAIRS: tuple[tuple[str, str], ...] = (("IWM", "SPY"), ("^RUT", "^GSPC"))
"""Small vs large for the after-first-cut table, preferred first."""


@dataclass(frozen=True, slots=True)
class AfterCut:
    """Small minus large return (pp) over the months after one first cut."""

    first_cut: date
    small: str | None
    large: str | None
    spread_pp: Mapping[int, float | None] = field(default_factory=dict)
    reason: str | None = None


def _freq(series_id: str) -> str:
    return "monthly" if series_id == "FEDFUNDS" else "daily"


def _move_arrays(
    values: pd.Series, min_change: float
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """The series without gaps, its values, the positions of its moves (each the observation
    after the change) and their sizes in whole basis points."""
    s = values.dropna()
    v = s.to_numpy(dtype=float)
    if len(v) < 2:
        return s, v, np.empty(0, dtype=np.intp), np.empty(0, dtype=float)
    # Rates come as decimal text (5.13): compare in whole basis points, not in binary floats.
    bp = np.round(np.diff(v) * 100.0)
    threshold = max(round(min_change * 100.0), 1)
    idx = np.flatnonzero(np.abs(bp) >= threshold) + 1
    return s, v, idx, bp[idx - 1]


def _dates(index: pd.Index) -> list[date]:
    """The calendar dates of ``index`` (one vectorised cast for a naive DatetimeIndex: a
    Timestamp per element cost ~30 ms an as-of step on a long daily series)."""
    if isinstance(index, pd.DatetimeIndex) and index.tz is None:
        days: list[date] = index.to_numpy().astype("datetime64[D]").tolist()
        return days
    return [pd.Timestamp(d).date() for d in index]


def _move(s: pd.Series, v: np.ndarray, idx: np.ndarray, bp: np.ndarray, k: int) -> RateMove:
    when = _dates(s.index[idx[k] : idx[k] + 1])[0]
    return RateMove(when, float(bp[k]) / 100.0, float(v[idx[k]]))


def rate_moves(values: pd.Series, min_change: float = 0.0) -> list[RateMove]:
    """The moves of a policy-rate series: changes between consecutive observations of at
    least ``min_change`` (any change when 0), oldest first."""
    s, v, idx, bp = _move_arrays(values, min_change)
    days = _dates(s.index[idx])
    levels = v[idx].tolist()
    return [
        RateMove(d, float(b) / 100.0, level)
        for d, b, level in zip(days, bp.tolist(), levels, strict=True)
    ]


def first_cuts(moves: Sequence[RateMove]) -> list[date]:
    """Every cut that follows a hike: the first cuts of the easing cycles the data shows whole."""
    return [m.date for prev, m in pairwise(moves) if m.is_cut and not prev.is_cut]


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 within the first month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def _unknown(reason: str, source: str | None = None) -> RateCycle:
    return RateCycle(None, None, None, None, None, None, source, reason=reason)


def _released(
    series_id: str,
    values: pd.Series,
    day: date,
    release_lags: Mapping[str, object] | None,
    stale_after: Mapping[str, int] | None,
) -> tuple[pd.Series | None, str | None]:
    """The observations released by ``day``, or None and why (none yet, or stale)."""
    s = visible_series(series_id, values, day, release_lags)
    if s.empty:
        return None, f"{series_id}: no observation released by {day.isoformat()}"
    released = release_dates(series_id, pd.DatetimeIndex(s.index[-1:]), release_lags)[0].date()
    limits = {**STALE_AFTER_DAYS, **(stale_after or {})}
    limit = limits.get(series_id, limits[_freq(series_id)])
    if (day - released).days > limit:
        last = pd.Timestamp(s.index[-1]).date().isoformat()
        return None, f"{series_id}: data ends {last}"
    return s, None


def rate_cycle(
    macro: Mapping[str, pd.Series],
    day: date,
    *,
    release_lags: Mapping[str, object] | None = None,
    stale_after: Mapping[str, int] | None = None,
) -> RateCycle:
    """The rate cycle as known on ``day`` (see the module docstring for every rule)."""
    series: pd.Series | None = None
    source: str | None = None
    reasons: list[str] = []
    for sid in POLICY_SERIES:
        raw = macro.get(sid)
        if raw is None or raw.empty:
            continue
        s, why = _released(sid, raw, day, release_lags, stale_after)
        if s is not None:
            series, source = s, sid
            break
        reasons.append(why or sid)
    if series is None or source is None:
        if not reasons:
            reasons.append(f"no policy rate ({' or '.join(POLICY_SERIES)}) in the data")
        return _unknown("; ".join(reasons))

    # Only the moves the cycle names are made (the last, the first cut since the last hike):
    # a long daily history has thousands, and every as-of step reads the cycle again.
    s, v, idx, bp = _move_arrays(series, MIN_FEDFUNDS_MOVE if source == "FEDFUNDS" else 0.0)
    rate = float(series.iloc[-1])
    latest = pd.Timestamp(series.index[-1]).date()
    notes: list[str] = []
    last_move: RateMove | None = None
    if len(idx) == 0:
        phase: Phase = "on hold"
    else:
        last_move = _move(s, v, idx, bp, len(idx) - 1)
        active = (latest - last_move.date).days <= ACTIVE_DAYS[source]
        phase = ("cutting" if last_move.is_cut else "hiking") if active else "on hold"

    hikes = np.flatnonzero(bp >= 0)  # not a cut (RateMove.is_cut: change < 0)
    start = int(hikes[-1]) + 1 if len(hikes) else 0
    cuts = len(idx) - start  # every move after the last hike is a cut
    first_cut: date | None = None
    cut_bp: float | None = 0.0
    months: int | None = None
    if cuts:
        first_cut = _move(s, v, idx, bp, start).date
        before = float(series.loc[: pd.Timestamp(first_cut)].iloc[-2])
        cut_bp = round((before - rate) * 100.0, 1)
        months = months_between(first_cut, day)
        if not len(hikes):
            first = pd.Timestamp(series.index[0]).date().isoformat()
            notes.append(f"no hike in the data (from {first}): the cycle may have begun earlier")

    two_year: float | None = None
    dgs2 = macro.get("DGS2")
    if dgs2 is None or dgs2.empty:
        notes.append("2Y minus funds: no DGS2 in the data")
    else:
        s2, why = _released("DGS2", dgs2, day, release_lags, stale_after)
        if s2 is None:
            notes.append(f"2Y minus funds: {why}")
        else:
            two_year = round(float(s2.iloc[-1]) - rate, 2)

    return RateCycle(
        phase=phase,
        first_cut=first_cut,
        cuts=cuts,
        cut_bp=cut_bp,
        months_since_first_cut=months,
        two_year_minus_funds=two_year,
        source=source,
        rate=rate,
        rate_date=latest,
        last_move=last_move,
        notes=tuple(notes),
    )


def policy_history(
    macro: Mapping[str, pd.Series],
    day: date,
    *,
    release_lags: Mapping[str, object] | None = None,
) -> tuple[str | None, pd.Series | None]:
    """The policy-rate series the cycle reads, released by ``day`` (for the chart)."""
    for sid in POLICY_SERIES:
        raw = macro.get(sid)
        if raw is None or raw.empty:
            continue
        s = visible_series(sid, raw, day, release_lags)
        if not s.empty:
            return sid, s
    return None, None


def _close_on(prices: pd.Series, day: date) -> tuple[float | None, date | None]:
    """The last close at or before ``day``, if it is no more than a week old."""
    s = prices.loc[: pd.Timestamp(day)].dropna()
    if s.empty:
        return None, None
    when = pd.Timestamp(s.index[-1]).date()
    if (day - when).days > 7:
        return None, None
    value = float(s.iloc[-1])
    return (value, when) if value > 0 else (None, None)


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year = d.year + month // 12
    month = month % 12 + 1
    for dd in (d.day, 30, 29, 28):
        try:
            return date(year, month, dd)
        except ValueError:
            continue
    return date(year, month, 28)


def _leg_return(prices: pd.Series, start: date, end: date) -> float | None:
    p0, _ = _close_on(prices, start)
    p1, _ = _close_on(prices, end)
    if p0 is None or p1 is None:
        return None
    return (p1 / p0 - 1.0) * 100.0


def after_first_cuts(
    cuts: Sequence[date],
    prices: Mapping[str, pd.Series],
    day: date,
    months: tuple[int, ...] = AFTER_MONTHS,
    since: date = HISTORY_SINCE,
    pairs: tuple[tuple[str, str], ...] = EVIDENCE_PAIRS,
) -> tuple[AfterCut, ...]:
    """Small minus large return (pp) over ``months`` after each first cut since ``since``.

    Per cut, the first pair of ``pairs`` whose both legs have a close within a week of the cut;
    a window that ends after ``day`` or past the data is None. Returns run from the last close
    at or before the cut's date to the last close at or before the date ``m`` months later.
    """
    rows: list[AfterCut] = []
    for cut in cuts:
        if cut < since or cut > day:
            continue
        chosen: tuple[str, str] | None = None
        for small, large in pairs:
            ps, pl = prices.get(small), prices.get(large)
            if ps is None or pl is None or ps.empty or pl.empty:
                continue
            if _close_on(ps, cut)[0] is not None and _close_on(pl, cut)[0] is not None:
                chosen = (small, large)
                break
        if chosen is None:
            names = " or ".join(f"{a} and {b}" for a, b in pairs)
            rows.append(AfterCut(cut, None, None, dict.fromkeys(months), f"no {names} prices"))
            continue
        small, large = chosen
        spread: dict[int, float | None] = {}
        for m in months:
            end = _add_months(cut, m)
            if end > day:
                spread[m] = None
                continue
            rs = _leg_return(prices[small], cut, end)
            rl = _leg_return(prices[large], cut, end)
            spread[m] = None if rs is None or rl is None else round(rs - rl, 4)
        rows.append(AfterCut(cut, small, large, spread))
    return tuple(rows)


def cycle_evidence(
    macro: Mapping[str, pd.Series],
    prices: Mapping[str, pd.Series],
    day: date,
    *,
    release_lags: Mapping[str, object] | None = None,
) -> tuple[str | None, pd.Series | None, tuple[AfterCut, ...]]:
    """The policy series shown on the cycle screen and the after-first-cut table."""
    source, series = policy_history(macro, day, release_lags=release_lags)
    if series is None or source is None:
        return None, None, ()
    moves = rate_moves(series, MIN_FEDFUNDS_MOVE if source == "FEDFUNDS" else 0.0)
    cuts = first_cuts(moves)
    cycle = rate_cycle(macro, day, release_lags=release_lags)
    if cycle.first_cut is not None and cycle.first_cut not in cuts:
        cuts.append(cycle.first_cut)  # the current cycle, even when no hike is in the data
    return source, series, after_first_cuts(sorted(cuts), prices, day)
