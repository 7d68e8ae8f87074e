"""Every request is bounded, against real loopback servers (issue 14): a slow drip ends at the
request's deadline, a huge body at the source's cap, a redirect to another host is refused,
and a 429 storm stops the whole round at once (at most 3 requests after the first 429) and
honours Retry-After - for FRED and holdings (httpx) and for Yahoo (yfinance on our session,
curl_cffi and requests)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from data_sources.fred import FredSource
from data_sources.holdings import HoldingsSource
from data_sources.httpclient import (
    BodyTooLarge,
    Limits,
    RateGate,
    RateLimited,
    RedirectRefused,
    bounded_get,
    same_host,
)
from data_sources.polling import Backoff
from data_sources.yahoo import YahooSource, routes_to
from tests.support.data_servers import DGS10_CSV, SMALL_HOLDINGS, FredApp, HoldingsApp
from tests.support.loopback import LoopbackServer, Reply
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.yahoo_server import YahooApp

NOW = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
MB = 1024 * 1024
SERIES = [f"S{i:02d}" for i in range(16)]
HOLDINGS_PATH = "/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax"


class HalfRandom(random.Random):
    def random(self) -> float:
        return 0.5


def drip(stop_after: float = 30.0) -> Iterator[bytes]:
    """One byte every 50 ms: never idle long enough for a per-read timeout."""
    end = time.monotonic() + stop_after
    yield b"observation_date,X\n"
    while time.monotonic() < end:
        time.sleep(0.05)
        yield b"2"


def huge(total: int = 100 * MB) -> Iterator[bytes]:
    block = b"2020-01-01,1.0\n" * (MB // 15)
    sent = 0
    while sent < total:
        yield block
        sent += len(block)


def fred(url: str, series: list[str], **kw: object) -> FredSource:
    return FredSource(
        series,
        graph_url=f"{url}/graph/fredgraph.csv",
        api_url=f"{url}/fred/series/observations",
        clock=lambda: NOW,
        backoff=Backoff(base=30.0, rng=HalfRandom()),
        **{"api_key": None, "timeout": 2.0, **kw},  # type: ignore[arg-type]
    )


def holdings(url: str, **kw: object) -> HoldingsSource:
    return HoldingsSource(
        f"{url}{HOLDINGS_PATH}?fileType=csv",
        clock=lambda: NOW,
        backoff=Backoff(base=60.0, rng=HalfRandom()),
        **{"timeout": 2.0, **kw},  # type: ignore[arg-type]
    )


# -- the bounded client ---------------------------------------------------------------------


def test_same_host_means_host_port_and_no_downgrade() -> None:
    assert same_host("https://a.example/x", "https://a.example/y?z=1")
    assert not same_host("https://a.example/x", "https://b.example/x")
    assert not same_host("http://127.0.0.1:8000/", "http://localhost:8000/")
    assert not same_host("http://127.0.0.1:8000/", "http://127.0.0.1:8001/")
    assert not same_host("https://a.example/", "http://a.example/")


async def test_a_slow_drip_ends_at_the_deadline_not_never() -> None:
    with LoopbackServer(lambda r: Reply(200, chunks=drip)) as server:
        async with httpx.AsyncClient(timeout=1.0) as client:
            started = time.monotonic()
            with pytest.raises(httpx.TimeoutException, match=r"within 1\.5 s"):
                await bounded_get(client, server.url, limits=Limits(deadline=1.5))
            elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4.0  # the per-read timeout (1 s) alone never fires on a drip


async def test_a_huge_body_stops_at_the_cap() -> None:
    with LoopbackServer(lambda r: Reply(200, chunks=huge)) as server:
        async with httpx.AsyncClient(timeout=5.0) as client:
            with pytest.raises(BodyTooLarge, match="larger than 1 MB"):
                await bounded_get(client, server.url, limits=Limits(max_bytes=MB))
            declared = Reply(200, "x" * (2 * MB), "text/plain")
            server.fault("^/declared", declared)
            with pytest.raises(BodyTooLarge):  # a Content-Length past the cap: body never read
                await bounded_get(client, f"{server.url}/declared", limits=Limits(max_bytes=MB))
        time.sleep(0.2)
    assert server.sent < 20 * MB  # far from the 100 MB offered


async def test_redirects_follow_the_same_host_only() -> None:
    with (
        LoopbackServer(lambda r: Reply(200, "elsewhere", "text/plain")) as other,
        LoopbackServer(lambda r: Reply(200, "here", "text/plain")) as server,
    ):
        server.fault("^/same$", Reply(302, headers={"Location": "/final"}))
        away = f"http://localhost:{other.port}/steal"
        server.fault("^/away$", Reply(302, headers={"Location": away}))
        async with httpx.AsyncClient(timeout=2.0) as client:
            answer = await bounded_get(client, f"{server.url}/same")
            assert (answer.status_code, answer.text, answer.url.path) == (200, "here", "/final")
            with pytest.raises(RedirectRefused, match=r"127\.0\.0\.1 to http://localhost refused"):
                await bounded_get(client, f"{server.url}/away")
            # the other host does answer: the refusal is the client's, not a dead server
            assert (await client.get(away)).text == "elsewhere"
        assert len(other.requests) == 1


def test_the_gate_shuts_for_retry_after_then_opens() -> None:
    now = [100.0]
    gate = RateGate(clock=lambda: now[0])
    gate.check()
    assert gate.saw(429, {"Retry-After": "120"}) == 120.0
    with pytest.raises(RateLimited) as info:
        gate.check()
    assert info.value.retry_after == pytest.approx(120.0)
    now[0] += 119.0
    assert gate.remaining() == pytest.approx(1.0)
    now[0] += 1.5
    gate.check()
    assert gate.saw(429, {}) == 60.0  # no Retry-After: a default pause, never none


# -- FRED and holdings ----------------------------------------------------------------------


async def test_fred_slow_drip_fails_at_the_deadline() -> None:
    with LoopbackServer(FredApp({"DGS10": DGS10_CSV})) as server:
        server.fault("fredgraph", Reply(200, content_type="text/csv", chunks=drip))
        src = fred(server.url, ["DGS10"], timeout=1.0, deadline=1.5)
        started = time.monotonic()
        try:
            result = await src.refresh(NOW)
        finally:
            await src.aclose()
        elapsed = time.monotonic() - started
    assert elapsed < 5.0
    assert "within 1.5 s" in result.failed["DGS10"]
    assert src.status(NOW).state == "failing"  # not "loading" forever


async def test_fred_huge_body_is_a_failure_not_memory() -> None:
    with LoopbackServer(FredApp({"DGS10": DGS10_CSV})) as server:
        server.fault("fredgraph", Reply(200, content_type="text/csv", chunks=huge))
        src = fred(server.url, ["DGS10"], max_bytes=2 * MB)
        try:
            result = await src.refresh(NOW)
        finally:
            await src.aclose()
        time.sleep(0.2)
    assert result.failed["DGS10"] == "DGS10: answer larger than 2 MB (not read)"
    assert server.sent < 20 * MB


async def test_fred_429_storm_stops_the_round_and_honours_retry_after() -> None:
    storm = Reply(429, "Too Many Requests", "text/plain", headers={"Retry-After": "120"}, delay=0.1)
    with LoopbackServer(FredApp({"DGS10": DGS10_CSV})) as server:
        server.fault("fredgraph", storm)
        src = fred(server.url, SERIES, concurrency=4)
        try:
            result = await src.refresh(NOW)
            sent = len(server.requests)
            assert 1 <= sent <= 4  # the first 429 and at most 3 already on the wire
            assert set(result.failed) == set(SERIES)
            assert sum("not sent" in why for why in result.failed.values()) >= len(SERIES) - 4
            status = src.status(NOW)
            assert status.next_retry is not None
            assert status.next_retry - NOW >= timedelta(seconds=120)  # Retry-After honoured
            await src.refresh(NOW)  # an explicit refresh inside the wait sends nothing
            assert len(server.requests) == sent
        finally:
            await src.aclose()


async def test_holdings_redirect_to_another_host_is_refused() -> None:
    with (
        LoopbackServer(HoldingsApp(SMALL_HOLDINGS)) as other,
        LoopbackServer(HoldingsApp(SMALL_HOLDINGS)) as server,
    ):
        away = f"http://localhost:{other.port}{HOLDINGS_PATH}?fileType=csv"
        server.fault("ajax", Reply(302, headers={"Location": away}))
        src = holdings(server.url)
        try:
            assert await src.refresh(NOW) is None
        finally:
            await src.aclose()
        assert other.requests == []
        error = src.health.last_error or ""
        assert error == "holdings: redirect from 127.0.0.1 to http://localhost refused"

        server.clear_faults()
        server.fault("ajax", Reply(302, headers={"Location": "/moved.csv"}), times=1)
        src = holdings(server.url)
        try:
            assert await src.refresh(NOW) is not None  # same host: followed
        finally:
            await src.aclose()
        assert server.requests[-1].path == "/moved.csv"


async def test_holdings_slow_drip_and_huge_body() -> None:
    with LoopbackServer(HoldingsApp(SMALL_HOLDINGS)) as server:
        server.fault("ajax", Reply(200, content_type="text/csv", chunks=drip), times=1)
        src = holdings(server.url, timeout=1.0, deadline=1.5)
        try:
            assert await src.refresh(NOW) is None
            assert "within 1.5 s" in (src.health.last_error or "")
        finally:
            await src.aclose()
        server.fault("ajax", Reply(200, content_type="text/csv", chunks=huge), times=1)
        src = holdings(server.url, max_bytes=MB)
        try:
            assert await src.refresh(NOW) is None
            assert src.health.last_error == "holdings: answer larger than 1 MB (not read)"
        finally:
            await src.aclose()


# -- Yahoo (yfinance on our session) ---------------------------------------------------------


def yahoo(url: str, symbols: list[str], backend: str, **kw: object) -> YahooSource:
    return YahooSource(
        symbols,
        **{  # type: ignore[arg-type]
            "routes": routes_to(url),
            "backend": backend,
            "stream_url": None,
            "timeout": 2.0,
            "batch_size": 1,  # one request per symbol: the storm case of issue 14
            "download_threads": 4,
            "market_state": lambda now: "closed",
            **kw,
        },
    )


@pytest.mark.parametrize("backend", ["curl", "requests"])
async def test_yahoo_429_storm_stops_history_and_quotes(backend: str) -> None:
    symbols = [f"T{i:03d}" for i in range(40)]
    storm = Reply(429, "Edge: Too Many Requests", "text/plain", headers={"Retry-After": "120"})
    with LoopbackServer(YahooApp()) as server:
        server.fault(r"^/v8/finance/chart/", storm)
        src = yahoo(server.url, symbols, backend)
        try:
            before = datetime.now(UTC)
            assert not await src.refresh_history()
            charts = [i for i, r in enumerate(server.requests) if "/chart/" in r.path]
            first = charts[0]
            after = len(server.requests) - first - 1
            assert after <= 3, [r.path for r in server.requests[first:]]
            h = src.history_health
            assert h.last_error is not None and h.last_error.startswith("history: HTTP 429")
            assert h.next_retry is not None and h.next_retry - before >= timedelta(seconds=119)
            # quotes share the gate: nothing goes out until Retry-After has passed
            sent = len(server.requests)
            assert not await src.poll_quotes(symbols=symbols[:3])
            assert len(server.requests) == sent
            assert "Retry-After" in (src.quote_health.last_error or "")
        finally:
            await src.aclose()


@pytest.mark.parametrize("backend", ["curl", "requests"])
async def test_yahoo_huge_body_and_foreign_redirect(backend: str) -> None:
    with (
        LoopbackServer(YahooApp()) as other,
        LoopbackServer(YahooApp(aliases={"IWM": "QQQ"})) as server,
    ):
        server.fault(r"^/v7/finance/quote", Reply(200, chunks=huge), times=1)
        src = yahoo(server.url, ["QQQ"], backend, max_bytes=MB)
        try:
            assert not await src.poll_quotes(symbols=["QQQ"])
            assert "answer larger than 1 MB" in (src.quote_health.last_error or "")
            time.sleep(0.2)
            assert server.sent < 20 * MB
            away = f"http://localhost:{other.port}/v7/finance/quote?symbols=QQQ"
            server.fault(r"^/v7/finance/quote", Reply(302, headers={"Location": away}))
            assert not await src.poll_quotes(symbols=["QQQ"])
            assert other.requests == []
            refused = [x for x in src.wiretap.since(0) if x.error and "refused" in x.error]
            assert refused and "to http://localhost refused" in (refused[-1].error or "")
        finally:
            await src.aclose()


@pytest.mark.parametrize("backend", ["curl", "requests"])
async def test_yahoo_slow_drip_ends_at_the_request_deadline(backend: str) -> None:
    # curl's timeout is the whole transfer (CURLOPT_TIMEOUT_MS); requests reads the chunks
    # against the clock.
    with LoopbackServer(YahooApp()) as server:
        server.fault(r"^/v7/finance/quote", Reply(200, chunks=drip))
        src = yahoo(server.url, ["QQQ"], backend, timeout=1.5)
        try:
            started = time.monotonic()
            assert not await src.poll_quotes(symbols=["QQQ"])
            elapsed = time.monotonic() - started
        finally:
            await src.aclose()
    assert elapsed < 8.0  # the deadline per request (yfinance may try twice), not forever
    assert "timed out" in (src.quote_health.last_error or "")
