"""Desk updates as deltas on a real redis-server: a terminal following every update, one joining
mid-stream and one that missed entries (trimmed: it starts again from the whole image) end
with exactly what the collector published; the members travel apart and are read only when a
screen reads them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data_sources.desk import bus, codec
from data_sources.desk import collector as collector_module
from data_sources.desk.collector import Collector
from data_sources.desk.terminal import DeskMarket, DeskSource
from data_sources.model import MarketData
from data_sources.store import Store
from tests.support.redis_server import RedisServer, redis_server
from tests.support.waiting import until
from tests.tui.conftest import START
from tests.unit.test_desk import first_market, running
from tui.compute import snapshot_from_market


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def ticking(server: RedisServer, tmp_path: Path) -> Collector:
    """A collector of a demo whose every poll is a new bar (new prices, members, spreads)."""
    from data_sources.demo import DemoSource

    return Collector(
        DemoSource(seed=7, scenario="hard-landing", start=START, speed=600),
        client=bus.connect(server.url),
        compute=snapshot_from_market,
        store=Store(tmp_path / "c.sqlite3"),
        ident="c1",
        interval=0.2,
        lease_ms=3000,
        url=server.url,
    )


async def follow(term: DeskSource, stop: asyncio.Event) -> None:
    """A terminal's feed: woken by each publish, then fetch."""
    while not stop.is_set():
        try:
            await term.wait_for_update(0.2)
            await term.fetch(datetime.now(UTC))
        except Exception:
            await asyncio.sleep(0.05)


async def latest_snapshot(client: object, keys: bus.Keys) -> bytes:
    entry = await client.xrevrange(keys.updates, count=1)  # type: ignore[attr-defined]
    return entry[0][1][b"snapshot"]  # type: ignore[no-any-return]


def assert_same(market: DeskMarket, term: DeskSource, published: MarketData, raw: bytes) -> None:
    assert term._snapshot is not None and codec.pack(term._snapshot) == raw
    assert market.snapshot is not None and market.snapshot.asof == published.asof
    assert set(market.prices) == set(published.prices)
    for sym, series in published.prices.items():
        assert market.prices[sym].equals(series), sym
    assert set(market.valuations) == set(published.valuations)
    for sym, frame in published.valuations.items():
        assert market.valuations[sym].equals(frame), sym
    assert set(market.macro) == set(published.macro)
    for sid, m in published.macro.items():
        assert market.macro[sid].values.equals(m.values), sid
    assert dict(market.quotes) == dict(published.quotes)
    assert list(market.constituents) == list(published.constituents)


async def test_following_deltas_joining_late_and_missing_entries_give_the_same_market(
    redis: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short stream and frequent images, so that a terminal can fall behind the cap here.
    monkeypatch.setattr(bus, "MAXLEN_UPDATES", 6)
    monkeypatch.setattr(collector_module, "IMAGE_EVERY", 3)
    client = bus.connect(redis.url)
    await client.config_set("stream-node-max-entries", 2)  # MAXLEN ~ 6 trims near 6
    col = ticking(redis, tmp_path)
    following, lagging = DeskSource(redis.url), DeskSource(redis.url)
    stop = asyncio.Event()
    async with running(col):
        await first_market(following)
        await first_market(lagging)
        task = asyncio.create_task(follow(following, stop))
        seen = col.update_seq
        await until(lambda: col.update_seq >= seen + 4, 20.0)
        joining = DeskSource(redis.url)  # joins mid-stream: the image and the entries since
        await first_market(joining)
        behind = lagging._update_seq
        await until(lambda: col.update_seq >= behind + 12, 30.0)  # lagging reads nothing
        first = await client.xrange(col.keys.updates, count=1)
        assert int(first[0][1][b"seq"]) > behind + 1  # what it missed is trimmed
        stop.set()
        await task
    raw = await latest_snapshot(client, col.keys)
    published = col._published_market
    assert published is not None
    fresh = DeskSource(redis.url)  # reads the whole image now
    for term in (following, joining, lagging, fresh):
        market = await term.fetch(datetime.now(UTC))
        assert term._update_seq == col.update_seq
        assert_same(market, term, published, raw)
        await term.aclose()
    assert following.updates_applied > 10  # it did follow the deltas one by one
    await client.aclose()


async def test_the_members_are_read_only_when_a_screen_reads_them(
    redis: RedisServer, tmp_path: Path
) -> None:
    col = ticking(redis, tmp_path)
    term = DeskSource(redis.url)
    stop = asyncio.Event()
    async with running(col):
        await first_market(term)
        seen = col.update_seq
        await until(lambda: col.update_seq >= seen + 3, 20.0)
    market = await term.fetch(datetime.now(UTC))
    published = col._published_market
    assert published is not None and term._update_seq == col.update_seq
    assert term.members_reads == 0  # the dashboard never reads them: nothing read
    client = bus.connect(redis.url)
    (_, fields), *_ = await client.xrevrange(col.keys.updates, count=1)
    assert fields[b"kind"] == b"delta" and b"members" not in fields
    assert int(fields[b"members_at"]) == col.members_seq > 0
    assert sum(len(v) for v in fields.values()) < 60_000  # was ~160 KB with the members
    await client.aclose()
    assert len(market.constituents) == len(published.constituents)
    assert term.members_reads == 0  # their count is in the update
    assert list(market.constituents) == list(published.constituents)  # read now, once
    assert term.members_reads == 1
    assert market.constituents.find(published.constituents[5].symbol) == (published.constituents[5])
    # A screen reads them: while it does, each fetch brings the members along.
    async with running(col):
        task = asyncio.create_task(follow(term, stop))
        seen = col.update_seq
        await until(lambda: col.update_seq >= seen + 4, 20.0)
        stop.set()
        await task
    reads = term.members_reads
    market = await term.fetch(datetime.now(UTC))
    published = col._published_market
    assert published is not None
    members = market.constituents
    assert list(members) == list(published.constituents)
    assert term.members_reads == reads  # in hand with the update: no read by the screen
    await term.aclose()


async def test_members_gone_from_redis_are_shown_as_none_not_old_ones(
    redis: RedisServer, tmp_path: Path
) -> None:
    col = ticking(redis, tmp_path)
    term = DeskSource(redis.url)
    async with running(col):
        first = await first_market(term)
        before = list(first.constituents)  # from the image
        seen = col.update_seq
        await until(lambda: col.update_seq >= seen + 3, 20.0)
    client = bus.connect(redis.url)
    await client.delete(col.keys.members)  # trimmed, or a Redis that lost them
    market = await term.fetch(datetime.now(UTC))
    published = col._published_market
    assert published is not None and list(published.constituents) != before
    assert list(market.constituents) == []  # not the image's numbers as if current
    await term.aclose()
    await client.aclose()
