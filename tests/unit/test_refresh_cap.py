"""The screen refresh cap on a fake clock (SPEC 10: at most N updates a second)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from tui.refreshcap import RefreshCap


def draws(cap: RefreshCap, arrivals: list[float]) -> list[float]:
    """When an app following ``cap`` draws, for snapshots arriving at ``arrivals`` (sorted):
    at once when allowed, else one timer at the allowed moment (later arrivals join it)."""
    drawn: list[float] = []
    timer: float | None = None
    for t in arrivals:
        if timer is not None and timer <= t:
            cap.applied(timer)
            drawn.append(timer)
            timer = None
        if timer is not None:
            continue  # armed: the newest snapshot is drawn when it fires
        wait = cap.wait(t)
        if wait <= 0:
            cap.applied(t)
            drawn.append(t)
        else:
            timer = t + wait
    if timer is not None:
        cap.applied(timer)
        drawn.append(timer)
    return drawn


def test_the_first_snapshot_is_drawn_at_once() -> None:
    cap = RefreshCap(4.0)
    assert cap.wait(100.0) == 0.0
    cap.applied(100.0)
    assert abs(cap.wait(100.1) - 0.15) < 1e-9
    assert cap.wait(100.25) == 0.0


def test_a_burst_of_a_hundred_a_second_is_drawn_four_times_a_second() -> None:
    arrivals = [i / 100 for i in range(100)]  # one second of snapshots every 10 ms
    drawn = draws(RefreshCap(4.0), arrivals)
    assert len(drawn) == 5  # at 0, 0.25, 0.5, 0.75 and the last one at 1.0
    assert drawn[0] == 0.0 and drawn[-1] == 1.0


@given(
    rate=st.sampled_from([1.0, 2.0, 4.0, 10.0]),
    gaps=st.lists(st.floats(min_value=0.0, max_value=0.5), min_size=1, max_size=200),
)
def test_draws_are_never_closer_than_the_gap_and_the_last_snapshot_is_drawn(
    rate: float, gaps: list[float]
) -> None:
    arrivals, t = [], 0.0
    for gap in gaps:
        t += gap
        arrivals.append(t)
    drawn = draws(RefreshCap(rate), arrivals)
    assert all(b - a >= 1 / rate - 1e-9 for a, b in itertools.pairwise(drawn))
    assert drawn[-1] >= arrivals[-1]  # nothing left undrawn
    assert len(drawn) <= 1 + (arrivals[-1] + 1 / rate) * rate


def test_the_rate_has_a_floor() -> None:
    assert RefreshCap(0).rate == 0.1
