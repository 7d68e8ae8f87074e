"""FRED over httpx against a loopback server: graph CSV, JSON API, faults, the key kept secret."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd
import pytest

from data_sources.fred import FredSource, parse_observations
from data_sources.polling import Backoff
from tests.support.data_servers import DGS10_CSV, DGS10_OLD_CSV, FredApp
from tests.support.loopback import LoopbackServer, Reply, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)

KEY = "k3y5ecretABCDEF0123456789abcdef0"
NOW = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)


class HalfRandom(random.Random):
    def random(self) -> float:
        return 0.5


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    # T10Y2Y is served the 2017 DGS10 download under its own name (header relabelled).
    with LoopbackServer(FredApp({"DGS10": DGS10_CSV, "T10Y2Y": DGS10_OLD_CSV})) as srv:
        yield srv


def make(url: str, series: list[str], **kw: object) -> FredSource:
    return FredSource(
        series,
        graph_url=f"{url}/graph/fredgraph.csv",
        api_url=f"{url}/fred/series/observations",
        clock=lambda: NOW,
        backoff=Backoff(base=30.0, rng=HalfRandom()),
        **{"api_key": None, "timeout": 2.0, **kw},  # type: ignore[arg-type]
    )


async def test_graph_csv_by_default_both_headers_and_missing_markers(
    server: LoopbackServer,
) -> None:
    src = make(server.url, ["DGS10", "T10Y2Y"])
    try:
        result = await src.refresh(NOW)
    finally:
        await src.aclose()
    assert result.failed == {}
    dgs10 = src.data["DGS10"]
    # 1305 data rows, 55 of them empty (holidays): dropped, never 0
    assert len(dgs10.values) == 1250 and dgs10.frequency == "daily"
    assert dgs10.values.index[0] == pd.Timestamp("2021-04-13") and dgs10.values.iloc[0] == 1.64
    assert dgs10.values.iloc[-1] == 4.30
    assert pd.Timestamp("2021-05-31") not in dgs10.values.index
    old = src.data["T10Y2Y"].values  # DATE header, "." for missing: 1304 rows, 55 dots
    assert len(old) == 1249 and old.iloc[0] == 1.53
    req = next(r for r in server.requests if r.query.get("id") == "DGS10")
    assert req.path == "/graph/fredgraph.csv"
    assert req.query["cosd"] == (NOW - timedelta(days=6 * 366)).date().isoformat()
    assert src.status(NOW).state == "ok" and src.mode == "graph"
    assert not src.due(NOW + timedelta(hours=5)) and src.due(NOW + timedelta(hours=6))


async def test_api_with_key_and_the_key_never_shows(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    src = make(server.url, ["GNPCA"], api_key=KEY)
    try:
        result = await src.refresh(NOW)
    finally:
        await src.aclose()
    assert result.failed == {}
    values = src.data["GNPCA"].values
    assert len(values) == 20
    assert values[pd.Timestamp("1929-01-01")] == 1120.076
    assert values.iloc[-1] == 2134.291
    req = server.requests[0]
    assert req.path == "/fred/series/observations"
    assert req.query["api_key"] == KEY and req.query["file_type"] == "json"
    assert KEY not in repr(src) and "***" in repr(src)
    assert KEY not in str(src.status(NOW))
    messages = [r.getMessage() for r in caplog.records]
    assert any("api_key=***" in m for m in messages)  # httpx logged the request, scrubbed
    assert not any(KEY in m for m in messages)


async def test_api_error_bodies_are_reported_without_the_key(server: LoopbackServer) -> None:
    body = {"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
    server.fault(r"/fred/series/observations", Reply(400, json.dumps(body)))
    src = make(server.url, ["NOSUCH"], api_key=KEY)
    try:
        await src.refresh(NOW)
    finally:
        await src.aclose()
    assert (
        src.health.last_error
        == "NOSUCH: HTTP 400 Bad Request: Bad Request. The series does not exist."
    )
    assert src.status(NOW).state == "failing"


async def test_exception_text_carrying_the_url_is_scrubbed() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise httpx.DecodingError(f"cannot decode the answer to {request.url}", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(explode))
    src = make("http://127.0.0.1:9", ["DGS10"], api_key=KEY, client=client)
    try:
        await src.refresh(NOW)
    finally:
        await client.aclose()
    err = src.health.last_error or ""
    assert KEY not in err and "api_key=***" in err
    assert err.startswith("DGS10: DecodingError: cannot decode the answer to http://127.0.0.1:9/")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(429, "Too Many Requests", "text/plain", headers={"Retry-After": "300"}),
            "DGS10: HTTP 429 Too Many Requests: Too Many Requests",
        ),
        (
            Reply(503, "<html><head><title>Service Unavailable</title></head></html>", "text/html"),
            "DGS10: HTTP 503 Service Unavailable: HTML page (Service Unavailable)",
        ),
        (
            Reply(200, "<html><head><title>Maintenance</title></head></html>", "text/html"),
            "DGS10: HTML page (Maintenance) instead of data",
        ),
        (
            Reply(200, "observation_date,DGS10\n", "text/csv"),
            "DGS10: no data (DGS10:2: no data rows: expected dated rows after the header)",
        ),
        (
            Reply(200, "observation_date,DGS10\n2021-04-13,1.64\n" * 50, truncate=30),
            "DGS10: connection closed mid-response",
        ),
        (Reply(200, "", delay=3.0), "DGS10: timed out"),
    ],
    ids=["429", "503-html", "200-html", "empty", "truncated", "hang"],
)
async def test_graph_faults_keep_the_source_alive(
    server: LoopbackServer, reply: Reply, expected: str
) -> None:
    server.fault(r"/fredgraph.csv", reply)
    src = make(server.url, ["DGS10"], timeout=0.3)
    try:
        result = await src.refresh(NOW)
    finally:
        await src.aclose()
    assert result.failed == {"DGS10": expected}
    assert src.health.last_error == expected
    status = src.status(NOW)
    assert status.state == "failing" and status.next_retry is not None
    wait = (status.next_retry - NOW).total_seconds()
    assert wait == (300.0 if "429" in expected else 22.5)  # Retry-After, else 3/4 of 30 s


async def test_one_series_failing_does_not_fail_the_source(server: LoopbackServer) -> None:
    server.fault(r"/fredgraph.csv", Reply(500, "oops", "text/plain"), query={"id": "T10Y2Y"})
    src = make(server.url, ["DGS10", "T10Y2Y"])
    try:
        await src.refresh(NOW)
        status = src.status(NOW)
        assert status.state == "ok"
        assert status.error == "1 failed (T10Y2Y): T10Y2Y: HTTP 500 Internal Server Error: oops"
        assert status.next_retry is not None and src.due(status.next_retry)
        server.clear_faults()
        before = len(server.requests)
        await src.refresh(status.next_retry)
    finally:
        await src.aclose()
    # only the failed series was asked for again
    assert [r.query["id"] for r in server.requests[before:]] == ["T10Y2Y"]
    assert src.failed == {} and src.status(NOW).error is None
    assert set(src.data) == {"DGS10", "T10Y2Y"}


async def test_connection_refused() -> None:
    src = make(refused_url(), ["DGS10"])
    try:
        await src.refresh(NOW)
    finally:
        await src.aclose()
    assert src.health.last_error == "DGS10: connection refused"


def test_observations_dot_is_missing_not_zero() -> None:
    payload = {
        "observations": [
            {"date": "2024-01-01", "value": "."},
            {"date": "2024-04-01", "value": "29349.924"},
            {"date": "2024-07-01", "value": "-1.5"},
            {"date": "bad", "value": "1"},
            {"date": "2024-10-01", "value": "n/a"},
        ]
    }
    series, problems = parse_observations(payload, "GDP")
    assert series.to_dict() == {
        pd.Timestamp("2024-04-01"): 29349.924,
        pd.Timestamp("2024-07-01"): -1.5,
    }
    assert problems == [
        "GDP: observation 5: expected a number, found 'n/a'",
        "GDP: 1 observations with a bad date skipped",
    ]
    empty, problems = parse_observations({"count": 0, "observations": []}, "GDP")
    assert empty.empty and problems == []
    _, problems = parse_observations({"error_message": "x"}, "GDP")
    assert problems[0].startswith("GDP: expected an observations list")


def test_the_key_is_passed_in_never_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # rotmon's config reads FRED_API_KEY (tests/unit/test_config.py); the source takes a value.
    monkeypatch.setenv("FRED_API_KEY", KEY)
    assert FredSource(["DGS10"]).mode == "graph"
    assert FredSource(["DGS10"], api_key=KEY).mode == "api"
    assert FredSource(["DGS10"], api_key="  ").mode == "graph"
