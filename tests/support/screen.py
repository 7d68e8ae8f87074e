"""Pilot tests wait for what the app does on its own: its settled view, the messages it gets.

The app carries no test hooks: these listen the way any consumer does (``settled_listeners``,
the ``message_hook`` of ``App.run_test``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

from tui.screenshots import on_screen

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from analytics.types import Snapshot
    from tui.app import RotmonApp

M = TypeVar("M", bound=Message)


async def snapshot_on_screen(app: RotmonApp, timeout: float = 30.0) -> Snapshot:
    """The snapshot on screen once the app's view has settled (``RotmonApp.is_settled``).

    AssertionError after ``timeout`` seconds, saying what the feed knows of each source.
    """
    try:
        return await on_screen(app, timeout)
    except TimeoutError as exc:
        sources = "; ".join(
            f"{s.name}: {s.state}" + (f" ({s.error})" if s.error else "") for s in app.feed.states()
        )
        waiting = ", ".join(app.settle_waits()) or "nothing"
        raise AssertionError(f"{exc}; waiting for {waiting}; {sources}") from None


class Received(Generic[M]):
    """A ``message_hook`` for ``App.run_test`` that keeps each message of one type once
    (a bubbling message arrives at every node on its way up).

    ``drills = Received(DrillDownRequested)``, ``app.run_test(message_hook=drills)``.
    """

    def __init__(self, kind: type[M]) -> None:
        self.kind = kind
        self.messages: list[M] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, self.kind) and not any(m is message for m in self.messages):
            self.messages.append(message)

    def __iter__(self) -> Iterator[M]:
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)


async def charts_drawn(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """Wait until no chart of the screen shown still draws its picture (``needs_drawing``: a
    chart draws a frame after the paint that first shows it), for apps without the settled view
    of ``RotmonApp`` (a bare host app pushing one screen)."""
    from widgets.chart import LineChart

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await pilot.pause()
    while any(chart.needs_drawing for chart in pilot.app.screen.query(LineChart)):
        if loop.time() > deadline:
            raise AssertionError(f"a chart still drawing after {timeout:g}s")
        await pilot.pause()
