"""Loopback Yahoo, FRED and iShares servers for tests of the live app and CLI, and a config
file that points rotmon at them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from analytics.catalog import MARKET_SYMBOLS
from tests.support.data_servers import SMALL_HOLDINGS, FredApp, HoldingsApp
from tests.support.loopback import LoopbackServer, refused_url
from tests.support.yahoo_server import YahooApp


def aliases(unknown: tuple[str, ...] = ()) -> dict[str, str]:
    return {s: "QQQ" for s in MARKET_SYMBOLS if s not in unknown and s != "QQQ"}


@dataclass
class Servers:
    yahoo: LoopbackServer
    fred: LoopbackServer
    holdings: LoopbackServer


def serve() -> Iterator[Servers]:
    """The three servers for as long as the generator runs (wrap it in a fixture)."""
    with ExitStack() as stack:
        yield Servers(
            stack.enter_context(LoopbackServer(YahooApp(aliases()))),
            stack.enter_context(LoopbackServer(FredApp())),
            stack.enter_context(LoopbackServer(HoldingsApp(SMALL_HOLDINGS))),
        )


def write_config(path: Path, servers: Servers | None, *, fred: str | None = None) -> Path:
    yahoo = servers.yahoo.url if servers else refused_url()
    fred = fred or (servers.fred.url if servers else refused_url())
    holdings = servers.holdings.url if servers else refused_url()
    path.write_text(
        "[sources]\n"
        f'yahoo_url = "{yahoo}"\n'
        f'fred_graph_url = "{fred}/graph/fredgraph.csv"\n'
        f'fred_api_url = "{fred}/fred"\n'
        f'holdings_url = "{holdings}/holdings.ajax"\n',
        encoding="utf-8",
    )
    return path
