"""What a source can do beyond ``DataSource``: one runtime-checkable protocol per capability.

The app asks ``isinstance(source, Steppable)`` (never ``getattr``) and the feed runs every
call that changes a source or waits on it (``set_hot``, ``step``, ``details``,
``wait_for_update``, ``bars``) on the source's own loop thread (``Feed.call`` / ``Feed.run_on``).
The read-only members (``asof``, ``badge_text``, ``clock``, ``pack``, ``poll_interval``) are
plain attribute reads and may be read from the UI thread.

No pandas here: the app checks capabilities before its first paint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from analytics.health import SourceHealth


@runtime_checkable
class HotSymbols(Protocol):
    """A source that refreshes the symbols on screen faster (live Yahoo)."""

    def set_hot(self, symbols: Iterable[str]) -> None: ...


@runtime_checkable
class Details(Protocol):
    """A source that fetches a symbol's details (P/E, 52-week range) on demand."""

    async def details(self, symbol: str) -> Any: ...


@runtime_checkable
class Waitable(Protocol):
    """A source that says when it has news (a tick, a finished download, a desk update)."""

    async def wait_for_update(self, timeout: float) -> bool: ...


@runtime_checkable
class Steppable(Protocol):
    """A source whose as-of date the user steps through by trading days (a data pack)."""

    def step(self, days: int) -> object: ...


@runtime_checkable
class Prefetching(Protocol):
    """A steppable source that makes the market of a step before it is taken (a data pack):
    ``prefetch(days)`` returns what ``fetch`` will return after ``step(days)`` (the same
    object), or None when that step would not move."""

    def prefetch(self, days: int) -> Any: ...


@runtime_checkable
class AsOf(Protocol):
    """A source that shows the market as of a date, not now (a data pack)."""

    @property
    def asof(self) -> date: ...


@runtime_checkable
class PackBacked(Protocol):
    """A source read from a data pack (``pack check`` can report on it)."""

    @property
    def pack(self) -> Any: ...

    @property
    def asof(self) -> date: ...


@runtime_checkable
class OwnBadge(Protocol):
    """A source that words the header's badge itself (a desk terminal: ``DESK stale 47s``)."""

    def badge_text(self) -> str: ...


@runtime_checkable
class SourceClock(Protocol):
    """A clock object (the demo's accelerated clock)."""

    def now(self) -> datetime: ...


@runtime_checkable
class Clocked(Protocol):
    """A source with its own clock; the app runs on it when it is a ``SourceClock``."""

    clock: Any


@runtime_checkable
class OwnInterval(Protocol):
    """A source that sets its own poll interval (seconds)."""

    poll_interval: float


@runtime_checkable
class OwnBackoff(Protocol):
    """A source that caps the feed's backoff after failures (seconds; a desk terminal)."""

    max_backoff: float


@runtime_checkable
class Diagnosable(Protocol):
    """A source with per-endpoint request health for the diagnostics screen (live)."""

    def diagnostics(self, now: datetime | None = None) -> Sequence[SourceHealth]: ...


@runtime_checkable
class Progressing(Protocol):
    """A source factory that says how far it is while it builds (``PackLoader``)."""

    progress: str | None


@runtime_checkable
class Precomputed(Protocol):
    """Market data that comes with its snapshot already computed (a desk collector's)."""

    snapshot: Any


def positive_seconds(value: object) -> float | None:
    """``value`` as a positive number of seconds, or None (a source's own setting)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


class SourceCaps(NamedTuple):
    """What the app's clock tick asks of its source, checked once per source object: Python
    walks a runtime-checkable protocol's members on every ``isinstance`` (~20 us) and the tick
    asked five times a second. A source's capabilities are its class's methods and what its
    constructor sets (``clock`` included), so they do not change for the same object."""

    source: object
    clock: SourceClock | None
    """``source.clock`` when the source is ``Clocked`` with a ``SourceClock``."""
    own_badge: OwnBadge | None
    asof: AsOf | None
    steppable: bool


def source_caps(source: object) -> SourceCaps:
    clock = source.clock if isinstance(source, Clocked) else None
    return SourceCaps(
        source,
        clock if isinstance(clock, SourceClock) else None,
        source if isinstance(source, OwnBadge) else None,
        source if isinstance(source, AsOf) else None,
        isinstance(source, Steppable),
    )
