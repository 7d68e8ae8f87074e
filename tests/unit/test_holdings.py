"""The iShares holdings download over httpx against a loopback server."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from data_sources.holdings import HoldingsSource
from data_sources.polling import Backoff
from tests.support.data_servers import SHARED_ISHARES, HoldingsApp
from tests.support.data_servers import SMALL_HOLDINGS as SMALL
from tests.support.loopback import LoopbackServer, Reply, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)

NOW = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)


class HalfRandom(random.Random):
    def random(self) -> float:
        return 0.5


def make(url: str, **kw: object) -> HoldingsSource:
    return HoldingsSource(
        f"{url}/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax?fileType=csv",
        clock=lambda: NOW,
        backoff=Backoff(base=60.0, rng=HalfRandom()),
        **{"timeout": 2.0, **kw},  # type: ignore[arg-type]
    )


async def test_small_holdings_file_gives_the_equity_rows() -> None:
    with LoopbackServer(HoldingsApp(SMALL)) as server:
        src = make(server.url)
        try:
            parsed = await src.refresh(NOW)
        finally:
            await src.aclose()
    assert parsed is not None and src.as_of == date(2025, 11, 5)
    assert [c.symbol for c in src.constituents] == ["AAA"]
    aaa = src.constituents[0]
    assert (aaa.sector, aaa.weight, aaa.last) == ("Industrials", 0.5, 100.0)
    assert "\x1b" not in aaa.name  # control characters never reach the screen
    assert server.requests[0].query["fileType"] == "csv"
    status = src.status(NOW)
    assert status.state == "ok" and status.detail == "1 constituents as of 2025-11-05"
    assert not src.due(NOW + timedelta(hours=23)) and src.due(NOW + timedelta(days=1))


@pytest.mark.skipif(not SHARED_ISHARES.exists(), reason="needs ../shared/realdata (BlackRock file)")
async def test_real_iwm_holdings_file() -> None:
    body = SHARED_ISHARES.read_text(encoding="utf-8")
    with LoopbackServer(HoldingsApp(body)) as server:
        src = make(server.url)
        try:
            await src.refresh(NOW)
        finally:
            await src.aclose()
    assert src.as_of == date(2025, 11, 5)
    assert len(src.constituents) > 1900
    first = src.constituents[0]
    assert (first.symbol, first.weight, first.last) == ("BE", 1.06, 141.41)
    assert src.health.state(NOW) == "ok"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(503, "", "text/plain", headers={"Retry-After": "600"}),
            "holdings: HTTP 503 Service Unavailable",
        ),
        (
            Reply(
                200, "<!DOCTYPE html><html><head><title>iShares | BlackRock</title>", "text/html"
            ),
            "holdings: HTML page (iShares | BlackRock) instead of the CSV",
        ),
        (
            Reply(200, "", "text/csv"),
            "holdings: no constituents (IWM holdings:1: empty file: expected an iShares holdings"
            " CSV (preamble, `Ticker,...` header))",
        ),
        (Reply(200, SMALL, "text/csv", truncate=40), "holdings: connection closed mid-response"),
        (Reply(200, SMALL, "text/csv", delay=3.0), "holdings: timed out"),
    ],
    ids=["503", "html", "empty", "truncated", "hang"],
)
async def test_faults_are_status_not_exceptions(reply: Reply, expected: str) -> None:
    with LoopbackServer(HoldingsApp(SMALL)) as server:
        server.fault(r"\.ajax$", reply)
        src = make(server.url, timeout=0.3)
        try:
            assert await src.refresh(NOW) is None
        finally:
            await src.aclose()
    status = src.status(NOW)
    assert status.state == "failing" and status.error == expected
    assert status.next_retry is not None
    wait = (status.next_retry - NOW).total_seconds()
    assert wait == (600.0 if "503" in expected else 45.0)


async def test_connection_refused_keeps_earlier_constituents() -> None:
    src = make(refused_url())
    from data_sources.model import Constituent

    src.adopt((Constituent("AAA", "Alpha", "Industrials", 0.5),), date(2025, 11, 4))
    try:
        await src.refresh(NOW)
    finally:
        await src.aclose()
    assert src.health.last_error == "holdings: connection refused"
    assert [c.symbol for c in src.constituents] == ["AAA"]
