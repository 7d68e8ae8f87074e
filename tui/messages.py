"""Messages between the feed, the panes and the app: one immutable snapshot per poll."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from textual.message import Message

from analytics.types import Snapshot

if TYPE_CHECKING:  # data_sources pulls in pandas; importing this module must stay cheap
    from data_sources.model import MarketData

DrillKind = Literal["pair", "sector", "alert", "macro", "valuation", "cycle"]


class MarketUpdated(Message):
    """A poll produced a new snapshot; a newer one replaces one still waiting in the queue.

    ``market`` is the merged data the snapshot was computed from (drill-down screens read it).
    """

    def __init__(
        self, snapshot: Snapshot, *, source: str = "", market: MarketData | None = None
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.source = source
        self.market = market

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MarketUpdated)


class SourceFailed(Message):
    """A source could not deliver (raised, timed out or answered nonsense).

    ``error`` is one plain line, already stripped of control characters.
    """

    def __init__(self, source: str, error: str, *, next_retry: datetime | None = None) -> None:
        super().__init__()
        self.source = source
        self.error = error
        self.next_retry = next_retry

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SourceFailed) and message.source == self.source


class FeedChanged(Message):
    """The feed's own state changed (paused, resumed, a poll started or finished)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedChanged)


class DrillDownRequested(Message):
    """The user asked to open the drill-down screen of a pair, sector, alert or indicator."""

    def __init__(self, kind: DrillKind, key: str) -> None:
        super().__init__()
        self.kind: DrillKind = kind
        self.key = key
