"""Desk mode on a real redis-server (loopback): collector, terminal source, acks, the lease."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics.types import Snapshot
from data_sources.desk import bus, codec
from data_sources.desk.collector import Collector
from data_sources.desk.terminal import DeskSource, log_entry
from data_sources.store import Store
from tests.support.redis_server import RedisServer, redis_server
from tests.support.waiting import until
from tests.tui.conftest import START, demo_source
from tui.compute import snapshot_from_market


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


@contextlib.asynccontextmanager
async def running(collector: Collector) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(collector.run(stop))
    try:
        yield task
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


def collector(
    server: RedisServer, tmp_path: Path, ident: str, scenario: str = "hard-landing"
) -> Collector:
    return Collector(
        demo_source(scenario),
        client=bus.connect(server.url),
        compute=snapshot_from_market,
        store=Store(tmp_path / f"{ident}.sqlite3"),
        ident=ident,
        interval=0.5,
        lease_ms=1200,
        url=server.url,
    )


async def first_market(term: DeskSource, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await term.fetch(datetime.now(UTC))
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


def test_snapshot_and_market_round_trip_through_the_codec() -> None:
    source = demo_source("hard-landing")
    market = asyncio.run(source.fetch(START))
    snapshot = snapshot_from_market(market)
    assert codec.loads(Snapshot, codec.dumps(snapshot)) == snapshot
    assert codec.unpack(Snapshot, codec.pack(snapshot)) == snapshot
    image = codec.apply_market_change(None, codec.market_change(None, market))
    assert set(image.prices) == set(market.prices)
    assert all(image.prices[s].equals(market.prices[s]) for s in market.prices)
    assert all(image.macro[k].values.equals(market.macro[k].values) for k in market.macro)
    assert image.quotes == market.quotes and image.constituents == market.constituents
    later = asyncio.run(source.fetch(START.replace(hour=17)))
    change = codec.market_change(market, later)
    moved = codec.apply_market_change(image, change)
    assert all(moved.prices[s].equals(later.prices[s]) for s in later.prices)
    assert moved.quotes == later.quotes and moved.constituents == later.constituents
    # a tick is a few rows, not the history again
    assert all(len(ch["d"]) <= 2 for ch in change["prices"].values())
    # the P/E frames of the valuation screen travel too, a tick as a row or two (SPEC 11)
    assert set(image.valuations) == set(market.valuations) == {"SPY", "IJR", "IWM"}
    assert all(image.valuations[s].equals(market.valuations[s]) for s in market.valuations)
    assert all(moved.valuations[s].equals(later.valuations[s]) for s in later.valuations)
    assert all(len(c["d"]) <= 2 for v in change["valuations"].values() for c in v.values())
    # two changes merged (plain lists) do what the two do one after the other
    latest = asyncio.run(source.fetch(START.replace(hour=19)))
    then = codec.market_change(later, latest)
    checked = 0
    for sym in latest.prices:
        a, b = change["prices"].get(sym), then["prices"].get(sym)
        if a is None or b is None:
            continue
        merged = codec.apply_series_change(image.prices[sym], codec.merge_series_change(a, b))
        assert merged.equals(latest.prices[sym]), sym
        checked += 1
    assert checked >= 10
    # the members travel apart, whole rows, and are made into Constituents only when read
    assert "constituents" not in codec.market_change(market, later, members=False)
    raw = codec.members_change(market.constituents, later.constituents)
    assert raw is not None and "full" not in codec.members_columns(raw)  # columns: changed
    assert codec.members_change(later.constituents, later.constituents) is None
    rows = codec.RowMembers(codec.members_change(None, later.constituents) or b"")
    assert rows._all is None and len(rows) == len(later.constituents)
    assert rows.pick([3, 1]) == [later.constituents[3], later.constituents[1]]
    assert rows == later.constituents and list(rows) == list(later.constituents)
    with pytest.raises(codec.CodecError):
        codec.RowMembers(raw)  # changed columns are no members entry


def test_the_password_is_never_shown() -> None:
    url = "rediss://desk:s3cr%40t@redis.example:6380/2"
    assert "s3cr" not in bus.redact(url) and "desk:***@redis.example:6380" in bus.redact(url)
    err = bus.describe_error(RuntimeError("auth failed for s3cr@t"), url)
    assert "s3cr" not in err
    with pytest.raises(bus.DeskError, match="expected redis://"):
        bus.check_url("http://user:pw@host")


async def test_a_terminal_renders_what_the_collector_publishes_and_acks_reach_all(
    redis: RedisServer, tmp_path: Path
) -> None:
    col = collector(redis, tmp_path, "c1")
    async with running(col):
        one, two = DeskSource(redis.url), DeskSource(redis.url)
        m1, m2 = await first_market(one), await first_market(two)
        assert m1.snapshot is not None and m1.snapshot.alerts
        assert set(m1.prices) == set(m2.prices)
        rule = m1.snapshot.alerts[0].rule
        await one.send_command("ack", rule, "alice@desk1")
        loop = asyncio.get_running_loop()
        sent = loop.time()
        while not any(e.rule == rule and e.acked for e in two.alert_state.active):
            assert loop.time() - sent < 1.0, "the ack did not reach the other terminal in 1 s"
            await two.wait_for_update(0.1)
            await two.fetch(datetime.now(UTC))
        acks = [e for e in two.log_entries if e.transition.event == "acknowledged"]
        assert [e.who for e in acks] == ["alice@desk1"]
        assert acks[0].transition.who == "alice@desk1" == log_entry(acks[0]).who  # who column
        with Store(tmp_path / "c1.sqlite3") as store:  # logged durably by the collector
            assert next(e.event for e in store.alert_log(rule)) == "acknowledged"
        # bars come from the collector, fetched upstream once for every terminal
        b1, b2 = await one.bars("IWM"), await two.bars("IWM")
        assert b1 is not None and b2 is not None and b1.equals(b2)
        assert col.bars_fetched == 1
        for term in (one, two):
            await term.aclose()


async def test_a_stopped_leader_hands_over_without_gap_or_duplicate(
    redis: RedisServer, tmp_path: Path
) -> None:
    a, b = collector(redis, tmp_path, "a"), collector(redis, tmp_path, "b")
    async with running(a) as task_a, running(b) as task_b:
        await until(lambda: any(c.leader and c.alert_seq > 0 for c in (a, b)), 20.0)
        leader, follower = (a, b) if a.leader else (b, a)
        assert not follower.leader
        task = task_a if leader is a else task_b
        task.cancel()  # a stopping leader releases the lease (SIGKILL: tests/e2e/test_desk.py)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        loop = asyncio.get_running_loop()
        stopped = loop.time()
        await until(lambda: follower.leader, 5.0)
        assert loop.time() - stopped <= 1.2 + 0.3  # one lease period (+ the follower's step)
        b = follower
        term = DeskSource(redis.url)
        before = (await first_market(term)).snapshot
        await until(lambda: b.updates_published >= 2, 10.0)
        await term.fetch(datetime.now(UTC))
        seqs = [e.seq for e in term.log_entries]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
        raised = [e.transition.rule for e in term.log_entries if e.transition.event == "raised"]
        assert len(raised) == len(set(raised))  # the new leader raised nothing twice
        assert before is not None
        await term.aclose()


async def test_a_terminal_sees_a_silent_collector_as_stale_and_redis_down_as_failing(
    redis: RedisServer, tmp_path: Path
) -> None:
    col = collector(redis, tmp_path, "c1")
    term = DeskSource(redis.url)
    async with running(col):
        market = await first_market(term)
        desk = next(s for s in market.statuses if s.name == "desk")
        assert desk.state == "ok" and term.badge_text() == "DESK", (
            desk,
            term.collector_age(),
            term._health,
        )
    await asyncio.sleep(3 * 0.5 + 0.3)  # three intervals of silence
    market = await term.fetch(datetime.now(UTC))
    desk = next(s for s in market.statuses if s.name == "desk")
    assert desk.state == "stale" and "collector silent for" in (desk.error or "")
    assert term.badge_text().startswith("DESK stale")
    redis.stop()
    with pytest.raises(Exception, match=r"redis redis://127\.0\.0\.1"):
        await term.fetch(datetime.now(UTC))
    assert term.badge_text() == "DESK redis down"
    redis.start()
    col2 = collector(redis, tmp_path, "c2")
    async with running(col2):
        await until(lambda: col2.updates_published >= 1, 20.0)
        market = await first_market(term)  # reconnected by itself, to a Redis that lost all
        assert market.snapshot is not None
        assert next(s for s in market.statuses if s.name == "desk").state == "ok"
    await term.aclose()


async def test_an_acknowledgement_sent_long_ago_is_not_applied(
    redis: RedisServer, tmp_path: Path
) -> None:
    col = collector(redis, tmp_path, "c1")
    async with running(col):
        await until(lambda: col.leader and bool(col.book.active()), 20.0)
        rule = col.book.active()[0].rule
        client = bus.connect(redis.url)
        old = str(bus.now_ms() - 120_000)  # sent two minutes ago, while no collector led
        await client.xadd(col.keys.commands, {"op": "ack", "rule": rule, "who": "x@y", "at": old})
        await client.xadd(col.keys.commands, {"op": "mute", "rule": rule, "who": "z@w"})
        await until(lambda: col.book.is_muted(rule), 5.0)  # the later command is applied
        assert not any(e.rule == rule and e.acked for e in col.book.active())
        await client.aclose()


async def test_a_terminal_has_the_members_the_collector_published_after_many_ticks(
    redis: RedisServer, tmp_path: Path
) -> None:
    from data_sources.demo import DemoSource

    col = Collector(
        DemoSource(seed=7, scenario="hard-landing", start=START, speed=600),  # a tick a poll
        client=bus.connect(redis.url),
        compute=snapshot_from_market,
        store=Store(tmp_path / "c.sqlite3"),
        ident="c1",
        interval=0.3,
        lease_ms=3000,
        url=redis.url,
    )
    term = DeskSource(redis.url)
    async with running(col):
        first = await first_market(term)
        first_members = list(first.constituents)
        await until(lambda: col.updates_published >= 5, 20.0)
    market = await term.fetch(datetime.now(UTC))  # the collector has stopped: all is read
    published = col._published_market
    assert published is not None and term._update_seq == col.update_seq
    assert term.members_reads >= 1  # the first ones were listed: they are kept current
    assert list(market.constituents) == list(published.constituents)
    assert dict(market.quotes) == dict(published.quotes)  # msgpack, typed
    # the prices and P/E frames: the changes since the image, merged, applied when read
    assert isinstance(market.prices, codec.LazyChanges)
    assert set(market.prices) == set(published.prices)
    for sym, series in published.prices.items():
        assert market.prices[sym].equals(series), sym
    assert set(market.valuations) == set(published.valuations)
    for sym, frame in published.valuations.items():
        assert market.valuations[sym].equals(frame), sym
    assert first_members != list(published.constituents)  # they did tick
    await term.aclose()
