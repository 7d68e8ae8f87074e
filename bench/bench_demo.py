"""Bench the demo market (target: history of every symbol plus the universe's last/change in
<= 300 ms, the NYSE calendar included; later polls a few ms).

Run: ``.venv/bin/python bench/bench_demo.py [--rounds N] [--seed N]``. Prints wall-clock
milliseconds per step: importing the module, building the NYSE calendar (once per process),
building each scenario's market with its first fetch, polls, a session roll-over and bars.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MS = 300.0


def ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="repetitions of each timed step")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from data_sources.demo import DEMO_START, SCENARIOS, DemoSource
    from data_sources.market_calendar import NY, sessions

    print(f"import data_sources.demo (pandas, numpy included)  {ms(t0):7.1f} ms")

    t0 = time.perf_counter()
    sessions(DEMO_START.date(), DEMO_START.date())
    calendar = ms(t0)
    print(f"NYSE calendar, first build (once per process)     {calendar:7.1f} ms")

    worst = 0.0
    for scenario in SCENARIOS:
        times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            md = DemoSource(seed=args.seed, scenario=scenario).market_data(DEMO_START)
            times.append(ms(t0))
        med = statistics.median(times)
        worst = max(worst, med)
        print(
            f"build + first fetch {scenario:13s} median {med:6.1f} ms  min {min(times):6.1f}  "
            f"({len(md.prices)} symbols x {len(md.prices['SPY'])} rows, {len(md.macro)} series, "
            f"{len(md.constituents)} constituents)"
        )
    total = calendar + worst
    verdict = "ok" if total <= TARGET_MS else "OVER"
    print(f"first fetch in a fresh process (calendar + worst)  {total:7.1f} ms  "
          f"target <= {TARGET_MS:.0f} ms: {verdict}")  # fmt: skip

    src = DemoSource(seed=args.seed)
    src.market_data(DEMO_START)
    same, nxt = [], []
    for i in range(1, 31):
        t0 = time.perf_counter()
        src.market_data(DEMO_START + timedelta(minutes=i, seconds=10))
        same.append(ms(t0))
        t0 = time.perf_counter()
        src.market_data(DEMO_START + timedelta(minutes=i, seconds=40))
        nxt.append(ms(t0))
    print(f"poll, a new demo minute                 median {statistics.median(same):6.2f} ms")
    print(f"poll, the same demo minute (cached)     median {statistics.median(nxt):6.2f} ms")

    t0 = time.perf_counter()
    src.market_data(datetime(2026, 11, 25, 9, 31, tzinfo=NY))
    print(f"roll-over to the next session           {ms(t0):9.2f} ms")
    t0 = time.perf_counter()
    src.market_data(datetime(2026, 12, 24, 12, 0, tzinfo=NY))
    print(f"a month of sessions at once (speed-up)  {ms(t0):9.2f} ms")

    member = src.market_data(DEMO_START).constituents[10].symbol
    t0 = time.perf_counter()
    src.bars_at(member)
    cold = ms(t0)
    t0 = time.perf_counter()
    src.bars_at(member)
    warm = ms(t0)
    t0 = time.perf_counter()
    src.bars_at("SPY")
    print(f"bars: member cold {cold:.2f} ms, warm {warm:.2f} ms; SPY {ms(t0):.2f} ms")
    return 0 if total <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
