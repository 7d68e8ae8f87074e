"""The alert desk: follows each snapshot's rule levels, makes every transition durable before it
is shown or kept, and says when to ring the bell (SPEC 7 lifecycle; issues 5 and 14)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from analytics.lifecycle import ActiveEntry, AlertBook, Transition, needs_bell
from analytics.rules import RuleSpec
from analytics.types import Snapshot
from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.alert_writer import (
    RETRY_FIRST,
    RETRY_MAX,
    WRITER_BUSY_TIMEOUT,
    AlertLogWriter,
    Restored,
    Saved,
)
from data_sources.paths import store_path_for
from data_sources.store import LogEntry, Store, StoreError, open_store
from data_sources.whoami import who

log = logging.getLogger(__name__)

__all__ = ["AlertDesk", "Outcome", "store_path_for"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one evaluation or user action changed: the transitions (durable before this is
    returned), where they went, whether to ring, what to say."""

    transitions: tuple[Transition, ...]
    ring: bool
    notices: tuple[tuple[str, str], ...]  # (message, severity) for notifications
    saved: Saved | None = None
    """None when there was nothing to log; else ``logged``, ``queued`` or ``unsaved``."""


class AlertDesk:
    """The alert book, the store it is read from and the writer thread that logs into it.

    Log before show: each change is planned on a copy of the book, handed to the writer, and
    the copy becomes the book only once the writer reports the transitions durable (logged,
    or in the retry queue). Changes are applied one at a time, in the order they were asked
    for. The methods that change the book are coroutines: the UI awaits them without blocking
    (the writer does the SQLite work on its own thread).
    """

    def __init__(
        self,
        store: Store,
        writer: AlertLogWriter | None = None,
        *,
        bell: bool = True,
        restored: Restored | None = None,
    ) -> None:
        self.store = store
        self.writer = writer if writer is not None else AlertLogWriter(store, None)
        self.bell = bell
        self.labels: Mapping[str, str] = rule_labels()
        """Rule id -> its name, for what the desk says (toasts name rules, not ids)."""
        self.warning: str | None = None
        """Set by ``open`` when the store file was damaged and was moved aside."""
        self.who = who()
        """``user@host`` logged with this user's acknowledgements and mutes."""
        state = restored if restored is not None else self.writer.restore()
        self.book = AlertBook(state.active, state.muted)
        # What an earlier run queued but could not log yet is already decided: the book
        # starts from it, so it is neither raised again nor logged twice.
        self.book.replay(t for _key, batch in state.pending for t in batch)
        self._turn = asyncio.Lock()
        self.writer.start()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        bell: bool = True,
        retry_first: float = RETRY_FIRST,
        retry_max: float = RETRY_MAX,
        on_change: Callable[[], None] | None = None,
    ) -> tuple[AlertDesk, str | None]:
        """A desk over the store at ``path``; the warning names a damaged file moved aside.

        Blocks (opens files, replays the retry queue): call it off the UI thread. Raises
        ``StoreRefused`` for a file that is not rotmon's to use.
        """
        store, warning = open_store(path)
        retry_queue: AlertQueue | None = None
        writer_store = store
        if str(store.path) != ":memory:":
            retry_queue = AlertQueue(queue_path_for(store.path))
            try:
                writer_store = Store(store.path, busy_timeout=WRITER_BUSY_TIMEOUT)
            except StoreError as exc:  # rare (a race at creation): share the reader's
                log.warning("alert log writer shares the reader connection: %s", exc)
        writer = AlertLogWriter(
            writer_store,
            retry_queue,
            retry_first=retry_first,
            retry_max=retry_max,
            on_change=on_change,
        )
        desk = cls(store, writer, bell=bell)
        desk.warning = warning
        return desk, warning

    @property
    def in_memory(self) -> bool:
        """The log's file could not be opened: this session's transitions are kept in memory
        only (``warning`` says why) and are lost when rotmon exits."""
        return self.warning is not None and str(self.store.path) == ":memory:"

    @property
    def behind(self) -> int:
        """Transitions shown but not yet in the database (in the retry queue or memory)."""
        return self.writer.behind

    @property
    def unsaved(self) -> int:
        """Transitions shown but kept only in memory (lost if the process dies)."""
        return self.writer.unsaved

    async def _apply(
        self, plan: Callable[[AlertBook], tuple[Transition, ...]]
    ) -> tuple[tuple[Transition, ...], Saved | None]:
        """Plan on a copy of the book, make the plan durable, then keep the copy."""
        async with self._turn:
            book = self.book.copy()
            transitions = plan(book)
            if not transitions:
                self.book = book  # values move without a transition
                return transitions, None
            future = self.writer.submit(transitions)
            try:
                saved = await asyncio.shield(asyncio.wrap_future(future))
            except asyncio.CancelledError:
                # The writer never drops a batch it was given: the plan stands.
                self.book = book
                raise
            self.book = book
            return transitions, saved

    async def follow(self, snapshot: Snapshot) -> Outcome:
        """Apply one snapshot's active alerts; the transitions are durable before return."""
        transitions, saved = await self._apply(
            lambda book: book.update(snapshot.alerts, snapshot.asof, unknown=snapshot.unknown_rules)
        )
        shown = [
            t for t in transitions if t.announce and t.event in ("raised", "deescalated", "cleared")
        ]
        notices = tuple((_notice(t, self.labels), _severity(t)) for t in shown)
        if len(notices) > MAX_NOTICES:  # a start into a crisis: one toast, not a wall of them
            worst = "error" if any(t.severity == "critical" for t in shown) else "warning"
            rules = ", ".join(self.labels.get(t.rule, t.rule) for t in shown)
            notices = ((f"{len(shown)} alert changes: {rules}", worst),)
        return Outcome(transitions, self.bell and needs_bell(transitions), notices, saved)

    async def acknowledge(self, rule: str, now: datetime) -> Outcome | None:
        """Acknowledge ``rule``'s active alert (logged); None when there is nothing to ack."""

        def plan(book: AlertBook) -> tuple[Transition, ...]:
            t = book.ack(rule, now)
            return () if t is None else (replace(t, who=self.who),)

        transitions, saved = await self._apply(plan)
        return Outcome(transitions, False, (), saved) if transitions else None

    async def toggle_mute(self, rule: str, now: datetime) -> Outcome | None:
        """Mute an unmuted rule, unmute a muted one (logged)."""

        def plan(book: AlertBook) -> tuple[Transition, ...]:
            t = book.mute(rule, now, muted=not book.is_muted(rule))
            return () if t is None else (replace(t, who=self.who),)

        transitions, saved = await self._apply(plan)
        return Outcome(transitions, False, (), saved) if transitions else None

    def active(self) -> tuple[ActiveEntry, ...]:
        return self.book.active()

    def is_muted(self, rule: str) -> bool:
        return self.book.is_muted(rule)

    def log(self, rule: str | None = None, limit: int = 500) -> list[LogEntry]:
        """The alert log, newest first, with what is still queued on top (negative ids,
        "not saved yet"): what the screen shows is in the log the screen shows."""
        waiting = [t for t in self.writer.pending() if rule in (None, t.rule)]
        queued = [
            LogEntry(
                -(i + 1),
                t.time.astimezone(UTC),
                t.rule,
                t.group,
                t.severity,
                t.event,
                t.value,
                t.threshold,
                f"{t.message} (not saved yet)" if t.message else "(not saved yet)",
                t.who,
            )
            for i, t in enumerate(reversed(waiting))
        ]
        return (queued + self.store.alert_log(rule, limit))[:limit]

    def close(self) -> int:
        """Stop the writer (one last try of the retry queue) and close the store; returns
        how many transitions are lost (memory only; the queue file is kept for next time)."""
        lost = self.writer.close()
        if self.writer.store is not self.store:
            self.writer.store.close()
        self.store.close()
        return lost


MAX_NOTICES = 3
"""More announced transitions than this at once are summed up in one notification."""


def _severity(t: Transition) -> str:
    if t.event == "cleared":
        return "information"
    return "error" if t.severity == "critical" else "warning"


def rule_labels(rules: Iterable[RuleSpec] | None = None) -> dict[str, str]:
    """Rule id -> the name a trader reads (``vix`` -> ``VIX``); the default rules' when None."""
    from analytics.rules import DEFAULT_RULES

    return {r.id: r.label for r in (DEFAULT_RULES if rules is None else rules)}


def _notice(t: Transition, labels: Mapping[str, str]) -> str:
    sev = (t.severity or "").upper()
    name = labels.get(t.rule, t.rule)
    if t.event == "cleared":
        return f"Cleared: {name}"
    if t.event == "deescalated":
        return f"{sev}: {name} eased — {t.message}"
    return f"{sev}: {t.message or name}"  # the message names the rule in words
