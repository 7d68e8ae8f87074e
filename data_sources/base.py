"""The one protocol that the demo, pack and live sources implement."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

import pandas as pd

from analytics.health import SourceHealth
from data_sources.model import MarketData, SourceKind


class SourceError(Exception):
    """A source could not deliver; the message is one plain line naming what and why."""


@runtime_checkable
class DataSource(Protocol):
    """An async source of market data.

    ``fetch`` returns what the source knows at ``now`` (for demo the demo clock, for a pack the
    as-of date, for live the wall clock); it raises ``SourceError`` on failure and never blocks
    the event loop (blocking clients run in a thread). ``status`` reports health without I/O.
    """

    name: str
    kind: SourceKind

    async def fetch(self, now: datetime) -> MarketData: ...

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Daily OHLCV bars for one symbol (the symbol screen), or None when unknown."""
        ...

    def status(self) -> tuple[SourceHealth, ...]: ...

    async def aclose(self) -> None: ...
