"""The settings and the data source a command line asks for, and one fetch of it (no Textual)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.cli.exits import UsageError
from tui.cli.options import Options

if TYPE_CHECKING:
    from data_sources.base import DataSource
    from data_sources.model import MarketData
    from tui.config import Settings


def settings_of(opts: Options) -> Settings:
    """Defaults < config file < environment < command line."""
    from tui.config import load_settings

    overrides = {
        "refresh": opts.refresh,
        "db": opts.db,
        "no_color": True if opts.no_color else None,  # the flag only turns colour off
    }
    return load_settings(opts.config, None, overrides)


def load_source(opts: Options, *, frozen: bool = False) -> DataSource:
    """The data source the options ask for; ``frozen`` stops the demo clock at its start so
    one-shot commands give the same numbers in every process. Live: a factory the app builds
    on the source's own thread (``tui.cli.live.app_source``)."""
    if opts.data is not None:
        from data_sources.pack import PackSource

        return PackSource(opts.data, asof=opts.asof)
    if opts.demo:
        from data_sources.demo import DemoSource

        try:
            if frozen:
                return DemoSource(opts.seed, opts.scenario, opts.speed, wall=lambda: 0.0)
            return DemoSource(opts.seed, opts.scenario, opts.speed)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    from tui.cli.live import app_source

    return app_source(settings_of(opts))  # type: ignore[return-value]  # a factory


def fetch_once(opts: Options) -> MarketData:
    """What the chosen source knows now (the demo clock's start, the pack's as-of date,
    or live: the network, waiting up to a minute)."""
    if opts.kind == "live":
        from tui.cli.live import fetch_once as live_fetch_once

        return live_fetch_once(settings_of(opts))
    source = load_source(opts, frozen=True)

    async def fetch() -> MarketData:
        try:
            clock = getattr(source, "clock", None)
            return await source.fetch(clock.now() if clock else datetime.now(UTC))
        finally:
            await source.aclose()

    return asyncio.run(fetch())
