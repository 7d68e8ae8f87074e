"""The framework's floor: a bare Textual app that paints one table row, and how to time it.

Issue 19's targets are ratios to this floor measured in the same run (absolute times on a busy
2-core machine are noise). The floor is a DataTable with the dashboard's spreads columns and the
IWM/SPY row in it -- what Textual alone costs to start, paint and sit live.

Helpers (all stdlib + pyte; importing this module does not import Textual):
- ``run_pty(name, argv, size, seconds)``: start ``argv`` in a pseudo-terminal of ``size``, read it
  through pyte, time start to the IWM/SPY row with numbers, then CPU % of one core and bytes/s
  written to the terminal over ``seconds`` live, and the peak RSS (VmHWM).
- ``fresh_home()``: a scratch XDG cache/data/config home (as a new user's first command).
- ``compile_bytecode()``: compile rotmon's packages once, as a user's first run would.
- ``floor_app()``: the floor's App class, for in-process (pilot) timings of a repaint.

    .venv/bin/python bench/floor.py [--seconds 5]   # the floor's own figures
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyte

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"IWM/SPY\s+[+-]?\d+\.\d\d")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PACKAGES = ("tui", "widgets", "analytics", "data_sources")

FLOOR_SOURCE = """
from textual.app import App
from textual.widgets import DataTable

COLUMNS = ("Pair", "1D", "1W", "1M", "3M", "YTD", "1Y", "Z 1Y", "Tr", " Ratio 6M", "Ratio",
           "Small", "Large")
ROW = ("IWM/SPY", "+0.12", "-0.40", "+1.25", "+2.10", "-0.85", "+3.40", "0.52", "▲",
       "▁▂▃▄▅▆▇█", "0.9312", "212.40", "598.10")


class Floor(App):
    BINDINGS = [("n", "nudge", "Nudge")]

    def compose(self):
        yield DataTable()

    def on_mount(self):
        table = self.query_one(DataTable)
        self.keys = table.add_columns(*COLUMNS)
        self.row_key = table.add_row(*ROW)
        self.nudges = 0

    def action_nudge(self):
        # A new price: one cell changes and the table repaints (the floor of a live step).
        self.nudges += 1
        table = self.query_one(DataTable)
        table.update_cell(self.row_key, self.keys[1], f"+0.{self.nudges % 100:02d}")
"""

FLOOR_APP = FLOOR_SOURCE + "\nFloor().run()\n"
"""The floor as a ``python -c`` program."""


def floor_app() -> Any:
    """A new instance of the floor App (for pilot timings in the caller's process)."""
    namespace: dict[str, Any] = {}
    exec(compile(FLOOR_SOURCE, "<floor>", "exec"), namespace)
    return namespace["Floor"]()


@dataclass
class Figures:
    name: str
    size: tuple[int, int]
    start_s: float | None
    cpu_pct: float
    bytes_per_s: float
    peak_mb: float


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def compile_bytecode() -> None:
    """A user's Python caches rotmon's bytecode on the first run and reads it on every later one;
    an environment with PYTHONDONTWRITEBYTECODE (CI images, this sandbox) would compile every
    module on every start instead. Compile once, as that first run would."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def fresh_home() -> dict[str, str]:
    """XDG cache/data/config variables pointing into a new scratch home (no cache, no config)."""
    home = Path(tempfile.mkdtemp(prefix="rotmon-bench-"))
    return {var: str(home / var.lower()) for var in XDG_VARS}


XDG_VARS = ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")
"""XDG_STATE_HOME too: the remembered pane, sorts and last drill-down (tui/state.py) of whatever
ran last on the machine (a soak pressing keys) would otherwise open a run on another screen."""


def run_pty(
    name: str,
    argv: list[str],
    size: tuple[int, int],
    seconds: float,
    env: dict[str, str] | None = None,
    settle: float = 2.0,
) -> Figures:
    """Run ``argv`` in a pty of ``size`` (cols, rows): start to the IWM/SPY row, then ``seconds``
    live after ``settle`` seconds (CPU % of one core, bytes/s to the terminal), and peak RSS."""
    cols, rows = size
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full_env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
    full_env.update(env or {})
    full_env.pop("NO_COLOR", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=ROOT,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    start_s: float | None = None
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
                if live_from is not None:
                    live_bytes += len(data)
                stream.feed(data)
            if start_s is None and any(ROW.search(line) for line in screen.display):
                start_s = time.perf_counter() - t0
                # Let the first paint and start-up work settle before measuring steady state.
                until = time.perf_counter() + settle
                while time.perf_counter() < until:
                    if select.select([master], [], [], 0.05)[0]:
                        stream.feed(os.read(master, 65536))
                live_from = time.perf_counter()
                cpu_from = cpu_seconds(proc.pid)
        live_s = max(1e-9, time.perf_counter() - (live_from or time.perf_counter()))
        cpu = (cpu_seconds(proc.pid) - cpu_from) / live_s * 100 if live_from else float("nan")
        peak = peak_mb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    return Figures(name, size, start_s, cpu, live_bytes / live_s if live_from else 0.0, peak)


def run_floor(size: tuple[int, int], seconds: float, settle: float = 2.0) -> Figures:
    """The floor in a pty: its start to first paint, idle CPU, bytes/s and peak RSS."""
    return run_pty("floor", [sys.executable, "-c", FLOOR_APP], size, seconds, settle=settle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.repeat):
        f = run_floor((160, 48), args.seconds)
        start = "n/a" if f.start_s is None else f"{f.start_s:.3f} s"
        print(
            f"floor 160x48: start {start}, CPU {f.cpu_pct:.2f} %, {f.bytes_per_s:.0f} B/s, "
            f"peak {f.peak_mb:.1f} MB"
        )


if __name__ == "__main__":
    main()
