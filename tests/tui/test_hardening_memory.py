"""Screens that are closed are freed: the soak (bench/soak.py) found every drill-down screen ever
opened kept alive by the theme signal's subscriptions (~10 MB a minute of screen switching)."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.dom import DOMNode

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.hardening_helpers import open_screen, wired_demo
from tui.screens.dashboard import DashboardScreen

SCREENS = (("pair", "IWM/SPY"), ("sector", "Energy"))  # charts, tables, the constituents


def _nodes() -> dict[str, int]:
    gc.collect()
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        if isinstance(obj, DOMNode):
            name = type(obj).__name__
            counts[name] = counts.get(name, 0) + 1
    return counts


async def test_closed_drill_down_screens_and_their_charts_are_freed(tmp_path: Path) -> None:
    app = wired_demo(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        gc.unfreeze()  # settled() froze the heap: nothing created before could be collected
        gc.collect()
        dashboard_only = _nodes()  # the dashboard's own (a headline chart on wide terminals)

        async def round_trip() -> None:
            for kind, key in SCREENS:
                await open_screen(app, kind, key)
                await pilot.pause()
                await pilot.press("escape")
                await wait_until(lambda: isinstance(app.screen, DashboardScreen))
                await pilot.pause()

        await round_trip()
        before = _nodes()
        await round_trip()
        after = _nodes()
        grown = {k: v - before.get(k, 0) for k, v in after.items() if v > before.get(k, 0)}
        assert not grown, f"nodes kept alive after their screens closed: {grown}"
        for name in ("PairScreen", "SectorScreen", "LineChart", "ConstituentsTable"):
            assert after.get(name, 0) == dashboard_only.get(name, 0), name
