"""The alert log on a bad day (issue 14): another process holds the database's write lock, the
disk is full, the app is killed while behind. Real files, real second processes, no fakes of the
store: what the book holds is always what is logged or durably queued, and the log ends with
every transition exactly once, in order, with its original time."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analytics.lifecycle import Transition
from analytics.types import Snapshot
from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.demo import DemoSource
from data_sources.store import Store
from tests.support.dblock import write_locked
from tests.support.waiting import until
from tui.alerts import AlertDesk, Outcome
from tui.compute import snapshot_from_market

ROOT = Path(__file__).resolve().parents[2]
FAST = {"retry_first": 0.05, "retry_max": 0.2}


@pytest.fixture(scope="module")
def hard_landing() -> Snapshot:
    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    return snapshot_from_market(src.market_data(src.clock.now()))


def _key(t: Transition) -> tuple[datetime, str, str]:
    return (t.time.astimezone(UTC), t.rule, t.event)


def _logged(db: Path) -> list[tuple[datetime, str, str]]:
    """The whole log, oldest first, read by a connection of its own."""
    with Store(db) as store:
        return [(e.time, e.rule, e.event) for e in reversed(store.alert_log(limit=100_000))]


def _book_rules(desk: AlertDesk) -> set[str]:
    return {e.rule for e in desk.active()}


def _active_per(transitions: list[Transition]) -> set[str]:
    """The rules these transitions leave active (what the screen may show)."""
    active: set[str] = set()
    for t in transitions:
        if t.event == "raised":
            active.add(t.rule)
        elif t.event == "cleared":
            active.discard(t.rule)
    return active


def _fresh(db: Path) -> None:
    Store(db).close()  # the file exists before a second process locks it


async def test_a_locked_database_queues_in_order_and_logs_each_transition_once(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    db = tmp_path / "alerts.sqlite3"
    _fresh(db)
    desk, _ = AlertDesk.open(db, **FAST)
    said: list[Transition] = []
    with write_locked(db) as lock:
        out = await desk.follow(hard_landing)
        assert out.saved is not None and out.saved.state == "queued"
        assert "locked" in (out.saved.error or "")
        said += out.transitions
        # Only what is durable is in the book: the queue file holds exactly these.
        queued = [t for _key, batch in AlertQueue(queue_path_for(db)).read() for t in batch]
        assert [_key(t) for t in queued] == [_key(t) for t in said]
        assert _book_rules(desk) == _active_per(said) and desk.behind == len(said)
        assert _logged(db) == []  # nothing reached the database while it is locked
        shown_log = desk.log("vix")  # the alert screen's log: what is queued, marked so
        assert [(e.event, e.id < 0) for e in shown_log] == [("raised", True)]
        assert shown_log[0].message.endswith("(not saved yet)")
        later = hard_landing.asof + timedelta(minutes=3)
        acked = await desk.acknowledge("vix", later)
        muted = await desk.toggle_mute("sahm", later + timedelta(seconds=1))
        assert acked is not None and muted is not None
        assert acked.saved.state == muted.saved.state == "queued"  # type: ignore[union-attr]
        said += acked.transitions + muted.transitions
        assert desk.book.get("vix").acked and desk.is_muted("sahm")  # type: ignore[union-attr]
        calm = replace(hard_landing, alerts=(), asof=later + timedelta(hours=1))
        cleared = await desk.follow(calm)
        said += cleared.transitions
        assert desk.active() == () and desk.behind == len(said)
        lock.release()
        await until(lambda: desk.behind == 0, timeout=10)
    assert _logged(db) == [_key(t) for t in said]
    assert [(e.event, e.id > 0) for e in desk.log("vix")] == [
        ("cleared", True),
        ("acknowledged", True),
        ("raised", True),
    ]
    with Store(db) as store:
        assert store.muted_rules() == frozenset({"sahm"})
    assert queue_path_for(db).stat().st_size == 0
    desk.close()


async def test_a_restart_while_still_locked_neither_raises_again_nor_logs_twice(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    db = tmp_path / "alerts.sqlite3"
    _fresh(db)
    with write_locked(db) as lock:
        first, _ = AlertDesk.open(db, **FAST)
        said = list((await first.follow(hard_landing)).transitions)
        assert first.close() == 0  # queued on disk: nothing is lost with the process
        second, _ = AlertDesk.open(db, **FAST)
        assert _book_rules(second) == _active_per(said)  # restored from the queue file
        again = await second.follow(hard_landing)
        assert again.transitions == () and not again.ring
        lock.release()
        await until(lambda: second.behind == 0, timeout=10)
    assert _logged(db) == [_key(t) for t in said]
    second.close()


def test_a_batch_replayed_after_a_crash_between_commit_and_truncation_is_logged_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "alerts.sqlite3"
    t = Transition(
        datetime(2026, 3, 2, 15, tzinfo=UTC), "vix", "hard_landing", "warning", "raised",
        26.5, 25.0, "VIX 26.5 >= 25", True,
    )  # fmt: skip
    with Store(db) as store:
        assert store.append_queued([("k1", [t])]) == 1
        assert store.append_queued([("k1", [t]), ("k2", [replace(t, event="cleared")])]) == 1
        assert [e.event for e in store.alert_log()] == ["cleared", "raised"]


def test_a_torn_last_line_of_the_queue_is_ignored_and_cut(tmp_path: Path) -> None:
    path = tmp_path / "q"
    queue = AlertQueue(path)
    t = Transition(
        datetime(2026, 3, 2, 15, tzinfo=UTC), "vix", "hard_landing", "warning", "raised",
        26.5, 25.0, "VIX", True,
    )  # fmt: skip
    queue.append("a", [t])
    with path.open("ab") as fh:
        fh.write(b'{"key": "b", "transitions": [{"ti')  # a crash mid-write: never durable
    assert [key for key, _ in queue.read()] == ["a"]
    queue.append("c", [t])
    assert [key for key, _ in queue.read()] == ["a", "c"]


CRASHER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from data_sources.demo import DemoSource
    from tui.alerts import AlertDesk
    from tui.compute import snapshot_from_market

    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    snap = snapshot_from_market(src.market_data(src.clock.now()))

    async def main():
        desk, _ = AlertDesk.open(sys.argv[1], retry_first=0.05, retry_max=0.2)
        out = await desk.follow(snap)
        ack = await desk.acknowledge("vix", snap.asof)
        for t in out.transitions + ack.transitions:  # shown: now the process may die
            print(json.dumps([t.time.isoformat(), t.rule, t.event]), flush=True)
        print("shown", out.saved.state, ack.saved.state, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


def test_killed_while_behind_the_next_start_logs_the_queue_once(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    db = tmp_path / "alerts.sqlite3"
    _fresh(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with write_locked(db) as lock:
        proc = subprocess.Popen(
            [sys.executable, "-c", CRASHER, str(db)], stdout=subprocess.PIPE, text=True, env=env
        )
        assert proc.stdout is not None
        shown: list[tuple[datetime, str, str]] = []
        for line in proc.stdout:
            if line.startswith("shown"):
                assert line.split()[1:] == ["queued", "queued"]
                break
            when, rule, event = json.loads(line)
            shown.append((datetime.fromisoformat(when).astimezone(UTC), rule, event))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        lock.release()
    assert shown and _logged(db) == []
    desk, _ = AlertDesk.open(db, **FAST)  # the next start: the queue is written first
    assert _logged(db) == shown
    out = asyncio.run(desk.follow(hard_landing))
    assert out.transitions == ()  # nothing raised twice, the ack kept
    assert desk.book.get("vix").acked  # type: ignore[union-attr]
    desk.close()
    assert _logged(db) == shown


FULL_DISK = textwrap.dedent(
    """
    import asyncio, json, resource, sys
    from dataclasses import replace
    from datetime import timedelta
    from data_sources.demo import DemoSource
    from tui.alerts import AlertDesk
    from tui.compute import snapshot_from_market

    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    snap = snapshot_from_market(src.market_data(src.clock.now()))

    async def main():
        desk, _ = AlertDesk.open(sys.argv[1], retry_first=0.05, retry_max=0.2)
        desk.writer.store.pragma("wal_checkpoint(TRUNCATE)")  # every write must grow a file
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), hard))
        outs = [await desk.follow(snap)]
        outs.append(await desk.toggle_mute("vix", snap.asof + timedelta(minutes=1)))
        calm = replace(snap, alerts=(), asof=snap.asof + timedelta(hours=1))
        outs.append(await desk.follow(calm))
        for out in outs:
            for t in out.transitions:
                print(json.dumps([t.time.isoformat(), t.rule, t.event]), flush=True)
        print("states", *[o.saved.state for o in outs], desk.behind, flush=True)
        print("lost", desk.close(), flush=True)

    asyncio.run(main())
    """
)


def test_a_full_disk_rlimit_fsize_queues_and_the_next_start_logs_everything(
    tmp_path: Path,
) -> None:
    db = tmp_path / "alerts.sqlite3"
    _fresh(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # 8 KB: no WAL frame (4 KB page + header) twice over, but room for the small queue file.
    run = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(db), "8192"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    states = next(line for line in lines if line.startswith("states")).split()
    assert states[1:4] == ["queued", "queued", "queued"], run.stdout
    assert "lost 0" in lines
    shown = [
        (datetime.fromisoformat(w).astimezone(UTC), r, e)
        for w, r, e in (json.loads(line) for line in lines if line.startswith("["))
    ]
    assert int(states[4]) == len(shown)
    assert _logged(db) == []
    desk, _ = AlertDesk.open(db, **FAST)  # the next start, with room again
    assert _logged(db) == shown
    assert desk.behind == 0 and desk.active() == ()
    desk.close()


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Path:
    """A 256 KB tmpfs (root and mount(8) needed; skipped elsewhere)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the RLIMIT_FSIZE test covers a full disk")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_a_full_tmpfs_keeps_transitions_in_memory_and_writes_them_when_room_returns(
    small_tmpfs: Path, hard_landing: Snapshot
) -> None:
    db = small_tmpfs / "alerts.sqlite3"
    desk, _ = AlertDesk.open(db, **FAST)
    desk.writer.store.pragma("wal_checkpoint(TRUNCATE)")
    filler = small_tmpfs / "filler"
    with filler.open("wb", buffering=0) as fh:  # fill the disk to the last byte
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                continue
    out: Outcome = await desk.follow(hard_landing)
    assert out.saved is not None and out.saved.state == "unsaved"  # neither db nor queue
    assert desk.unsaved == desk.behind == len(out.transitions)
    assert _book_rules(desk) == _active_per(list(out.transitions))
    filler.unlink()  # room again: the writer's retry writes them, in order
    await until(lambda: desk.behind == 0, timeout=10)
    assert _logged(db) == [_key(t) for t in out.transitions]
    assert desk.close() == 0
