"""The clock and the market's time zone, in one place: ``utc_now()`` and ``NY``.

Everything that reads the wall clock calls ``utc_now`` (so there is one thing to fake), and
everything that shows or computes New York market time uses ``NY``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
"""The exchange's time zone (NYSE / Nasdaq sessions, the dashboard's clock)."""


def utc_now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.now(UTC)
