"""Drill-down open (issue 19: <= 100 ms), next to the framework's floor measured in the same run.

What is measured, in process (pilot, 160x48, the demo market, ``enter`` on the dashboard's
IWM/SPY row as the driver sends a key):
- open: wall ms from the key to the first frame the app writes to the terminal while the pair
  screen is the active, mounted screen with its title and its returns table filled (the pair's
  numbers painted);
- charts: wall ms from the key to the first frame written after both plotext charts (ratio and
  z-score) have drawn their picture (equal to open while the charts are drawn in the first frame).
Each twice: the first open of the run (no chart drawn before) and reopens (escape, enter again:
same pair, as-of and size). The floor is bench_floor_ratios' key to repaint of a bare Textual
DataTable (bench/floor.py). Medians; absolute times on a shared box are noise, compare ratios.

    PYTHONPATH=. .venv/bin/python bench/bench_drill.py [--opens 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from bench_floor_ratios import SIZE, floor_steps  # noqa: E402


class Frames:
    """Times of the frames the app writes, and whether each showed the open pair screen and its
    drawn charts (checked as the frame is written: the frame holds what was rendered for it)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.opened_at: float | None = None
        self.charts_at: float | None = None
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            now = time.perf_counter()
            if self.opened_at is None and self.painted_open(screen):
                self.opened_at = now
            if self.charts_at is None and self.charts_drawn(screen):
                self.charts_at = now

        app._display = timed_display

    def reset(self) -> None:
        self.opened_at = self.charts_at = None

    def painted_open(self, screen: Any) -> bool:
        from tui.screens.pair import PairScreen
        from widgets.keyed_table import KeyedTable

        if not isinstance(screen, PairScreen) or not screen.is_mounted:
            return False
        title = str(screen.query_one("#pair-title").render()).strip()
        return bool(title) and screen.query_one("#pair-returns", KeyedTable).row_count > 0

    def charts_drawn(self, screen: Any) -> bool:
        from tui.screens.pair import PairScreen
        from widgets.chart import LineChart

        if not isinstance(screen, PairScreen):
            return False
        charts = screen.query(LineChart)
        return len(charts) == 2 and all(c._drawn_for is not None for c in charts)


async def _open(app: Any, frames: Frames) -> tuple[float, float]:
    """(open ms, charts ms) of one ``enter`` on the dashboard."""
    from textual import events

    event = events.Key("enter", None)
    event.set_sender(app)
    frames.reset()
    t0 = time.perf_counter()
    app._driver.send_message(event)
    while frames.opened_at is None or frames.charts_at is None:
        if time.perf_counter() - t0 > 10.0:
            raise RuntimeError("the pair screen did not open within 10 s")
        await asyncio.sleep(0.001)
    return (frames.opened_at - t0) * 1000, (frames.charts_at - t0) * 1000


async def drill(opens: int) -> dict[str, list[float]]:
    from data_sources.demo import DemoSource
    from tui.config import Settings
    from tui.screenshots import on_screen
    from tui.wiring import build_app
    from widgets import chart

    start = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    source = DemoSource(seed=7, scenario="rotation", start=start)
    out: dict[str, list[float]] = {"first open": [], "first charts": [], "reopen": [],
                                   "reopen charts": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            source, Settings(), kind="demo", db=Path(tmp) / "a.sqlite3", badge="DEMO",
            live_polling=False, clock=lambda: start,
        )  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            await on_screen(app)
            frames = Frames(app)
            gc.collect()
            for i in range(opens):
                if i == 0:
                    getattr(chart, "_render_cache", {}).clear()
                await asyncio.sleep(0.3)
                opened, charts = await _open(app, frames)
                out["first open" if i == 0 else "reopen"].append(opened)
                out["first charts" if i == 0 else "reopen charts"].append(charts)
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5, help="opens in the run (1 first + reopens)")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    _cpu, floor_wall = asyncio.run(floor_steps(5))
    figures = asyncio.run(drill(max(2, args.opens)))
    print(f"load {load}; floor (key to repaint) {floor_wall:.1f} ms; target open <= 100 ms")
    for name, values in figures.items():
        ms = statistics.median(values)
        print(f"{name:14} {ms:6.0f} ms  {ms / floor_wall:5.1f}x floor  (n={len(values)})")


if __name__ == "__main__":
    main()
