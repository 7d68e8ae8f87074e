"""Live data for the command line: the live source's settings, the app's live source, one
live fetch (snapshot, backtest) and what record and pack download share (no Textual)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.output import say
from tui.config import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from data_sources.live import LiveCache, LiveSettings, LiveSource
    from data_sources.model import Constituent, MarketData
    from data_sources.store import Store
    from tui.config import Settings

DEFAULT_YAHOO_URL = "https://query1.finance.yahoo.com"

ONE_SHOT_WAIT = 60.0
"""Seconds a one-shot command (snapshot, backtest, doctor) waits for the network."""
STREAM_WAIT = 10.0
"""Seconds ``doctor`` waits for the stream to connect or fail."""
FINISH_GRACE = 60.0
"""Seconds ``record`` lets a refresh in flight at the deadline finish (Ctrl+C skips this)."""


class LiveConfigError(ConfigError):
    """A bad output directory for a pack: one line, exit 2 like every configuration error."""


def fred_api_endpoint(base: str) -> str:
    """The observations endpoint under the configured API base (``.../fred``)."""
    base = base.rstrip("/")
    return base if base.endswith("/series/observations") else f"{base}/series/observations"


def live_settings(settings: Settings, **overrides: Any) -> LiveSettings:
    """The live source's settings from rotmon's (``[sources]``, ``[poll]``; the config has read
    the environment) and ``overrides`` (LiveSettings fields)."""
    from data_sources.live import LiveSettings
    from data_sources.yahoo import routes_to

    src = settings.sources
    values: dict[str, Any] = {
        "fred_graph_url": src.fred_graph_url,
        "fred_api_url": fred_api_endpoint(src.fred_api_url),
        "holdings_url": src.holdings_url or None,
        "fred_api_key": src.fred_api_key,
        "yahoo_backend": src.yahoo_backend,
        "stream_url": None if src.stream_url.lower() in ("", "off") else src.stream_url,
        "poll": settings.poll.intervals(),
    }
    if src.yahoo_url.rstrip("/") != DEFAULT_YAHOO_URL:
        values["yahoo_routes"] = routes_to(src.yahoo_url)
    if settings.pairs:  # the user's own pairs are fetched with the catalog's symbols
        from analytics.catalog import MARKET_SYMBOLS

        legs = (s for p in settings.pairs for s in (p.small, p.large))
        values["symbols"] = tuple(dict.fromkeys((*MARKET_SYMBOLS, *legs)))
    values.update(overrides)
    return LiveSettings(**values)


def live_source(settings: Settings, store: LiveCache | None = None, **overrides: Any) -> LiveSource:
    """The live ``DataSource`` for ``settings`` with ``store`` as its cache."""
    from data_sources.live import LiveSource

    return LiveSource(live_settings(settings, **overrides), cache=store)


def app_source(settings: Settings) -> Callable[[], LiveSource]:
    """A factory of the app's live source (the app builds it on the source's own thread, so
    pandas and the store never delay the first paint). The store opens inside the factory;
    its warning, if any, is kept on ``factory.warnings`` for after the app has exited."""
    warnings: list[str] = []

    def build() -> LiveSource:
        from data_sources.store import open_store

        store, warning = open_store(settings.db)
        if warning:
            warnings.append(warning)
        return live_source(settings, store)

    build.warnings = warnings  # type: ignore[attr-defined]
    return build


def _open_store(settings: Settings, err: TextIO | None = None) -> Store:
    from data_sources.store import open_store

    store, warning = open_store(settings.db)
    if warning:
        say(warning, err)
    return store


def failing_problems(market: MarketData) -> list[str]:
    """One line per source that could not deliver (for stderr and the exit code)."""
    lines = []
    for s in market.statuses:
        if s.ok or s.state == "off":
            continue
        why = s.error or ("no answer in time" if s.state == "loading" else s.state)
        lines.append(f"{s.name}: {s.state}: {why}")
    return lines


def fetch_once(settings: Settings, *, wait: float = ONE_SHOT_WAIT, **overrides: Any) -> MarketData:
    """What live data gives now, waiting up to ``wait`` seconds for the network.

    No stream and no holdings (a one-shot needs neither); the cache is read and updated.
    Sources that failed appear as problems, so the caller exits 1 with the partial result.
    """
    store = _open_store(settings)
    try:
        opts: dict[str, Any] = {"stream_url": None, "holdings_url": None}
        opts.update(overrides)
        source = live_source(settings, store, **opts)

        async def run() -> MarketData:
            try:
                market = await source.fetch(source.clock(), wait=wait)
                await source.settle(10.0)
                return market
            finally:
                await source.aclose()

        market = asyncio.run(run())
    finally:
        store.close()
    statuses = tuple(s for s in market.statuses if s.state != "off")
    problems = tuple(dict.fromkeys((*market.problems, *failing_problems(market))))
    return replace(market, statuses=statuses, problems=problems)


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LiveConfigError(f"{out}: expected a directory for the data pack, found a file")


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _write(
    out: Path,
    prices: Mapping[str, pd.DataFrame],
    macro: Mapping[str, pd.Series],
    constituents: Sequence[Constituent],
    holdings_asof: date | None,
    problems: list[str],
    valuations: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """``write_pack`` file by file, so that one unwritable name never loses the rest."""
    from data_sources.pack import write_pack

    for symbol, frame in prices.items():
        try:
            write_pack(out, {symbol: frame}, {})
        except ValueError as exc:
            problems.append(f"{symbol}: not written ({exc})")
    for series_id, values in macro.items():
        try:
            write_pack(out, {}, {series_id: values})
        except ValueError as exc:
            problems.append(f"{series_id}: not written ({exc})")
    if constituents:
        write_pack(out, {}, {}, constituents, holdings_asof=holdings_asof)
    for symbol, frame in (valuations or {}).items():
        try:
            write_pack(out, {}, {}, valuations={symbol: frame})
        except ValueError as exc:
            problems.append(f"valuation/{symbol}: not written ({exc})")
