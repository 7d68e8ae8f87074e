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

``--runs N`` starts N fresh processes (a first open is once a process: the screens' modules,
their CSS and plotext are loaded then), the floor measured in each; besides wall ms each figure
is also given as the CPU ms the process used from the key to that frame (``time.process_time``:
much less moved by the other programs on the machine than wall time). ``--screen`` times
another drill-down the way a user reaches it (``sector``: ``2`` then ``enter`` on the heatmap's
first sector; ``alert``: ``3`` then ``enter``, on the hard-landing scenario); "open" is then the
first frame with its title and its first table filled, "charts" the first with its charts drawn.

    PYTHONPATH=. .venv/bin/python bench/bench_drill.py [--opens 5] [--runs 1] [--screen pair]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
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

SCREENS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (screen class, demo scenario, keys before the timed enter)
    "pair": ("PairScreen", "rotation", ()),
    "sector": ("SectorScreen", "rotation", ("2",)),
    "alert": ("AlertScreen", "hard-landing", ("3",)),
}


class Frames:
    """Times (wall and CPU) of the frames the app writes, and whether each showed the open
    drill-down and its drawn charts (checked as the frame is written: the frame holds what was
    rendered for it)."""

    def __init__(self, app: Any, screen_class: str = "PairScreen") -> None:
        self.app = app
        self.screen_class = screen_class
        self.opened_at: float | None = None
        self.charts_at: float | None = None
        self.opened_cpu: float | None = None
        self.charts_cpu: float | None = None
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            now, cpu = time.perf_counter(), time.process_time()
            if self.opened_at is None and self.painted_open(screen):
                self.opened_at, self.opened_cpu = now, cpu
            if self.charts_at is None and self.charts_drawn(screen):
                self.charts_at, self.charts_cpu = now, cpu

        app._display = timed_display

    def reset(self) -> None:
        self.opened_at = self.charts_at = self.opened_cpu = self.charts_cpu = None

    def painted_open(self, screen: Any) -> bool:
        from textual.widgets import DataTable

        if type(screen).__name__ != self.screen_class or not screen.is_mounted:
            return False
        titles = screen.query(".drill-title")
        if not titles or not str(titles.first().render()).strip():
            return False
        tables = screen.query(DataTable)
        return not tables or tables.first().row_count > 0

    def charts_drawn(self, screen: Any) -> bool:
        from widgets.chart import LineChart

        if type(screen).__name__ != self.screen_class or not screen.is_mounted:
            return False
        charts = screen.query(LineChart)
        return bool(charts) and all(
            c.data is not None and (not c.data.has_points or c._drawn_for is not None)
            for c in charts
        )


async def _open(app: Any, frames: Frames) -> tuple[float, float, float, float]:
    """(open ms, charts ms, open CPU ms, charts CPU ms) of one ``enter`` on the dashboard."""
    from textual import events

    event = events.Key("enter", None)
    event.set_sender(app)
    frames.reset()
    t0, c0 = time.perf_counter(), time.process_time()
    app._driver.send_message(event)
    while frames.opened_at is None or frames.charts_at is None:
        if time.perf_counter() - t0 > 10.0:
            raise RuntimeError("the drill-down did not open within 10 s")
        await asyncio.sleep(0.001)
    assert frames.opened_cpu is not None and frames.charts_cpu is not None
    return (
        (frames.opened_at - t0) * 1000,
        (frames.charts_at - t0) * 1000,
        (frames.opened_cpu - c0) * 1000,
        (frames.charts_cpu - c0) * 1000,
    )


async def drill(opens: int, screen: str = "pair") -> dict[str, list[float]]:
    from data_sources.demo import DemoSource
    from tui.config import Settings
    from tui.screenshots import on_screen
    from tui.wiring import build_app
    from widgets import chart

    screen_class, scenario, keys = SCREENS[screen]
    start = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    source = DemoSource(seed=7, scenario=scenario, start=start)
    names = ("open", "charts", "open CPU", "charts CPU")
    out: dict[str, list[float]] = {f"{when} {name}": [] for when in ("first", "reopen")
                                   for name in names}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            source, Settings(), kind="demo", db=Path(tmp) / "a.sqlite3", badge="DEMO",
            live_polling=False, clock=lambda: start,
        )  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            await on_screen(app)
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            frames = Frames(app, screen_class)
            gc.collect()
            for i in range(opens):
                if i == 0:
                    getattr(chart, "_render_cache", {}).clear()
                await asyncio.sleep(0.3)
                figures = await _open(app, frames)
                for name, value in zip(names, figures, strict=True):
                    out[f"{'first' if i == 0 else 'reopen'} {name}"].append(value)
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
    return out


def one_run(opens: int, screen: str) -> dict[str, Any]:
    _cpu, floor_wall = asyncio.run(floor_steps(5))
    return {"floor": floor_wall, **asyncio.run(drill(max(2, opens), screen))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5, help="opens in the run (1 first + reopens)")
    parser.add_argument("--runs", type=int, default=1, help="fresh processes, one first open each")
    parser.add_argument("--screen", choices=sorted(SCREENS), default="pair")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one run's figures
    args = parser.parse_args()
    if args.json:
        print(json.dumps(one_run(args.opens, args.screen)))
        return
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    runs: list[dict[str, Any]] = []
    for _ in range(max(1, args.runs)):
        cmd = [sys.executable, __file__, "--json", "--opens", str(args.opens)]
        done = subprocess.run([*cmd, "--screen", args.screen], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    with open("/proc/loadavg") as f:
        load += "-" + f.read().split()[0]
    floor = statistics.median(r["floor"] for r in runs)
    print(f"{args.screen}: load {load}; {len(runs)} runs; floor (key to repaint) {floor:.1f} ms "
          "(median of the runs'); target open <= 100 ms")  # fmt: skip
    for name in runs[0]:
        if name == "floor":
            continue
        ms = statistics.median(v for r in runs for v in r[name])
        n = sum(len(r[name]) for r in runs)
        if name.endswith("CPU"):  # CPU of the process, not comparable with the wall floor
            print(f"{name:18} {ms:6.0f} ms  {'':11}  (n={n})")
            continue
        ratio = statistics.median(statistics.median(r[name]) / r["floor"] for r in runs)
        print(f"{name:18} {ms:6.0f} ms  {ratio:5.1f}x floor  (n={n})")


if __name__ == "__main__":
    main()
