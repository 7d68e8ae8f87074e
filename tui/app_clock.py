"""RotmonApp's time: the header's New York clock, NYSE market state and badge, and a data
pack's as-of date stepped by trading days (``<`` ``>`` ``{`` ``}``).

The calendar look-up imports pandas and builds its sessions once, so it runs in a worker
thread, at most every ``MARKET_STATE_EVERY`` seconds; the timer body only sets text.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from analytics.text import inert
from data_sources.capabilities import SourceCaps, Steppable, source_caps
from data_sources.clock import NY

if TYPE_CHECKING:
    from textual.app import App

    from analytics.types import Snapshot
    from data_sources.base import DataSource
    from tui.feed import Feed
    from tui.screens.dashboard import DashboardScreen

    _AppBase = App[int]
else:
    _AppBase = object

log = logging.getLogger(__name__)

MARKET_STATE_EVERY = 30.0
"""Seconds between NYSE calendar look-ups for the header (the state changes a few times a day)."""


def _market_state(now: datetime) -> str | None:
    """pre/open/post/closed from the NYSE calendar; None if the calendar cannot answer.

    Called in a worker thread: the calendar imports pandas and builds its sessions once.
    """
    try:
        from data_sources.market_calendar import market_state

        return str(market_state(now))
    except Exception as exc:  # the header shows no state rather than the app dying
        log.debug("market state unavailable: %s", exc)
        return None


class MarketClock(_AppBase):
    """RotmonApp's header clock, market state, badge and as-of steps (a mixin of the app)."""

    if TYPE_CHECKING:  # given by RotmonApp
        snapshot: Snapshot | None
        badge: str | None
        feed: Feed

        @property
        def dashboard(self) -> DashboardScreen: ...
        @property
        def source(self) -> DataSource | None: ...
        def now(self) -> datetime: ...
        def _show_status(self) -> None: ...

    def _init_market_clock(self) -> None:
        self._caps: SourceCaps | None = None
        self._market_state: str | None = None
        self._market_state_at: float | None = None
        """When the market state was last asked for (monotonic); None: ask at the next tick."""

    def _tick(self) -> None:
        """The header clock and the status bar, now."""
        self._tick_clock()
        self._show_status()

    def _tick_clock(self) -> None:
        # Timer body: only reads state and sets text; the calendar look-up runs in a thread.
        try:
            dashboard = self.dashboard
        except LookupError:
            return
        now = self.now()
        due = self._market_state_at is None or (
            time.monotonic() - self._market_state_at >= MARKET_STATE_EVERY
        )
        if due:
            self._market_state_at = time.monotonic()
            self.run_worker(
                lambda: self._look_up_market_state(now),
                name="market-state",
                group="market-state",
                thread=True,
                exclusive=True,
                exit_on_error=False,
            )
        if self.pack_mode:  # a pack is history: its as-of is in the badge, no live clock
            dashboard.show_clock(None, None, self._badge_text())
        else:
            dashboard.show_clock(now.astimezone(NY), self._market_state, self._badge_text())

    def _look_up_market_state(self, now: datetime) -> None:
        state = _market_state(now)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._set_market_state, state)

    def _set_market_state(self, state: str | None) -> None:
        self._market_state = state
        if self.pack_mode:
            return
        try:
            self.dashboard.show_clock(self.now().astimezone(NY), state, self._badge_text())
        except LookupError:
            return

    @property
    def pack_mode(self) -> bool:
        """True on a data pack: history at an as-of date, not a live market."""
        if self.snapshot is not None:
            return self.snapshot.source == "pack"
        return self.badge is not None and self.badge.upper().startswith("PACK")

    def _badge_text(self) -> str | None:
        if self.badge is None:
            return None
        caps = self.source_caps()
        if caps.own_badge is not None:  # a desk terminal: DESK stale 47s
            return str(caps.own_badge.badge_text())
        asof = caps.asof.asof if caps.asof is not None else None
        if self.badge.upper().startswith("PACK") and asof is not None and "asof" not in self.badge:
            day = asof.date() if isinstance(asof, datetime) else asof
            return f"PACK asof {day}"
        return self.badge

    def source_caps(self) -> SourceCaps:
        """The first source's capabilities, checked again only when the source changes."""
        source = self.source
        caps = self._caps
        if caps is None or caps.source is not source:
            caps = self._caps = source_caps(source)
        return caps

    @property
    def can_step_asof(self) -> bool:
        return self.source_caps().steppable

    async def action_step_asof(self, days: int) -> None:
        """Move a pack's as-of date by ``days`` trading days: the source steps on its own loop
        (never while it is reading on it), then the feed polls it."""
        source = self.source
        if not isinstance(source, Steppable):
            self.notify("Only a data pack can step its as-of date", timeout=3)
            return
        try:
            await self.feed.call(0, source.step, days)
        except Exception as exc:  # a bad step is the source's message, not a crash
            self.notify(inert(str(exc), 200), severity="warning", timeout=4, markup=False)
            return
        self._tick()
        self.feed.refresh_now()
        self.feed.prefetch(0, days)  # the next step the same way, made while the user looks
