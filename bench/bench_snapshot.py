"""Snapshot speed: the full computation (all pairs, sectors, rules over 3 years) and the
`rotmon snapshot --demo` process as a whole.

Targets (issue 3): snapshot computation <= 150 ms; `rotmon snapshot --demo` <= 1.5 s.
Run: .venv/bin/python bench/bench_snapshot.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from data_sources.demo import DemoSource
    from tui.compute import snapshot_from_market

    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    market = src.market_data(src.clock.now())
    compute = []
    for _ in range(10):
        fresh = replace(market)  # a new object: the app's replay memo must not answer for it
        t0 = time.perf_counter()
        snapshot_from_market(fresh)
        compute.append(time.perf_counter() - t0)
    proc = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tui", "snapshot", "--demo", "--format", "json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        proc.append(time.perf_counter() - t0)
    print(f"snapshot computation: median {statistics.median(compute) * 1000:.1f} ms (<= 150 ms)")
    print(f"rotmon snapshot --demo process: median {statistics.median(proc):.2f} s (<= 1.5 s)")


if __name__ == "__main__":
    main()
