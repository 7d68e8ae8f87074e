"""RotmonApp: the dashboard screen, the feed, app-wide keys, themes and the command palette."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import Monochrome, NoColor
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from analytics.text import inert
from analytics.types import Snapshot, SourceRow
from data_sources.capabilities import AsOf, Clocked, OwnBadge, PackBacked, SourceClock, Steppable
from data_sources.clock import NY, utc_now
from tui.commands import RotmonCommands, key_entries, status_hints
from tui.feed import Compute, Feed, PollState, SourceFactory, default_compute
from tui.messages import DrillDownRequested, FeedChanged, MarketUpdated, SourceFailed
from tui.refreshcap import RefreshCap
from tui.screens.dashboard import ALERTS_GROUP, DashboardScreen
from tui.screens.help import HelpScreen
from tui.snapcache import read_cached, write_cached
from tui.state import UiState
from tui.themes import DARK, THEMES, VARIABLE_DEFAULTS, next_theme
from widgets.alert_list import RiskPane
from widgets.heatmap import SectorHeatmap
from widgets.macro_panel import MacroTable
from widgets.spread_table import SpreadTable
from widgets.status_bar import SourceLine
from widgets.thesis import ThesisBar

if TYPE_CHECKING:  # data_sources pulls in pandas; the first paint must not wait for it
    from data_sources.alert_writer import Saved
    from data_sources.base import DataSource
    from data_sources.model import MarketData
    from tui.alerts import AlertDesk

log = logging.getLogger(__name__)

APP_GROUP = Binding.Group("App")
TIME_GROUP = Binding.Group("Time travel")

CACHE_EVERY = 60.0
"""Seconds between writes of the snapshot cache (it only has to be recent, not current)."""
MARKET_STATE_EVERY = 30.0
"""Seconds between NYSE calendar look-ups for the header (the state changes a few times a day)."""

DrillFactory = Callable[["RotmonApp", str], Screen[Any]]
AlertOp = tuple[Any, ...]
"""("follow", snapshot) | ("ack", rule, now) | ("mute", rule, now)"""


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


class RotmonApp(App[int]):
    """The live dashboard over one or more DataSources.

    ``source`` is a DataSource, a zero-argument factory of one (built on the source's own
    thread, so its imports and set-up never delay the first paint), or a sequence of either.
    ``clock`` gives "now" (default: the source's own clock, else the wall clock);
    ``live_polling=False`` polls once and never re-arms and stops the ticking clock, which with
    a fixed clock makes the screen deterministic (tests, screenshots). ``snapshot_cache`` is a
    JSON file painted at start-up and rewritten while running (SPEC 8: paint from the cache).
    """

    TITLE = "rotmon"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {RotmonCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_now", "Refresh", group=APP_GROUP, id="feed.refresh"),
        Binding("p", "toggle_pause", "Pause / resume", group=APP_GROUP, id="feed.pause"),
        Binding("t", "cycle_theme", "Theme", show=False, group=APP_GROUP, id="app.theme"),
        Binding("question_mark", "help", "Help", group=APP_GROUP, id="app.help"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Command palette",
            show=False,
            group=APP_GROUP,
            priority=True,
            id="app.palette",
        ),
        Binding("escape,backspace", "back", "Back", show=False, group=APP_GROUP, id="app.back"),
        Binding("q", "quit_app", "Quit", group=APP_GROUP, id="app.quit"),
        Binding(
            "A",
            "acknowledge_all",
            "Acknowledge every alert",
            show=False,
            group=ALERTS_GROUP,
            id="alert.ack_all",
        ),
        Binding(
            "D", "diagnostics", "Diagnostics", show=False, group=APP_GROUP, id="app.diagnostics"
        ),
        Binding("colon", "jump", "Jump to a symbol", show=False, group=APP_GROUP, id="app.jump"),
        Binding(
            "H",
            "alert_history",
            "Alert history",
            show=False,
            group=ALERTS_GROUP,
            id="alert.history",
        ),
        Binding(
            "less_than_sign",
            "step_asof(-1)",
            "As-of −1 trading day",
            show=False,
            group=TIME_GROUP,
            id="asof.previous_day",
        ),
        Binding(
            "greater_than_sign",
            "step_asof(1)",
            "As-of +1 trading day",
            show=False,
            group=TIME_GROUP,
            id="asof.next_day",
        ),
        Binding(
            "left_curly_bracket",
            "step_asof(-5)",
            "As-of −1 week",
            show=False,
            group=TIME_GROUP,
            id="asof.previous_week",
        ),
        Binding(
            "right_curly_bracket",
            "step_asof(5)",
            "As-of +1 week",
            show=False,
            group=TIME_GROUP,
            id="asof.next_week",
        ),
    ]

    def __init__(
        self,
        source: DataSource | SourceFactory | Sequence[DataSource | SourceFactory],
        *,
        clock: Callable[[], datetime] | None = None,
        refresh: float = 4.0,
        poll_interval: float | None = None,
        badge: str | None = None,
        ansi: bool = False,
        no_color: bool = False,
        theme: str | None = None,
        keymap: Mapping[str, str] | None = None,
        live_polling: bool = True,
        compute: Compute | None = None,
        fetch_timeout: float = 20.0,
        export_dir: Path | None = None,
        drill_screens: Mapping[str, DrillFactory] | None = None,
        snapshot_cache: Path | None = None,
        alerts: Callable[[], AlertDesk] | None = None,
        max_backoff: float = 600.0,
        animations: Literal["none", "basic", "full"] = "none",
    ) -> None:
        super().__init__(ansi_color=True if ansi else None)
        sources = tuple(source) if isinstance(source, Sequence) else (source,)
        if not sources:
            raise ValueError("RotmonApp needs at least one data source")
        self._clock = clock
        self.snapshot_cache = snapshot_cache
        self.refresh_rate = max(0.1, float(refresh))
        self.badge = badge
        self.ansi = ansi
        self.live_polling = live_polling
        self.export_dir = export_dir
        self.export_bom = False
        """CSV exports start with a UTF-8 BOM (``[export] bom``; set by ``build_app``)."""
        self.drill_screens: dict[str, DrillFactory] = dict(drill_screens or {})
        """kind ("pair", "sector", "alert", "macro") -> screen factory; later screens register."""
        self.snapshot: Snapshot | None = None
        """The snapshot on screen (None until the first poll lands)."""
        self.market: MarketData | None = None
        """The merged market data the snapshot on screen was computed from (drill-downs)."""
        self.snapshot_listeners: list[Callable[[Snapshot, MarketData | None], None]] = []
        """Called after each snapshot reaches the screen (drill-down contexts, alert books)."""
        self.settled_listeners: list[Callable[[Snapshot], None]] = []
        """Called when work ends with the view settled (``is_settled``; maybe more than once
        for one view): ``rotmon screenshots`` waits for it."""
        self.acked: set[str] = set()
        self.muted: set[str] = set()
        self._alerts_factory = alerts
        self._problems_shown: tuple[str, ...] = ()
        self.alerts: AlertDesk | None = None
        """The durable alert book (opened with the first real snapshot); None without a store."""
        self._alert_ops: deque[AlertOp] = deque()
        """Alert-log work in the order asked for: snapshots to follow (the newest replaces a
        waiting one), acknowledgements and mutes. One worker runs them, one at a time."""
        self._alerts_running = False
        self._alerts_paint_pending = False
        self._alerts_opening = False
        self._alert_log_warned = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.remembered = UiState()
        """The view remembered from the last run (``tui.remember``; empty with ``--fresh``)."""
        self.quit_listeners: list[Callable[[], None]] = []
        """Called when the user quits, before the screens go (the remembered view)."""
        self.updates_applied = 0
        self._pending: Snapshot | None = None
        self._pending_market: MarketData | None = None
        self._apply_timer_armed = False
        self._cap = RefreshCap(self.refresh_rate)
        self._failures: dict[str, str] = {}
        self._cached_view = False
        self._heap_frozen = False
        self._last_cache_write = 0.0
        self._market_state: str | None = None
        self._market_state_at: float | None = None

        for t in THEMES:
            self.register_theme(t)
        if theme and theme not in self.available_themes:
            raise ValueError(
                f"unknown theme {theme!r}: expected one of {sorted(self.available_themes)}"
            )
        self.theme = theme or ("rotmon-ansi-dark" if ansi else DARK.name)
        if no_color and not self.no_color:
            # Textual reads NO_COLOR itself; --no-color gets the same filter.
            self.no_color = True
            self._filters.append(NoColor() if self.native_ansi_color else Monochrome())
        self.animation_level = animations  # the config's (TEXTUAL_ANIMATIONS); none over SSH
        if keymap:
            self.set_keymap(dict(keymap))

        self.feed = Feed(
            self,
            sources,
            clock=self.now,
            interval=poll_interval,
            compute=compute or default_compute,
            live=live_polling,
            timeout=fetch_timeout,
            max_backoff=max_backoff,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def now(self) -> datetime:
        """The clock the app runs on: the given one, else the source's, else the wall clock."""
        if self._clock is not None:
            return self._clock()
        source = self.feed.source(0)
        if isinstance(source, Clocked) and isinstance(source.clock, SourceClock):
            return source.clock.now()
        return utc_now()

    @property
    def source(self) -> DataSource | None:
        """The first (usually only) source, once built."""
        return self.feed.source(0)

    async def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        if not self.is_headless:
            # SIGTERM and SIGHUP (a dropped SSH link) end the app the normal way, so the store
            # is closed and the terminal restored.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, partial(self._exit_on_signal, sig))
            _resume_only_on_a_live_terminal(self)
        await self.push_screen(DashboardScreen())
        if self.snapshot_cache is not None:
            cached = read_cached(self.snapshot_cache)
            if cached is not None:
                self._cached_view = True
                self._pending = cached
                self._apply_pending()
        self.call_after_refresh(self._started)

    def _exit_on_signal(self, sig: int) -> None:
        if not _terminal_alive(self):
            _silence_output(self)  # the link is gone: restoring the terminal has no reader
        self.exit(return_code=128 + sig)

    def _started(self) -> None:
        self.feed.start()
        self._tick()
        if self.live_polling:
            self.set_interval(1.0, self._tick, name="clock")

    async def on_unmount(self) -> None:
        await self.feed.stop()
        if self.alerts is not None:
            # The writer finishes what it was given and tries its queue once more; what is
            # still queued stays in the queue file for the next start.
            lost = await asyncio.to_thread(self.alerts.close)
            if lost:
                log.error("alert log: %d transitions could not be saved", lost)
        if self._heap_frozen:
            gc.unfreeze()  # hand the objects back to the collector (tests run many apps)

    @property
    def dashboard(self) -> DashboardScreen:
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        raise LookupError("the dashboard screen is not mounted")

    # -- snapshots -------------------------------------------------------------------------

    def on_market_updated(self, message: MarketUpdated) -> None:
        if self.updates_applied == 0 or self._cached_view:
            # The first real data: a factory-built source may bring its own clock (demo time),
            # so the market state looked up on the wall clock is redone now.
            self._market_state_at = None
            self.call_later(self._tick)
        self._pending = message.snapshot
        self._pending_market = message.market
        self._cached_view = False
        self._failures.pop(message.source, None)
        self._schedule_apply()
        self._maybe_write_cache(message.snapshot)

    def _maybe_write_cache(self, snapshot: Snapshot) -> None:
        path = self.snapshot_cache
        if path is None or time.monotonic() - self._last_cache_write < CACHE_EVERY:
            return
        self._last_cache_write = time.monotonic()
        self.run_worker(
            lambda: _write_cache_quietly(snapshot, path),
            name="snapshot-cache",
            group="snapshot-cache",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _schedule_apply(self) -> None:
        if self._apply_timer_armed:
            return
        wait = self._cap.wait(time.monotonic())
        if wait <= 0:
            self._apply_pending()
        else:
            self._apply_timer_armed = True
            self.set_timer(wait, self._apply_pending, name="apply-snapshot")

    def _apply_pending(self) -> None:
        self._apply_timer_armed = False
        snapshot, self._pending = self._pending, None
        if snapshot is None:
            return
        self._cap.applied(time.monotonic())
        self.snapshot = snapshot
        if self._pending_market is not None:
            self.market, self._pending_market = self._pending_market, None
        self.updates_applied += 1
        if not self._cached_view:
            self._follow_alerts(snapshot)
            self._announce_problems(snapshot.problems)
        self._render(snapshot)
        self._check_settled()

    def _render(self, snapshot: Snapshot, *, listeners: bool = True) -> None:
        try:
            dashboard = self.dashboard
        except LookupError:
            return
        shown = snapshot
        if not self._cached_view and self.has_alert_log:
            # Log before show: the alert list is the desk's book, which holds only
            # transitions that are logged or durably queued (never the raw evaluation).
            # A rule without data is shown as unknown (the risk pane lists it), not as the
            # alert the book still holds for it.
            book = (
                ()
                if self.alerts is None
                else tuple(
                    e.alert for e in self.alerts.active() if e.alert.rule not in snapshot.unknown
                )
            )
            shown = replace(snapshot, alerts=book)
        with self.batch_update():
            dashboard.show_snapshot(shown, acked=self.acked, muted=self.muted)
            self._show_status()
        if not listeners:
            return
        for listener in list(self.snapshot_listeners):
            try:
                listener(snapshot, self.market)
            except Exception:  # one broken consumer must not take the dashboard down
                log.exception("snapshot listener %r failed", listener)
        if not self._heap_frozen and not self._cached_view:
            self._heap_frozen = True
            self.call_after_refresh(_freeze_heap)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (the screens' too) is inert: a message may quote a name, a path or an
        error from outside. Callers still pass ``markup=False`` for such text."""
        super().notify(
            inert(message, keep_newlines=True),
            title=inert(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _announce_problems(self, problems: tuple[str, ...]) -> None:
        """A toast when what the data lacks changes (the status bar keeps showing it)."""
        if problems == self._problems_shown:
            return
        new = [p for p in problems if p not in self._problems_shown]
        self._problems_shown = problems
        if new:
            more = f"\n… and {len(new) - 3} more" if len(new) > 3 else ""
            text = "\n".join(inert(p, 160) for p in new[:3]) + more
            self.notify(text, title="Data", severity="warning", timeout=10, markup=False)

    @property
    def has_alert_log(self) -> bool:
        """True when alerts go through a durable log (open, being opened, or to be opened)."""
        return self.alerts is not None or self._alerts_factory is not None or self._alerts_opening

    def _follow_alerts(self, snapshot: Snapshot) -> None:
        """Queue the snapshot for the alert log; its transitions are shown and announced once
        they are durable (a notification each, the bell for a new unmuted critical)."""
        if not self.has_alert_log:
            return
        if self._alert_ops and self._alert_ops[-1][0] == "follow":
            self._alert_ops[-1] = ("follow", snapshot)  # only the newest evaluation counts
        else:
            self._alert_ops.append(("follow", snapshot))
        self._run_alert_ops()

    def _run_alert_ops(self) -> None:
        if self._alerts_running:
            return
        self._alerts_running = True
        self.run_worker(
            self._alert_ops_loop(), name="alert-log", group="alert-log", exit_on_error=False
        )

    async def _alert_ops_loop(self) -> None:
        try:
            desk = await self._open_alerts()
            while self._alert_ops:
                op = self._alert_ops.popleft()
                try:
                    await self._run_alert_op(desk, op)
                except Exception as exc:  # the dashboard outlives any alert-log failure
                    log.exception("alert log: %s failed", op[0])
                    self.notify(
                        f"Alert log: {inert(str(exc), 200)}", severity="error", markup=False
                    )
        finally:
            self._alerts_running = False
            self._check_settled()

    async def _run_alert_op(self, desk: AlertDesk | None, op: AlertOp) -> None:
        if op[0] == "follow":
            if desk is None:
                self._reshow_alerts()
                return
            outcome = await _settled(desk.follow(op[1]))
            self._sync_alert_state()
            self._reshow_alerts()
            self._report_alert_log(outcome.saved)
            for message, severity in outcome.notices:
                self.notify(inert(message, 200), severity=severity, timeout=8, markup=False)  # type: ignore[arg-type]
            if outcome.ring and not self.pack_mode:  # stepping through history never rings
                self.bell()
            return
        kind, rule, now = op
        name = inert(self.rule_label(rule), 40)
        if desk is None:  # no alert log: the marks live as long as the app
            if kind == "ack":
                self.acked.add(rule)
                self.notify(f"Acknowledged {name}", timeout=2, markup=False)
            else:
                (self.muted.discard if rule in self.muted else self.muted.add)(rule)
                word = "Muted" if rule in self.muted else "Unmuted"
                self.notify(f"{word} {name}", timeout=2, markup=False)
            self._reshow_alerts()
            return
        if kind == "ack":
            acked = await _settled(desk.acknowledge(rule, now))
            if acked is None:
                self.notify(f"{name}: nothing to acknowledge", timeout=2, markup=False)
                return
            said, saved = f"Acknowledged {name}", getattr(acked, "saved", None)
        else:
            toggled = await _settled(desk.toggle_mute(rule, now))
            word = "Muted" if desk.is_muted(rule) else "Unmuted"
            said, saved = f"{word} {name}", getattr(toggled, "saved", None)
        self._sync_alert_state()
        self._reshow_alerts()
        if saved is not None and saved.state != "logged":
            # Reported, kept and retried: the mark stands, the log catches up later.
            where = (
                "kept in memory only (retrying)"
                if saved.state == "unsaved"
                else "queued, saved when the database is free"
            )
            why = f": {inert(saved.error, 120)}" if saved.error else ""
            self.notify(
                f"{said}; alert log {where}{why}",
                severity="error" if saved.state == "unsaved" else "warning",
                timeout=8,
                markup=False,
            )
        else:
            self.notify(said, timeout=2, markup=False)
        self._show_status()

    def _report_alert_log(self, saved: Saved | None) -> None:
        """One toast when the log falls behind (the status bar keeps the count)."""
        self._show_status()
        if saved is None or saved.state == "logged" or self._alert_log_warned:
            return
        self._alert_log_warned = True
        behind = _behind(self.alerts)
        if saved.state == "unsaved":
            text = f"Alert log cannot be saved ({saved.error}); {behind} kept in memory, retrying"
        else:
            text = f"Alert log busy ({saved.error}); {behind} queued on disk, retrying"
        self.notify(inert(text, 240), severity="warning", timeout=10, markup=False)

    def _alert_log_changed(self) -> None:
        """From the writer thread: the number behind changed (never blocks)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._on_alert_log_changed)

    def _on_alert_log_changed(self) -> None:
        if _behind(self.alerts) == 0:
            self._alert_log_warned = False
        self._show_status()

    def _reshow_alerts(self) -> None:
        if self.snapshot is not None:
            self._render(self.snapshot, listeners=False)
            # The view settles once this paint is done, not before (``is_settled``).
            self._alerts_paint_pending = True
            self.call_after_refresh(self._alerts_painted)

    def _alerts_painted(self) -> None:
        self._alerts_paint_pending = False
        self._check_settled()

    async def _open_alerts(self) -> AlertDesk | None:
        """Open the alert desk once, off the UI thread (files, the retry queue's replay)."""
        if self.alerts is None and self._alerts_factory is not None:
            factory, self._alerts_factory = self._alerts_factory, None
            self._alerts_opening = True
            try:
                self.alerts = await asyncio.to_thread(factory)
            except Exception as exc:
                log.exception("opening the alert log failed")
                self.notify(f"Alert log: {inert(str(exc), 200)}", severity="error", markup=False)
                return None
            finally:
                self._alerts_opening = False
            writer = getattr(self.alerts, "writer", None)  # a desk terminal's has none
            if writer is not None:
                writer.on_change = self._alert_log_changed
            self._sync_alert_state()
            warning = getattr(self.alerts, "warning", None)
            if warning:
                self.notify(inert(warning, 300), severity="warning", timeout=15, markup=False)
        return self.alerts

    def _sync_alert_state(self) -> None:
        if self.alerts is not None:
            self.acked = {e.rule for e in self.alerts.active() if e.acked}
            self.muted = set(self.alerts.book.muted)

    def on_source_failed(self, message: SourceFailed) -> None:
        first = message.source not in self._failures
        self._failures[message.source] = message.error
        self._show_status()
        if first:
            self.notify(
                f"{message.source}: {message.error}",
                title="Source failing",
                severity="error",
                timeout=6,
                markup=False,
            )

    def on_feed_changed(self, _message: FeedChanged) -> None:
        self._show_status()
        self._check_settled()

    def on_worker_state_changed(self, _event: Worker.StateChanged) -> None:
        self._check_settled()  # the NYSE calendar look-up may have been the last work

    def _tick(self) -> None:
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
        self._show_status()

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
        source = self.source
        if isinstance(source, OwnBadge):  # a desk terminal: DESK stale 47s
            return str(source.badge_text())
        asof = source.asof if isinstance(source, AsOf) else None
        if self.badge.upper().startswith("PACK") and asof is not None and "asof" not in self.badge:
            day = asof.date() if isinstance(asof, datetime) else asof
            return f"PACK asof {day}"
        return self.badge

    def source_lines(self) -> tuple[SourceLine, ...]:
        """What the status bar shows: the feed's own view of each source, then sub-sources."""
        now_mono = time.monotonic()
        lines: list[SourceLine] = []
        names: set[str] = set()
        for state in self.feed.states():
            names.add(state.name)
            line = _poll_line(state, now_mono)
            if not self.live_polling or self.pack_mode:
                # A pack is not polled for news and one-shot runs (tests, screenshots) would
                # only show the test's timing: no age, no "next", no retry countdown.
                line = SourceLine(line.name, line.state, None, None, line.error, line.detail)
            lines.append(line)
        behind = _behind(self.alerts)
        if behind:
            detail = f"{behind} unsaved"
            unsaved = int(getattr(self.alerts, "unsaved", 0))
            if unsaved:
                detail += f", {unsaved} in memory only"
            lines.insert(0, SourceLine("alert log", "behind", detail=detail))
        if self._cached_view and lines and lines[0].state == "loading":
            progress = f"; {lines[0].detail}" if lines[0].detail else ""
            lines[0] = SourceLine(
                lines[0].name, "loading", detail=f"showing the cached view{progress}"
            )
        if self.badge is None:  # live: a source that has not answered yet is connecting
            lines = [
                SourceLine(ln.name, "connecting", ln.age, ln.next_in, ln.error, ln.detail)
                if ln.state == "loading" and ln.name in names
                else ln
                for ln in lines
            ]
        if self.snapshot is not None:
            now = self.now()
            for row in self.snapshot.sources:
                if row.name in names:
                    # The feed fetched fine, but the source itself reports trouble (a data
                    # pack's malformed files): its own state and error win over "ok".
                    i = next(i for i, ln in enumerate(lines) if ln.name == row.name)
                    line = lines[i]
                    if line.state == "ok" and row.state in ("failing", "stale") and row.error:
                        age = line.age
                        if row.state == "stale" and row.last_success is not None:
                            # stale: the age of what is shown (a desk's silent collector), not
                            # of the last read that told us so
                            age = max(0.0, (utc_now() - row.last_success).total_seconds())
                        lines[i] = SourceLine(
                            line.name, row.state, age, line.next_in, row.error, line.detail
                        )
                    continue
                age = None
                if row.last_success is not None and self.live_polling:
                    age = (now - row.last_success).total_seconds()
                next_in = None
                if row.next_retry is not None:
                    next_in = max(0.0, (row.next_retry - now).total_seconds())
                # Never answered yet: connecting, not ok (SPEC 8).
                state = "connecting" if row.state == "loading" else row.state
                lines.append(SourceLine(row.name, state, age, next_in, row.error))
            subs = [r for r in self.snapshot.sources if r.name not in names]
            if subs:
                lines = [_aggregate(ln, subs) if ln.name in names else ln for ln in lines]
            problems = self.snapshot.problems
            stale = self.snapshot.stale_reasons
            if stale:  # the legs shown as n/a, and why: where their data ends
                more = f" (+{len(stale) - 1} more)" if len(stale) > 1 else ""
                lines.append(SourceLine("data", "stale", detail=f"n/a: {stale[0]}{more}"))
            elif problems:  # what the data lacks (missing symbols, bad pack rows): never silent
                count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
                lines.append(SourceLine("data", "stale", detail=f"{count}: {problems[0]}"))
        return tuple(lines)

    def _show_status(self) -> None:
        try:
            dashboard = self.dashboard
        except LookupError:
            return
        dashboard.show_status(
            self.source_lines(), paused=self.feed.paused, hints=status_hints(dashboard)
        )

    # -- actions ---------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        started = self.feed.refresh_now()
        self.notify("Refreshing…" if started else "A refresh is already running", timeout=2)

    def action_toggle_pause(self) -> None:
        paused = self.feed.toggle_pause()
        self._show_status()
        self.notify("Paused: r still refreshes once" if paused else "Resumed", timeout=2)

    def action_cycle_theme(self) -> None:
        self.theme = next_theme(self.ansi, self.theme)
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        below = self.screen
        pane_help = [
            SpreadTable.HELP,
            SectorHeatmap.HELP,
            RiskPane.HELP,
            MacroTable.HELP,
            ThesisBar.HELP,
        ]
        self.push_screen(HelpScreen(key_entries(below), pane_help))

    def action_back(self) -> None:
        if len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_jump(self) -> None:
        """``:``: find any symbol of the universe by ticker or name and open its screen."""
        from analytics.catalog import MARKET_SYMBOLS
        from tui.screens.jump import SymbolJump, universe

        if isinstance(self.screen, SymbolJump):
            return
        from data_sources.model import member_names

        members = self.market.constituents if self.market is not None else ()
        names = universe(member_names(members), MARKET_SYMBOLS)

        def opened(symbol: str | None) -> None:
            if symbol:
                self.open_drill("symbol", symbol)

        self.push_screen(SymbolJump(names), opened)

    def action_alert_history(self) -> None:
        """Every transition of the alert log, filterable by rule and severity."""
        from tui.alerts import rule_labels
        from tui.screens.history import HistoryScreen

        if isinstance(self.screen, HistoryScreen):
            return

        def load() -> list[Any] | None:
            desk = self.alerts
            if desk is None:
                return None
            return list(desk.log(None, limit=5000))

        labels = self.alerts.labels if self.alerts is not None else rule_labels()
        self.push_screen(HistoryScreen(load, labels))

    def action_diagnostics(self) -> None:
        """Per source: request times, latency, errors, retry schedule, cache hits."""
        from tui.screens.diagnostics import DiagnosticsScreen, provider_for

        if not isinstance(self.screen, DiagnosticsScreen):
            provider = provider_for(lambda: self.source, self.now)
            self.push_screen(
                DiagnosticsScreen(provider, clock=self.now, pack_report=self._pack_report())
            )

    def _pack_report(self) -> Callable[[], str] | None:
        """On a data pack, what ``pack check`` says of it at the as-of day on screen."""
        source = self.source
        if not self.pack_mode or not isinstance(source, PackBacked):
            return None
        pack, asof = source.pack, source.asof
        day = asof.date() if isinstance(asof, datetime) else asof

        def report() -> str:
            from data_sources.pack import format_pack_check, pack_reports

            return format_pack_check(pack_reports(pack, day))

        return report

    def action_quit_app(self) -> None:
        for listener in self.quit_listeners:
            try:
                listener()
            except Exception:  # quitting must always work
                log.debug("quit listener failed", exc_info=True)
        self.exit(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step_asof":
            return True if self.can_step_asof else None
        if action == "back":
            return len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen)
        return True

    @property
    def can_step_asof(self) -> bool:
        return isinstance(self.source, Steppable)

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

    def action_acknowledge(self, rule: str) -> None:
        """Acknowledge a rule's active alert; logged in the alert log when there is one."""
        if self.has_alert_log:
            self._alert_ops.append(("ack", rule, self.now()))
            self._run_alert_ops()
            return
        self.acked.add(rule)
        self._reshow()
        self.notify(f"Acknowledged {inert(self.rule_label(rule), 40)}", timeout=2, markup=False)

    def rule_label(self, rule: str) -> str:
        """The name a trader reads for a rule id (``vix`` -> ``VIX``)."""
        if self.alerts is not None:
            return self.alerts.labels.get(rule, rule)
        from tui.alerts import rule_labels

        return rule_labels().get(rule, rule)

    def unacknowledged(self) -> list[str]:
        """The rules whose active alert nobody has acknowledged yet, worst first."""
        if self.alerts is not None:
            entries = [e for e in self.alerts.active() if not e.acked]
            entries.sort(key=lambda e: e.severity != "critical")
            return [e.rule for e in entries]
        alerts = self.snapshot.alerts if self.snapshot is not None else ()
        ordered = sorted(alerts, key=lambda a: a.severity != "critical")
        return [a.rule for a in ordered if a.rule not in self.acked]

    def action_acknowledge_all(self) -> None:
        """``A``: acknowledge every active alert (each one logged, as ``a`` does)."""
        rules = self.unacknowledged()
        if not rules:
            self.notify("No alert waits for an acknowledgement", timeout=2)
            return
        for rule in rules:
            self.action_acknowledge(rule)

    def action_mute(self, rule: str) -> None:
        """Mute or unmute a rule: still evaluated and logged, not announced."""
        if self.has_alert_log:
            self._alert_ops.append(("mute", rule, self.now()))
            self._run_alert_ops()
            return
        if rule in self.muted:
            self.muted.discard(rule)
        else:
            self.muted.add(rule)
        word = "Muted" if rule in self.muted else "Unmuted"
        self.notify(f"{word} {inert(self.rule_label(rule), 40)}", timeout=2, markup=False)
        self._reshow()

    def _reshow(self) -> None:
        if self.snapshot is not None:
            self._render(self.snapshot, listeners=False)

    async def action_export_snapshot(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            self.notify("Nothing to export yet", timeout=2)
            return
        from tui.export import export_snapshot_json

        directory = self.export_dir or Path.cwd()
        try:  # a new file each time, never overwriting an earlier export
            path = await asyncio.to_thread(
                export_snapshot_json, snapshot, directory, now=self.now()
            )
        except Exception as exc:
            self.notify(f"Export failed: {exc}", severity="error", timeout=5, markup=False)
            return
        self.notify(f"Snapshot written to {path}", timeout=5, markup=False)

    async def action_save_screenshot(self) -> None:
        """Save what the screen shows as SVG beside the exports, the full path in the toast."""
        from tui.export import export_screenshot_svg

        svg = self.export_screenshot()
        directory = self.export_dir or Path.cwd()
        try:
            path = await asyncio.to_thread(export_screenshot_svg, svg, directory, now=self.now())
        except Exception as exc:
            self.notify(f"Screenshot failed: {exc}", severity="error", timeout=5, markup=False)
            return
        self.notify(f"Screenshot written to {path}", timeout=5, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette entries less the ones our bindings already offer (Quit, Theme),
        with a screenshot that is written where exports go and says where."""
        for command in super().get_system_commands(screen):
            if command.title in ("Quit", "Theme"):
                continue
            if command.title == "Screenshot":
                command = SystemCommand(
                    "Screenshot",
                    "Save an SVG screenshot of the screen beside the exports",
                    lambda: self.run_worker(self.action_save_screenshot(), group="export"),
                )
            yield command

    # -- drill-down ------------------------------------------------------------------------

    def on_drill_down_requested(self, message: DrillDownRequested) -> None:
        self.open_drill(message.kind, message.key)

    def open_drill(self, kind: str, key: str, quiet: bool = False) -> None:
        """Push the drill-down screen of ``kind`` for ``key``; a failure is a toast (or, when
        ``quiet``, as for a remembered drill-down that no longer exists, only a log line)."""
        factory = self.drill_screens.get(kind)
        if factory is None:
            return  # the drill-down screens arrive later; enter must stay harmless until then
        try:
            screen = factory(self, key)
        except Exception as exc:
            if quiet:
                log.info("remembered drill-down %s %s not opened: %s", kind, key, exc)
                return
            log.exception("opening %s %s failed", kind, key)
            self.notify(f"Cannot open {inert(key, 40)}: {exc}", severity="error", markup=False)
            return
        self.push_screen(screen)

    # -- the settled view ------------------------------------------------------------------

    @property
    def is_settled(self) -> bool:
        """True when the latest data is on screen and nothing that would change the view is
        still running: no poll in flight, no snapshot waiting for the refresh cap, the market
        state looked up, the alert log caught up and painted. A one-shot app
        (``live_polling=False``) stays settled from then on: the moment to take a screenshot."""
        return (
            self.snapshot is not None
            and not self._cached_view
            and not self.feed.busy
            and self._pending is None
            and not self._apply_timer_armed
            and self._market_state_at is not None
            and not any(w.group == "market-state" and not w.is_finished for w in self.workers)
            and not self._alerts_running
            and not self._alert_ops
            and not self._alerts_paint_pending
        )

    def _check_settled(self) -> None:
        """After any work that may have been the last: tell the settled listeners if it was."""
        if not self.settled_listeners or not self.is_settled:
            return
        snapshot = self.snapshot
        assert snapshot is not None
        for listener in list(self.settled_listeners):
            try:
                listener(snapshot)
            except Exception:  # one broken consumer must not take the dashboard down
                log.exception("settled listener %r failed", listener)


async def _settled(result: Any) -> Any:
    """The result of a desk call: our ``AlertDesk`` answers with a coroutine (the write runs
    on its thread), a desk terminal's ``RemoteAlertDesk`` at once."""
    return await result if inspect.isawaitable(result) else result


def _behind(desk: object) -> int:
    """Transitions shown but not yet in the alert log's database (0 without a local log)."""
    return int(getattr(desk, "behind", 0) or 0)


_WORST = ("failing", "stale", "connecting", "loading", "ok")


def _aggregate(line: SourceLine, parts: Sequence[SourceRow]) -> SourceLine:
    """The feed's line for a source made of sub-sources: the worst of its parts (SPEC 8), and
    ``connecting`` until one of them has answered once -- never ``ok`` before that."""
    states = [p.state for p in parts if p.state != "off"]
    if not states or line.state in ("failing", "off"):
        return line
    if not any(p.last_success is not None for p in parts):
        worst = "failing" if all(s == "failing" for s in states) else "connecting"
    else:
        answered = [s for s in states if s not in ("loading", "connecting")]
        worst = next(s for s in _WORST if s in [*answered, line.state])
    if worst == line.state:
        return line
    error = line.error
    if worst == "failing" and not error:
        failing = [p.name for p in parts if p.state == "failing"]
        error = f"{', '.join(failing)} failing"
    return SourceLine(line.name, worst, line.age, line.next_in, error, line.detail)


def _poll_line(state: PollState, now: float) -> SourceLine:
    age = None if state.last_success is None else now - state.last_success
    next_in = None if state.next_poll is None else max(0.0, state.next_poll - now)
    phase = state.phase
    if phase == "loading" and state.in_flight_since is not None:
        age = None
    return SourceLine(state.name, phase, age, next_in, state.error, state.detail)


def _terminal_alive(app: App[Any]) -> bool:
    """False once the terminal has hung up (its tty no longer answers)."""
    driver = app._driver
    fileno = getattr(driver, "fileno", None)
    if not isinstance(fileno, int):
        return True
    try:
        return os.isatty(fileno)
    except OSError:
        return False


def _silence_output(app: App[Any]) -> None:
    """Send the driver's remaining output (the terminal restore on exit) to /dev/null.

    Writing to a hung-up terminal fails with EIO and ends Textual's output thread; the
    shutdown writes would then fill its queue and block the exit for ever.
    """
    driver = app._driver
    if getattr(driver, "_writer_thread", None) is None:
        return
    from textual.drivers._writer_thread import WriterThread

    quiet = WriterThread(open(os.devnull, "w"))  # noqa: SIM115  (lives until the process ends)
    quiet.start()
    driver._writer_thread = quiet  # type: ignore[union-attr]


def _resume_only_on_a_live_terminal(app: App[Any]) -> None:
    """Textual answers SIGCONT (``fg`` after ctrl+z) by re-entering application mode. The
    kernel also sends SIGCONT right after the SIGHUP of a hung-up terminal (a dropped SSH
    link); re-entering then starts a second output thread on the dead terminal and the exit
    that SIGHUP asked for deadlocks. Resume only while the terminal still answers."""
    previous = signal.getsignal(signal.SIGCONT)
    if not callable(previous):
        return

    def on_sigcont(signum: int, frame: Any) -> None:
        if _terminal_alive(app):
            previous(signum, frame)

    with contextlib.suppress(ValueError):  # not the main thread: keep Textual's handler
        signal.signal(signal.SIGCONT, on_sigcont)


def _freeze_heap() -> None:
    """Once the market is loaded, take it out of the cyclic collector's view.

    The source's history (pandas frames) and the widget tree live as long as the app; a full
    collection walking them took ~150 ms on the 2-core box, long enough to miss the 100 ms key
    budget whenever it struck. One collection now, then ``gc.freeze``: later full collections
    only walk objects created since.
    """
    gc.collect()
    gc.freeze()


def _write_cache_quietly(snapshot: Snapshot, path: Path) -> None:
    try:
        write_cached(snapshot, path)
    except OSError as exc:  # a read-only or full disk costs the fast start, nothing else
        log.info("could not write the snapshot cache %s: %s", path, exc)
