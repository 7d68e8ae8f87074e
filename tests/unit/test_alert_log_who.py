"""The alert log's ``who`` column (issue 18: acks and mutes logged durably with user@host): added
to an existing database on open without losing a row, also when another process holds the
lock at open, and filled by the app's own acknowledgements and mutes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from analytics.lifecycle import Transition
from data_sources.alert_queue import AlertQueue
from data_sources.demo import DemoSource
from data_sources.store import Store
from data_sources.whoami import who
from tests.support.dblock import write_locked
from tui.alerts import AlertDesk
from tui.compute import snapshot_from_market

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _raised(minute: int, rule: str = "vix") -> Transition:
    return Transition(
        T0.replace(minute=minute), rule, "hard_landing", "critical", "raised", 31.0, 30.0,
        "VIX above 30", True,
    )  # fmt: skip


def _old_file(db: Path, rows: int) -> None:
    """A database as rotmon wrote it before the ``who`` column, with ``rows`` log rows."""
    with Store(db) as store:
        store.append_transitions(_raised(i) for i in range(rows))
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("ALTER TABLE alert_log DROP COLUMN who")
        con.commit()
        assert "who" not in {r[1] for r in con.execute("PRAGMA table_info(alert_log)")}


def _columns(db: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return {r[1] for r in con.execute("PRAGMA table_info(alert_log)")}


def test_an_existing_log_gains_the_who_column_and_keeps_every_row(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_file(db, 5)
    with Store(db) as store:
        assert "who" in _columns(db)
        old = store.alert_log()
        assert len(old) == 5 and all(e.who is None for e in old)
        ack = Transition(T0.replace(minute=9), "vix", "hard_landing", "critical",
                         "acknowledged", None, None, "", False, who="alice@desk1")  # fmt: skip
        store.append_transitions([ack])
        # and through the retry queue's path (a batch written after a lock went away)
        mute = replace(ack, event="muted", time=T0.replace(minute=10), who="bob@desk2")
        store.append_queued([("k1", (mute,))])
        log = store.alert_log()
    newest = [(e.event, e.who) for e in log[:2]]
    assert newest == [("muted", "bob@desk2"), ("acknowledged", "alice@desk1")]
    assert [e.id for e in log[2:]] == [5, 4, 3, 2, 1]  # the old rows, ids unchanged
    with Store(db) as again:  # a second open has nothing to add
        assert len(again.alert_log()) == 7


def test_a_file_locked_at_open_gets_the_column_with_its_first_write(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    _old_file(db, 2)
    with write_locked(db) as holder:
        store = Store(db, busy_timeout=0.2)  # opens and reads; cannot add the column now
        assert "who" not in _columns(db)
        assert [e.who for e in store.alert_log()] == [None, None]
        holder.release()
    ack = Transition(T0, "vix", "hard_landing", "critical", "acknowledged", None, None, "",
                     False, who="carol@desk3")  # fmt: skip
    store.append_transitions([ack])
    assert "who" in _columns(db)
    assert [e.who for e in store.alert_log()] == ["carol@desk3", None, None]
    store.close()


def test_the_retry_queue_keeps_who(tmp_path: Path) -> None:
    queue = AlertQueue(tmp_path / "q.jsonl")
    t = replace(_raised(1), event="acknowledged", who="dave@desk4")
    queue.append("k", (t,))
    assert queue.read()[0][1][0].who == "dave@desk4"


def test_the_apps_own_acknowledgement_and_mute_are_logged_with_who(tmp_path: Path) -> None:
    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    snapshot = snapshot_from_market(src.market_data(src.clock.now()))

    async def run() -> None:
        desk, _warning = AlertDesk.open(tmp_path / "app.sqlite3")
        try:
            await desk.follow(snapshot)
            rule = desk.active()[0].rule
            assert await desk.acknowledge(rule, T0) is not None
            assert await desk.toggle_mute(rule, T0) is not None
            log = desk.log(rule)
            newest = [(e.event, e.who) for e in log[:2]]
            assert newest == [("muted", who()), ("acknowledged", who())]
            assert log[2].event == "raised" and log[2].who is None  # the rules raised it
        finally:
            desk.close()

    asyncio.run(run())
