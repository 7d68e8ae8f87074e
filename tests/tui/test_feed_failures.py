"""Sources that hang or raise never freeze the screen; failures reach the status bar, escaped."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import pandas as pd

from analytics.health import SourceHealth
from analytics.types import Snapshot
from data_sources.base import SourceError
from data_sources.model import MarketData
from tests.tui.conftest import START, key_latency, settled, status_text, wait_until
from tui.app import RotmonApp
from tui.messages import MarketUpdated


class _Base:
    kind = "live"

    def __init__(self) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        return None

    def status(self) -> tuple[SourceHealth, ...]:
        return ()

    async def aclose(self) -> None:
        return None


class BlockingSource(_Base):
    """A source that breaks the protocol: its fetch blocks its thread until ``release``."""

    name = "stuck"

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    async def fetch(self, now: datetime) -> MarketData:
        self.calls += 1
        self.release.wait(60)
        raise SourceError("woke up too late")


class SleepingSource(_Base):
    """A source that hangs politely (awaits for ever)."""

    name = "slow"

    async def fetch(self, now: datetime) -> MarketData:
        self.calls += 1
        await asyncio.sleep(30)
        raise AssertionError("unreachable: the feed times out first")


class RaisingSource(_Base):
    """A source that answers every poll with an error whose text is hostile."""

    name = "flaky"

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def fetch(self, now: datetime) -> MarketData:
        self.calls += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(0.01)
            raise self.error
        finally:
            self.active -= 1


def _app(source: object, **kwargs: object) -> RotmonApp:
    return RotmonApp(source, clock=lambda: START, **kwargs)  # type: ignore[arg-type]


async def test_blocking_fetch_keeps_keys_fast_and_reports_failure() -> None:
    # The keys' latency on the real clock is measured by bench/bench_responsive.py; here: every
    # key works while the fetch blocks its thread, and quitting does not wait for that fetch.
    source = BlockingSource()
    app = _app(source, poll_interval=2.0, fetch_timeout=0.4)  # the retry comes ~2 s later
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(lambda: source.calls == 1)
            await settled(app)
            for key, pane in (("2", 1), ("3", 2), ("4", 3), ("1", 0), ("tab", 1)):
                await key_latency(app, key, lambda p=pane: app.dashboard.active_pane == p)
            await wait_until(lambda: "failing" in status_text(app), 5.0)
            assert "stuck ✖ failing: no answer after 0.4s" in status_text(app)
            # While the first fetch still blocks its thread, no second fetch is queued behind it.
            await wait_until(lambda: "still waiting for the previous fetch" in status_text(app), 10)
            assert source.calls == 1
            await pilot.press("q")
        assert app.return_code == 0
        assert not source.release.is_set()  # the app is gone and the fetch still blocks
    finally:
        source.release.set()


async def test_hanging_fetch_times_out_and_is_retried() -> None:
    source = SleepingSource()
    app = _app(source, poll_interval=0.1, fetch_timeout=0.3)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(lambda: source.calls >= 2, 3.0)
        await settled(app)
        assert "slow ✖ failing: no answer after 0.3s" in status_text(app)
        await key_latency(app, "3", lambda: app.dashboard.active_pane == 2)
        await pilot.press("q")
    assert app.return_code == 0


async def test_raising_source_backs_off_never_overlaps_and_escapes_text() -> None:
    hostile = "HTTP 503 [bold red]boom[/] \x1b[2J\x07 <b>"
    source = RaisingSource(SourceError(hostile))
    app = _app(source, poll_interval=0.05)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(lambda: source.calls >= 3, 3.0)
        text = status_text(app)
        assert "flaky ✖ failing: HTTP 503 [bold red]boom[/]" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "retry" in text
        assert source.max_active == 1
        assert app.snapshot is None
        assert app.is_running
        await pilot.press("2")
        assert app.dashboard.active_pane == 1
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_bug_in_a_source_is_a_failing_source_not_a_dead_app() -> None:
    source = RaisingSource(ZeroDivisionError("division by zero"))
    app = _app(source, live_polling=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: "failing" in status_text(app), 3.0)
        assert "ZeroDivisionError: division by zero" in status_text(app)
        await pilot.press("r")
        await wait_until(lambda: source.calls == 2, 3.0)
        await pilot.press("q")
    assert app.return_code == 0


async def test_screen_updates_are_capped_at_the_refresh_rate() -> None:
    source = SleepingSource()
    app = _app(source, refresh=4.0, live_polling=False, fetch_timeout=60)
    empty = Snapshot(
        asof=datetime(2026, 3, 10, tzinfo=UTC),
        source="demo",
        spreads=(),
        heatmap=(),
        alerts=(),
        scores={},
        macro=(),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            app.post_message(MarketUpdated(empty, source="burst"))
            await asyncio.sleep(0.01)
        await pilot.pause(0.3)
        elapsed = time.monotonic() - t0
        # 4 per second at most: one at once, then one per 0.25 s window.
        assert 2 <= app.updates_applied <= 1 + int(elapsed * 4) + 1
        assert app.snapshot is empty
