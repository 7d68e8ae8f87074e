"""Issue 19: a poll that brings nothing new is not computed again (tui.compute's memos), and
what it gets is what a fresh computation gives."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from analytics import riskstep
from analytics.snapshot import snapshot_to_dict as to_json
from data_sources.demo import DemoSource
from tui import compute
from tui.config import Settings

START = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 10:30 in New York, the market open


def fresh(market: object, settings: Settings) -> object:
    """The snapshot computed from nothing: the memos emptied first."""
    compute._SNAPSHOTS.__init__()  # type: ignore[misc]
    compute._MEMO.__init__()  # type: ignore[misc]
    compute._MACRO.__init__()  # type: ignore[misc]
    return compute.snapshot_from_market(market, settings)  # type: ignore[arg-type]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The moments for which build_snapshot actually ran."""
    seen: list[datetime] = []
    original = compute.build_snapshot

    def counting(**kwargs: object) -> object:
        seen.append(kwargs["asof"])  # type: ignore[arg-type]
        return original(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "build_snapshot", counting)
    return seen


def test_the_same_minute_again_is_the_last_snapshot_at_its_own_moment(
    builds: list[datetime],
) -> None:
    settings = Settings()
    source = DemoSource(seed=7, scenario="hard-landing", start=START)
    first = compute.snapshot_from_market(source.market_data(START), settings)
    later = START + timedelta(seconds=20)  # the same demo minute (speed 1)
    market = source.market_data(later)
    again = compute.snapshot_from_market(market, settings)
    assert builds == [START]  # the second poll was not computed again
    assert again.asof == later and again.sources[0].last_success == later
    # ... and it is exactly what a fresh computation of that poll gives
    assert to_json(again) == to_json(fresh(market, settings))  # type: ignore[arg-type]
    assert first.alerts and again.alerts == first.alerts


def test_a_new_minute_a_new_day_or_other_settings_compute_again(
    builds: list[datetime],
) -> None:
    settings = Settings()
    source = DemoSource(seed=7, scenario="rotation", start=START)
    compute.snapshot_from_market(source.market_data(START), settings)
    minute = START + timedelta(minutes=2)
    moved = compute.snapshot_from_market(source.market_data(minute), settings)
    assert builds == [START, minute]
    other = copy.copy(settings)  # equal, but not the same object
    compute.snapshot_from_market(source.market_data(minute), other)
    assert len(builds) == 3
    tomorrow = START + timedelta(days=1)
    compute.snapshot_from_market(source.market_data(tomorrow), other)
    assert len(builds) == 4
    assert to_json(moved) != to_json(fresh(source.market_data(tomorrow), other))


def test_changed_problems_compute_again(builds: list[datetime]) -> None:
    settings = Settings()
    source = DemoSource(seed=7, scenario="rotation", start=START)
    market = source.market_data(START)
    compute.snapshot_from_market(market, settings)
    told = compute.snapshot_from_market(replace(market, problems=("fred: no data",)), settings)
    assert len(builds) == 2 and "fred: no data" in told.problems


def test_busy_polls_of_one_day_step_the_replay_and_equal_a_fresh_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new minute brings new prices: the replay is stepped (analytics.riskstep), not replayed,
    and each snapshot is what a computation from nothing gives."""
    settings = Settings()
    source = DemoSource(seed=7, scenario="oil-shock", start=START, speed=60)
    compute.snapshot_from_market(source.market_data(START), settings)
    full: list[object] = []
    original = compute.replay_risk

    def counting(*args: object, **kwargs: object) -> object:
        full.append(args[3])
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "replay_risk", counting)
    compared: list[object] = []
    own_check = riskstep._macro_replayed

    def comparing(*args: object) -> bool:
        compared.append(args)
        return own_check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(riskstep, "_macro_replayed", comparing)
    for minute in (3, 4, 30, 200):
        market = source.market_data(START + timedelta(minutes=minute))
        busy = compute.snapshot_from_market(market, settings)
        monkeypatch.setattr(compute, "replay_risk", original)
        assert to_json(busy) == to_json(fresh(market, settings))  # type: ignore[arg-type]
        monkeypatch.setattr(compute, "replay_risk", counting)
    assert full == []
    # the demo keeps its macro mapping for the day: the step does not compare it again
    assert compared == []


def test_the_fred_rows_and_rate_cycle_are_kept_while_the_macro_data_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Busy polls (new prices, the same macro mapping) compute the cycle and the FRED-only macro
    rows once; the Sahm row from the rule's value (no SAHMREALTIME) stays exact too."""
    settings = Settings()
    source = DemoSource(seed=7, scenario="hard-landing", start=START, speed=60)
    first = source.market_data(START)
    macro = {k: v for k, v in first.macro.items() if k != "SAHMREALTIME"}
    cycles: list[object] = []
    original = compute.rate_cycle

    def counting(*args: object, **kwargs: object) -> object:
        cycles.append(args[1])
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "rate_cycle", counting)
    for minute in (0, 5, 6, 90):
        market = replace(source.market_data(START + timedelta(minutes=minute)), macro=macro)
        before = len(cycles)
        busy = compute.snapshot_from_market(market, settings)
        # the first poll computes them; the later ones find them (fresh() left them there)
        assert len(cycles) == before + (minute == 0)
        sahm = next(m for m in busy.macro if m.id == "SAHMREALTIME")
        assert sahm.value is not None  # the rule's value stands in
        assert to_json(busy) == to_json(fresh(market, settings))  # type: ignore[arg-type]
