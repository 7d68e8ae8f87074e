"""The screen refresh cap (--refresh N updates a second, default 4) holds when the feed brings
snapshots faster than that (SPEC 10: at most 4 updates a second by default)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.tui.conftest import START, settled, wait_until
from tui.app import RotmonApp


@pytest.mark.parametrize("refresh", [4.0])  # the default
async def test_snapshots_faster_than_the_cap_are_shown_at_most_refresh_times_a_second(
    refresh: float,
) -> None:
    from data_sources.demo import DemoSource

    # 600x demo clock polled every 20 ms: many new snapshots a second
    source = DemoSource(seed=7, scenario="rotation", speed=600.0, start=START)
    app = RotmonApp(source, live_polling=True, poll_interval=0.02, refresh=refresh)
    async with app.run_test(size=(80, 24)):
        await app.wait_for_snapshot()
        await settled(app)
        arrived, applied = app.feed.snapshots, app.updates_applied
        t0 = time.monotonic()
        await asyncio.sleep(1.5)
        elapsed = time.monotonic() - t0
        arrived, applied = app.feed.snapshots - arrived, app.updates_applied - applied
        assert arrived > refresh * elapsed * 1.5  # the feed really outpaces the cap
        assert applied <= refresh * elapsed + 1  # one may straddle the window's start
        assert applied >= refresh * elapsed * 0.5  # and the screen still follows
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof > START)
