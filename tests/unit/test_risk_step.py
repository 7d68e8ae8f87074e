"""Issue 19: an intraday step of the risk replay (analytics.riskstep) is the full replay, exactly.

A busy market brings a new last price every poll; the step evaluates only the rows of the rules
that read prices from the first day that moved. Checked array for array against ``replay_risk``
at every poll of demo sessions and on real histories (pack_small: the 2020 crash, WTI below
zero) with intraday prices pushed across the thresholds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import riskstep
from analytics.risk import RiskReplay, replay_risk
from analytics.riskstep import MAX_STEP_DAYS, PRICE_RULES, step_replay
from analytics.rules import DEFAULT_RULES, RuleSpec
from data_sources.demo import DemoSource

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def assert_equal(got: RiskReplay, want: RiskReplay) -> None:
    """Every array of the replay, the conditions' states and the result as of its day."""
    assert got.asof == want.asof and got.rules == want.rules
    assert got.grid.equals(want.grid)
    for name in ("values", "levels", "trigger_values", "thresholds", "history", "coverage"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True), name
    assert (got.kinds == want.kinds).all()
    assert len(got.active) == len(want.active)
    for a, b in zip(got.active, want.active, strict=True):
        assert np.array_equal(a, b)
    assert got.inputs.keys() == want.inputs.keys()
    for k, d in want.inputs.items():
        e = got.inputs[k]
        assert np.array_equal(e.observed, d.observed) and np.array_equal(e.values, d.values), k
        assert np.array_equal(e.visible, d.visible) and e.market == d.market, k
    r, w = got.at(), want.at()
    assert r.alerts == w.alerts and r.scores == w.scores and r.coverage == w.coverage
    assert r.unknown == w.unknown
    pd.testing.assert_frame_equal(r.levels, w.levels)
    pd.testing.assert_frame_equal(r.trigger_values, w.trigger_values)


def stepped(
    base: RiskReplay,
    prices: dict[str, pd.Series],
    macro: dict[str, pd.Series],
    day: date,
    rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
) -> RiskReplay:
    """The step, which must not have fallen back to the full replay."""
    step = riskstep._step(base, prices, macro, day, rules, None, None)
    assert step is not None, "the step fell back to the full replay"
    return step


SHORT = tuple(
    replace(r, window=r.window and max(2, r.window // 9), long_window=r.long_window and 40)
    for r in DEFAULT_RULES
)
"""Short windows: the fixture's first weeks have values, and other hysteresis paths run."""


@pytest.mark.parametrize("scenario", ["oil-shock", "hard-landing", "rotation"])
def test_every_poll_of_a_demo_session_steps_to_the_full_replay(scenario: str) -> None:
    start = datetime(2026, 11, 24, 14, 31, tzinfo=UTC)  # 09:31 in New York
    source = DemoSource(seed=11, scenario=scenario, start=start, speed=60)
    last: RiskReplay | None = None
    steps = 0
    for minute in [*range(0, 392, 17), 391, 24 * 60, 24 * 60 + 5]:  # to the close, the next day
        market = source.market_data(start + timedelta(minutes=minute))
        macro = {k: m.values for k, m in market.macro.items()}
        day = market.asof.date()
        full = replay_risk(market.prices, macro, day)
        if last is not None and last.asof == day:
            got = stepped(last, dict(market.prices), macro, day)
            steps += 1
        else:
            got = step_replay(last, market.prices, macro, day) if last else full
        assert_equal(got, full)
        last = got
    assert steps >= 20


def test_the_same_macro_mapping_steps_without_comparing_it() -> None:
    """``same_macro``: the demo hands the same macro mapping all day; a step told so skips the
    comparison of every macro series and is still the full replay at every poll."""
    start = datetime(2026, 11, 24, 14, 31, tzinfo=UTC)
    source = DemoSource(seed=11, scenario="oil-shock", start=start, speed=60)
    first = source.market_data(start)
    day = first.asof.date()
    last = replay_risk(first.prices, {k: m.values for k, m in first.macro.items()}, day)
    for minute in (1, 2, 40, 41, 300):
        market = source.market_data(start + timedelta(minutes=minute))
        assert market.macro is first.macro and market.asof.date() == day
        macro = {k: m.values for k, m in market.macro.items()}
        got = riskstep._step(last, market.prices, macro, day, DEFAULT_RULES, None, None, True)
        assert got is not None
        assert_equal(got, replay_risk(market.prices, macro, day))
        last = got


def csv_series(path: Path) -> pd.Series:
    frame = pd.read_csv(path, dtype=str)
    values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    return pd.Series(values.to_numpy(), index=pd.to_datetime(frame.iloc[:, 0])).dropna()


@pytest.fixture(scope="module")
def pack() -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    prices = {p.stem: csv_series(p) for p in sorted((PACK / "prices").glob("*.csv"))}
    macro = {p.stem: csv_series(p) for p in sorted((PACK / "macro").glob("*.csv"))}
    return prices, macro


def session(
    prices: dict[str, pd.Series], macro: dict[str, pd.Series], day: date, moves: list[float]
) -> list[tuple[dict[str, pd.Series], dict[str, pd.Series]]]:
    """The polls of ``day``: history up to the day before, then today's row of every symbol
    at ``prev_close * (1 + f * (close / prev_close - 1))`` for each f (0: flat, 1: the close,
    3 and -2: far past it, to cross thresholds both ways); SPY has no row yet on the first."""
    stamp = pd.Timestamp(day)
    known = {k: v.loc[: stamp - pd.Timedelta(days=1)] for k, v in prices.items()}
    polls = []
    for i, f in enumerate(moves):
        now: dict[str, pd.Series] = {}
        for k, old in known.items():
            if stamp not in prices[k].index or old.empty or (i == 0 and k == "SPY"):
                now[k] = old
                continue
            prev, close = float(old.iloc[-1]), float(prices[k].loc[stamp])
            price = prev * (1.0 + f * (close / prev - 1.0))
            now[k] = pd.concat([old, pd.Series([price], index=[stamp])])
        polls.append((now, {k: v.loc[:stamp] for k, v in macro.items()}))
    return polls


@pytest.mark.parametrize("rules", [DEFAULT_RULES, SHORT], ids=["default", "short-windows"])
def test_intraday_polls_on_real_history_step_to_the_full_replay(
    pack: tuple[dict[str, pd.Series], dict[str, pd.Series]], rules: tuple[RuleSpec, ...]
) -> None:
    prices, macro = pack
    whole = replay_risk(prices, macro, prices["IWM"].index[-1].date(), rules).at()
    # Days on both sides of level changes of the rules that read prices, and spread days.
    levels = whole.levels[[r for r in whole.levels.columns if r in PRICE_RULES]].to_numpy()
    changed = np.flatnonzero((np.diff(levels, axis=0) != 0).any(axis=1)) + 1
    picks = sorted(set(changed[:: max(1, len(changed) // 12)].tolist()) | {40, 300})
    days = [whole.days[i].date() for i in picks if i < len(whole.days)]
    assert len(days) >= 10
    moved = 0
    for day in days:
        polls = session(prices, macro, day, [0.0, 0.5, 1.0, 3.0, -2.0, 1.0])
        last = replay_risk(*polls[0], day, rules)
        for p, m in polls[1:]:
            full = replay_risk(p, m, day, rules)
            got = stepped(last, p, m, day, rules)
            assert_equal(got, full)
            moved += not np.array_equal(full.levels[-1], last.levels[-1], equal_nan=True)
            last = got
    assert moved >= 5, "the intraday prices should move some levels, else the check proves little"


def test_older_rows_revised_redo_those_days_or_replay_all(
    pack: tuple[dict[str, pd.Series], dict[str, pd.Series]],
) -> None:
    prices, macro = pack
    day = date(2020, 3, 16)
    stamp = pd.Timestamp(day)
    now = {k: v.loc[:stamp] for k, v in prices.items()}
    mac = {k: v.loc[:stamp] for k, v in macro.items()}
    base = replay_risk(now, mac, day)
    for back in (2, MAX_STEP_DAYS - 1, MAX_STEP_DAYS + 3):
        revised = dict(now)
        s = now["IWM"].copy()
        s.iloc[-1 - back] *= 0.7  # a revision `back` rows before today
        revised["IWM"] = s
        full = replay_risk(revised, mac, day)
        step = riskstep._step(base, revised, mac, day, DEFAULT_RULES, None, None)
        assert (step is None) == (back >= MAX_STEP_DAYS)
        assert_equal(step_replay(base, revised, mac, day), full)


def test_what_a_step_cannot_promise_is_replayed_in_full(
    pack: tuple[dict[str, pd.Series], dict[str, pd.Series]],
) -> None:
    prices, macro = pack
    day = date(2020, 4, 21)  # the day after WTI's negative close
    stamp = pd.Timestamp(day)
    now = {k: v.loc[:stamp] for k, v in prices.items()}
    mac = {k: v.loc[:stamp] for k, v in macro.items()}
    base = replay_risk(now, mac, day)
    fewer = {k: v for k, v in now.items() if k != "XLE"}
    new_macro = {**mac, "VIXCLS": mac["VIXCLS"] + 0.0}
    new_macro["VIXCLS"].iloc[-3] += 1.0
    first = {**now, "IWM": now["IWM"].copy()}
    first["IWM"].iloc[0] += 1.0
    cases = [
        (fewer, mac, day, {}),  # a symbol gone
        (now, new_macro, day, {}),  # a macro value revised
        (now, {**mac, "DGS10": mac["T10Y3M"]}, day, {}),  # a macro series come
        (first, mac, day, {}),  # the first row: where the replay starts
        (now, mac, day, {"stale_after": {"daily": 9}}),  # other settings
        (now, mac, date(2020, 4, 22), {}),  # another day
    ]
    for p, m, d, kw in cases:
        assert riskstep._step(base, p, m, d, DEFAULT_RULES, kw.get("release_lags"),
                              kw.get("stale_after")) is None  # fmt: skip
        assert_equal(step_replay(base, p, m, d, **kw), replay_risk(p, m, d, **kw))


def test_every_price_rule_has_a_one_day_evaluation() -> None:
    assert {r.id for r in DEFAULT_RULES if r.id in PRICE_RULES} == PRICE_RULES
    assert {
        "vix",
        "ovx",
        "r2k_drawdown",
        "wti_20d",
        "oil_net_increase",
        "energy_outperformance",
    } == PRICE_RULES


@pytest.mark.parametrize("rules", [DEFAULT_RULES, SHORT], ids=["default", "short-windows"])
def test_the_one_day_value_of_each_price_rule_is_the_replays_on_every_day(
    pack: tuple[dict[str, pd.Series], dict[str, pd.Series]], rules: tuple[RuleSpec, ...]
) -> None:
    """The formulas of riskstep against riskrules' on every day of the history (a step only
    evaluates the last few, so a slip in a window or a tie shows here first)."""
    prices, macro = pack
    demo = DemoSource(seed=3, scenario="oil-shock", wall=lambda: 0.0)
    market = demo.market_data(demo.clock.now())
    histories = [
        (prices, macro, prices["IWM"].index[-1].date()),
        (dict(market.prices), {k: m.values for k, m in market.macro.items()}, market.asof.date()),
    ]
    for p, m, day in histories:
        replay = replay_risk(p, m, day, rules)
        grid_days = riskstep._days(replay.grid)
        stale = replay.stale["daily"] if replay.stale else 0
        checked = 0
        for j, spec in enumerate(rules):
            if spec.id not in PRICE_RULES:
                continue
            got = np.array(
                [riskstep._point(spec, int(d), replay.inputs, stale)[0] for d in grid_days]
            )
            assert np.array_equal(got, replay.values[:, j], equal_nan=True), spec.id
            checked += int(np.isfinite(got).sum())
        assert checked > len(grid_days)
