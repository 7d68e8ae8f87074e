"""Wall-clock numbers the tests no longer assert (they vary with the machine's load):

- key latency while the source's fetch blocks its own thread (target: < 100 ms per key);
- the screen refresh cap under a feed faster than it (target: at most ``refresh`` draws a
  second, and at least half of that while snapshots keep coming).

The rules themselves are tested with fake clocks (tests/unit/test_refresh_cap.py) and without
timing (tests/tui/test_feed_failures.py); this measures them on the real clock.

Run: .venv/bin/python bench/bench_responsive.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


class BlockingSource:
    """Breaks the protocol on purpose: its fetch blocks its thread until released."""

    name = "stuck"
    kind = "live"

    def __init__(self) -> None:
        self.release = threading.Event()

    async def fetch(self, now: datetime) -> Any:
        self.release.wait(30)
        from data_sources.base import SourceError

        raise SourceError("released")

    async def bars(self, symbol: str) -> Any:
        return None

    def status(self) -> tuple[Any, ...]:
        return ()

    async def aclose(self) -> None:
        return None


async def key_latencies(rounds: int) -> list[float]:
    from textual import events

    from tui.app import RotmonApp

    source = BlockingSource()
    app = RotmonApp(source, clock=lambda: START, poll_interval=0.2, fetch_timeout=0.4)  # type: ignore[arg-type]
    out: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        while not app.feed.busy:
            await asyncio.sleep(0.01)
        for i in range(rounds):
            key, pane = (("2", 1), ("3", 2), ("4", 3), ("1", 0))[i % 4]
            assert app._driver is not None
            event = events.Key(key, key)
            event.set_sender(app)
            t0 = time.perf_counter()
            app._driver.send_message(event)
            while app.dashboard.active_pane != pane:
                await asyncio.sleep(0.001)
            out.append(time.perf_counter() - t0)
        source.release.set()
        await pilot.press("q")
    return out


async def refresh_cap(seconds: float, refresh: float) -> tuple[float, float]:
    from textual.message import Message

    from data_sources.demo import DemoSource
    from tui.app import RotmonApp
    from tui.messages import MarketUpdated
    from tui.screenshots import on_screen

    source = DemoSource(seed=7, scenario="rotation", speed=600.0, start=START)
    app = RotmonApp(source, live_polling=True, poll_interval=0.02, refresh=refresh)
    updates: list[MarketUpdated] = []  # posted to the app only: each is dispatched once

    def count(message: Message) -> None:
        if isinstance(message, MarketUpdated):
            updates.append(message)

    async with app.run_test(size=(80, 24), message_hook=count):
        await on_screen(app)
        await asyncio.sleep(0.5)
        arrived, applied = len(updates), app.updates_applied
        t0 = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - t0
        arrived = len(updates) - arrived
        applied = app.updates_applied - applied
    return arrived / elapsed, applied / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--refresh", type=float, default=4.0)
    args = parser.parse_args(argv)
    keys = asyncio.run(key_latencies(20))
    worst = max(keys) * 1000
    print(f"key latency, source blocked: median {statistics.median(keys) * 1000:.1f} ms, "
          f"worst {worst:.1f} ms (target < 100 ms)")  # fmt: skip
    arrived, applied = asyncio.run(refresh_cap(args.seconds, args.refresh))
    print(f"refresh cap {args.refresh:g}/s: {arrived:.1f} snapshots/s arrived, "
          f"{applied:.2f} draws/s")  # fmt: skip
    ok = worst < 100 and applied <= args.refresh + 1 / args.seconds and applied >= args.refresh / 2
    print("OK" if ok else "MISSED A TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
