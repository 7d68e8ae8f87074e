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
import compileall
import fcntl
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"IWM/SPY\s+[+-]?\d+\.\d\d")
CLK_TCK = os.sysconf("SC_CLK_TCK")

FLOOR_APP = """
from textual.app import App
from textual.widgets import DataTable

class Floor(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Pair", "1D", "1W", "1M")
        table.add_row("IWM/SPY", "+0.12", "-0.40", "+1.25")

Floor().run()
"""


@dataclass
class Figures:
    name: str
    size: tuple[int, int]
    start_s: float | None
    cpu_pct: float
    bytes_per_s: float
    peak_mb: float


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(name: str, argv: list[str], size: tuple[int, int], seconds: float) -> Figures:
    cols, rows = size
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
    env.pop("NO_COLOR", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    start_s: float | None = None
    total = 0
    live_bytes = 0
    live_from: float | None = None
    cpu_from = 0.0
    deadline = t0 + 60.0
    try:
        while True:
            now = time.perf_counter()
            if live_from is not None and now - live_from >= seconds:
                break
            if live_from is None and now > deadline:
                break
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                total += len(data)
                if live_from is not None:
                    live_bytes += len(data)
                stream.feed(data)
            if start_s is None and any(ROW.search(line) for line in screen.display):
                start_s = time.perf_counter() - t0
                # Let the first paint and start-up work settle before measuring steady state.
                settle = time.perf_counter() + 2.0
                while time.perf_counter() < settle:
                    if select.select([master], [], [], 0.05)[0]:
                        stream.feed(os.read(master, 65536))
                live_from = time.perf_counter()
                cpu_from = _cpu_seconds(proc.pid)
        live_s = max(1e-9, time.perf_counter() - (live_from or time.perf_counter()))
        cpu = (_cpu_seconds(proc.pid) - cpu_from) / live_s * 100 if live_from else float("nan")
        peak = _peak_mb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    return Figures(name, size, start_s, cpu, live_bytes / live_s if live_from else 0.0, peak)


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
    args = parser.parse_args()
    python = sys.executable
    # A user's Python caches rotmon's bytecode on the first run and reads it on every later
    # one; an environment with PYTHONDONTWRITEBYTECODE (CI images, this sandbox) would compile
    # every module on every start instead. Compile once, as that first run would.
    for package in ("tui", "widgets", "analytics", "data_sources"):
        compileall.compile_dir(ROOT / package, quiet=1)
    # The real command line, with its cache, config and alert log in a scratch home.
    home = Path(tempfile.mkdtemp(prefix="rotmon-bench-"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(home / var.lower())
    app_argv = (
        shlex.split(args.app_cmd)
        if args.app_cmd
        else [python, "-m", "tui", "--demo", "--speed", str(args.speed)]
    )
    results: list[tuple[Figures, Figures]] = []
    cold: Figures | None = None
    for size in ((160, 48), (80, 24)):
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
