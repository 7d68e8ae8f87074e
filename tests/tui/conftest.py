"""Shared pieces of the pilot tests: the demo market at a fixed moment, status-bar text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tui.app import RotmonApp
from widgets.status_bar import StatusBar

START = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
"""Tuesday 10 March 2026, 11:30 in New York: the market is open."""


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
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


@pytest.fixture
def make_demo_app() -> Callable[..., RotmonApp]:
    return demo_app
