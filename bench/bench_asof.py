"""Time travel in the app: from a `<` key press to the dashboard repainted with the new as-of
date, on a pack of 30 symbols x 25 years plus 15 macro series (issue 6 target: <= 100 ms).

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


async def measure(pack: Path, steps: int) -> list[float]:
    from textual import events

    from data_sources.pack import PackSource
    from tui.config import Settings
    from tui.screenshots import on_screen
    from tui.wiring import build_app

    source = PackSource(pack)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            source, Settings(), kind="pack", db=Path(tmp) / "a.sqlite3", badge="PACK",
            live_polling=False,
        )  # fmt: skip
        times: list[float] = []
        async with app.run_test(size=(160, 48)) as pilot:
            await on_screen(app)
            for _ in range(steps):
                # Wait out the refresh cap (4 updates/s) so each step measures latency.
                await asyncio.sleep(0.3)
                before = app.updates_applied
                key = events.Key("less_than_sign", "<")
                key.set_sender(app)
                t0 = time.perf_counter()
                app._driver.send_message(key)  # as the terminal driver does; no harness waits
                while app.updates_applied == before:
                    await asyncio.sleep(0.001)
                await pilot.pause(0)  # the repaint itself
                times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    from bench_pack import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        times = asyncio.run(measure(Path(tmp), args.steps))
    ms = [t * 1000 for t in times]
    print(
        f"as-of step to repaint, {len(ms)} steps: median {statistics.median(ms):.0f} ms, "
        f"p90 {statistics.quantiles(ms, n=10)[-1]:.0f} ms, max {max(ms):.0f} ms (target <= 100 ms)"
    )


if __name__ == "__main__":
    main()
