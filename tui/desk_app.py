"""A terminal of the desk: ``rotmon --redis URL`` renders what the collector publishes and
sends acknowledgements and mutes to it (SPEC 12)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from analytics.lifecycle import ActiveEntry, Transition, needs_bell
from analytics.types import Snapshot
from tui.alerts import MAX_NOTICES, Outcome, _notice, _severity, rule_labels
from tui.desk import DeskOptions

if TYPE_CHECKING:
    from data_sources.desk.terminal import DeskSource
    from data_sources.store import LogEntry
    from tui.app import RotmonApp
    from tui.config import Settings


PENDING_S = 3.0
"""How long a terminal shows its own ack / mute before the collector's state must confirm it."""


class RemoteAlertDesk:
    """The app's alert desk in a terminal: the collector logs and decides; this one shows.

    Acknowledgements and mutes are sent to the collector, which applies and logs them with who
    and when; until its answer arrives (well under a second) the terminal shows them already.
    """

    warning: str | None = None

    def __init__(self, source: DeskSource, *, bell: bool = True) -> None:
        self.source = source
        self.bell = bell
        self.labels = rule_labels()
        """Rule id -> its name, for what the desk says (toasts name rules, not ids)."""
        self.submit: Callable[[Coroutine[Any, Any, None]], None] | None = None
        """Runs a coroutine on the source's loop (set by ``build_desk_app``)."""
        self._pending: dict[str, tuple[str, int, float]] = {}
        """rule -> (op, alert-state seq when sent, monotonic time): shown until a newer state
        arrives, or for PENDING_S when the collector had nothing to change (another terminal
        was first)."""

    @property
    def book(self) -> RemoteAlertDesk:
        return self  # the app reads ``alerts.book.muted``

    # -- what the app calls -------------------------------------------------------------------

    def follow(self, snapshot: Snapshot) -> Outcome:
        """The transitions the collector published since the last call, to announce them."""
        entries = self.source.take_transitions()
        transitions = tuple(e.transition for e in entries)
        shown = [
            t for t in transitions if t.announce and t.event in ("raised", "deescalated", "cleared")
        ]
        notices = tuple((_notice(t, self.labels), _severity(t)) for t in shown)
        if len(notices) > MAX_NOTICES:
            worst = "error" if any(t.severity == "critical" for t in shown) else "warning"
            rules = ", ".join(self.labels.get(t.rule, t.rule) for t in shown)
            notices = ((f"{len(shown)} alert changes: {rules}", worst),)
        return Outcome(transitions, self.bell and needs_bell(transitions), notices)

    def acknowledge(self, rule: str, now: datetime) -> Transition | None:
        entry = next((e for e in self.active() if e.rule == rule), None)
        if entry is None or entry.acked:
            return None
        self._send("ack", rule)
        return Transition(
            now, rule, entry.alert.group, entry.severity, "acknowledged", None, None, "", False
        )

    def toggle_mute(self, rule: str, now: datetime) -> Transition | None:
        muting = not self.is_muted(rule)
        self._send("mute" if muting else "unmute", rule)
        return Transition(
            now, rule, None, None, "muted" if muting else "unmuted", None, None, "", False
        )

    def active(self) -> tuple[ActiveEntry, ...]:
        self._expire_pending()
        out = []
        for entry in self.source.alert_state.active:
            op = self._pending.get(entry.rule, ("", 0, 0.0))[0]
            if op == "ack" and not entry.acked:
                entry = replace(entry, acked_at=entry.raised_at)
            out.append(entry)
        return tuple(out)

    @property
    def muted(self) -> frozenset[str]:
        self._expire_pending()
        muted = set(self.source.alert_state.muted)
        for rule, (op, _seq, _at) in self._pending.items():
            if op == "mute":
                muted.add(rule)
            elif op == "unmute":
                muted.discard(rule)
        return frozenset(muted)

    def is_muted(self, rule: str) -> bool:
        return rule in self.muted

    def log(self, rule: str | None = None, limit: int = 500) -> list[LogEntry]:
        from data_sources.desk.terminal import log_entry

        entries = [
            e for e in reversed(self.source.log_entries) if rule in (None, e.transition.rule)
        ]
        return [log_entry(e) for e in entries[:limit]]

    def close(self) -> None:
        return None

    # -- helpers --------------------------------------------------------------------------------

    def _send(self, op: str, rule: str) -> None:
        self._pending[rule] = (op, self.source.alert_state_seq, time.monotonic())
        if self.submit is not None:
            self.submit(self.source.send_command(op, rule))

    def _expire_pending(self) -> None:
        seq = self.source.alert_state_seq
        now = time.monotonic()
        for rule, (_op, at, sent) in list(self._pending.items()):
            if seq > at or now - sent > PENDING_S:
                del self._pending[rule]


def desk_source(options: DeskOptions) -> DeskSource:
    from data_sources.desk import bus
    from data_sources.desk.terminal import DeskSource

    keys = bus.Keys(options.prefix) if options.prefix else None
    return DeskSource(options.url, username=options.username, password=options.password, keys=keys)


def build_desk_app(
    options: DeskOptions, settings: Settings, *, source: DeskSource | None = None, **kwargs: Any
) -> RotmonApp:
    """A terminal of the desk: renders what the collector publishes, sends nothing upstream."""
    from tui.wiring import build_app

    desk_src = source if source is not None else desk_source(options)
    remote = RemoteAlertDesk(desk_src, bell=settings.bell)
    kwargs.setdefault("badge", "DESK")
    app = build_app(desk_src, settings, kind="live", alerts=lambda: remote, **kwargs)  # type: ignore[arg-type, return-value]

    def submit(coro: Coroutine[Any, Any, None]) -> None:
        async def send() -> None:
            try:
                await app.feed.run_on(0, coro)
            except Exception as exc:
                app.notify(f"Desk: {exc}", severity="error", timeout=5, markup=False)

        app.run_worker(send(), name="desk-command", group="desk-command", exit_on_error=False)

    remote.submit = submit
    return app
