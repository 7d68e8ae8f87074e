"""The desk as processes: `rotmon collect` twice (one killed with SIGKILL), `rotmon --redis` in a
pty, and the Redis server restarted under a running desk. A real redis-server on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_sync

from data_sources.desk.bus import Keys
from data_sources.store import Store
from tests.e2e.ptyrun import PtyApp, isolated_env, rotmon
from tests.support.redis_server import RedisServer, redis_server

KEYS = Keys()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def collector(
    server: RedisServer, tmp_path: Path, ident: str, *extra: str
) -> subprocess.Popen[bytes]:
    argv = rotmon(
        "collect", "--demo", "--scenario", "hard-landing", "--redis", server.url,
        "--interval", "0.5", "--lease", "1.5", "--id", ident,
        "--db", str(tmp_path / f"{ident}.sqlite3"), *extra,
    )  # fmt: skip
    log = (tmp_path / f"{ident}.log").open("wb")
    return subprocess.Popen(argv, env=isolated_env(tmp_path), stdout=log, stderr=log)


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = predicate()
        except redis_sync.ConnectionError:
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)


def wait_or_show(app: PtyApp, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    try:
        return wait(predicate, timeout, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the screen:\n{app.text()}") from None


def alert_log(client: redis_sync.Redis) -> list[dict[str, Any]]:
    out = []
    for _id, fields in client.xrange(KEYS.alerts):
        t = json.loads(fields[b"transition"])
        t["transition_who"] = t.pop("who", None)  # the log's who column
        t.update(
            seq=int(fields[b"seq"]),
            who=fields[b"who"].decode(),
            collector=fields[b"collector"].decode(),
        )
        out.append(t)
    return out


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_a_killed_leader_is_replaced_within_a_lease_and_the_log_has_no_gap_or_duplicate(
    redis: RedisServer, tmp_path: Path
) -> None:
    client = redis_sync.Redis.from_url(redis.url)
    a = collector(redis, tmp_path, "A")
    b = None
    try:
        wait(lambda: client.get(KEYS.lease) == b"A", 30, "A holds the lease")
        b = collector(redis, tmp_path, "B")
        wait(lambda: len(alert_log(client)) >= 3, 30, "A published its alerts")
        time.sleep(2.0)  # B is up and standing by
        assert client.get(KEYS.lease) == b"A"
        rule = alert_log(client)[0]["rule"]
        # an acknowledgement in flight while the leader dies is applied once, by one of them
        client.xadd(KEYS.commands, {"op": "ack", "rule": rule, "who": "alice@desk1", "id": "1"})
        a.send_signal(signal.SIGKILL)
        a.wait(5)
        killed = time.monotonic()
        wait(lambda: client.get(KEYS.lease) == b"B", 5, "B took the lease")
        # one lease period, plus B's next try and a loaded 2-core box's scheduling
        took = time.monotonic() - killed
        assert took <= 1.5 + 1.0, f"takeover took {took:.2f}s"
        wait(
            lambda: any(e["collector"] == "B" for e in alert_log(client)),
            15,
            "B published the ack (or a transition of its own)",
        )
        time.sleep(2.0)  # a few more polls of the new leader
        log = alert_log(client)
        seqs = [e["seq"] for e in log]
        assert seqs == list(range(1, len(log) + 1)), seqs  # no gap, no duplicate
        acks = [e for e in log if e["event"] == "acknowledged"]
        assert [(e["rule"], e["who"], e["transition_who"]) for e in acks] == [
            (rule, "alice@desk1", "alice@desk1")
        ]
        # the SQLite log of the collector that applied it has who in its own column
        applied = next(e["collector"] for e in acks)
        with Store(tmp_path / f"{applied}.sqlite3") as store:
            logged = [e for e in store.alert_log(rule) if e.event == "acknowledged"]
        assert [e.who for e in logged] == ["alice@desk1"]
        level = {}
        for e in log:  # no rule raised twice without a clear or de-escalation between
            if e["event"] == "raised":
                assert level.get(e["rule"]) != e["severity"], e
                level[e["rule"]] = e["severity"]
            elif e["event"] == "cleared":
                level.pop(e["rule"], None)
            elif e["event"] == "deescalated":
                level[e["rule"]] = e["severity"]
        assert int(client.get(KEYS.seq(KEYS.alerts))) == len(log)
    finally:
        stop(a, *([b] if b is not None else []))


def test_a_terminal_in_a_pty_shows_the_desk_acks_through_it_and_survives_a_redis_restart(
    redis: RedisServer, tmp_path: Path
) -> None:
    client = redis_sync.Redis.from_url(redis.url)
    col = collector(redis, tmp_path, "C")
    app = PtyApp(rotmon("--redis", redis.url), isolated_env(tmp_path), size=(160, 48))
    try:
        app.wait_for("DESK", 30)
        app.wait_for("CRIT", 30)
        app.wait_for("desk ● ok")
        app.press("3")
        app.wait_for(" new ", 10)  # the alert rows are shown (after the desk's state arrived)
        app.press("a")
        entry = wait_or_show(
            app,
            lambda: [e for e in alert_log(client) if e["event"] == "acknowledged"],
            10,
            "the ack reached the collector",
        )[0]
        assert "@" in entry["who"] and entry["who"] == entry["transition_who"]
        app.wait_for(lambda s: " ack " in s or "ack" in s.split("Risk", 1)[-1], 5)
        seq_before = int(client.get(KEYS.seq(KEYS.updates)))
        redis.restart(down_for=1.0)  # a Redis without persistence: everything is gone
        app.wait_for("DESK redis down", 15)
        # the collector takes the lease again and publishes a whole image; the terminal
        # reconnects by itself and shows live numbers again
        wait(lambda: client.get(KEYS.lease) == b"C", 15, "C holds the lease again")
        wait(lambda: client.get(KEYS.image) is not None, 15, "a new image")
        app.wait_for(lambda s: "DESK" in s and "redis down" not in s, 15)
        app.wait_for("desk ● ok", 15)
        assert int(client.get(KEYS.seq(KEYS.updates))) > seq_before  # never reused
        assert client.get(KEYS.alert_state) is not None  # restored for terminals joining now
        # the collector stops: the terminal says stale, with the age, not fresh numbers
        col.send_signal(signal.SIGTERM)
        col.wait(10)
        app.wait_for("DESK stale", 10)
    finally:
        app.close()
        stop(col)
        if os.environ.get("DESK_TEST_LOGS"):
            print((tmp_path / "C.log").read_text())
