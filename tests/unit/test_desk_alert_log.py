"""The desk collector logs before it publishes (issue 18 with issue 14's rules): another process
holds the collector's SQLite write lock while alerts are raised and acknowledged. A real
redis-server on loopback and a real second process holding the lock; no fakes of the store.

What the desk is shown (the alert stream and state in Redis) is always in the alert log or its
fsynced retry queue; once the lock is gone the log holds every published transition exactly
once, in the published order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis as redis_sync

from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.alert_writer import AlertLogWriter
from data_sources.desk import bus
from data_sources.desk.collector import Collector, alert_log_writer
from data_sources.store import Store
from tests.support.dblock import write_locked
from tests.support.redis_server import RedisServer, redis_server
from tests.support.waiting import until
from tests.tui.conftest import demo_source
from tui.compute import snapshot_from_market

KEYS = bus.Keys()
FAST = {"retry_first": 0.05, "retry_max": 0.2}
Key = tuple[str, str, str]  # (time, rule, event)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


@contextlib.asynccontextmanager
async def running(collector: Collector) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(collector.run(stop))
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await asyncio.to_thread(collector.close)


def make_collector(server: RedisServer, store: Store, writer: AlertLogWriter) -> Collector:
    return Collector(
        demo_source("hard-landing"),
        client=bus.connect(server.url),
        compute=snapshot_from_market,
        store=store,
        writer=writer,
        ident="c1",
        interval=0.5,
        lease_ms=1200,
        url=server.url,
    )


def _key(time: str, rule: str, event: str) -> Key:
    return (datetime.fromisoformat(time).astimezone(UTC).isoformat(), rule, event)


def published(client: redis_sync.Redis) -> list[Key]:
    """The desk's alert stream (what every terminal shows), oldest first."""
    out = []
    for _id, fields in client.xrange(KEYS.alerts):
        t = json.loads(fields[b"transition"])
        out.append(_key(t["time"], t["rule"], t["event"]))
    return out


def logged(db: Path) -> list[Key]:
    """The alert log in the database, oldest first (a read-only connection of its own: WAL
    readers are not blocked by the other process's write lock)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        rows = con.execute("SELECT time, rule, event FROM alert_log ORDER BY id").fetchall()
    return [_key(*row) for row in rows]


def queued(db: Path) -> list[Key]:
    return [
        _key(t.time.isoformat(), t.rule, t.event)
        for _key_, batch in AlertQueue(queue_path_for(db)).read()
        for t in batch
    ]


def health(client: redis_sync.Redis) -> dict[str, Any]:
    latest = client.xrevrange(KEYS.health, count=1)
    return json.loads(latest[0][1][b"health"]) if latest else {}


async def test_a_locked_database_queues_durably_before_the_desk_sees_a_transition(
    redis: RedisServer, tmp_path: Path
) -> None:
    db = tmp_path / "c1.sqlite3"
    store = Store(db)
    col = make_collector(redis, store, alert_log_writer(store, **FAST))
    client = redis_sync.Redis.from_url(redis.url)
    with write_locked(db) as holder:
        async with running(col):
            await until(lambda: len(published(client)) >= 2, 20.0)
            shown = published(client)
            assert logged(db) == []  # the lock holds: nothing reached the database ...
            assert queued(db)[: len(shown)] == shown  # ... but all of it is durable, in order
            # an acknowledgement from a terminal is durable before the desk sees it too
            rule = next(e.rule for e in col.book.active())
            client.xadd(KEYS.commands, {"op": "ack", "rule": rule, "who": "alice@desk1"})
            await until(lambda: any(k[2] == "acknowledged" for k in published(client)), 5.0)
            shown = published(client)
            assert queued(db)[: len(shown)] == shown
            assert logged(db) == []
            holder.release()
            # the writer retries: the log catches up, in order, each transition once
            await until(lambda: not queued(db) and len(logged(db)) >= len(shown), 10.0)
            await until(lambda: logged(db) == published(client), 5.0)
    assert logged(db) == published(client)
    assert len(set(logged(db))) == len(logged(db))


async def test_nothing_is_published_while_neither_the_database_nor_the_queue_takes_it(
    redis: RedisServer, tmp_path: Path
) -> None:
    db = tmp_path / "c1.sqlite3"
    store = Store(db)
    # the retry queue cannot be written either (its directory does not exist: a lost disk)
    writer = AlertLogWriter(
        Store(db, busy_timeout=0.25), AlertQueue(tmp_path / "gone" / "queue.jsonl"), **FAST
    )
    col = make_collector(redis, store, writer)
    client = redis_sync.Redis.from_url(redis.url)
    with write_locked(db) as holder:
        async with running(col):
            await until(lambda: col.log_error is not None, 20.0)
            await until(lambda: "alert log" in (health(client).get("error") or ""), 5.0)
            await asyncio.sleep(1.5)  # three more polls: still nothing shown
            assert published(client) == []
            assert (
                client.get(KEYS.alert_state) is None
                or not json.loads(client.get(KEYS.alert_state))["active"]
            )
            assert client.xlen(KEYS.updates) >= 1  # the numbers still flow meanwhile
            assert logged(db) == []
            holder.release()
            await until(lambda: len(published(client)) >= 1, 10.0)
            await until(lambda: col.log_error is None, 5.0)
            await until(lambda: logged(db) == published(client), 5.0)
            assert json.loads(client.get(KEYS.alert_state))["active"]
    assert len(set(logged(db))) == len(logged(db))
