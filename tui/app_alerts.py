"""RotmonApp's alert log: following each snapshot, acknowledging, muting, and the history.

With a durable log (an ``AlertDesk``), every evaluation, acknowledgement and mute goes through
one worker, in the order asked for, and is shown and announced once it is durable (logged or
durably queued); without one, the marks live as long as the app.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from analytics.text import inert

if TYPE_CHECKING:
    from textual.app import App

    from analytics.types import Snapshot
    from data_sources.alert_writer import Saved
    from tui.alerts import AlertDesk

    _AppBase = App[int]
else:
    _AppBase = object

log = logging.getLogger(__name__)

AlertOp = tuple[Any, ...]
"""("follow", snapshot) | ("ack", rule, now) | ("mute", rule, now)"""


class AlertLog(_AppBase):
    """RotmonApp's alert-log state and actions (a mixin of the app)."""

    if TYPE_CHECKING:  # given by RotmonApp
        snapshot: Snapshot | None
        _cached_view: bool

        @property
        def pack_mode(self) -> bool: ...
        def now(self) -> datetime: ...
        def _render(self, snapshot: Snapshot, *, listeners: bool = True) -> None: ...
        def _show_status(self) -> None: ...
        def _check_settled(self) -> None: ...

    def _init_alert_log(self, alerts: Callable[[], AlertDesk] | None) -> None:
        self.acked: set[str] = set()
        self.muted: set[str] = set()
        self._alerts_factory = alerts
        self.alerts: AlertDesk | None = None
        """The durable alert book (opened with the first real snapshot); None without a store."""
        self._alert_ops: deque[AlertOp] = deque()
        """Alert-log work in the order asked for: snapshots to follow (the newest replaces a
        waiting one), acknowledgements and mutes. One worker runs them, one at a time."""
        self._alerts_running = False
        self._held_ops: list[AlertOp] = []
        """Acknowledgements and mutes asked for on the cached view (its alerts are not in the
        log yet): queued after the first real snapshot is followed."""
        self._alerts_paint_pending = False
        self._alerts_opening = False
        self._alert_log_warned = False

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
        self._alert_ops.extend(self._held_ops)
        self._held_ops.clear()
        self._run_alert_ops()

    def _queue_alert_op(self, op: AlertOp) -> None:
        if self._cached_view:  # the alerts shown are not logged yet: after the first follow
            self._held_ops.append(op)
            return
        self._alert_ops.append(op)
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
        behind = behind_count(self.alerts)
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
        if behind_count(self.alerts) == 0:
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

    def action_acknowledge(self, rule: str) -> None:
        """Acknowledge a rule's active alert; logged in the alert log when there is one."""
        if self.has_alert_log:
            self._queue_alert_op(("ack", rule, self.now()))
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
        """The rules whose active alert nobody has acknowledged yet, worst first (on the cached
        view: the alerts it shows, which the log does not hold yet)."""
        if self.alerts is not None and not self._cached_view:
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
            self._queue_alert_op(("mute", rule, self.now()))
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


async def _settled(result: Any) -> Any:
    """The result of a desk call: our ``AlertDesk`` answers with a coroutine (the write runs
    on its thread), a desk terminal's ``RemoteAlertDesk`` at once."""
    return await result if inspect.isawaitable(result) else result


def behind_count(desk: object) -> int:
    """Transitions shown but not yet in the alert log's database (0 without a local log)."""
    return int(getattr(desk, "behind", 0) or 0)
