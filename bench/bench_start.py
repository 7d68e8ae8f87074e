"""First and later starts of two or more source trees, alternating, next to the floor.

``bench_floor_ratios.py`` times starts in wall seconds, which swing 2x with the shared machine's
load. This also reads the CPU seconds the app's process has used when the IWM/SPY row appears
(utime + stime: what the start costs, nearly independent of the load), and those of its reaped
children (a first start's prefetch, tui/prefetch.py), and the peak RSS after ``--settle``
seconds of the live demo. Trees are run in turn (floor, tree A, tree B, ... per round), so that
the load falls on each alike: compare a commit with its parent by extracting both
(``git archive <commit> | tar -x -C /tmp/a``).

    PYTHONPATH=. .venv/bin/python bench/bench_start.py /tmp/old,/tmp/new [--rounds 3]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pyte

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from floor import (  # noqa: E402
    CLK_TCK,
    FLOOR_APP,
    PACKAGES,
    ROW,
    cpu_seconds,
    fresh_home,
    peak_mb,
)

SIZE = (160, 48)


@dataclass
class Start:
    wall: float
    cpu: float
    children_cpu: float
    peak_mb: float


def children_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def run(argv: list[str], root: Path, env: dict[str, str], settle: float) -> Start:
    """Start ``argv`` in a 160x48 pty: wall and CPU seconds to the IWM/SPY row, then the peak
    RSS ``settle`` seconds later."""
    cols, rows = SIZE
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full_env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(root))
    full_env.update(env)
    full_env.pop("NO_COLOR", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=root,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    found: Start | None = None
    try:
        while time.perf_counter() - t0 < 60:
            if not select.select([master], [], [], 0.01)[0]:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            stream.feed(data)
            if any(ROW.search(line) for line in screen.display):
                wall = time.perf_counter() - t0
                found = Start(wall, cpu_seconds(proc.pid), children_cpu(proc.pid), 0.0)
                break
        until = time.perf_counter() + settle
        while time.perf_counter() < until:  # keep the terminal drained while it runs live
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        peak = peak_mb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    if found is None:
        raise RuntimeError(f"{argv} in {root}: no IWM/SPY row within 60 s")
    found.peak_mb = peak
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", help="comma-separated source trees (each with tui/ etc.)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="live seconds before the RSS")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    for tree in trees:
        for package in PACKAGES:
            compileall.compile_dir(tree / package, quiet=1)
    print("load", Path("/proc/loadavg").read_text().strip())
    floors: list[Start] = []
    firsts: dict[Path, list[Start]] = {t: [] for t in trees}
    laters: dict[Path, list[Start]] = {t: [] for t in trees}
    demo = [sys.executable, "-m", "tui", "--demo", "--speed", "60"]
    for r in range(args.rounds):
        floors.append(run([sys.executable, "-c", FLOOR_APP], trees[0], {}, 0.5))
        for tree in trees:
            home = fresh_home()
            first = run(demo, tree, home, args.settle)
            later = run(demo, tree, home, args.settle)
            firsts[tree].append(first)
            laters[tree].append(later)
            print(
                f"{r} {tree}: first {first.wall:.3f} s wall, {first.cpu:.2f} s CPU "
                f"(+{first.children_cpu:.2f} children), peak {first.peak_mb:.0f} MB | later "
                f"{later.wall:.3f} s, {later.cpu:.2f} s CPU, peak {later.peak_mb:.0f} MB",
                flush=True,
            )
    fw = statistics.median(f.wall for f in floors)
    fc = statistics.median(f.cpu for f in floors)
    fm = statistics.median(f.peak_mb for f in floors)
    print(f"floor: {fw:.3f} s wall, {fc:.2f} s CPU, peak {fm:.0f} MB")
    for tree in trees:
        for name, runs in (("first", firsts[tree]), ("later", laters[tree])):
            w = statistics.median(s.wall for s in runs)
            c = statistics.median(s.cpu for s in runs)
            k = statistics.median(s.children_cpu for s in runs)
            peak = max(s.peak_mb for s in runs)
            print(
                f"{tree} {name}: {w:.3f} s wall ({w / fw:.2f}x), {c:.2f} s CPU ({c / fc:.2f}x)"
                f" +{k:.2f} s children, peak {peak:.0f} MB"
            )
    print("load", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
