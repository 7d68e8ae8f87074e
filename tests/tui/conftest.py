"""Shared pieces of the pilot tests: the demo market at a fixed moment, status-bar text."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from textual import events

from tests.support.waiting import until
from tui.app import RotmonApp
from widgets.status_bar import StatusBar

START = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
"""The demo's own start (Tuesday 24 November 2026, 10:30 in New York): the market is open."""


def demo_source(scenario: str = "rotation", seed: int = 7) -> Any:
    from data_sources.demo import DemoSource

    return DemoSource(seed=seed, scenario=scenario, start=START)


def demo_app(scenario: str = "rotation", **kwargs: Any) -> RotmonApp:
    """The dashboard on the demo market at START, polling once (deterministic)."""
    kwargs.setdefault("clock", lambda: START)
    kwargs.setdefault("live_polling", False)
    kwargs.setdefault("badge", "DEMO")
    return RotmonApp(demo_source(scenario), **kwargs)


def status_text(app: RotmonApp) -> str:
    return app.dashboard.query_one(StatusBar).plain


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    await until(predicate, timeout, poll=0.02)


async def settled(app: RotmonApp) -> None:
    """Wait for start-up work that is not under test (the NYSE calendar look-up in a thread),
    not for data: a source that never answers is what some of these tests are about.

    Building the calendar holds the GIL in pandas for a while; key latency is measured after it.
    """
    await wait_until(lambda: "the market state" not in app.settle_waits(), 10.0)
    # Earlier tests leave their objects to the collector; a full collection walking them in the
    # middle of a measurement would time the test session, not the app (which freezes its own
    # heap once its data is loaded; see tui.app._freeze_heap).
    gc.collect()
    gc.freeze()


async def key_latency(app: RotmonApp, key: str, done: Callable[[], bool]) -> float:
    """Seconds from a key event entering the app to ``done()`` becoming true.

    Pilot.press also waits for the whole process to look idle (20 ms sleeps, CPU of every
    thread counted), so it measures the test harness more than the app; this sends the key the
    way the driver does and polls for its effect.
    """
    assert app._driver is not None
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    t0 = time.perf_counter()
    app._driver.send_message(event)
    while not done():
        if time.perf_counter() - t0 > 5.0:
            raise AssertionError(f"key {key!r} had no effect within 5 s")
        await asyncio.sleep(0.001)
    return time.perf_counter() - t0


@pytest.fixture(autouse=True)
def _unfreeze_heap() -> Iterator[None]:
    """Each test starts with a normal collector, whatever the previous app froze."""
    yield
    gc.unfreeze()


@pytest.fixture
def make_demo_app() -> Callable[..., RotmonApp]:
    return demo_app
