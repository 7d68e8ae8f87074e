"""Backoff, circuit, health states, staleness and error text of the live sources' policy."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from data_sources.intervals import MAX_BACKOFF_S, Backoff, is_stale
from data_sources.polling import (
    Circuit,
    HealthRecord,
    describe_exception,
    http_error,
    one_line,
    parse_retry_after,
    quote_interval,
    scrub,
    summarize_body,
)
from tests.support.netguard import no_network  # noqa: F401  (autouse: no network here)

T0 = datetime(2025, 2, 14, 15, 0, tzinfo=UTC)


class HalfRandom(random.Random):
    """random() is always 0.5, so uniform(a, b) is the midpoint: delays are 3/4 of the top."""

    def random(self) -> float:
        return 0.5


def test_backoff_doubles_from_base_with_jitter_and_caps_at_ten_minutes() -> None:
    b = Backoff(base=5.0, rng=HalfRandom())
    delays = [b.failure() for _ in range(10)]
    # tops 5, 10, 20, ..., 320, then 600 (cap): delay = top/2 + 0.5 * top/2
    assert delays == [3.75, 7.5, 15.0, 30.0, 60.0, 120.0, 240.0, 450.0, 450.0, 450.0]
    assert b.ceiling(100) == MAX_BACKOFF_S
    b.reset()
    assert b.failure() == 3.75


def test_backoff_jitter_stays_between_half_and_full_top() -> None:
    b = Backoff(base=2.0, rng=random.Random(1))
    for n in range(1, 12):
        d = b.failure()
        top = min(600.0, 2.0 * 2 ** (n - 1))
        assert top / 2 <= d <= top


def test_backoff_honours_retry_after_when_longer() -> None:
    b = Backoff(base=5.0, rng=HalfRandom())
    assert b.failure(retry_after=120.0) == 120.0
    assert b.failure(retry_after=1.0) == 7.5  # shorter than the backoff: backoff wins


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2015, 10, 21, 7, 27, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0.0
    assert parse_retry_after("999999", now) == 3600.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_circuit_opens_after_threshold_and_probes_once_when_half_open() -> None:
    c = Circuit("yahoo", threshold=3)
    c.failure(T0, 10)
    c.failure(T0, 10)
    assert c.state == "closed" and c.allow(T0)
    c.failure(T0, 10)
    assert c.state == "open"
    assert not c.allow(T0 + timedelta(seconds=9))
    assert c.allow(T0 + timedelta(seconds=10))  # the probe
    assert c.state == "half_open"
    assert not c.allow(T0 + timedelta(seconds=11))  # only one probe at a time
    c.failure(T0 + timedelta(seconds=11), 20)  # the probe failed: open again
    assert c.state == "open" and not c.allow(T0 + timedelta(seconds=30))
    assert c.allow(T0 + timedelta(seconds=31))
    c.success()
    assert c.state == "closed" and c.failures == 0


def test_circuit_survives_a_clock_jumping_backwards() -> None:
    c = Circuit("x", threshold=1)
    c.failure(T0, 60)
    # The wall clock went back a day: do not stay open for 24 hours.
    assert c.allow(T0 - timedelta(days=1))


def test_health_states_from_loading_to_ok_to_failing_to_stale() -> None:
    h = HealthRecord("fred", timedelta(hours=6), backoff=Backoff(base=30.0, rng=HalfRandom()))
    assert h.state(T0) == "loading" and h.due(T0)
    h.started(T0)
    assert not h.due(T0)  # in flight
    h.succeeded(T0 + timedelta(seconds=1), latency_s=0.25)
    assert h.state(T0 + timedelta(hours=1)) == "ok"
    assert not h.due(T0 + timedelta(hours=5))
    assert h.due(T0 + timedelta(hours=6, seconds=1))
    # one failure while the data is still fresh: ok, with the error shown
    h.started(T0 + timedelta(hours=6, seconds=1))
    delay = h.failed(T0 + timedelta(hours=6, seconds=2), "HTTP 503 Service Unavailable")
    assert delay == 22.5
    assert h.state(T0 + timedelta(hours=7)) == "ok"
    health = h.at(T0 + timedelta(hours=7))
    assert health.error == "HTTP 503 Service Unavailable"
    assert health.next_retry == T0 + timedelta(hours=6, seconds=24.5)
    # 3 x 6 h after the last success the data is stale; with failures that is failing
    assert h.state(T0 + timedelta(hours=18, seconds=2)) == "failing"
    h.consecutive_failures = 0
    assert h.state(T0 + timedelta(hours=18, seconds=2)) == "stale"
    # the same value carries the request record the diagnostics and `rotmon doctor` show
    assert health.requests == 2 and health.errors == 1 and health.last_latency_ms == 250.0
    assert health.failures == 1 and health.age_s == 7 * 3600 - 1
    assert any("HTTP 503" in line for line in health.lines())


def test_staleness_is_market_hours_aware() -> None:
    def state_open(now: datetime) -> str:
        return "open"

    def state_closed(now: datetime) -> str:
        return "closed"

    assert quote_interval(T0, state_open) == timedelta(seconds=15)
    assert quote_interval(T0, state_closed) == timedelta(minutes=5)
    market = {"state": "open"}
    h = HealthRecord("quotes", lambda now: quote_interval(now, lambda _: market["state"]))
    h.started(T0)
    h.succeeded(T0)
    later = T0 + timedelta(seconds=46)
    assert h.state(later) == "stale"  # > 3 x 15 s while open
    market["state"] = "closed"
    assert h.state(later) == "ok"  # < 3 x 5 min while closed


def test_health_retries_at_once_after_the_clock_jumps_backwards() -> None:
    h = HealthRecord("holdings", timedelta(days=1))
    h.started(T0)
    h.succeeded(T0)
    assert not h.due(T0 + timedelta(hours=1))
    assert h.due(T0 - timedelta(days=2))  # next due lies 3 days ahead: not waited out


def test_failing_after_the_circuit_opens_even_with_fresh_data() -> None:
    h = HealthRecord("yahoo", timedelta(days=1), circuit=Circuit("yahoo", threshold=2))
    h.started(T0)
    h.succeeded(T0)
    for _ in range(2):
        h.started(T0)
        h.failed(T0, "connection refused")
    assert h.circuit.state == "open" and h.state(T0) == "failing"


def test_one_line_drops_escape_sequences_and_cuts() -> None:
    assert one_line("a\x1b[31mb\nc\td\u2028e") == "ab c d e"
    assert one_line("x" * 300, 20) == "x" * 19 + "…"
    assert one_line("bell\x07 \u202eRTL") == "bell RTL"


def test_html_error_pages_are_summarised_by_title() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Yahoo! - 503 \x1b[2J Service Unavailable</title>"
        "</head><body><p>Will be right back" + "x" * 5000 + "</p></body></html>"
    )
    text = http_error(503, page, "text/html; charset=utf-8")
    assert text == "HTTP 503 Service Unavailable: HTML page (Yahoo! - 503 Service Unavailable)"
    assert summarize_body("<html><body><h1>Oops</h1></body></html>") == "HTML page (Oops)"


def test_json_error_bodies_give_their_reason() -> None:
    chart = {"chart": {"result": None, "error": {"code": "Not Found", "description": "No data"}}}
    assert http_error(404, json.dumps(chart)) == "HTTP 404 Not Found: Not Found: No data"
    fred = {"error_code": 400, "error_message": "Bad Request.  Invalid value for variable."}
    assert http_error(400, json.dumps(fred), what="DGS10") == (
        "DGS10: HTTP 400 Bad Request: Bad Request. Invalid value for variable."
    )
    assert http_error(429, "Edge: Too Many Requests", "text/plain") == (
        "HTTP 429 Too Many Requests: Edge: Too Many Requests"
    )
    assert summarize_body('{"quoteResponse": {"res') == "truncated or malformed JSON"
    assert http_error(500, "") == "HTTP 500 Internal Server Error"


def test_secrets_are_scrubbed_from_text() -> None:
    url = "https://api.stlouisfed.org/fred/series/observations?series_id=X&api_key=abcd1234ef&x=1"
    assert scrub(url) == (
        "https://api.stlouisfed.org/fred/series/observations?series_id=X&api_key=***&x=1"
    )
    assert scrub("key abcd1234ef leaked", ["abcd1234ef"]) == "key *** leaked"


def test_exceptions_become_one_plain_reason() -> None:
    assert describe_exception(TimeoutError()) == "timed out"
    assert describe_exception(ConnectionRefusedError(111, "Connection refused")) == (
        "connection refused"
    )
    assert describe_exception(json.JSONDecodeError("Expecting value", "{", 1)) == (
        "truncated or malformed JSON"
    )
    err = RuntimeError("failed for url https://x/?api_key=SECRETKEY1\nline2")
    assert describe_exception(err, ["SECRETKEY1"]) == (
        "RuntimeError: failed for url https://x/?api_key=*** line2"
    )


@pytest.mark.parametrize("bad", [{"base": 0.0}, {"base": 10.0, "cap": 5.0}, {"factor": 0.5}])
def test_backoff_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Backoff"):
        Backoff(**bad)


def test_the_network_guard_blocks_other_hosts(no_network: list[str]) -> None:  # noqa: F811
    import socket

    with socket.socket() as sock, pytest.raises(OSError, match="reach the network"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1
    with pytest.raises(OSError, match="resolve"):
        socket.getaddrinfo("rotmon.invalid", 80)
    assert len(no_network) == 2
    no_network.clear()  # expected: do not fail this test at teardown


def test_one_staleness_rule_for_every_source() -> None:
    # polling's HealthRecord, the feed and the desk terminal all ask is_stale (SPEC 8: three
    # intervals), so the status bar, diagnostics and the desk agree on when data is stale.
    assert not is_stale(45.0, 15.0) and is_stale(45.1, 15.0)
    b = Backoff.capped(15.0, 600.0)
    assert all(
        15.0 * 2 ** (n - 2) <= b.delay(n) <= min(600.0, 15.0 * 2 ** (n - 1)) for n in (1, 2, 3)
    )
    assert 300.0 <= b.delay(50) <= 600.0
