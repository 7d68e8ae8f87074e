"""The dashboard against Textual's floor, both in a pseudo-terminal read by pyte (issue 4 targets).

For the floor (a bare Textual app showing one DataTable row) and for rotmon on the demo market it
measures: time from start to the IWM/SPY row with numbers on screen; CPU (% of one core) while
live; bytes written to the terminal per second while live, at 160x48 and 80x24; peak memory.

    .venv/bin/python bench/bench_tui.py [--seconds 20] [--app-cmd "..."]

rotmon is started as users start it: `python -m tui --demo` (the first run has no snapshot
cache yet and is reported as the cold start).

Targets: start <= 2.0x floor, CPU <= floor + 3 points, <= 4 KB/s, peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor import (  # the floor and the pty machinery live in bench/floor.py
    FLOOR_APP,
    Figures,
    compile_bytecode,
    fresh_home,
    run_pty,
)


def run(name: str, argv: list[str], size: tuple[int, int], seconds: float) -> Figures:
    return run_pty(name, argv, size, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="live measuring window")
    parser.add_argument("--app-cmd", help="command that starts rotmon (default: a demo runner)")
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="demo clock speed; the demo moves once a demo minute, so 60 makes every 5 s poll "
        "bring new prices (a busy market); 1 is a quiet real-time minute",
    )
    parser.add_argument(
        "--sizes",
        default="160x48,80x24",
        help="terminal sizes, COLSxROWS comma-separated (200x60 adds the chart and alert log)",
    )
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes.split(",") if s]
    python = sys.executable
    compile_bytecode()
    # The real command line, with its cache, config and alert log in a scratch home.
    os.environ.update(fresh_home())
    app_argv = (
        shlex.split(args.app_cmd)
        if args.app_cmd
        else [python, "-m", "tui", "--demo", "--speed", str(args.speed)]
    )
    results: list[tuple[Figures, Figures]] = []
    cold: Figures | None = None
    for cols, rows in sizes:
        size = (cols, rows)
        floor = run("floor", [python, "-c", FLOOR_APP], size, args.seconds)
        if cold is None:
            # First start ever: no snapshot cache, so the row waits for pandas and the simulator.
            cold = run("cold", app_argv, size, 0.5)
        app = run("rotmon", app_argv, size, args.seconds)  # later starts paint from the cache
        results.append((floor, app))

    print(f"{'':8} {'size':>7} {'start s':>8} {'CPU %':>6} {'B/s':>7} {'peak MB':>8}")
    rows = [f for pair in results for f in pair]
    if cold is not None:
        rows.insert(1, cold)
    for f in rows:
        start = "n/a" if f.start_s is None else f"{f.start_s:.2f}"
        print(
            f"{f.name:8} {f.size[0]:>3}x{f.size[1]:<3} {start:>8} {f.cpu_pct:6.2f} "
            f"{f.bytes_per_s:7.0f} {f.peak_mb:8.1f}"
        )
    if cold is not None and cold.start_s is not None and results[0][0].start_s:
        print(f"cold start (no cache yet): {cold.start_s / results[0][0].start_s:.2f}x floor")
    print()
    ok = True
    for floor, app in results:
        size = f"{app.size[0]}x{app.size[1]}"
        ratio = (
            app.start_s / floor.start_s if app.start_s is not None and floor.start_s else math_inf()
        )
        checks = [
            (f"start {size}: {ratio:.2f}x floor (<= 2.0x)", ratio <= 2.0),
            (
                f"CPU {size}: {app.cpu_pct - floor.cpu_pct:+.2f} points over floor (<= 3)",
                app.cpu_pct - floor.cpu_pct <= 3.0,
            ),
            (f"bytes {size}: {app.bytes_per_s:.0f} B/s (<= 4096)", app.bytes_per_s <= 4096),
            (f"peak RSS {size}: {app.peak_mb:.0f} MB (<= 200)", app.peak_mb <= 200),
        ]
        for text, passed in checks:
            ok = ok and passed
            print(f"{'ok  ' if passed else 'MISS'} {text}")
    return 0 if ok else 1


def math_inf() -> float:
    return float("inf")


if __name__ == "__main__":
    raise SystemExit(main())
