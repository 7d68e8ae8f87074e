"""Desk mode's collector for the CLI: ``rotmon collect --redis URL`` runs headless (no Textual;
the terminal side is ``tui.desk_app``; SPEC 12)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from data_sources.base import DataSource
    from tui.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeskOptions:
    """Where the desk lives: the Redis URL and, from the config, the ACL user and password."""

    url: str
    username: str | None = None
    password: str | None = None
    prefix: str | None = None


# -- the collector ------------------------------------------------------------------------------


def run_collector(
    source: DataSource,
    options: DeskOptions,
    settings: Settings,
    *,
    db: Path | None,
    kind: str,
    interval: float | None = None,
    lease_ms: int = 5000,
    ident: str | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Run the collector until SIGINT / SIGTERM; returns the exit code."""
    return asyncio.run(
        collect(
            source,
            options,
            settings,
            db=db,
            kind=kind,
            interval=interval,
            lease_ms=lease_ms,
            ident=ident,
            stop=stop,
        )
    )


async def collect(
    source: DataSource,
    options: DeskOptions,
    settings: Settings,
    *,
    db: Path | None,
    kind: str,
    interval: float | None = None,
    lease_ms: int = 5000,
    ident: str | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    from analytics.snapshot import snapshot_to_dict
    from data_sources.desk import bus
    from data_sources.desk.collector import Collector
    from data_sources.store import open_store
    from tui.alerts import store_path_for
    from tui.compute import snapshot_from_market

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    path = (
        db
        if db is not None
        else store_path_for(kind, None).with_name(f"rotmon-desk-{kind}.sqlite3")
    )
    store, warning = open_store(path)
    if warning:
        log.warning("%s", warning)
    client = bus.connect(options.url, username=options.username, password=options.password)
    collector = Collector(
        source,
        client=client,
        compute=lambda market: snapshot_from_market(market, settings),
        store=store,
        keys=bus.Keys(options.prefix) if options.prefix else None,
        ident=ident,
        interval=interval,
        lease_ms=lease_ms,
        public_json=snapshot_to_dict,
        url=options.url,
    )
    log.info("collector %s on %s", collector.ident, bus.redact(options.url))

    async def freeze_heap() -> None:
        # As the app does: once the market is loaded, take it out of the cyclic collector's
        # view, so a full collection never stalls a publish for every terminal at once.
        while collector.updates_published == 0 and not stop.is_set():
            await asyncio.sleep(0.5)
        gc.collect()
        gc.freeze()

    freezer = asyncio.create_task(freeze_heap())
    try:
        await collector.run(stop)
    finally:
        freezer.cancel()
        with contextlib.suppress(Exception):
            await source.aclose()
        with contextlib.suppress(Exception):
            await client.aclose()
        lost = await asyncio.to_thread(collector.close)
        if lost:
            log.error("%d alert transitions could not be written to %s", lost, path)
        store.close()
    return 0
