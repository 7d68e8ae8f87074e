"""The alert lifecycle: rule levels in, logged transitions out (raised → acknowledged → cleared).

Pure: no I/O and no clock; ``now`` is always an argument. Hysteresis lives in the risk engine,
which decides the level of each rule; the book only follows those levels and turns their changes
(and the user's acknowledge / mute actions) into ``Transition`` values for the alert log.

Events:
- ``raised``: a rule becomes active, or escalates warning → critical (a new raise: the
  acknowledgement is reset and a critical one rings the bell).
- ``deescalated``: critical → warning while still active; logged with the new severity; an
  acknowledgement of the critical level carries over (the situation became milder).
- ``cleared``: the rule is no longer active.
- ``acknowledged``: the user acknowledged the active alert (``AlertBook.ack``).
- ``muted`` / ``unmuted``: the user muted or unmuted the rule (``AlertBook.mute``). A muted
  rule is still evaluated and logged, but its transitions carry ``announce=False``.

``announce`` tells the UI whether to notify the user: True for raised / deescalated / cleared
of a rule that is not muted; False for muted rules and for the user's own actions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from analytics.types import Alert, Group, Severity

Event = Literal["raised", "acknowledged", "deescalated", "cleared", "muted", "unmuted"]
EVENTS: tuple[Event, ...] = ("raised", "acknowledged", "deescalated", "cleared", "muted", "unmuted")

_RANK: dict[str, int] = {"warning": 1, "critical": 2}


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of an alert's state, as written to the alert log.

    ``group`` and ``severity`` are None only for a mute / unmute of a rule that is not active
    (the book does not know its group then); ``value`` / ``threshold`` are None when unknown.
    """

    time: datetime
    rule: str
    group: Group | None
    severity: Severity | None
    event: Event
    value: float | None
    threshold: float | None
    message: str
    announce: bool
    who: str | None = None
    """``user@host`` of whoever acknowledged / muted / unmuted (None: the rules did it)."""


@dataclass(frozen=True, slots=True)
class ActiveEntry:
    """An active alert in the book: the latest rule level plus its lifecycle state.

    ``raised_at`` is the time of the last raise (new or escalation); ``alert.since`` is the
    data date the risk engine reports for the level.
    """

    alert: Alert
    raised_at: datetime
    acked_at: datetime | None = None
    muted: bool = False

    @property
    def rule(self) -> str:
        return self.alert.rule

    @property
    def severity(self) -> Severity:
        return self.alert.severity

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    @property
    def since(self) -> datetime:
        """When this alert was raised (wall time of the raise)."""
        return self.raised_at


def _strongest(alerts: Iterable[Alert]) -> dict[str, Alert]:
    """One alert per rule, keeping input order; a duplicate rule keeps its most severe level."""
    out: dict[str, Alert] = {}
    for alert in alerts:
        kept = out.get(alert.rule)
        if kept is None or _RANK[alert.severity] > _RANK[kept.severity]:
            out[alert.rule] = alert
    return out


class AlertBook:
    """The state machine over rule levels. Not thread-safe: drive it from one thread."""

    def __init__(
        self,
        active: Iterable[ActiveEntry] = (),
        muted: Iterable[str] = (),
    ) -> None:
        """Start empty, or restored from the store (``active_alerts()``, ``muted_rules()``)."""
        self._muted: set[str] = set(muted)
        self._active: dict[str, ActiveEntry] = {}
        for entry in active:
            self._active[entry.rule] = replace(entry, muted=entry.rule in self._muted)

    def copy(self) -> AlertBook:
        """An independent book in the same state: plan on the copy, keep it once the plan's
        transitions are logged (the alert desk logs before it shows)."""
        return AlertBook(self._active.values(), self._muted)

    def replay(self, transitions: Iterable[Transition]) -> None:
        """Bring the book up to date with transitions already decided (logged or queued
        earlier, e.g. the retry queue of a previous run), in order; returns nothing new."""
        for t in transitions:
            self._replay_one(t)

    def _replay_one(self, t: Transition) -> None:
        entry = self._active.get(t.rule)
        if t.event in ("muted", "unmuted"):
            muted = t.event == "muted"
            (self._muted.add if muted else self._muted.discard)(t.rule)
            if entry is not None:
                self._active[t.rule] = replace(entry, muted=muted)
        elif t.event == "cleared":
            self._active.pop(t.rule, None)
        elif t.event == "acknowledged":
            if entry is not None:
                self._active[t.rule] = replace(entry, acked_at=t.time)
        elif t.group is not None and t.severity is not None:  # raised / deescalated
            alert = Alert(
                rule=t.rule,
                group=t.group,
                severity=t.severity,
                value=math.nan if t.value is None else t.value,
                threshold=math.nan if t.threshold is None else t.threshold,
                since=t.time.date() if entry is None else entry.alert.since,
                message=t.message,
            )
            muted = t.rule in self._muted
            if t.event == "raised" or entry is None:
                self._active[t.rule] = ActiveEntry(alert, raised_at=t.time, muted=muted)
            else:
                self._active[t.rule] = replace(entry, alert=alert)

    # -- queries ---------------------------------------------------------------------------

    def active(self) -> tuple[ActiveEntry, ...]:
        """Active alerts, critical first, then in the order they were raised."""
        entries = list(self._active.values())
        return tuple(sorted(entries, key=lambda e: -_RANK[e.severity]))

    def get(self, rule: str) -> ActiveEntry | None:
        return self._active.get(rule)

    @property
    def muted(self) -> frozenset[str]:
        return frozenset(self._muted)

    def is_muted(self, rule: str) -> bool:
        return rule in self._muted

    # -- evaluation --------------------------------------------------------------------------

    def update(
        self,
        alerts: Iterable[Alert],
        now: datetime,
        values: Mapping[str, float | None] | None = None,
        unknown: Iterable[str] = (),
    ) -> tuple[Transition, ...]:
        """Follow the levels of one evaluation and return the transitions it causes.

        ``alerts`` are the active alerts of the evaluation (``evaluate_risk(...).alerts``);
        a rule absent from them is cleared. ``values`` optionally gives the current value of
        rules that are no longer active, so that a ``cleared`` entry logs the value at the
        clear; without it the last value seen while active is logged.
        Cleared transitions come first, then the others in the order of ``alerts``.
        A rule in ``unknown`` (its inputs missing or stale, SPEC 7) is neither cleared nor
        raised: without data nothing is known about it, so an active alert stays as it was.
        """
        current = _strongest(alerts)
        held_unknown = set(unknown)
        out: list[Transition] = []
        for rule in [r for r in self._active if r not in current and r not in held_unknown]:
            entry = self._active.pop(rule)
            last = values.get(rule) if values is not None else None
            value = entry.alert.value if last is None else last
            out.append(
                self._transition(
                    now,
                    entry.alert,
                    "cleared",
                    value=value,
                    message=f"cleared: {entry.alert.message}" if entry.alert.message else "",
                )
            )
        for rule, alert in current.items():
            held = self._active.get(rule)
            muted = rule in self._muted
            if held is None:
                self._active[rule] = ActiveEntry(alert, raised_at=now, muted=muted)
                out.append(self._transition(now, alert, "raised"))
            elif _RANK[alert.severity] > _RANK[held.severity]:
                # An escalation is a new raise: it must be seen again, so the ack is reset.
                self._active[rule] = ActiveEntry(alert, raised_at=now, muted=muted)
                out.append(self._transition(now, alert, "raised"))
            elif _RANK[alert.severity] < _RANK[held.severity]:
                self._active[rule] = replace(held, alert=alert)
                out.append(self._transition(now, alert, "deescalated"))
            else:
                # Same level: the value moves, the lifecycle does not.
                self._active[rule] = replace(held, alert=alert)
        return tuple(out)

    # -- user actions ------------------------------------------------------------------------

    def ack(self, rule: str, now: datetime) -> Transition | None:
        """Acknowledge the active alert of ``rule``; None when it is not active or already acked."""
        entry = self._active.get(rule)
        if entry is None or entry.acked:
            return None
        self._active[rule] = replace(entry, acked_at=now)
        return self._transition(now, entry.alert, "acknowledged", announce=False)

    def mute(self, rule: str, now: datetime, muted: bool = True) -> Transition | None:
        """Mute (or unmute) ``rule``; None when nothing changes.

        Works whether or not the rule is active; the transition carries the active alert's
        group, severity and value when there is one.
        """
        if (rule in self._muted) == muted:
            return None
        if muted:
            self._muted.add(rule)
        else:
            self._muted.discard(rule)
        event: Event = "muted" if muted else "unmuted"
        entry = self._active.get(rule)
        if entry is None:
            return Transition(now, rule, None, None, event, None, None, "", announce=False)
        self._active[rule] = replace(entry, muted=muted)
        return self._transition(now, entry.alert, event, announce=False)

    # -- helpers -----------------------------------------------------------------------------

    def _transition(
        self,
        now: datetime,
        alert: Alert,
        event: Event,
        *,
        value: float | None = None,
        message: str | None = None,
        announce: bool | None = None,
    ) -> Transition:
        return Transition(
            time=now,
            rule=alert.rule,
            group=alert.group,
            severity=alert.severity,
            event=event,
            value=alert.value if value is None else value,
            threshold=alert.threshold,
            message=alert.message if message is None else message,
            announce=(alert.rule not in self._muted) if announce is None else announce,
        )


def needs_bell(transitions: Iterable[Transition]) -> bool:
    """True when the transitions hold a new critical raise of a rule that is not muted."""
    return any(t.event == "raised" and t.severity == "critical" and t.announce for t in transitions)
