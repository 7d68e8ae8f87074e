"""Awaiting with a time limit without losing a cancellation.

On Python 3.11, ``asyncio.wait_for`` swallows a cancellation that arrives just as the awaited
thing finishes (cpython gh-86296, fixed in 3.12 by building ``wait_for`` on ``asyncio.timeout``):
a loop awaiting it (``rotmon record`` waiting for the next update, the collector's lease loop)
could miss Ctrl+C or a stop and run on. :func:`within` is ``wait_for`` built on
``asyncio.timeout``, as 3.12 does, on every version rotmon supports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["within"]


async def within(awaitable: Awaitable[T], seconds: float | None) -> T:
    """``await awaitable``, raising ``TimeoutError`` after ``seconds`` (None: no limit); a
    cancellation of the caller is never lost."""
    async with asyncio.timeout(seconds):
        return await awaitable
