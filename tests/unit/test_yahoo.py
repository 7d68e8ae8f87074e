"""Yahoo through the real yfinance code paths against a loopback server with recorded payloads."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data_sources.model import Quote
from data_sources.polling import Backoff
from data_sources.yahoo import (
    YahooSource,
    chunks,
    merge_quote,
    quote_from_stream,
    quote_from_v7,
    route_url,
    routes_to,
)
from tests.support.loopback import LoopbackServer, Reply, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.yahoo_server import YahooApp, recorded, stream_frame_text
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)


class HalfRandom(random.Random):
    def random(self) -> float:
        return 0.5


def _backoff() -> Backoff:
    return Backoff(base=5.0, rng=HalfRandom())


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    # IWM has no recording: it is served QQQ's recorded chart and quote under its own name.
    with LoopbackServer(YahooApp({"IWM": "QQQ"})) as srv:
        yield srv


def make_source(url: str, symbols: list[str], **kw: object) -> YahooSource:
    """A source with every Yahoo host routed to ``url``; ``kw`` overrides the test defaults."""
    options: dict[str, object] = {
        "routes": routes_to(url),
        "backend": "requests",
        "stream_url": None,
        "timeout": 2.0,
        "backoff": _backoff,
        "market_state": lambda now: "closed",
    }
    options.update(kw)
    return YahooSource(symbols, **options)  # type: ignore[arg-type]


# -- conversions ----------------------------------------------------------------------------


def qqq_quote_item() -> dict:
    return recorded("yahoo-quote-QQQ-closed-holiday-postmarket.nyf2.json")[1]["quoteResponse"][
        "result"
    ][0]


def test_v7_quote_units_percent_and_previous_close() -> None:
    q = quote_from_v7(qqq_quote_item())
    assert q is not None
    assert q.symbol == "QQQ" and q.price == 538.15 and q.prev_close == 535.9
    # v7 regularMarketChangePercent is already percent: 538.15 / 535.9 - 1 = 0.4199 %
    assert q.change_pct == pytest.approx(0.41985443)
    assert q.change_pct == pytest.approx((538.15 / 535.9 - 1) * 100, abs=1e-6)
    assert q.time == datetime(2025, 2, 14, 21, 0, 1, tzinfo=UTC)
    assert (q.year_low, q.year_high, q.trailing_pe, q.forward_pe) == (
        413.07,
        539.15,
        35.07033,
        None,
    )
    assert q.market_state == "closed" and q.name == "Invesco QQQ Trust, Series 1"


def test_v7_future_and_equity_fields() -> None:
    gc = recorded("yahoo-quote-GC=F-future-regular.nyf2.json")[1]["quoteResponse"]["result"][0]
    q = quote_from_v7(gc)
    assert q is not None and q.market_state == "open" and q.trailing_pe is None
    both = recorded("yahoo-quote-AAPL-BABA-multi-symbol.nyf2.json")[1]["quoteResponse"]["result"]
    aapl = quote_from_v7(both[0])
    assert aapl is not None and aapl.trailing_pe == 38.763866 and aapl.forward_pe == 29.434416


def test_index_zeros_are_unknown_and_stubs_have_no_quote() -> None:
    # Built from the real QQQ item: Yahoo writes 0 for what it lacks on index quotes.
    item = dict(qqq_quote_item(), symbol="^RUT", quoteType="INDEX")
    item.update(
        regularMarketDayHigh=0,
        regularMarketDayLow=0,
        regularMarketVolume=0,
        fiftyTwoWeekLow=0,
        trailingPE=0,
    )
    q = quote_from_v7(item)
    assert q is not None
    assert (q.day_high, q.day_low, q.volume, q.year_low, q.trailing_pe) == (None,) * 5
    assert q.year_high == 539.15
    assert quote_from_v7({"symbol": "DEAD", "quoteType": "NONE"}) is None
    assert quote_from_v7(dict(qqq_quote_item(), regularMarketPrice=0)) is None


def test_change_percent_computed_when_missing() -> None:
    item = dict(qqq_quote_item())
    del item["regularMarketChangePercent"]
    q = quote_from_v7(item)
    assert q is not None and q.change_pct == pytest.approx((538.15 / 535.9 - 1) * 100)


def test_recorded_stream_frame_decodes_with_yfinance() -> None:
    from yfinance.live import BaseWebSocket

    msg = BaseWebSocket(verbose=False)._decode_message(stream_frame_text())
    q = quote_from_stream(msg)
    assert q is not None
    assert (q.symbol, q.price) == ("BTC-USD", 94745.08)
    assert q.time == datetime(2025, 1, 10, 11, 39, tzinfo=UTC)
    assert q.change_pct == pytest.approx(1.5344921)
    assert q.prev_close is None  # absent in the frame: unknown, not 0
    assert (q.day_high, q.day_low) == (95227.555, 92517.22)


def test_merge_keeps_slow_fields_and_drops_yesterdays_day_fields() -> None:
    polled = quote_from_v7(qqq_quote_item())
    assert polled is not None
    tick = Quote("QQQ", 539.0, polled.time + timedelta(minutes=1), prev_close=535.9)
    merged = merge_quote(polled, tick)
    assert merged.price == 539.0 and merged.trailing_pe == 35.07033
    # same New York day: the range is carried over and widened by the new price
    assert (merged.day_high, merged.day_low) == (539.0, 535.67)
    assert merged.change_pct == pytest.approx((539.0 / 535.9 - 1) * 100)
    next_day = Quote("QQQ", 540.0, polled.time + timedelta(days=1))
    merged = merge_quote(polled, next_day)
    assert merged.day_high is None and merged.prev_close is None
    assert merged.year_high == 539.15
    # an older quote never overrides a newer one
    assert merge_quote(tick, polled).price == 539.0


def test_routing_rewrites_only_known_hosts() -> None:
    routes = routes_to("http://127.0.0.1:9")
    assert route_url("https://query2.finance.yahoo.com/v8/finance/chart/IWM?x=1", routes) == (
        "http://127.0.0.1:9/v8/finance/chart/IWM?x=1"
    )
    assert route_url("https://fc.yahoo.com", routes) == "http://127.0.0.1:9/"
    assert route_url("https://example.com/a", routes) == "https://example.com/a"


def test_old_history_is_stale_even_while_quotes_are_still_coming() -> None:
    """One ranking of states (analytics.health.WORST_FIRST): histories known to be old make
    the source ``stale`` even before the first quote arrives -- not ``loading``, which would
    hide the age behind a 'still starting' word."""
    src = make_source(refused_url(), ["SPY"])
    now = datetime.now(UTC)
    src.history_health.restore(now - timedelta(days=30))  # fetched a month ago
    assert src.history_health.state(now) == "stale"
    assert src.quote_health.state(now) == "loading"  # no quote yet
    status = src.status(now)
    assert status.state == "stale"
    assert status.last_success == now - timedelta(days=30)


def test_batches_are_at_most_fifty() -> None:
    symbols = [f"S{i}" for i in range(120)]
    assert [len(c) for c in chunks(symbols)] == [50, 50, 20]
    with pytest.raises(ValueError, match="batch_size"):
        YahooSource(["A"], batch_size=51)


# -- history through yf.download ------------------------------------------------------------


async def test_history_for_several_symbols_in_one_download(server: LoopbackServer) -> None:
    src = make_source(server.url, ["AAPL", "MSFT", "GC=F", "IWM", "NOPE"])
    try:
        assert await src.refresh_history()
    finally:
        await src.aclose()
    aapl = src.bars["AAPL"].frame
    raw = recorded_chart("yahoo-chart-AAPL-1d-2024-09-30_10-11.scheb.json")
    assert len(aapl) == len(raw["timestamp"]) == 10
    assert list(aapl.columns) == ["open", "high", "low", "close", "volume"]
    assert aapl.index[0] == pd.Timestamp("2024-09-30") and aapl.index.tz is None
    # auto-adjusted: the close is Yahoo's adjclose
    assert aapl["close"].iloc[-1] == pytest.approx(raw["indicators"]["adjclose"][0]["adjclose"][-1])
    assert len(src.bars["MSFT"].frame) == 252
    assert src.bars["GC=F"].frame.index[0] == pd.Timestamp("2020-01-02")
    assert src.bars["IWM"].frame.index[-1] == pd.Timestamp("2020-12-31")
    assert "NOPE" not in src.bars
    assert src.problems["NOPE"] == (
        "NOPE: no daily history (HTTP 404 Not Found: Not Found: No data found, symbol may be"
        " delisted)"
    )
    now = datetime.now(UTC)
    assert src.history_health.state(now) == "ok"
    assert src.status(now).state == "loading"  # quotes not polled yet
    # yfinance fetched the cookie and crumb once, then charts with the crumb
    assert server.hits(r"^/v1/test/getcrumb$") >= 1
    chart = [r for r in server.requests if r.path == "/v8/finance/chart/AAPL"]
    assert any(r.query.get("range") == "2y" and r.query.get("crumb") for r in chart)


def recorded_chart(name: str) -> dict:
    return recorded(name)[1]["chart"]["result"][0]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(429, "Edge: Too Many Requests", "text/plain", headers={"Retry-After": "120"}),
            "HTTP 429 Too Many Requests",
        ),
        (Reply(503, "", "text/plain"), "HTTP 503 Service Unavailable"),
        (
            Reply(500, "<html><head><title>Will be right back</title></head></html>", "text/html"),
            "HTTP 500 Internal Server Error: HTML page (Will be right back)",
        ),
    ],
    ids=["429", "503", "html-500"],
)
async def test_history_faults_become_status(
    server: LoopbackServer, reply: Reply, expected: str
) -> None:
    server.fault(r"^/v8/finance/chart/", reply)
    src = make_source(server.url, ["AAPL", "MSFT"])
    try:
        before = datetime.now(UTC)
        assert not await src.refresh_history()
    finally:
        await src.aclose()
    h = src.history_health
    assert h.state(datetime.now(UTC)) == "failing"
    assert h.last_error is not None and h.last_error.startswith(f"history: {expected}")
    assert h.next_retry is not None
    wait = (h.next_retry - before).total_seconds()
    if "429" in expected:
        assert wait >= 120.0  # Retry-After honoured
    else:
        assert 3.75 <= wait < 10  # first backoff step (3/4 of 5 s)
    status = src.status(datetime.now(UTC))
    assert status.state == "failing" and status.next_retry == h.next_retry


async def test_history_hang_times_out(server: LoopbackServer) -> None:
    server.fault(r"^/v8/finance/chart/", Reply(200, "{}", delay=3.0))
    src = make_source(server.url, ["AAPL"], timeout=0.3)
    try:
        assert not await src.refresh_history()
    finally:
        await src.aclose()
    assert src.history_health.last_error == "history: timed out"


async def test_history_truncated_body(server: LoopbackServer) -> None:
    body = json.dumps(
        {
            "chart": {
                "result": [recorded_chart("yahoo-chart-AAPL-1d-2024-09-30_10-11.scheb.json")],
                "error": None,
            }
        }
    )
    server.fault(r"^/v8/finance/chart/", Reply(200, body, truncate=len(body) // 2))
    src = make_source(server.url, ["AAPL"])
    try:
        assert not await src.refresh_history()
    finally:
        await src.aclose()
    assert src.history_health.last_error == "history: connection closed mid-response"
    assert "AAPL" not in src.bars


async def test_history_window_without_trading_is_empty_not_zero(server: LoopbackServer) -> None:
    # PAYLOADS 2: a window with no trading has full meta, no timestamp, quote == [{}].
    meta = recorded_chart("yahoo-chart-QQQ-1d-2020-01-02.nyf2.json")["meta"]
    empty = {
        "chart": {
            "result": [{"meta": meta, "indicators": {"quote": [{}], "adjclose": [{}]}}],
            "error": None,
        }
    }
    server.fault(r"^/v8/finance/chart/QQQ$", Reply(200, json.dumps(empty)))
    src = make_source(server.url, ["QQQ", "AAPL"])
    try:
        assert await src.refresh_history()
    finally:
        await src.aclose()
    assert "QQQ" not in src.bars and "AAPL" in src.bars
    assert src.problems["QQQ"].startswith("QQQ: no daily history")


async def test_connection_refused_keeps_source_alive() -> None:
    src = make_source(refused_url(), ["AAPL"])
    try:
        assert not await src.refresh_history()
        assert not await src.poll_quotes(symbols=["AAPL"])
    finally:
        await src.aclose()
    now = datetime.now(UTC)
    assert src.history_health.last_error == "history: connection refused"
    assert src.quote_health.last_error == "quotes: connection refused"
    assert src.status(now).state == "failing"


# -- quotes ---------------------------------------------------------------------------------


async def test_quotes_in_batches_of_fifty_unknown_symbols_reported(server: LoopbackServer) -> None:
    symbols = ["QQQ", "AAPL", "GC=F", "SIX"] + [f"ZZ{i}" for i in range(60)]
    src = make_source(server.url, symbols)
    try:
        assert await src.poll_quotes(symbols=symbols)
    finally:
        await src.aclose()
    sizes = [
        len(r.query["symbols"].split(",")) for r in server.requests if r.path == "/v7/finance/quote"
    ]
    assert sizes == [50, 14]
    assert set(src.quotes) == {"QQQ", "AAPL", "GC=F"}
    assert src.quotes["QQQ"].change_pct == pytest.approx(0.41985443)
    assert src.problems["quote:SIX"] == "SIX: Yahoo returned no quote"
    assert src.quote_health.state(datetime.now(UTC)) == "ok"


async def test_quotes_all_unknown_is_an_empty_result_not_a_failure(server: LoopbackServer) -> None:
    src = make_source(server.url, ["SIX"])
    try:
        assert await src.poll_quotes(symbols=["SIX"])
    finally:
        await src.aclose()
    assert src.quotes == {} and "quote:SIX" in src.problems


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(429, "Edge: Too Many Requests", "text/plain", headers={"Retry-After": "90"}),
            "quotes: HTTP 429 Too Many Requests: Edge: Too Many Requests",
        ),
        (
            Reply(200, '{"quoteResponse": {"result": [{"sym', truncate=None),
            "quotes: truncated or malformed JSON",
        ),
        (
            Reply(502, "<html><title>Bad Gateway</title></html>", "text/html"),
            "quotes: HTTP 502 Bad Gateway: HTML page (Bad Gateway)",
        ),
        (
            Reply(200, '{"finance": {"result": null}}'),
            "quotes: unexpected answer (no quoteResponse.result list)",
        ),
    ],
    ids=["429", "truncated-json", "html-502", "wrong-shape"],
)
async def test_quote_faults(server: LoopbackServer, reply: Reply, expected: str) -> None:
    server.fault(r"^/v7/finance/quote", reply)
    src = make_source(server.url, ["QQQ"])
    try:
        before = datetime.now(UTC)
        assert not await src.poll_quotes(symbols=["QQQ"])
    finally:
        await src.aclose()
    h = src.quote_health
    assert h.last_error == expected
    assert h.state(datetime.now(UTC)) == "failing"
    if "429" in expected:
        assert h.next_retry is not None and (h.next_retry - before).total_seconds() >= 90


async def test_hot_symbols_poll_fast_others_slow(server: LoopbackServer) -> None:
    clock = {"now": datetime(2025, 2, 14, 15, 0, tzinfo=UTC)}
    src = make_source(
        server.url,
        ["QQQ", "AAPL"],
        backoff=None,
        clock=lambda: clock["now"],
        market_state=lambda now: "open",
    )
    src.set_hot(["QQQ"])
    try:
        now = clock["now"]
        assert src.quotes_due(now) == ["QQQ", "AAPL"]
        assert await src.poll_quotes(now)
        assert src.quotes_due(now + timedelta(seconds=14)) == []
        clock["now"] = now + timedelta(seconds=15)
        assert src.quotes_due(clock["now"]) == ["QQQ"]  # hot: 15 s while open
        assert src.quotes_due(now + timedelta(minutes=5)) == ["QQQ", "AAPL"]
        # a jump of the wall clock back by a day polls at once instead of waiting it out
        assert src.quotes_due(now - timedelta(days=1)) == ["QQQ", "AAPL"]
    finally:
        await src.aclose()


async def test_details_fetch_pe_and_range_lazily_and_once(server: LoopbackServer) -> None:
    src = make_source(server.url, ["QQQ"])
    try:
        q = await src.details("QQQ")
        again = await src.details("QQQ")
    finally:
        await src.aclose()
    assert q is not None and again == q
    assert (q.trailing_pe, q.year_low, q.year_high) == (35.07033, 413.07, 539.15)
    assert server.hits(r"^/v10/finance/quoteSummary/QQQ$") == 1
    assert src.details_health.cache_hits == 1


async def test_curl_backend_reaches_loopback_too(server: LoopbackServer) -> None:
    # The production transport (curl_cffi with browser TLS) with every Yahoo host routed.
    src = make_source(server.url, ["QQQ"], backend="curl", backoff=None)
    try:
        assert await src.poll_quotes(symbols=["QQQ"])
    finally:
        await src.aclose()
    assert src.quotes["QQQ"].price == 538.15
    assert any(
        x.url.startswith("https://query1.finance.yahoo.com/v7/finance/quote")
        for x in src.wiretap.since(0)
    )


async def test_details_fall_back_to_the_v7_quote_when_info_breaks(server: LoopbackServer) -> None:
    # yfinance's Ticker.info raises when any of its three answers is malformed.
    server.fault(
        r"/finance/timeseries/", Reply(500, "<html><title>oops</title></html>", "text/html")
    )
    src = make_source(server.url, ["AAPL"])
    try:
        q = await src.details("AAPL")
    finally:
        await src.aclose()
    assert q is not None and (q.trailing_pe, q.forward_pe) == (38.763866, 29.434416)
    assert src.details_health.errors == 0


async def test_history_is_downloaded_again_after_the_close(server: LoopbackServer) -> None:
    ny = ZoneInfo("America/New_York")
    clock = {"now": datetime(2025, 2, 14, 15, 0, tzinfo=ny)}  # Friday, a session
    src = make_source(
        server.url,
        ["AAPL"],
        backoff=None,
        clock=lambda: clock["now"],
        market_state=lambda now: "open",
    )
    try:
        assert src.history_due(clock["now"])
        assert await src.refresh_history(clock["now"])
        assert not src.history_due(datetime(2025, 2, 14, 16, 10, tzinfo=ny))  # bar not final
        assert src.history_due(datetime(2025, 2, 14, 16, 25, tzinfo=ny))  # 20 min after
        clock["now"] = datetime(2025, 2, 14, 16, 30, tzinfo=ny)
        assert await src.refresh_history(clock["now"])
        # the weekend and the Monday holiday (Presidents' Day) bring no new close
        assert not src.history_due(datetime(2025, 2, 17, 18, 0, tzinfo=ny))
        assert src.history_due(datetime(2025, 2, 18, 16, 21, tzinfo=ny))
    finally:
        await src.aclose()


@pytest.mark.parametrize("backend", ["requests", "curl"])
async def test_details_when_yahoo_answers_503_is_a_failure(
    server: LoopbackServer, backend: str
) -> None:
    # With the curl backend (the production one) yfinance's Ticker.info swallows the error
    # pages and hands back an almost empty dict: the health record must still say the details
    # failed, with the HTTP status, not that they arrived.
    for path in (r"/v10/finance/quoteSummary/", r"/v7/finance/quote"):
        server.fault(path, Reply(503, "<html><title>busy</title></html>", "text/html"))
    src = make_source(server.url, ["QQQ"], backend=backend)
    try:
        q = await src.details("QQQ")
    finally:
        await src.aclose()
    assert q is None
    assert src.details_health.errors == 1 and src.details_health.last_success is None
    assert "503" in (src.details_health.last_error or "")


async def test_details_of_a_symbol_yahoo_does_not_know_is_no_failure(
    server: LoopbackServer,
) -> None:
    src = make_source(server.url, ["QQQ"])
    try:
        q = await src.details("NOSUCH")
    finally:
        await src.aclose()
    assert q is None
    assert src.details_health.errors == 0 and src.details_health.last_success is not None
