"""Time travel in the app: from a `<` key press to the dashboard repainted with the new as-of
date, on a pack of 30 symbols x 25 years plus 15 macro series (issue 19 target: <= 50 ms; issue 6
had 100), next to the floor's key-to-repaint measured in the same run (bench_floor_ratios).

One way (`<` every 0.3 s from the last day: the app has made each next step ahead) and
alternating `<` `>` from the middle of the pack (each step goes back to the day shown before).

Run: .venv/bin/python bench/bench_asof.py [--steps 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


async def measure(pack: Path, steps: int, alternate: bool = False) -> list[float]:
    from textual import events

    from data_sources.pack import PackSource
    from tui.config import Settings
    from tui.screenshots import on_screen
    from tui.wiring import build_app

    source = PackSource(pack)
    if alternate:  # mid-pack (the last day is the whole pack, a case of its own)
        source = PackSource(pack, asof=source.sessions()[len(source.sessions()) // 2].date())
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            source, Settings(), kind="pack", db=Path(tmp) / "a.sqlite3", badge="PACK",
            live_polling=False,
        )  # fmt: skip
        times: list[float] = []
        async with app.run_test(size=(160, 48)) as pilot:
            await on_screen(app)
            for i in range(steps):
                # Wait out the refresh cap (4 updates/s) so each step measures latency.
                await asyncio.sleep(0.3)
                before = app.updates_applied
                back = alternate and i % 2 == 1
                key = events.Key(*(("greater_than_sign", ">") if back else ("less_than_sign", "<")))
                key.set_sender(app)
                t0 = time.perf_counter()
                app._driver.send_message(key)  # as the terminal driver does; no harness waits
                while app.updates_applied == before:
                    await asyncio.sleep(0.001)
                await pilot.pause(0)  # the repaint itself
                times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    from bench_floor_ratios import floor_steps
    from bench_pack import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    _cpu, floor = asyncio.run(floor_steps(9))
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        runs = {
            "one way": asyncio.run(measure(Path(tmp), args.steps)),
            "alternating": asyncio.run(measure(Path(tmp), args.steps, alternate=True)),
        }
    print(f"floor (one cell, key to repaint): {floor:.1f} ms")
    for name, times in runs.items():
        ms = [t * 1000 for t in times]
        median = statistics.median(ms)
        print(
            f"as-of step to repaint, {name}, {len(ms)} steps: median {median:.0f} ms "
            f"({median / floor:.1f}x the floor), p90 {statistics.quantiles(ms, n=10)[-1]:.0f} ms, "
            f"max {max(ms):.0f} ms (target <= 50 ms)"
        )


if __name__ == "__main__":
    main()
