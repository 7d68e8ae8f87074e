"""Issue 19's figures, each next to the framework's floor measured in the same run.

The machine is shared and busy, so absolute times are noise; the ratio to the floor (a bare
Textual DataTable painting the IWM/SPY row, bench/floor.py) measured minutes apart on the same
machine is the figure to compare across runs. Medians of a few repetitions.

In a pseudo-terminal (pyte), rotmon started as users start it (``python -m tui --demo``):
- first start ever (fresh XDG cache/data/config, bytecode compiled) to the IWM/SPY row, vs floor;
- later start (same home, the snapshot cache written by the first) vs floor;
- busy demo (``--speed 60``: new prices every poll) at 160x48: CPU % of a core above the floor's
  idle CPU, KB/s to the terminal; peak RSS of the dashboard;
- idle demo (``--speed 1``: a quiet real-time minute) CPU above floor.
In process (pilot, 160x48 unless said):
- 2,000-row constituents refresh (demo universe one demo minute later), CPU ms, vs the floor's
  one-cell update to repaint measured the same way;
- as-of step (``<``) to repaint on a 30-symbol x 25-year pack, wall ms, vs the floor's key to
  repaint;
- drill-down open (``enter`` on IWM/SPY to the pair screen painted), wall ms, vs the same floor.

    PYTHONPATH=. .venv/bin/python bench/bench_floor_ratios.py [--seconds 10] [--repeat 3]
        [--skip-pty] [--skip-inproc]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from floor import Figures, compile_bytecode, floor_app, fresh_home, run_floor, run_pty  # noqa: E402

TARGETS = {
    "first start": "<= 2.5x floor",
    "later start": "<= 1.5x floor",
    "busy CPU above floor": "<= +1 % of a core",
    "busy KB/s 160x48": "<= 2 KB/s",
    "idle CPU above floor": "<= +0.5 %",
    "peak RSS dashboard": "<= 100 MB",
    "constituents refresh 2,000 rows": "<= 20 ms",
    "as-of step to repaint": "<= 50 ms",
    "drill-down open": "<= 100 ms",
}

SIZE = (160, 48)
Row = tuple[str, str, str, str, str]  # figure, value, floor, ratio, target


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _starts(figs: list[Figures]) -> list[float]:
    return [f.start_s for f in figs if f.start_s is not None]


def pty_figures(seconds: float, repeat: int, settle: float) -> list[Row]:
    python = sys.executable
    compile_bytecode()
    floors = [run_floor(SIZE, seconds) for _ in range(repeat)]
    firsts: list[Figures] = []
    laters: list[Figures] = []
    home: dict[str, str] = {}
    busy = [python, "-m", "tui", "--demo", "--speed", "60"]
    for _ in range(max(2, repeat - 1)):
        home = fresh_home()
        firsts.append(run_pty("first", busy, SIZE, 0.5, env=home))
    for _ in range(repeat):
        laters.append(run_pty("later", busy, SIZE, seconds, env=home, settle=settle))
    idle = [python, "-m", "tui", "--demo", "--speed", "1"]
    idles = [
        run_pty("idle", idle, SIZE, seconds, env=home, settle=settle)
        for _ in range(max(1, repeat // 2))
    ]

    floor_start = _median(_starts(floors))
    floor_cpu = _median([f.cpu_pct for f in floors])
    floor_bps = _median([f.bytes_per_s for f in floors])
    floor_mb = _median([f.peak_mb for f in floors])
    first = _median(_starts(firsts))
    later = _median(_starts(laters))
    busy_cpu = _median([f.cpu_pct for f in laters])
    busy_bps = _median([f.bytes_per_s for f in laters])
    idle_cpu = _median([f.cpu_pct for f in idles])
    peak = max(f.peak_mb for f in [*laters, *firsts, *idles])
    print(
        f"pty runs: floor {len(floors)}, first {len(firsts)} ({len(_starts(firsts))} painted), "
        f"later {len(laters)} ({len(_starts(laters))} painted), idle {len(idles)}; "
        f"{seconds:g} s live each, measured {settle:g} s after the first paint"
    )
    for f in [*floors, *firsts, *laters, *idles]:
        start = "n/a" if f.start_s is None else f"{f.start_s:.3f}"
        print(
            f"  {f.name:6} start {start:>6} s  CPU {f.cpu_pct:5.2f} %  "
            f"{f.bytes_per_s:6.0f} B/s  peak {f.peak_mb:6.1f} MB"
        )
    return [
        ("first start", f"{first:.2f} s", f"{floor_start:.2f} s", f"{first / floor_start:.2f}x",
         TARGETS["first start"]),
        ("later start", f"{later:.2f} s", f"{floor_start:.2f} s", f"{later / floor_start:.2f}x",
         TARGETS["later start"]),
        ("busy CPU above floor", f"{busy_cpu:.2f} %", f"{floor_cpu:.2f} %",
         f"{busy_cpu - floor_cpu:+.2f} pts", TARGETS["busy CPU above floor"]),
        ("busy KB/s 160x48", f"{busy_bps / 1024:.2f} KB/s", f"{floor_bps / 1024:.2f} KB/s",
         "-", TARGETS["busy KB/s 160x48"]),
        ("idle CPU above floor", f"{idle_cpu:.2f} %", f"{floor_cpu:.2f} %",
         f"{idle_cpu - floor_cpu:+.2f} pts", TARGETS["idle CPU above floor"]),
        ("peak RSS dashboard", f"{peak:.0f} MB", f"{floor_mb:.0f} MB", f"{peak / floor_mb:.2f}x",
         TARGETS["peak RSS dashboard"]),
    ]  # fmt: skip


async def _key_until(app: Any, key: str, done: Callable[[], bool]) -> float:
    """Wall seconds from a key entering the app (as the driver sends it) to ``done()`` and the
    repaint after it."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    t0 = time.perf_counter()
    app._driver.send_message(event)
    while not done():
        if time.perf_counter() - t0 > 10.0:
            raise RuntimeError(f"key {key!r} had no effect within 10 s")
        await asyncio.sleep(0.001)
    await asyncio.sleep(0)
    return time.perf_counter() - t0


async def floor_steps(steps: int) -> tuple[float, float]:
    """The floor's one-cell update to repaint: (CPU ms via pilot pauses, wall ms key to repaint)."""
    app = floor_app()
    cpu: list[float] = []
    wall: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(steps):
            t0 = time.process_time()
            app.action_nudge()
            await pilot.pause()
            await pilot.pause()
            cpu.append((time.process_time() - t0) * 1000)
        for _ in range(steps):
            await asyncio.sleep(0.05)
            before = app.nudges
            wall.append(await _key_until(app, "n", lambda b=before: app.nudges != b) * 1000)
    return _median(cpu), _median(wall)


async def constituents_ms(rounds: int) -> float:
    from bench_constituents import BenchApp, demo_ticks, measure

    from widgets.constituents import ConstituentsTable

    ticks = demo_ticks(rounds)
    app = BenchApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ConstituentsTable)
        table.set_rows(ticks[0])
        await pilot.pause()
        table.move_cursor(row=len(ticks[0]) // 2)
        await pilot.pause()
        times = []
        for rows in ticks[1 : rounds + 1]:
            times.append(await measure(pilot, lambda rows=rows: table.set_rows(rows)))
    return _median(times)


def asof_ms(steps: int) -> float:
    from bench_asof import measure
    from bench_pack import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        times = asyncio.run(measure(Path(tmp), steps))
    return _median([t * 1000 for t in times])


async def drill_ms(opens: int) -> float:
    from textual.widgets import Static

    from data_sources.demo import DemoSource
    from tui.config import Settings
    from tui.screens.pair import PairScreen
    from tui.screenshots import on_screen
    from tui.wiring import build_app

    start = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    source = DemoSource(seed=7, scenario="rotation", start=start)
    times: list[float] = []

    def opened() -> bool:
        screen = app.screen
        if not isinstance(screen, PairScreen) or not screen.is_mounted:
            return False
        titles = screen.query(".drill-title")
        return bool(titles) and bool(str(titles.first(Static).render()).strip())

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            source, Settings(), kind="demo", db=Path(tmp) / "a.sqlite3", badge="DEMO",
            live_polling=False, clock=lambda: start,
        )  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            await on_screen(app)
            gc.collect()
            for _ in range(opens):
                await asyncio.sleep(0.3)
                times.append(await _key_until(app, "enter", opened) * 1000)
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
    return _median(times)


def inproc_figures(repeat: int) -> list[Row]:
    floor_cpu, floor_wall = asyncio.run(floor_steps(max(5, repeat * 3)))
    cons = asyncio.run(constituents_ms(max(5, repeat * 2)))
    asof = asof_ms(max(5, repeat * 3))
    drill = asyncio.run(drill_ms(max(3, repeat)))
    print(
        f"in-process floor (one-cell update to repaint): {floor_cpu:.1f} ms CPU, "
        f"{floor_wall:.1f} ms wall (key to repaint)"
    )
    return [
        ("constituents refresh 2,000 rows", f"{cons:.1f} ms CPU", f"{floor_cpu:.1f} ms",
         f"{cons / floor_cpu:.1f}x", TARGETS["constituents refresh 2,000 rows"]),
        ("as-of step to repaint", f"{asof:.0f} ms", f"{floor_wall:.1f} ms",
         f"{asof / floor_wall:.1f}x", TARGETS["as-of step to repaint"]),
        ("drill-down open", f"{drill:.0f} ms", f"{floor_wall:.1f} ms",
         f"{drill / floor_wall:.1f}x", TARGETS["drill-down open"]),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="live window of a pty run; keep it a multiple of the demo's 5 s poll (a 6 s "
        "window held one poll or two, so bytes/s and CPU swung by half between runs)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians)")
    parser.add_argument(
        "--settle",
        type=float,
        default=8.0,
        help="seconds after the first paint before CPU and bytes are measured: a later start "
        "paints from the snapshot cache and then imports pandas and builds the market, which is "
        "start-up work, not the live market",
    )
    parser.add_argument("--skip-pty", action="store_true")
    parser.add_argument("--skip-inproc", action="store_true")
    args = parser.parse_args()
    rows: list[Row] = []
    if not args.skip_pty:
        rows += pty_figures(args.seconds, args.repeat, args.settle)
    if not args.skip_inproc:
        rows += inproc_figures(args.repeat)
    print()
    print("| figure | value | floor | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
