"""The desk envelope's schema on a real redis-server: an entry of another schema is never
decoded; the terminal says which schema each side speaks, the collector will not publish."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data_sources.base import SourceError
from data_sources.desk import bus
from data_sources.desk.terminal import DeskSource
from tests.support.redis_server import RedisServer, redis_server
from tests.support.waiting import until
from tests.unit.test_desk import collector, first_market, running

FOREIGN = "rotmon.desk/2"  # the schema before this one: an older collector


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


async def _write_foreign(client: object, keys: bus.Keys) -> None:
    """What a collector of another schema would append: a heartbeat and an update."""
    for stream, extra in ((keys.health, {"health": b"\x93\x01\x02"}), (keys.updates, {})):
        seq = int(await client.incr(keys.seq(stream)))  # type: ignore[attr-defined]
        fields = {
            "seq": seq,
            "schema": FOREIGN,
            "collector": "old@desk:7",
            "asof": "2026-12-05T14:00:00+00:00",
            "published": bus.now_ms(),
            "snapshot": b"\x00not a snapshot",
            **extra,
        }
        await client.xadd(stream, fields, id=f"{seq}-0")  # type: ignore[attr-defined]


async def test_a_terminal_shows_the_schema_mismatch_and_no_numbers(
    redis: RedisServer, tmp_path: Path
) -> None:
    assert bus.SCHEMA == "rotmon.desk/3"
    term = DeskSource(redis.url)
    async with running(collector(redis, tmp_path, "a")):
        market = await first_market(term)
        assert market.snapshot is not None and market.quotes
    await _write_foreign(bus.connect(redis.url), bus.Keys())
    expected = (
        f"collector old@desk:7 speaks {FOREIGN}, this rotmon reads {bus.SCHEMA}: "
        "upgrade one of them"
    )
    for source in (term, DeskSource(redis.url)):  # a running terminal and one joining now
        with pytest.raises(SourceError) as err:
            await source.fetch(datetime.now(UTC))
        assert str(err.value) == expected
        assert source._market is None and source._snapshot is None  # nothing of it shown
        desk = source.status()[-1]
        assert (desk.name, desk.state, desk.error) == ("desk", "failing", expected)
        # asked again (the feed's next poll), still the mismatch, still no numbers
        with pytest.raises(SourceError, match=r"rotmon\.desk/2"):
            await source.fetch(datetime.now(UTC))
        await source.aclose()


async def test_a_collector_will_not_publish_into_another_schemas_desk(
    redis: RedisServer, tmp_path: Path
) -> None:
    client = bus.connect(redis.url)
    keys = bus.Keys()
    await _write_foreign(client, keys)
    before = await client.xlen(keys.updates), await client.xlen(keys.health)
    new = collector(redis, tmp_path, "new")
    async with running(new):
        await until(lambda: new.schema_error is not None, timeout=10)
        await asyncio.sleep(1.5)  # a lease period and more: it still does not publish
        assert not new.leader
        assert (await client.xlen(keys.updates), await client.xlen(keys.health)) == before
        assert await client.get(keys.lease) is None  # the lease is not held by it either
    assert new.schema_error == (
        f"the desk holds {FOREIGN} entries (collector old@desk:7), this rotmon writes "
        f"{bus.SCHEMA}: upgrade one of them, or once no old collector runs, delete the "
        f"desk's keys ({keys.prefix}:*)"
    )
    await client.aclose()
