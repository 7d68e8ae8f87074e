"""A source that says when it has news (live streaming) is polled then, not an interval later."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

from tests.support.screen import Received
from tests.tui.conftest import START, demo_source, wait_until
from tui.app import RotmonApp
from tui.messages import MarketUpdated


class WakingDemo:
    """The demo market plus ``wait_for_update``, the hook LiveSource offers (set by the test)."""

    name = "demo"
    kind = "demo"
    poll_interval = 60.0

    def __init__(self) -> None:
        self.inner = demo_source()
        self.wake = threading.Event()
        self.fetches = 0
        self.waits = 0
        """How many times the feed has called ``wait_for_update``."""
        self.waiting = 0
        """How many of those calls are still waiting (0 once the feed cancelled them)."""

    async def fetch(self, now: datetime) -> Any:
        self.fetches += 1
        return await self.inner.fetch(now)

    async def wait_for_update(self, timeout: float) -> bool:
        self.waits += 1
        self.waiting += 1
        try:
            deadline = time.monotonic() + timeout
            while not self.wake.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            woke = self.wake.is_set()
            self.wake.clear()
            return woke
        finally:
            self.waiting -= 1

    async def bars(self, symbol: str) -> Any:
        return await self.inner.bars(symbol)

    def status(self) -> Any:
        return self.inner.status()

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_news_from_the_source_triggers_the_next_poll() -> None:
    source = WakingDemo()
    app = RotmonApp(source, clock=lambda: START, badge="DEMO")  # type: ignore[arg-type]
    updates = Received(MarketUpdated)
    async with app.run_test(size=(120, 40), message_hook=updates) as pilot:
        await wait_until(lambda: len(updates) >= 1, 20)
        # After a poll the feed waits for news (no timer polls before the 60 s interval).
        await wait_until(lambda: source.waiting == 1, 5)
        assert source.fetches == 1
        source.wake.set()
        await wait_until(lambda: source.fetches == 2, 5)
        await wait_until(lambda: len(updates) >= 2, 5)
        await wait_until(lambda: source.waits == 2, 5)
        app.feed.pause()
        await wait_until(lambda: source.waiting == 0, 5)  # paused: nobody waits for news
        assert app.feed.states()[0].next_in_s is None  # and no timer is armed
        source.wake.set()
        await pilot.pause()
        assert source.wake.is_set() and source.fetches == 2  # the news waits for a resume
