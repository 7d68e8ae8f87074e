"""The screen's refresh cap (SPEC 10: at most ``rate`` updates a second), as a pure rule.

The app asks ``wait(now)`` when a snapshot arrives: 0 means draw it now, else arm one timer for
that many seconds (the newest snapshot then wins); ``applied(now)`` records a draw. ``now`` is
monotonic seconds, so tests drive it with a fake clock.
"""

from __future__ import annotations


class RefreshCap:
    """At most ``rate`` draws a second: one at once, then one per ``1 / rate`` window."""

    def __init__(self, rate: float) -> None:
        self.rate = max(0.1, float(rate))
        self._last: float | None = None

    @property
    def gap(self) -> float:
        """Seconds between two draws."""
        return 1.0 / self.rate

    def wait(self, now: float) -> float:
        """Seconds until a draw is allowed (0: now)."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.gap - now)

    def applied(self, now: float) -> None:
        """A draw happened at ``now``."""
        self._last = now
