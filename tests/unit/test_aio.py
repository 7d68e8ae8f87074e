"""data_sources.aio.within: a time limit that never loses the caller's cancellation."""

from __future__ import annotations

import asyncio
import sys

import pytest

from data_sources.aio import within


async def _loop_until_cancelled(wait: object, event: asyncio.Event, woken: list[int]) -> None:
    while True:
        await wait(event.wait(), 10.0)  # type: ignore[operator]
        event.clear()
        woken.append(1)


async def _cancel_as_it_finishes(wait: object) -> bool:
    """Set the event and cancel the waiting loop in the same step; True when the loop stopped."""
    event, woken = asyncio.Event(), []
    task = asyncio.create_task(_loop_until_cancelled(wait, event, woken))
    await asyncio.sleep(0)
    event.set()
    task.cancel()
    await asyncio.sleep(0.05)
    stopped = task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return stopped


async def test_a_cancel_that_arrives_as_the_wait_ends_stops_the_loop() -> None:
    assert await _cancel_as_it_finishes(within)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12's wait_for is built on timeout")
async def test_python_3_11_wait_for_loses_it() -> None:
    # why within exists: the same loop on asyncio.wait_for runs on after its cancel
    assert not await _cancel_as_it_finishes(asyncio.wait_for)


async def test_times_out_and_returns() -> None:
    with pytest.raises(TimeoutError):
        await within(asyncio.sleep(1), 0.01)
    assert await within(asyncio.sleep(0, "x"), 1) == "x"
    assert await within(asyncio.sleep(0, "y"), None) == "y"
