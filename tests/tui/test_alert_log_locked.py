"""The wired app while another process holds the alert log's write lock (issue 14): keys keep
working, the screen shows only alerts that are logged or durably queued, the status bar says
how far the log is behind, and after the release the log holds every transition once."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from textual.widgets import Static

from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.store import Store
from tests.support.dblock import write_locked
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import START, demo_source, status_text, wait_until
from tui.app import RotmonApp
from tui.config import Settings
from tui.wiring import build_app
from widgets.alert_list import AlertTable


def _logged(db: Path) -> list[tuple[str, str, str]]:
    with Store(db) as store:
        return [
            (e.time.isoformat(), e.rule, e.event) for e in reversed(store.alert_log(limit=100_000))
        ]


def _wired(db: Path) -> tuple[RotmonApp, list[int]]:
    app = build_app(
        demo_source("hard-landing"),
        Settings(export_dir=db.parent),
        kind="demo",
        db=db,
        badge="DEMO",
        clock=lambda: START,
        live_polling=False,
    )
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    return app, rings


async def test_a_locked_log_keeps_keys_working_and_shows_only_what_is_queued(
    tmp_path: Path,
) -> None:
    db = tmp_path / "alerts.sqlite3"
    Store(db).close()
    queue = AlertQueue(queue_path_for(db))
    with write_locked(db) as lock:
        app, rings = _wired(db)
        async with app.run_test(size=(160, 48)) as pilot:
            # Evaluated but not durable yet: the pane says so, never "no active alerts".
            quiet = app.dashboard.query_one("#quiet", Static)
            await wait_until(lambda: "being written to the alert log" in str(quiet.render()), 10)
            assert not app.dashboard.query_one(AlertTable).rows
            await snapshot_on_screen(app)
            assert "being written" not in str(quiet.render())
            desk = app.alerts
            assert desk is not None
            queued = [t for _key, batch in queue.read() for t in batch]
            raised = {t.rule for t in queued if t.event == "raised"}
            assert raised and desk.behind == len(queued)
            table = app.dashboard.query_one(AlertTable)
            assert {key.value for key in table.rows} == raised  # only what is durable
            assert f"alert log behind: {len(queued)} unsaved" in status_text(app)
            assert rings == [1]  # announced once queued, not before, not twice

            await pilot.press("3")  # the risk pane, then acknowledge and mute its first row
            rule = table.cursor_key()
            assert rule in raised
            await pilot.press("a")
            await wait_until(lambda: rule in app.acked)
            assert table.get_cell(rule, "ack").plain == "ack"
            await pilot.press("m")
            await wait_until(lambda: rule in app.muted)
            assert table.get_cell(rule, "ack").plain == "muted"
            toasts = [str(n.message) for n in app._notifications]
            name = app.rule_label(rule)  # toasts name the rule, not its id
            assert any(m.startswith(f"Acknowledged {name}; alert log queued") for m in toasts)
            assert any(m.startswith(f"Muted {name}; alert log queued") for m in toasts)
            # All of that happened while the other process still held the lock.
            assert lock.proc.poll() is None and _logged(db) == []
            assert f"alert log behind: {len(queued) + 2} unsaved" in status_text(app)
            queued = [t for _key, batch in queue.read() for t in batch]
            assert [t.event for t in queued[-2:]] == ["acknowledged", "muted"]

            lock.release()
            desk.writer.nudge()  # not waiting for the backoff's next step
            await wait_until(lambda: desk.behind == 0, timeout=10)
            await wait_until(lambda: "alert log behind" not in status_text(app))
    expected = [(t.time.astimezone(UTC).isoformat(), t.rule, t.event) for t in queued]
    assert _logged(db) == expected  # each once, in order, with the time it happened
    with Store(db) as store:
        assert store.muted_rules() == frozenset({rule})


async def test_a_text_file_at_db_leaves_the_app_without_a_log_but_running(
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    app, _ = _wired(notes)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        assert app.alerts is None
        toasts = [str(n.message) for n in app._notifications]
        assert any("not an SQLite database file" in m for m in toasts)
        await pilot.press("3", "a")  # still works, in memory
        await wait_until(lambda: bool(app.acked))
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


async def test_a_log_that_cannot_be_opened_is_said_to_be_in_memory_all_session(
    tmp_path: Path,
) -> None:
    """The file cannot be opened (here: its folder is a file): the alert log runs in memory,
    and the status bar says so for the whole session, not only in the start's toast."""
    folder = tmp_path / "not-a-folder"
    folder.write_text("")
    app, _ = _wired(folder / "alerts.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        assert app.alerts is not None and app.alerts.in_memory
        toasts = [str(n.message) for n in app._notifications]
        assert any("kept in memory for this session" in m for m in toasts)
        await wait_until(lambda: "in memory only, lost at exit" in status_text(app))
        assert "alert log" in status_text(app)
        await pilot.press("3", "A")
        await wait_until(lambda: bool(app.acked))
        assert "in memory only, lost at exit" in status_text(app)
