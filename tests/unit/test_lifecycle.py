"""The alert lifecycle step by step: raise, escalate, de-escalate, acknowledge, mute, clear."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from analytics.lifecycle import ActiveEntry, AlertBook, Transition, needs_bell
from analytics.types import Alert

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def vix(severity: str, value: float) -> Alert:
    threshold = 35.0 if severity == "critical" else 25.0
    return Alert(
        "vix", "hard_landing", severity, value, threshold, date(2026, 3, 2), f"VIX {value}"
    )  # type: ignore[arg-type]


def oil(severity: str, value: float) -> Alert:
    threshold = 30.0 if severity == "critical" else 15.0
    return Alert("wti_20d", "energy_shock", severity, value, threshold, date(2026, 3, 2), "WTI up")  # type: ignore[arg-type]


def events(transitions: tuple[Transition, ...]) -> list[tuple[str, str, str | None]]:
    return [(t.rule, t.event, t.severity) for t in transitions]


def test_raise_hold_escalate_deescalate_clear() -> None:
    book = AlertBook()
    # Step 1: VIX crosses the warning threshold: one raise.
    step1 = book.update([vix("warning", 26.0)], at(0))
    assert events(step1) == [("vix", "raised", "warning")]
    assert step1[0].value == 26.0 and step1[0].threshold == 25.0 and step1[0].time == at(0)
    assert step1[0].announce is True and step1[0].group == "hard_landing"
    assert not needs_bell(step1)  # a warning does not ring

    # Step 2: same level, new value: no transition, the book follows the value.
    assert book.update([vix("warning", 28.5)], at(1)) == ()
    (entry,) = book.active()
    assert entry.alert.value == 28.5 and entry.raised_at == at(0) and not entry.acked

    # Step 3: escalation to critical is a new raise and rings.
    step3 = book.update([vix("critical", 36.0)], at(2))
    assert events(step3) == [("vix", "raised", "critical")]
    assert needs_bell(step3)
    assert book.get("vix") is not None and book.get("vix").raised_at == at(2)  # type: ignore[union-attr]

    # Step 4: back to warning: a de-escalation with the new severity, no bell.
    step4 = book.update([vix("warning", 30.0)], at(3))
    assert events(step4) == [("vix", "deescalated", "warning")]
    assert step4[0].threshold == 25.0 and not needs_bell(step4)
    assert book.get("vix").raised_at == at(2)  # type: ignore[union-attr]

    # Step 5: gone from the evaluation: cleared, with the last value seen.
    step5 = book.update([], at(4))
    assert events(step5) == [("vix", "cleared", "warning")]
    assert step5[0].value == 30.0
    assert book.active() == ()
    # Step 6: nothing active stays nothing.
    assert book.update([], at(5)) == ()


def test_cleared_logs_the_current_value_when_given() -> None:
    book = AlertBook()
    book.update([vix("warning", 26.0)], at(0))
    (cleared,) = book.update([], at(1), values={"vix": 21.5})
    assert cleared.event == "cleared" and cleared.value == 21.5


def test_new_critical_straight_away_rings_once() -> None:
    book = AlertBook()
    first = book.update([oil("critical", 31.0)], at(0))
    assert needs_bell(first)
    assert not needs_bell(book.update([oil("critical", 33.0)], at(1)))


def test_acknowledge_and_reset_on_escalation() -> None:
    book = AlertBook()
    book.update([vix("warning", 26.0)], at(0))
    ack = book.ack("vix", at(1))
    assert ack is not None
    assert (ack.event, ack.severity, ack.value, ack.announce) == (
        "acknowledged",
        "warning",
        26.0,
        False,
    )
    assert book.get("vix").acked_at == at(1)  # type: ignore[union-attr]
    # A second ack and an ack of an inactive rule do nothing.
    assert book.ack("vix", at(2)) is None
    assert book.ack("ovx", at(2)) is None
    # Escalation resets the acknowledgement: the critical must be seen.
    book.update([vix("critical", 40.0)], at(3))
    assert not book.get("vix").acked  # type: ignore[union-attr]
    assert book.ack("vix", at(4)) is not None
    # De-escalation keeps the acknowledgement of the worse level.
    book.update([vix("warning", 30.0)], at(5))
    assert book.get("vix").acked_at == at(4)  # type: ignore[union-attr]
    # Clear and raise again: a fresh, unacknowledged alert.
    book.update([], at(6))
    book.update([vix("warning", 26.0)], at(7))
    assert not book.get("vix").acked  # type: ignore[union-attr]


def test_muted_rules_are_logged_but_not_announced() -> None:
    book = AlertBook()
    book.update([vix("warning", 26.0)], at(0))
    mute = book.mute("vix", at(1))
    assert mute is not None
    assert (mute.event, mute.severity, mute.group, mute.announce) == (
        "muted",
        "warning",
        "hard_landing",
        False,
    )
    assert book.mute("vix", at(1)) is None  # already muted
    assert book.get("vix").muted  # type: ignore[union-attr]

    escalated = book.update([vix("critical", 40.0)], at(2))
    assert events(escalated) == [("vix", "raised", "critical")]
    assert escalated[0].announce is False
    assert not needs_bell(escalated)  # muted: no bell for the critical
    cleared = book.update([], at(3))
    assert events(cleared) == [("vix", "cleared", "critical")] and not cleared[0].announce

    # The mute is a rule setting: it outlives the episode.
    again = book.update([vix("critical", 41.0)], at(4))
    assert not again[0].announce and not needs_bell(again)

    unmute = book.mute("vix", at(5), muted=False)
    assert unmute is not None and unmute.event == "unmuted"
    book.update([], at(6))
    back = book.update([vix("critical", 42.0)], at(7))
    assert back[0].announce and needs_bell(back)


def test_mute_of_an_inactive_rule() -> None:
    book = AlertBook()
    mute = book.mute("ovx", at(0))
    assert mute == Transition(at(0), "ovx", None, None, "muted", None, None, "", announce=False)
    assert book.is_muted("ovx") and book.muted == frozenset({"ovx"})
    (raised,) = book.update(
        [Alert("ovx", "energy_shock", "critical", 61.0, 60.0, date(2026, 3, 2), "OVX")], at(1)
    )
    assert raised.announce is False


def test_several_rules_order_and_duplicates() -> None:
    book = AlertBook()
    book.update([vix("warning", 26.0), oil("warning", 16.0)], at(0))
    # VIX clears and oil escalates in the same evaluation; a duplicate rule keeps its worst level.
    step = book.update([oil("warning", 17.0), oil("critical", 31.0)], at(1))
    assert events(step) == [("vix", "cleared", "warning"), ("wti_20d", "raised", "critical")]
    assert needs_bell(step)
    book.update([oil("critical", 31.0), vix("warning", 26.0)], at(2))
    assert [e.rule for e in book.active()] == ["wti_20d", "vix"]  # critical first


def test_restored_book_does_not_raise_again() -> None:
    alert = vix("critical", 36.0)
    restored = ActiveEntry(alert, raised_at=at(0), acked_at=at(1))
    book = AlertBook([restored], muted=["wti_20d"])
    # Same level after a restart: no transition, no bell; the ack state survives.
    assert book.update([vix("critical", 37.0)], at(10)) == ()
    assert book.get("vix").acked_at == at(1)  # type: ignore[union-attr]
    assert book.is_muted("wti_20d")
    assert events(book.update([], at(11))) == [("vix", "cleared", "critical")]


def test_needs_bell_only_for_announced_critical_raises() -> None:
    def t(event: str, severity: str, announce: bool) -> Transition:
        return Transition(at(0), "r", "hard_landing", severity, event, 1.0, 1.0, "", announce)  # type: ignore[arg-type]

    assert needs_bell([t("raised", "critical", True)])
    assert not needs_bell([t("raised", "critical", False)])
    assert not needs_bell([t("raised", "warning", True)])
    assert not needs_bell([t("deescalated", "critical", True)])
    assert not needs_bell([t("cleared", "critical", True)])
    assert not needs_bell([])


def test_a_rule_without_data_is_neither_cleared_nor_raised() -> None:
    # SPEC 7: a rule whose inputs are missing or stale is unknown; the log must not say its
    # alert cleared (nothing is known about it), and its return does not raise it again.
    book = AlertBook()
    book.update([vix("critical", 36.0)], at(0))
    assert book.update([], at(1), unknown=("vix",)) == ()
    (entry,) = book.active()
    assert (entry.alert.rule, entry.raised_at) == ("vix", at(0))
    assert book.update([vix("critical", 37.0)], at(2)) == ()  # back, still critical: held
    assert events(book.update([], at(3))) == [("vix", "cleared", "critical")]
