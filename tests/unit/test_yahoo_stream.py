"""The quote stream: yfinance's AsyncWebSocket against a loopback server sending PricingData."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from data_sources.model import Quote
from data_sources.polling import Backoff
from data_sources.yahoo import QuoteStream
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.stream_server import StreamServer, pricing_frame, recorded_frame
from tests.support.waiting import until

T_MS = 1739548800000  # 2025-02-14 16:00:00 UTC


class HalfRandom(random.Random):
    def random(self) -> float:
        return 0.5


def frames(symbols: list[str]) -> list[str]:
    return [
        recorded_frame(),
        pricing_frame(
            "IWM",
            212.34,
            T_MS,
            previous_close=210.0,
            day_volume=1234567,
            day_high=213.0,
            day_low=209.5,
            short_name="iShares Russell 2000 ETF",
        ),
        pricing_frame("SPY", 601.25, T_MS + 500, change_percent=0.5),
    ]


def make_stream(url: str, got: dict[str, Quote], **kw: object) -> QuoteStream:
    return QuoteStream(
        url,
        lambda q: got.__setitem__(q.symbol, q),
        backoff=Backoff(base=0.05, cap=0.1, rng=HalfRandom()),
        connect_timeout_s=2.0,
        **kw,  # type: ignore[arg-type]
    )


async def test_real_and_encoded_frames_become_quotes() -> None:
    got: dict[str, Quote] = {}
    async with StreamServer(frames) as server:
        stream = make_stream(server.url, got, market_state=lambda now: "open")
        stream.set_symbols(["IWM", "SPY"])
        stream.start()
        try:
            await until(lambda: len(got) == 3)
        finally:
            await stream.close()
    assert sorted(server.subscribed[0]) == ["IWM", "SPY"]
    iwm = got["IWM"]
    assert (iwm.price, iwm.prev_close, iwm.volume) == (212.34, 210.0, 1234567.0)
    assert iwm.change_pct == pytest.approx((212.34 / 210.0 - 1) * 100)
    assert (iwm.day_high, iwm.day_low, iwm.name) == (213.0, 209.5, "iShares Russell 2000 ETF")
    assert iwm.time == datetime(2025, 2, 14, 16, 0, tzinfo=UTC)
    spy = got["SPY"]
    assert (spy.price, spy.change_pct, spy.prev_close) == (601.25, 0.5, None)
    assert got["BTC-USD"].price == 94745.08
    assert stream.messages == 3 and stream.bad_messages == 0
    assert stream.state(datetime.now(UTC)).state == "off"  # closed


async def test_stream_drop_mid_session_reconnects_and_resubscribes() -> None:
    got: dict[str, Quote] = {}
    seen: list[str] = []
    async with StreamServer(frames) as server:
        stream = make_stream(server.url, got, market_state=lambda now: "open")
        stream._on_change = lambda: seen.append(stream.state(datetime.now(UTC)).state)
        stream.set_symbols(["IWM", "SPY"])
        stream.start()
        try:
            await until(lambda: len(got) == 3)
            await server.drop()
            await until(lambda: server.connections == 2 and stream.connected)
            # after the resubscription's answer (the server's first three frames again, IWM at
            # 212.34) has arrived: it would otherwise overtake the new price sent here
            await until(lambda: len(server.subscribed) == 2 and stream.messages >= 6)
            await server.send(pricing_frame("IWM", 215.5, T_MS + 60_000, previous_close=210.0))
            await until(lambda: got["IWM"].price == 215.5)
        finally:
            await stream.close()
    assert len(server.subscribed) == 2 and sorted(server.subscribed[1]) == ["IWM", "SPY"]
    assert seen == ["ok", "failing", "ok"]
    assert stream.health.errors == 1
    assert stream.health.recent_error is not None
    assert stream.health.recent_error.startswith("connection closed")


async def test_silent_stream_while_open_is_stale_then_reconnected() -> None:
    got: dict[str, Quote] = {}
    async with StreamServer() as server:  # accepts, never sends a tick
        stream = make_stream(server.url, got, silence_s=0.15, market_state=lambda now: "open")
        stream.set_symbols(["IWM"])
        stream.start()
        try:
            await until(lambda: stream.silent)
            assert not stream.live
            await until(lambda: server.connections >= 2)
        finally:
            await stream.close()
    assert stream.health.recent_error == "no ticks for 0.15 s while the market is open"
    assert got == {}


async def test_silence_while_closed_keeps_the_connection() -> None:
    async with StreamServer() as server:
        stream = make_stream(server.url, {}, silence_s=0.1, market_state=lambda now: "closed")
        stream.set_symbols(["IWM"])
        stream.start()
        try:
            await until(lambda: stream.silent)
            await asyncio.sleep(0.3)
            status = stream.state(datetime.now(UTC))
        finally:
            await stream.close()
    assert server.connections == 1
    assert status.state == "ok" and status.error is None


async def test_unreachable_stream_is_failing_with_a_retry_time() -> None:
    from tests.support.loopback import refused_url

    url = refused_url().replace("http://", "ws://")
    stream = make_stream(url, {}, market_state=lambda now: "open")
    stream.set_symbols(["IWM"])
    stream.start()
    try:
        await until(lambda: stream.health.errors >= 1)
        status = stream.state(datetime.now(UTC))
    finally:
        await stream.close()
    assert status.state == "failing"
    assert status.error == "connection refused"
    assert status.next_retry is not None


async def test_garbage_frames_are_counted_not_fatal() -> None:
    got: dict[str, Quote] = {}

    def junk(symbols: list[str]) -> list[str]:
        return ["not json", '{"type": "pricing", "message": "@@@"}', frames(symbols)[1]]

    async with StreamServer(junk) as server:
        stream = make_stream(server.url, got, market_state=lambda now: "open")
        stream.set_symbols(["IWM"])
        stream.start()
        try:
            await until(lambda: "IWM" in got)
        finally:
            await stream.close()
    assert stream.bad_messages == 2 and stream.connects == 1
