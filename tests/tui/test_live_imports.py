"""Issue 19, memory: the live dashboard imports no drill-down screen until one is opened.

The remembered view's look every couple of seconds and the drill-down context's refresh with
every snapshot asked ``isinstance(screen, SectorScreen/DrillScreen)`` by importing those
screens, which pulled in the sector screen, the constituents table, filters and exports (~1 MB
and ~40 ms) into every dashboard. Run in a fresh process: another test may have imported them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import asyncio, sys
from pathlib import Path
from tests.tui.conftest import demo_source, START
from tests.support.screen import snapshot_on_screen
from tui.config import load_settings
from tui.remember import SAVE_EVERY
from tui.wiring import build_app

DRILL = ("tui.screens.sector", "tui.screens.drillbase", "widgets.constituents", "tui.export")

async def main() -> None:
    app = build_app(
        demo_source("rotation"), load_settings(env={}), kind="demo", alerts=False,
        state_path=Path(sys.argv[1]) / "state.json", clock=lambda: START,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await asyncio.sleep(SAVE_EVERY * 1.5)  # the remembered view has looked
        app.feed.refresh_now()  # and a second snapshot went to the drill-down context
        await pilot.pause(0.5)
        assert app.market is not None and app.updates_applied >= 2, app.updates_applied
        print("before", [m for m in DRILL if m in sys.modules])
        await pilot.press("enter")  # the pair drill-down on IWM/SPY
        await pilot.pause(0.5)
        print("after", type(app.screen).__name__, "tui.screens.drillbase" in sys.modules)

asyncio.run(main())
"""


def test_the_live_dashboard_imports_no_drill_down_screen_until_one_opens(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = out.stdout.strip().splitlines()
    assert lines[-2:] == ["before []", "after PairScreen True"], out.stdout + out.stderr
