"""The real app in a pseudo-terminal while another process holds the alert log's write lock:
the status bar says the log is behind, the app is killed, and the next start writes what it
had shown, once, with the original times (issue 14)."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest

from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.store import Store
from tests.e2e.ptyrun import PtyApp, isolated_env, rotmon
from tests.support.dblock import write_locked

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="pty: Linux only")


def _log(db: Path) -> list[tuple[str, str, str]]:
    with Store(db) as store:
        return [
            (e.time.isoformat(), e.rule, e.event) for e in reversed(store.alert_log(limit=100_000))
        ]


def test_killed_while_the_log_is_behind_the_next_start_writes_it_once(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    Store(db).close()
    env = isolated_env(tmp_path)
    argv = rotmon("--demo", "--scenario", "hard-landing", "--db", str(db))
    with write_locked(db) as lock:
        app = PtyApp(argv, env, size=(160, 48))
        try:
            app.wait_for("‼ CRIT")  # shown: so it is in the queue file
            app.wait_for("alert log behind:")
            batches = AlertQueue(queue_path_for(db)).read()
            app.signal(signal.SIGKILL)  # a crash: no exit path runs
            app.wait(10)
        finally:
            app.close()
        lock.release()
    expected = [
        (t.time.astimezone(UTC).isoformat(), t.rule, t.event) for _k, b in batches for t in b
    ]
    assert expected and _log(db) == []

    again = PtyApp(argv, env, size=(160, 48))
    try:
        again.wait_for("‼ CRIT")
        deadline = time.monotonic() + 15
        while len(_log(db)) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.1)
        again.press("q")
        assert again.wait(10) == 0
    finally:
        again.close()
    logged = _log(db)
    assert logged[: len(expected)] == expected  # in order, with the times they happened
    raised = Counter(rule for _time, rule, event in logged if event == "raised")
    assert raised and max(raised.values()) == 1  # nothing raised twice after the restart
    assert queue_path_for(db).stat().st_size == 0
