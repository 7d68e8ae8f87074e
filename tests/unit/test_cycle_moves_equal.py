"""The rate cycle makes only the moves it names (the last one, the first cut since the last
hike) from arrays, where it made every move of the history as objects on each as-of step: at
every as-of day it reads what the whole list of moves reads (the previous code, kept here as the
reference), on the pack fixture, the real FRED slices and generated series."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from analytics.cycle import (
    ACTIVE_DAYS,
    MIN_FEDFUNDS_MOVE,
    POLICY_SERIES,
    _released,
    _unknown,
    months_between,
    rate_cycle,
    rate_moves,
)
from analytics.types import Phase, RateCycle, RateMove
from data_sources.fredcsv import parse_fred_csv

TESTS = Path(__file__).resolve().parents[1]
PACK_MACRO = TESTS / "fixtures" / "pack_small" / "macro"
FRED = TESTS / "fixtures" / "fred"


def reference_moves(values: pd.Series, min_change: float = 0.0) -> list[RateMove]:
    """rate_moves as it was: a Timestamp per move."""
    s = values.dropna()
    if len(s) < 2:
        return []
    v = s.to_numpy(dtype=float)
    bp = np.round(np.diff(v) * 100.0)
    threshold = max(round(min_change * 100.0), 1)
    idx = np.flatnonzero(np.abs(bp) >= threshold) + 1
    days = s.index[idx]
    return [
        RateMove(pd.Timestamp(d).date(), float(bp[i - 1]) / 100.0, float(v[i]))
        for d, i in zip(days, idx, strict=True)
    ]


def reference_cycle(macro: Mapping[str, pd.Series], day: date) -> RateCycle:
    """rate_cycle as it was: every move made, then read."""
    series: pd.Series | None = None
    source: str | None = None
    reasons: list[str] = []
    for sid in POLICY_SERIES:
        raw = macro.get(sid)
        if raw is None or raw.empty:
            continue
        s, why = _released(sid, raw, day, None, None)
        if s is not None:
            series, source = s, sid
            break
        reasons.append(why or sid)
    if series is None or source is None:
        if not reasons:
            reasons.append(f"no policy rate ({' or '.join(POLICY_SERIES)}) in the data")
        return _unknown("; ".join(reasons))
    moves = reference_moves(series, MIN_FEDFUNDS_MOVE if source == "FEDFUNDS" else 0.0)
    rate = float(series.iloc[-1])
    latest = pd.Timestamp(series.index[-1]).date()
    notes: list[str] = []
    phase: Phase
    if not moves:
        phase, last_move = "on hold", None
    else:
        last_move = moves[-1]
        active = (latest - last_move.date).days <= ACTIVE_DAYS[source]
        phase = ("cutting" if last_move.is_cut else "hiking") if active else "on hold"
    hikes = [i for i, m in enumerate(moves) if not m.is_cut]
    start = hikes[-1] + 1 if hikes else 0
    cuts = [m for m in moves[start:] if m.is_cut]
    first_cut: date | None = None
    cut_bp: float | None = 0.0
    months: int | None = None
    if cuts:
        first_cut = cuts[0].date
        before = float(series.loc[: pd.Timestamp(first_cut)].iloc[-2])
        cut_bp = round((before - rate) * 100.0, 1)
        months = months_between(first_cut, day)
        if not hikes:
            first = pd.Timestamp(series.index[0]).date().isoformat()
            notes.append(f"no hike in the data (from {first}): the cycle may have begun earlier")
    two_year: float | None = None
    dgs2 = macro.get("DGS2")
    if dgs2 is None or dgs2.empty:
        notes.append("2Y minus funds: no DGS2 in the data")
    else:
        s2, why = _released("DGS2", dgs2, day, None, None)
        if s2 is None:
            notes.append(f"2Y minus funds: {why}")
        else:
            two_year = round(float(s2.iloc[-1]) - rate, 2)
    return RateCycle(
        phase=phase,
        first_cut=first_cut,
        cuts=len(cuts),
        cut_bp=cut_bp,
        months_since_first_cut=months,
        two_year_minus_funds=two_year,
        source=source,
        rate=rate,
        rate_date=latest,
        last_move=last_move,
        notes=tuple(notes),
    )


def _csv(path: Path) -> pd.Series:
    values, problems = parse_fred_csv(path.read_text(), path.name)
    assert problems == []
    return values


def _days(first: date, last: date, step: int) -> list[date]:
    return [first + timedelta(days=d) for d in range(0, (last - first).days + 1, step)]


def test_pack_small_cycle_equals_the_reference_every_week() -> None:
    macro = {"FEDFUNDS": _csv(PACK_MACRO / "FEDFUNDS.csv"), "DGS2": _csv(PACK_MACRO / "DGS2.csv")}
    days = _days(date(2016, 1, 1), date(2021, 3, 1), 7)
    assert len(days) > 250
    cycles = [rate_cycle(macro, d) for d in days]
    assert cycles == [reference_cycle(macro, d) for d in days]
    assert {c.phase for c in cycles} >= {"cutting", "on hold"}  # the days reach real cycles


def test_real_fedfunds_cycle_and_moves_equal_the_reference() -> None:
    ff = _csv(FRED / "FEDFUNDS-1954_2024.csv")
    assert rate_moves(ff, MIN_FEDFUNDS_MOVE) == reference_moves(ff, MIN_FEDFUNDS_MOVE)
    assert rate_moves(ff) == reference_moves(ff)
    macro = {"FEDFUNDS": ff}
    days = _days(date(1955, 1, 1), date(2024, 12, 31), 23)
    cycles = [rate_cycle(macro, d) for d in days]
    assert cycles == [reference_cycle(macro, d) for d in days]
    assert {c.phase for c in cycles} == {"cutting", "hiking", "on hold"}


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.one_of(st.just(0), st.just(None), st.integers(-75, 75)), min_size=0, max_size=120
    ),
    start=st.integers(0, 600),
    daily=st.booleans(),
    offsets=st.lists(st.integers(-30, 4000), min_size=1, max_size=8),
)
def test_generated_cycle_equals_the_reference(
    steps: list[int | None], start: int, daily: bool, offsets: list[int]
) -> None:
    """Random walks in basis points (with gaps) as DFEDTARU or FEDFUNDS, read at random days."""
    level = start / 100.0
    values: list[float] = []
    for step in steps:
        if step is None:
            values.append(float("nan"))
            continue
        level = max(level + step / 100.0, 0.0)
        values.append(round(level, 2))
    sid = "DFEDTARU" if daily else "FEDFUNDS"
    index = pd.date_range("2015-01-01", periods=len(values), freq="W" if daily else "MS")
    series = pd.Series(values, index=index, dtype=float, name=sid)
    floor = 0.0 if daily else MIN_FEDFUNDS_MOVE
    assert rate_moves(series, floor) == reference_moves(series, floor)
    dgs2 = pd.Series(1.5, index=pd.bdate_range("2015-01-01", "2027-12-31"), name="DGS2")
    macro = {sid: series, "DGS2": dgs2}
    for off in offsets:
        day = date(2015, 1, 1) + timedelta(days=off)
        assert rate_cycle(macro, day) == reference_cycle(macro, day)


@pytest.mark.parametrize("tz", [None, "America/New_York"])
def test_moves_of_an_aware_index_keep_its_dates(tz: str | None) -> None:
    index = pd.date_range("2024-01-01", periods=5, freq="D", tz=tz)
    series = pd.Series([5.5, 5.5, 5.25, 5.25, 5.0], index=index)
    assert rate_moves(series) == reference_moves(series)
    assert [m.date for m in rate_moves(series)] == [date(2024, 1, 3), date(2024, 1, 5)]
