"""Two desk terminals (pilot) on one collector and a real redis-server: both render the
collector's numbers, an acknowledgement in one shows in the other, a silent collector is stale."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_sources.desk import bus
from data_sources.desk.collector import Collector
from data_sources.store import Store
from tests.support.redis_server import RedisServer, redis_server
from tests.tui.conftest import demo_source, status_text, wait_until
from tui.app import RotmonApp
from tui.compute import snapshot_from_market
from tui.config import Settings
from tui.desk import DeskOptions
from tui.desk_app import build_desk_app
from tui.screens.history import HistoryScreen
from widgets.alert_list import AlertTable
from widgets.header import MarketHeader
from widgets.keyed_table import KeyedTable


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def terminal(url: str, tmp_path: Path) -> RotmonApp:
    app = build_desk_app(DeskOptions(url), Settings(export_dir=tmp_path))
    app.bell = lambda: None  # type: ignore[method-assign]
    return app


def badge(app: RotmonApp) -> str:
    header = app.dashboard.query_one(MarketHeader)
    return str(header.query_one("#badge").render())


async def test_two_terminals_share_the_collectors_numbers_and_acknowledgements(
    redis: RedisServer, tmp_path: Path
) -> None:
    collector = Collector(
        demo_source("hard-landing"),
        client=bus.connect(redis.url),
        compute=snapshot_from_market,
        store=Store(tmp_path / "collector.sqlite3"),
        ident="col@test",
        interval=1.0,
        lease_ms=3000,
        url=redis.url,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(collector.run(stop))
    one, two = terminal(redis.url, tmp_path), terminal(redis.url, tmp_path)
    try:
        async with one.run_test(size=(160, 48)) as p1, two.run_test(size=(160, 48)):
            await wait_until(lambda: one.snapshot is not None and two.snapshot is not None, 30)
            assert one.snapshot is not None and two.snapshot is not None
            assert one.snapshot.spreads == two.snapshot.spreads
            assert one.snapshot.alerts and badge(one) == "DESK"
            assert "desk ● ok" in status_text(one)
            await p1.press("3")
            # the alert rows come from the desk's book, once it has followed the snapshot
            await wait_until(lambda: one.dashboard.query_one(AlertTable).row_count > 0, 5)
            rule = one.snapshot.alerts[0].rule
            sent = time.monotonic()
            await p1.press("a")
            await wait_until(lambda: bool(one.acked), 5)
            rule = next(iter(one.acked))
            await wait_until(lambda: rule in two.acked, 5)
            assert time.monotonic() - sent < 1.0, "the ack took more than a second"
            log = two.alerts.log(rule) if two.alerts is not None else []
            assert log[0].event == "acknowledged" and log[0].who == bus.who()
            with Store(tmp_path / "collector.sqlite3") as store:  # the durable log's who column
                assert (store.alert_log(rule)[0].event, store.alert_log(rule)[0].who) == (
                    "acknowledged",
                    bus.who(),
                )
            # the other terminal's alert history says who acknowledged
            two.action_alert_history()
            await wait_until(lambda: isinstance(two.screen, HistoryScreen), 5)
            history = two.screen
            assert isinstance(history, HistoryScreen)
            await wait_until(lambda: history.entries is not None, 5)
            table = history.query_one(KeyedTable)
            row = next(i for i, e in enumerate(history.shown()) if e.event == "acknowledged")
            cells = [str(c) for c in table.get_row_at(row)]
            assert f"by {bus.who()}" in cells[-1], cells
            two.pop_screen()
            # drill-downs work from what the collector published: a pair's charts, and the
            # symbol screen's bars asked of the collector
            await p1.press("1", "enter")
            await wait_until(lambda: type(one.screen).__name__ == "PairScreen", 5)
            await p1.press("escape")
            bars = await one.feed.run_on(0, one.source.bars("IWM"))  # type: ignore[union-attr]
            assert bars is not None and len(bars) > 200
            # the collector stops: after three of its intervals both terminals say stale
            stop.set()
            await asyncio.wait_for(task, 10)
            await wait_until(lambda: badge(two).startswith("DESK stale"), 8)
            await wait_until(lambda: "desk ◐ stale " in status_text(two), 3)
            line = status_text(two)
            assert "desk ◐ stale " in line, line
            age = int(line.split("desk ◐ stale ", 1)[1].split("s", 1)[0])
            assert age >= 3, line  # the collector's silence, not the last read's age
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def test_a_desk_sector_screen_lists_the_members_the_collector_published(
    redis: RedisServer, tmp_path: Path
) -> None:
    """The members are not in the updates: the sector screen's first read fetches them, and
    while it is open every update brings them along; the rows are the collector's."""
    from data_sources.demo import DemoSource
    from data_sources.desk.terminal import DeskSource
    from tests.tui.conftest import START
    from tui.screens.sector import SectorScreen, sector_constituents

    collector = Collector(
        DemoSource(seed=7, scenario="hard-landing", start=START, speed=600),  # a tick a poll
        client=bus.connect(redis.url),
        compute=snapshot_from_market,
        store=Store(tmp_path / "collector.sqlite3"),
        ident="col@test",
        interval=0.3,
        lease_ms=3000,
        url=redis.url,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(collector.run(stop))
    app = terminal(redis.url, tmp_path)
    source = app.source
    assert isinstance(source, DeskSource)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(lambda: app.snapshot is not None, 30)
            assert source.members_reads == 0  # the dashboard lists no members
            sector = "Energy"
            app.open_drill("sector", sector)
            await wait_until(lambda: isinstance(app.screen, SectorScreen), 10)
            screen = app.screen
            assert isinstance(screen, SectorScreen)

            def listed() -> bool:
                try:
                    return screen.table.total > 0
                except Exception:  # not mounted yet
                    return False

            await wait_until(listed, 10)
            reads = source.members_reads
            assert reads >= 1
            seen = collector.update_seq
            await wait_until(lambda: collector.update_seq >= seen + 3, 20)
            stop.set()
            await asyncio.wait_for(task, 10)
            published = collector._published_market
            assert published is not None
            expected = sector_constituents(published.constituents, sector, screen.window)
            want = {r.symbol: r for r in expected}

            def shown() -> bool:
                rows = {r.symbol: r for r in screen.table.visible_rows}
                return source._update_seq == collector.update_seq and rows == want

            await wait_until(shown, 10)
            assert source.members_reads > reads  # brought along with the updates since
            await pilot.pause()
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 10)
        collector.close()
