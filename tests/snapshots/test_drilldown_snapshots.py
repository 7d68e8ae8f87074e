"""Snapshot tests of the drill-down screens at 80x24 and 160x48 (demo market, seed 7, frozen
clock). Update with ``pytest tests/snapshots/test_drilldown_snapshots.py --snapshot-update``
after checking the new SVGs by eye."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from tests.support.screen import charts_drawn
from tui.compute import snapshot_from_market
from tui.drill import DrillData
from tui.screens.alert import AlertScreen
from tui.screens.pair import PairScreen
from tui.screens.sector import SectorScreen
from tui.screens.symbol import SymbolScreen

START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
SIZES = [(80, 24), (160, 48)]


def _context(scenario: str = "rotation") -> DrillData:
    from data_sources.demo import DemoSource

    demo = DemoSource(seed=7, scenario=scenario, start=START, wall=lambda: 0.0)
    market = demo.market_data(START)
    return DrillData(
        market, snapshot_from_market(market), bars=demo.bars, export_dir=Path("unused")
    )


@pytest.fixture(scope="module")
def rotation() -> DrillData:
    return _context("rotation")


@pytest.fixture(scope="module")
def hard_landing() -> DrillData:
    return _context("hard-landing")


class Host(App):
    """Stands in for the dashboard: pushes one drill-down screen at start."""

    def __init__(self, make: Callable[[], Screen]) -> None:
        super().__init__()
        self._make = make

    def compose(self) -> ComposeResult:
        yield Static("home")

    async def on_mount(self) -> None:
        await self.push_screen(self._make())


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await charts_drawn(pilot)  # the charts are drawn a frame after the screen's first paint


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pair(snap_compare, rotation: DrillData, size: tuple[int, int]) -> None:
    app = Host(lambda: PairScreen("IWM/SPY", rotation))
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sector_filtered_and_sorted(snap_compare, rotation: DrillData, size) -> None:
    app = Host(lambda: SectorScreen("Energy", rotation))

    async def run_before(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("slash", *"chg < 0", "enter", "s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_symbol(snap_compare, rotation: DrillData, size: tuple[int, int]) -> None:
    app = Host(lambda: SymbolScreen("IWM", rotation))
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_alert(snap_compare, hard_landing: DrillData, size: tuple[int, int]) -> None:
    rule = hard_landing.snapshot().alerts[0].rule
    app = Host(lambda: AlertScreen(rule, hard_landing))
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_valuation(snap_compare, rotation: DrillData, size: tuple[int, int]) -> None:
    from tui.screens.valuation import ValuationScreen

    app = Host(lambda: ValuationScreen("valuation", rotation))
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_valuation_with_five_years_of_history(snap_compare, rotation: DrillData) -> None:
    """A pack-like history (made up for the test: eight years of month-end P/E) under the demo
    market, so the gap chart and its 5-year z-score both draw."""
    from dataclasses import replace

    import numpy as np
    import pandas as pd

    from tui.screens.valuation import ValuationScreen

    market = rotation.market()
    months = pd.date_range(end=START.date(), periods=96, freq="ME")
    t = np.arange(96)
    large = 18.0 + 4.0 * t / 95 + 0.6 * np.sin(t / 5)
    small = 15.5 + 0.5 * np.sin(t / 7)
    valuations = {
        "SPY": pd.DataFrame({"pe": large + 5, "forward_pe": large}, index=months),
        "IJR": pd.DataFrame({"pe": small + 3, "forward_pe": small}, index=months),
    }
    market = replace(market, valuations=valuations, asof=datetime(2026, 3, 2, 21, tzinfo=UTC))
    context = DrillData(market, snapshot_from_market(market), export_dir=Path("unused"))
    window = "2Y"
    app = Host(lambda: ValuationScreen("valuation", context, window=window))

    async def run_before(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("right_square_bracket")  # no longer window than 2Y: stays
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cycle(snap_compare, rotation: DrillData, size: tuple[int, int]) -> None:
    from tui.screens.cycle import CycleScreen

    app = Host(lambda: CycleScreen("cycle", rotation))
    assert snap_compare(app, terminal_size=size, run_before=_settle)
