"""The alert desk: follows each snapshot's rule levels, logs every transition durably before it
is shown, and says when to ring the bell (SPEC 7 lifecycle; issue 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analytics.lifecycle import ActiveEntry, AlertBook, Transition, needs_bell
from analytics.types import Snapshot
from data_sources.paths import default_db_path
from data_sources.store import LogEntry, Store, open_store


def store_path_for(kind: str, db: Path | None) -> Path:
    """The SQLite file for a source kind: ``--db`` when given; otherwise the live store, with
    demo and pack alerts kept in files of their own so they never mix with the real log."""
    if db is not None:
        return db
    default = default_db_path()
    return default if kind == "live" else default.with_name(f"rotmon-{kind}.sqlite3")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one evaluation changed: the logged transitions, whether to ring, what to say."""

    transitions: tuple[Transition, ...]
    ring: bool
    notices: tuple[tuple[str, str], ...]  # (message, severity) for notifications


class AlertDesk:
    """The alert book restored from the store, and the store it logs into."""

    def __init__(self, store: Store, *, bell: bool = True) -> None:
        self.store = store
        self.bell = bell
        self.warning: str | None = None
        """Set by ``open`` when the store file was corrupt or foreign and was moved aside."""
        self.book = AlertBook(store.active_alerts(), store.muted_rules())

    @classmethod
    def open(cls, path: Path, *, bell: bool = True) -> tuple[AlertDesk, str | None]:
        """A desk over the store at ``path``; the warning names a corrupt file moved aside."""
        store, warning = open_store(path)
        desk = cls(store, bell=bell)
        desk.warning = warning
        return desk, warning

    def follow(self, snapshot: Snapshot) -> Outcome:
        """Apply one snapshot's active alerts; every transition is committed before return."""
        transitions = self.book.update(snapshot.alerts, snapshot.asof)
        if transitions:
            self.store.append_transitions(transitions)
        shown = [
            t for t in transitions if t.announce and t.event in ("raised", "deescalated", "cleared")
        ]
        notices = tuple((_notice(t), _severity(t)) for t in shown)
        if len(notices) > MAX_NOTICES:  # a start into a crisis: one toast, not a wall of them
            worst = "error" if any(t.severity == "critical" for t in shown) else "warning"
            rules = ", ".join(t.rule for t in shown)
            notices = ((f"{len(shown)} alert changes: {rules}", worst),)
        return Outcome(transitions, self.bell and needs_bell(transitions), notices)

    def acknowledge(self, rule: str, now: datetime) -> Transition | None:
        """Acknowledge ``rule``'s active alert (logged); None when there is nothing to ack."""
        t = self.book.ack(rule, now)
        if t is not None:
            self.store.append_transitions([t])
        return t

    def toggle_mute(self, rule: str, now: datetime) -> Transition | None:
        """Mute an unmuted rule, unmute a muted one (logged)."""
        t = self.book.mute(rule, now, muted=not self.book.is_muted(rule))
        if t is not None:
            self.store.append_transitions([t])
        return t

    def active(self) -> tuple[ActiveEntry, ...]:
        return self.book.active()

    def is_muted(self, rule: str) -> bool:
        return self.book.is_muted(rule)

    def log(self, rule: str | None = None, limit: int = 500) -> list[LogEntry]:
        return self.store.alert_log(rule, limit)

    def close(self) -> None:
        self.store.close()


MAX_NOTICES = 3
"""More announced transitions than this at once are summed up in one notification."""


def _severity(t: Transition) -> str:
    if t.event == "cleared":
        return "information"
    return "error" if t.severity == "critical" else "warning"


def _notice(t: Transition) -> str:
    sev = (t.severity or "").upper()
    if t.event == "cleared":
        return f"Cleared: {t.rule}"
    if t.event == "deescalated":
        return f"{sev}: {t.rule} eased — {t.message}"
    return f"{sev}: {t.message or t.rule}"
