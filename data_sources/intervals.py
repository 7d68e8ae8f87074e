"""How often the live sources ask the network: one frozen value the config's ``[poll]`` fills in.

Kept apart from ``polling`` (which pulls in pandas through the model) so that reading the
config never pays for pandas.
"""

from __future__ import annotations

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
