"""A source that says when it has news (live streaming) is polled then, not an interval later."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

from tests.tui.conftest import START, demo_source, wait_until
from tui.app import RotmonApp


class WakingDemo:
    """The demo market plus ``wait_for_update``, the hook LiveSource offers (set by the test)."""

    name = "demo"
    kind = "demo"
    poll_interval = 60.0

    def __init__(self) -> None:
        self.inner = demo_source()
        self.wake = threading.Event()
        self.fetches = 0

    async def fetch(self, now: datetime) -> Any:
        self.fetches += 1
        return await self.inner.fetch(now)

    async def wait_for_update(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.wake.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        woke = self.wake.is_set()
        self.wake.clear()
        return woke

    async def bars(self, symbol: str) -> Any:
        return await self.inner.bars(symbol)

    def status(self) -> Any:
        return self.inner.status()

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_news_from_the_source_triggers_the_next_poll() -> None:
    source = WakingDemo()
    app = RotmonApp(source, clock=lambda: START, badge="DEMO")  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)):
        await wait_until(lambda: app.feed.snapshots >= 1, 20)
        await asyncio.sleep(1.5)
        assert source.fetches == 1  # nothing new: no poll before the 60 s interval
        source.wake.set()
        await wait_until(lambda: source.fetches == 2, 5)
        await wait_until(lambda: app.feed.snapshots >= 2, 5)
        app.feed.pause()
        source.wake.set()
        await asyncio.sleep(1.5)
        assert source.fetches == 2  # paused: news waits
