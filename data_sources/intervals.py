"""How often sources are asked, when a source is stale, and how failures back off: one rule each.

``PollIntervals`` is the frozen value the config's ``[poll]`` fills in; ``is_stale`` is the one
staleness rule (older than ``STALE_FACTOR`` times the expected interval, SPEC 8) and ``Backoff``
the one retry policy, for the live sources, the feed and the desk alike.

Kept apart from ``polling`` (which pulls in pandas through the model) so that reading the
config never pays for pandas.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class PollIntervals:
    """Seconds between requests of each live source, and the longest retry wait (SPEC 8)."""

    quotes_open: float = 15.0
    """Quotes of the symbols on screen while the regular session is open (no live stream)."""
    quotes_closed: float = 300.0
    """Quotes otherwise: the market is closed, the stream delivers, or the symbol is off screen."""
    fred: float = 6 * 3600.0
    holdings: float = 24 * 3600.0
    backoff_max: float = 600.0
    """Retries of a failing source back off exponentially up to this."""

    def quotes(self, market_open: bool) -> timedelta:
        """The quote interval while the market is open or not."""
        return timedelta(seconds=self.quotes_open if market_open else self.quotes_closed)


DEFAULT_INTERVALS = PollIntervals()


MAX_BACKOFF_S = DEFAULT_INTERVALS.backoff_max
"""SPEC 8: retries back off up to 10 minutes (``[poll] backoff_max``)."""
MAX_RETRY_AFTER_S = 3600.0
"""A server's Retry-After is honoured up to an hour; longer values are treated as an hour."""

STALE_FACTOR = 3.0
"""A value is stale when older than three times its expected interval (SPEC 8)."""


def is_stale(age_s: float, interval_s: float, factor: float = STALE_FACTOR) -> bool:
    """The one staleness rule: older than ``factor`` times the expected interval (seconds)."""
    return age_s > factor * interval_s


class Backoff:
    """Exponential backoff with "equal jitter": the n-th consecutive failure waits between half
    and all of ``min(cap, base * factor**(n-1))`` seconds, and never less than a Retry-After."""

    def __init__(
        self,
        base: float = 5.0,
        cap: float = MAX_BACKOFF_S,
        factor: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if base <= 0 or cap < base or factor < 1:
            raise ValueError("Backoff needs 0 < base <= cap and factor >= 1")
        self.base = base
        self.cap = cap
        self.factor = factor
        self.rng = rng if rng is not None else random.Random()
        self.failures = 0

    @classmethod
    def capped(cls, base: float, cap: float, rng: random.Random | None = None) -> Backoff:
        """A backoff that starts at ``base`` and never waits longer than ``cap`` (a ceiling
        below the base lowers the base too)."""
        return cls(base=min(base, cap), cap=cap, rng=rng)

    def ceiling(self, failures: int) -> float:
        """The upper bound of the wait after ``failures`` consecutive failures."""
        if failures <= 0:
            return 0.0
        # Cap the exponent so that a long outage never overflows a float.
        return min(self.cap, self.base * self.factor ** min(failures - 1, 64))

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` consecutive failures: half to all of the ceiling."""
        top = self.ceiling(failures)
        return top / 2 + self.rng.uniform(0.0, top / 2)

    def failure(self, retry_after: float | None = None) -> float:
        """Record one more failure and return the seconds to wait before the next attempt."""
        self.failures += 1
        delay = self.delay(self.failures)
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, MAX_RETRY_AFTER_S)
        return delay

    def reset(self) -> None:
        self.failures = 0
