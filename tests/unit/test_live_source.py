"""LiveSource end to end: Yahoo (yfinance), its stream, FRED and iShares, all on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from data_sources.base import DataSource
from data_sources.live import LiveSettings, LiveSource
from data_sources.store import Store
from data_sources.yahoo import routes_to
from tests.support.data_servers import SMALL_HOLDINGS, FredApp, HoldingsApp
from tests.support.loopback import LoopbackServer, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.stream_server import StreamServer, pricing_frame
from tests.support.waiting import until
from tests.support.yahoo_server import YahooApp
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)

# Friday 14 Feb 2025, 15:30 New York: the recorded QQQ quote is from that afternoon.
NOW = datetime(2025, 2, 14, 20, 30, tzinfo=UTC)
TICK_MS = int(datetime(2025, 2, 14, 21, 5, tzinfo=UTC).timestamp() * 1000)
SYMBOLS = ("IWM", "QQQ", "AAPL")


@dataclass
class Servers:
    yahoo: LoopbackServer
    fred: LoopbackServer
    holdings: LoopbackServer


@pytest.fixture
def servers() -> Iterator[Servers]:
    # IWM and AAA have no recordings: they get QQQ's and AAPL's under their own names.
    with ExitStack() as stack:
        yield Servers(
            stack.enter_context(LoopbackServer(YahooApp({"IWM": "QQQ", "AAA": "AAPL"}))),
            stack.enter_context(LoopbackServer(FredApp())),
            stack.enter_context(LoopbackServer(HoldingsApp(SMALL_HOLDINGS))),
        )


@pytest.fixture
async def stream() -> AsyncIterator[StreamServer]:
    def ticks(symbols: list[str]) -> list[str]:
        return [pricing_frame("IWM", 212.34, TICK_MS, previous_close=210.0)]

    async with StreamServer(ticks) as srv:
        yield srv


def settings(servers: Servers | None, stream_url: str | None, **kw: object) -> LiveSettings:
    yahoo = servers.yahoo.url if servers else refused_url()
    fred = servers.fred.url if servers else refused_url()
    holdings = servers.holdings.url if servers else refused_url()
    values: dict[str, object] = {
        "symbols": SYMBOLS,
        "fred_series": ("DGS10",),
        "yahoo_routes": routes_to(yahoo),
        "yahoo_backend": "requests",
        "stream_url": stream_url,
        "fred_api_key": None,
        "fred_graph_url": f"{fred}/graph/fredgraph.csv",
        "holdings_url": f"{holdings}/holdings.ajax",
        "timeout": 2.0,
    }
    values.update(kw)
    return LiveSettings(**values)  # type: ignore[arg-type]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def state_of(data: object, name: str) -> str:
    return next(s.state for s in data.statuses if s.name == name)  # type: ignore[attr-defined]


async def test_everything_arrives_and_the_live_price_is_the_last_row(
    servers: Servers, stream: StreamServer
) -> None:
    clock = Clock(NOW)
    src = LiveSource(settings(servers, stream.url), clock=clock, market_state=lambda now: "open")
    assert isinstance(src, DataSource) and (src.name, src.kind) == ("live", "live")
    src.set_hot(["AAA"])  # a constituent row on screen
    try:
        await src.fetch(NOW, wait=10)
        await until(
            lambda: (
                src.yahoo.quotes.get("IWM") is not None and src.yahoo.quotes["IWM"].price == 212.34
            )
        )
        data = await src.fetch(NOW)
        bars = await src.bars("AAPL")
    finally:
        await src.aclose()
    qqq = data.prices["QQQ"]
    # 253 recorded daily closes of 2020, then today's live last (the v7 quote)
    assert len(qqq) == 254 and qqq.index[-1] == pd.Timestamp("2025-02-14")
    assert qqq.iloc[-1] == 538.15
    assert qqq.iloc[-2] == pytest.approx(src.yahoo.bars["QQQ"].close.iloc[-1])
    # IWM: the streamed tick is newer than the poll, so it is the live last
    assert data.prices["IWM"].iloc[-1] == 212.34
    iwm = data.quotes["IWM"]
    assert iwm.change_pct == pytest.approx((212.34 / 210.0 - 1) * 100)
    assert iwm.trailing_pe == 35.07033  # kept from the poll: the stream has no P/E
    assert data.macro["DGS10"].values.iloc[0] == 1.64
    aaa = data.constituents[0]
    assert (aaa.symbol, aaa.last, aaa.change_pct) == ("AAA", 244.6, 1.2710667)
    assert {s.name: s.state for s in data.statuses} == {
        "yahoo": "ok",
        "stream": "ok",
        "fred": "ok",
        "holdings": "ok",
    }
    assert data.source == "live" and data.asof == NOW
    assert bars is not None and len(bars) == 10
    assert sorted(stream.subscribed[-1]) == ["AAA", "AAPL", "IWM", "QQQ"]
    names = [d.name for d in src.diagnostics(NOW)]
    assert names == ["yahoo-history", "yahoo-quotes", "yahoo-details", "stream", "fred", "holdings"]


async def test_no_prices_row_for_today_when_the_market_is_closed(servers: Servers) -> None:
    src = LiveSource(settings(servers, None), clock=Clock(NOW), market_state=lambda now: "closed")
    try:
        data = await src.fetch(NOW, wait=10)
    finally:
        await src.aclose()
    assert data.prices["QQQ"].index[-1] == pd.Timestamp("2020-12-31")
    assert state_of(data, "stream") == "off"


async def test_network_down_without_cache_says_so_and_never_raises() -> None:
    src = LiveSource(
        settings(None, refused_url().replace("http", "ws")),
        clock=Clock(NOW),
        market_state=lambda now: "open",
    )
    try:
        data = await src.fetch(NOW, wait=5)
        await until(lambda: src.yahoo.stream is not None and src.yahoo.stream.health.errors > 0)
        data = await src.fetch(NOW)
    finally:
        await src.aclose()
    assert data.prices == {} and data.macro == {}
    assert {s.name: s.state for s in data.statuses} == {
        "yahoo": "failing",
        "stream": "failing",
        "fred": "failing",
        "holdings": "failing",
    }
    yahoo = next(s for s in data.statuses if s.name == "yahoo")
    assert yahoo.error is not None and "connection refused" in yahoo.error
    assert yahoo.next_retry is not None and yahoo.next_retry > NOW
    # the same words at every retry (a time in them would toast again each try)
    assert data.problems[0] == "live: no cached data and no connection yet; retrying"


async def test_a_start_with_the_network_down_paints_the_cache_at_once(servers: Servers) -> None:
    store = Store.memory()
    first = LiveSource(
        settings(servers, None), cache=store, clock=Clock(NOW), market_state=lambda now: "closed"
    )
    try:
        await first.fetch(NOW, wait=10)
        await first.settle()
    finally:
        await first.aclose()
    later = NOW + timedelta(hours=2)
    src = LiveSource(
        settings(None, None), cache=store, clock=Clock(later), market_state=lambda now: "closed"
    )
    try:
        data = await src.fetch(later, wait=0)  # no waiting: the cache only
        assert data.prices["AAPL"].iloc[-1] == pytest.approx(
            first.yahoo.bars["AAPL"].close.iloc[-1]
        )
        assert data.quotes["QQQ"].price == 538.15
        assert data.macro["DGS10"].values.iloc[-1] == 4.30
        # the constituents screen too: the fund's members as last downloaded
        assert first.holdings is not None and first.holdings.constituents
        assert [c.symbol for c in data.constituents] == [
            c.symbol for c in first.holdings.constituents
        ]
        assert [c.weight for c in data.constituents] == [
            c.weight for c in first.holdings.constituents
        ]
        holdings = next(s for s in data.statuses if s.name == "holdings")
        assert holdings.last_success == NOW
        yahoo = next(s for s in data.statuses if s.name == "yahoo")
        assert yahoo.last_success == NOW  # the age of what is shown
        await src.settle()
        data = await src.fetch(later)
    finally:
        await src.aclose()
    yahoo = next(s for s in data.statuses if s.name == "yahoo")
    assert yahoo.state == "failing" and "connection refused" in (yahoo.error or "")
    assert "AAPL" in data.prices  # still painted while failing
    assert src.yahoo.history_health.cache_hits == len(SYMBOLS)
    store.close()


async def test_silent_stream_hands_hot_symbols_back_to_fast_polling(servers: Servers) -> None:
    async with StreamServer(lambda s: [pricing_frame("QQQ", 540.0, TICK_MS)]) as quiet:
        clock = Clock(NOW)
        src = LiveSource(
            settings(servers, quiet.url, stream_silence_s=0.3),
            clock=clock,
            market_state=lambda now: "open",
        )
        src.set_hot(["QQQ"])
        try:
            await src.fetch(NOW, wait=10)
            stream = src.yahoo.stream
            assert stream is not None
            await until(lambda: stream.messages >= 1 and stream.live)
            assert await src.yahoo.poll_quotes(NOW, ["QQQ"])
            # the stream covers QQQ: its next poll is the slow one
            assert src.yahoo.quotes_due(NOW + timedelta(seconds=20)) == []
            await until(lambda: stream.silent)
            assert src.yahoo.quotes_due(NOW + timedelta(seconds=20)) == ["QQQ"]
            before = servers.yahoo.hits(r"^/v7/finance/quote")
            await src.fetch(NOW + timedelta(seconds=20), wait=5)
            after = servers.yahoo.hits(r"^/v7/finance/quote")
        finally:
            await src.aclose()
    assert after == before + 1


async def test_clock_jumps_forward_and_back(servers: Servers) -> None:
    clock = Clock(NOW)
    src = LiveSource(settings(servers, None), clock=clock, market_state=lambda now: "closed")
    try:
        await src.fetch(NOW, wait=10)
        polls = servers.yahoo.hits(r"^/v7/finance/quote")
        clock.now = NOW + timedelta(hours=3)  # the laptop slept
        assert next(s for s in src.status() if s.name == "yahoo").state == "stale"
        data = await src.fetch(clock.now, wait=10)
        assert state_of(data, "yahoo") == "ok"
        clock.now = NOW - timedelta(days=1)  # the clock was set back
        data = await src.fetch(clock.now, wait=10)
        assert state_of(data, "yahoo") == "ok"
    finally:
        await src.aclose()
    assert servers.yahoo.hits(r"^/v7/finance/quote") == polls + 2


async def test_wait_for_update_wakes_on_a_streamed_tick(
    servers: Servers, stream: StreamServer
) -> None:
    src = LiveSource(
        settings(servers, stream.url), clock=Clock(NOW), market_state=lambda now: "open"
    )
    try:
        await src.fetch(NOW, wait=10)
        await until(lambda: bool(stream.clients))
        await src.wait_for_update(0.01)  # drain what is pending
        assert not await src.wait_for_update(0.05)
        await stream.send(pricing_frame("SPY", 601.0, TICK_MS))
        assert await src.wait_for_update(2.0)
        assert src.yahoo.quotes["SPY"].price == 601.0
    finally:
        await src.aclose()


async def test_unknown_symbol_bars_are_none(servers: Servers) -> None:
    src = LiveSource(settings(servers, None), clock=Clock(NOW), market_state=lambda now: "closed")
    try:
        assert await src.bars("NOPE") is None
    finally:
        await src.aclose()
    assert "NOPE" in src.yahoo.problems


async def test_closed_source_refuses_to_fetch(servers: Servers) -> None:
    from data_sources.base import SourceError

    src = LiveSource(settings(servers, None), clock=Clock(NOW), market_state=lambda now: "closed")
    await src.aclose()
    with pytest.raises(SourceError, match="closed"):
        await src.fetch(NOW)


async def test_refresh_now_skips_the_wait_and_naive_times_are_utc(servers: Servers) -> None:
    src = LiveSource(settings(servers, None), clock=Clock(NOW), market_state=lambda now: "closed")
    try:
        await src.fetch(NOW.replace(tzinfo=None), wait=10)  # naive: read as UTC
        polls = servers.yahoo.hits(r"^/v7/finance/quote")
        await src.fetch(NOW + timedelta(seconds=30), wait=10)
        assert servers.yahoo.hits(r"^/v7/finance/quote") == polls  # not due for 5 minutes
        src.refresh_now()
        data = await src.fetch(NOW + timedelta(seconds=31), wait=10)
    finally:
        await src.aclose()
    assert servers.yahoo.hits(r"^/v7/finance/quote") == polls + 1
    assert servers.fred.hits(r"fredgraph") == 2
    assert data.asof == NOW + timedelta(seconds=31)


def test_settings_never_show_the_fred_key() -> None:
    s = LiveSettings(fred_api_key="k3y5ecretABCDEF0123")
    assert "k3y5ecret" not in repr(s)
    src = LiveSource(s)
    assert "k3y5ecret" not in repr(src.fred) and src.fred.mode == "api"
