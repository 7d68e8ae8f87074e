"""Snapshot tests of the dashboard (pytest-textual-snapshot): demo market, frozen clock, no polling.

Regenerate after an intended change with ``pytest tests/snapshots --snapshot-update`` and look at
the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot

from tui.app import RotmonApp

FROZEN_AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 10:30 in New York, market open


def _app(scenario: str) -> RotmonApp:
    from data_sources.demo import DemoSource

    return RotmonApp(
        DemoSource(seed=7, scenario=scenario, start=FROZEN_AT),
        clock=lambda: FROZEN_AT,
        live_polling=False,
        badge="DEMO",
    )


async def _settle(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, RotmonApp)
    await app.wait_for_snapshot()
    await pilot.pause()


@pytest.mark.parametrize("scenario", ["rotation", "hard-landing"])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_dashboard(snap_compare: Callable[..., bool], scenario: str, size: tuple[int, int]) -> None:
    assert snap_compare(_app(scenario), terminal_size=size, run_before=_settle)
