"""RotmonApp: the dashboard screen fed by the feed's messages, themes and the status line.

The app subscribes to the feed (``MarketUpdated``, ``SourceFailed``, ``FeedChanged``), applies
each snapshot under the refresh cap and tells its listeners; its other concerns live beside it,
each a mixin of the app:

- ``tui.app_bindings``: the app-wide keys, in footer and help order;
- ``tui.app_alerts``: the alert log (follow, acknowledge, mute, history);
- ``tui.app_clock``: the header's clock, market state and badge, and as-of steps on a pack;
- ``tui.app_screens``: help, the symbol jump, diagnostics and the drill-downs;
- ``tui.app_export``: the snapshot and screenshot exports;
- ``tui.terminal``: hang-ups and resuming on the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual.app import App
from textual.binding import BindingType
from textual.filter import Monochrome, NoColor
from textual.notifications import SeverityLevel
from textual.worker import Worker

from analytics.health import WORST_FIRST, HealthState, SourceHealth, worst_state
from analytics.text import inert
from analytics.types import Snapshot
from data_sources.clock import utc_now
from tui.app_alerts import AlertLog, behind_count
from tui.app_bindings import BINDINGS
from tui.app_clock import MarketClock
from tui.app_export import Exports
from tui.app_screens import DrillFactory, ScreenNavigation
from tui.commands import RotmonCommands, status_hints
from tui.compositor import install as install_compositor
from tui.feed import Compute, Feed, SourceFactory, default_compute
from tui.messages import FeedChanged, MarketUpdated, SourceFailed
from tui.refreshcap import RefreshCap
from tui.screens.dashboard import DashboardScreen
from tui.snapcache import read_cached, write_cached
from tui.state import UiState
from tui.terminal import resume_only_on_a_live_terminal, silence_output, terminal_alive
from tui.themes import DARK, THEMES, VARIABLE_DEFAULTS, next_theme

if TYPE_CHECKING:  # data_sources pulls in pandas; the first paint must not wait for it
    from data_sources.base import DataSource
    from data_sources.model import MarketData
    from tui.alerts import AlertDesk

log = logging.getLogger(__name__)

CACHE_EVERY = 60.0
"""Seconds between writes of the snapshot cache (it only has to be recent, not current)."""


class RotmonApp(AlertLog, MarketClock, Exports, ScreenNavigation, App[int]):
    """The live dashboard over one or more DataSources.

    ``source`` is a DataSource, a zero-argument factory of one (built on the source's own
    thread, so its imports and set-up never delay the first paint), or a sequence of either.
    ``clock`` gives "now" (default: the source's own clock, else the wall clock);
    ``live_polling=False`` polls once and never re-arms and stops the ticking clock, which with
    a fixed clock makes the screen deterministic (tests, screenshots). ``snapshot_cache`` is a
    JSON file painted at start-up and rewritten while running (SPEC 8: paint from the cache).
    ``first_paint``, when there is no cache yet, blocks (in a thread) until another process has
    written it and says whether it did (``tui.prefetch``): the app paints it, then starts its
    sources, as on a later start.
    """

    TITLE = "rotmon"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {RotmonCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

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
        first_paint: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(ansi_color=True if ansi else None)
        # Each layout repaints what changed since the last one (Textual 8.2 can lose a removed
        # toast's cells otherwise: tui/compositor.py).
        install_compositor()
        sources = tuple(source) if isinstance(source, Sequence) else (source,)
        if not sources:
            raise ValueError("RotmonApp needs at least one data source")
        self._clock = clock
        self.snapshot_cache = snapshot_cache
        self._first_paint = first_paint
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
        self._init_alert_log(alerts)
        self._init_market_clock()
        self._problems_shown: tuple[str, ...] = ()
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

        for t in THEMES:
            self.register_theme(t)
        if theme and theme not in self.available_themes:
            raise ValueError(
                f"unknown theme {theme!r}: expected one of {sorted(self.available_themes)}"
            )
        self._set_initial_theme(theme or ("rotmon-ansi-dark" if ansi else DARK.name))
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

    def _set_initial_theme(self, name: str) -> None:
        """The theme the app starts in, set as Textual's theme watcher would set it but
        without the ``refresh_css`` it queues: that ran once the app was up, cleared the
        stylesheet's parse cache and re-parsed and restyled everything mounted so far (issue
        19). Nothing is styled yet here; the stylesheet only needs the theme's variables.
        Changing the theme later (``t``) goes through the watcher as usual."""
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def now(self) -> datetime:
        """The clock the app runs on: the given one, else the source's, else the wall clock."""
        if self._clock is not None:
            return self._clock()
        clock = self.source_caps().clock
        if clock is not None:
            return clock.now()
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
            resume_only_on_a_live_terminal(self)
        cached = None if self.snapshot_cache is None else read_cached(self.snapshot_cache)
        # The cached view is put in as the screen mounts, before its first layout and frame:
        # shown once the screen was up, the empty dashboard was laid out and drawn in full
        # first, then again with the numbers (~25 ms of CPU to the first paint).
        ready = None if cached is None else partial(self._show_cached, cached)
        await self.push_screen(DashboardScreen(self.size, ready=ready))
        if self.snapshot_cache is not None:
            if cached is not None:
                if self._first_paint is not None:  # the other process was quicker: reap it
                    self.run_worker(
                        self._first_paint, name="first-paint", thread=True, exit_on_error=False
                    )
            elif self._first_paint is not None:
                self._await_first_paint(self._first_paint)
                self.call_after_refresh(gc.enable)
                return  # the sources start once it is painted (or not coming)
        self.call_after_refresh(gc.enable)  # the command line's start turned it off
        self.call_after_refresh(self._started)

    def _show_cached(self, cached: Snapshot) -> None:
        self._cached_view = True
        self._pending = cached
        self._apply_pending()

    def _await_first_paint(self, wait: Callable[[], bool]) -> None:
        """A first start: another process computes the first snapshot into the cache while
        this one draws the screen; paint it, then start the sources. Starting them before
        would take the GIL from the screen's own start for the same snapshot."""

        def waiting() -> None:
            try:
                written = wait()
            except Exception as exc:  # the sources must start whatever befell the other process
                log.debug("first paint: %s", exc)
                written = False
            with contextlib.suppress(RuntimeError):  # the app ended meanwhile
                self.call_from_thread(self._first_painted, written)

        self.run_worker(
            waiting, name="first-paint", group="first-paint", thread=True, exit_on_error=False
        )

    def _first_painted(self, written: bool) -> None:
        if written and self.snapshot is None and self.snapshot_cache is not None:
            cached = read_cached(self.snapshot_cache)
            if cached is not None:
                self._show_cached(cached)
        self.call_after_refresh(self._started)

    def _exit_on_signal(self, sig: int) -> None:
        if not terminal_alive(self):
            silence_output(self)  # the link is gone: restoring the terminal has no reader
        self.exit(return_code=128 + sig)

    def _started(self) -> None:
        self.feed.start()
        self._tick()
        if self.live_polling:
            # The header clock and the status bar's ages tick together: one frame a second.
            # The dashboard's compositor renders the two lines that changed, not the box
            # around them (Textual's own re-rendered every pane's lines for it).
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
        shown, waiting = snapshot, 0
        if self.has_alert_log:
            # Log before show: the alert list is the desk's book, which holds only
            # transitions that are logged or durably queued (never the raw evaluation) --
            # the cached view's too (a first start's prefetched snapshot was never logged).
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
            # Alerts of the evaluation not in the book yet (the log is opening or busy): the
            # risk pane says they are being logged rather than "no active alerts".
            logged = {a.rule for a in book}
            waiting = sum(
                a.rule not in logged and a.rule not in snapshot.unknown for a in snapshot.alerts
            )
        drawn = (snapshot, shown.alerts, waiting, frozenset(self.acked), frozenset(self.muted))
        if not listeners and self._drawn is not None and _same_drawn(self._drawn, drawn):
            # The alert log followed the snapshot already shown and its book reads as shown:
            # drawing it again changes nothing (it compared every row of every pane).
            return
        self._drawn = drawn
        with self.batch_update():
            dashboard.show_snapshot(
                shown, acked=self.acked, muted=self.muted, alerts_waiting=waiting
            )
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

    _drawn: tuple[object, ...] | None = None
    """What the dashboard last showed: the snapshot, the alerts shown, those waiting, the
    acknowledged and muted rules."""

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

    def source_lines(self) -> tuple[SourceHealth, ...]:
        """What the status bar shows: the feed's own view of each source, then sub-sources."""
        lines: list[SourceHealth] = []
        names: set[str] = set()
        for line in self.feed.states():
            names.add(line.name)
            if not self.live_polling or self.pack_mode:
                # A pack is not polled for news and one-shot runs (tests, screenshots) would
                # only show the test's timing: no age, no "next", no retry countdown.
                line = replace(line, age_s=None, next_in_s=None)
            lines.append(line)
        behind = behind_count(self.alerts)
        if behind:
            detail = f"{behind} unsaved"
            unsaved = int(getattr(self.alerts, "unsaved", 0))
            if unsaved:
                detail += f", {unsaved} in memory only"
            lines.insert(0, SourceHealth("alert log", "behind", detail=detail))
        elif getattr(self.alerts, "in_memory", False):
            # Its file could not be opened (the start's toast said why): nothing is behind,
            # but nothing this session logs outlives it either; said for as long as it lasts.
            lines.insert(
                0, SourceHealth("alert log", "failing", detail="in memory only, lost at exit")
            )
        if self._cached_view and lines and lines[0].state == "loading":
            progress = f"; {lines[0].detail}" if lines[0].detail else ""
            lines[0] = SourceHealth(
                lines[0].name, "loading", detail=f"showing the cached view{progress}"
            )
        if self.badge is None:  # live: a source that has not answered yet is connecting
            lines = [
                replace(ln, state="connecting")
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
                        age = line.age_s
                        if row.state == "stale" and row.last_success is not None:
                            # stale: the age of what is shown (a desk's silent collector), not
                            # of the last read that told us so
                            age = max(0.0, (utc_now() - row.last_success).total_seconds())
                        lines[i] = replace(line, state=row.state, age_s=age, error=row.error)
                    continue
                row = row.at(now)
                if not self.live_polling:
                    row = replace(row, age_s=None)
                # Never answered yet: connecting, not ok (SPEC 8).
                if row.state == "loading":
                    row = replace(row, state="connecting")
                lines.append(row)
            subs = [r for r in self.snapshot.sources if r.name not in names]
            if subs:
                lines = [_aggregate(ln, subs) if ln.name in names else ln for ln in lines]
            problems = self.snapshot.problems
            stale = self.snapshot.stale_reasons
            if stale:  # the legs shown as n/a, and why: where their data ends
                more = f" (+{len(stale) - 1} more)" if len(stale) > 1 else ""
                lines.append(SourceHealth("data", "stale", detail=f"n/a: {stale[0]}{more}"))
            elif problems:  # what the data lacks (missing symbols, bad pack rows): never silent
                count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
                lines.append(SourceHealth("data", "stale", detail=f"{count}: {problems[0]}"))
        return tuple(lines)

    def _show_status(self) -> None:
        try:
            dashboard = self.dashboard
        except LookupError:
            return
        dashboard.show_status(
            self.source_lines(), paused=self.feed.paused, hints=self._status_hints(dashboard)
        )

    _hints_key: tuple[object, ...] | None = None
    _hints: tuple[tuple[str, str], ...] = ()

    def _status_hints(self, dashboard: DashboardScreen) -> tuple[tuple[str, str], ...]:
        """The dashboard's key hints, worked out again only when what they depend on moved:
        its focus (the focused pane's bindings and check_action), the screen stack ("back"),
        whether the source steps (the as-of keys) and the keymap. Walking every active
        binding took most of the once-a-second status tick."""
        key = (
            dashboard.focused,
            tuple(self.screen_stack),
            self.can_step_asof,
            tuple(self._keymap.items()),
        )
        if key != self._hints_key:
            self._hints_key = key
            self._hints = status_hints(dashboard)
        return self._hints

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
        if action == "jump":  # a priority binding: inside a text box ``:`` is text
            from textual.widgets import Input

            return not isinstance(self.focused, Input)
        return True

    # -- the settled view ------------------------------------------------------------------

    @property
    def is_settled(self) -> bool:
        """True when the latest data is on screen and nothing that would change the view is
        still running: no poll in flight, no snapshot waiting for the refresh cap, the market
        state looked up, the alert log caught up and painted. A one-shot app
        (``live_polling=False``) stays settled from then on: the moment to take a screenshot."""
        return not self.settle_waits()

    def settle_waits(self) -> list[str]:
        """What the view still waits for before it is settled (empty: settled)."""
        waits = {
            "a snapshot": self.snapshot is None,
            "data behind the cached view": self._cached_view,
            "a poll in flight": self.feed.busy,
            "a snapshot held by the refresh cap": self._pending is not None,
            "the refresh cap's timer": self._apply_timer_armed,
            "the market state": self._market_state_at is None
            or any(w.group == "market-state" and not w.is_finished for w in self.workers),
            "the alert log": self._alerts_running or bool(self._alert_ops),
            "the alert log's paint": self._alerts_paint_pending,
            "a chart's picture": self._charts_drawing(),
        }
        return [what for what, waiting in waits.items() if waiting]

    def _charts_drawing(self) -> bool:
        """A chart on the screen shown still draws its picture (a frame after its first paint:
        ``widgets.chart``); it posts ``LineChart.Drawn`` when done."""
        try:
            charts = self.screen.query("LineChart")
        except Exception:  # no screen yet (before start) or the app is closing
            return False
        return any(getattr(chart, "needs_drawing", False) for chart in charts)

    def on_line_chart_drawn(self, _message: object) -> None:
        self._check_settled()  # the picture may have been the last thing the view waited for

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


def _aggregate(line: SourceHealth, parts: Sequence[SourceHealth]) -> SourceHealth:
    """The feed's line for a source made of sub-sources: the worst of its parts (SPEC 8), and
    ``connecting`` until one of them has answered once -- never ``ok`` before that."""
    states = [p.state for p in parts if p.state != "off"]
    if not states or line.state == "failing" or line.state not in WORST_FIRST:
        return line
    worst: HealthState
    if not any(p.last_success is not None for p in parts):
        worst = "failing" if all(s == "failing" for s in states) else "connecting"
    else:
        answered = [s for s in states if s not in ("loading", "connecting")]
        worst = worst_state([*answered, line.state])
    if worst == line.state:
        return line
    error = line.error
    if worst == "failing" and not error:
        failing = [p.name for p in parts if p.state == "failing"]
        error = f"{', '.join(failing)} failing"
    return replace(line, state=worst, error=error)


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


def _same_drawn(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """The same snapshot object, with equal alerts, waiting count and marks."""
    return a[0] is b[0] and a[1:] == b[1:]
