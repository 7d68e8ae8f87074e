"""Contract tests against the real Yahoo, FRED and iShares servers (``pytest -m live``).

They check that the servers still send the shapes our parsers expect (PAYLOADS.md), through
the same code the app runs. Skipped unless asked for: they need a network, and Yahoo rate-limits
(run them rarely, not in CI).
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

import pytest

from data_sources.fred import FredSource
from data_sources.holdings import HoldingsSource
from data_sources.yahoo import QuoteStream, YahooSource, quote_from_v7

pytestmark = pytest.mark.live

NOW = datetime.now(UTC)


async def test_yahoo_daily_history_shape() -> None:
    src = YahooSource(["SPY", "^RUT", "CL=F"], stream_url=None, timeout=20.0)
    try:
        assert await src.refresh_history()
    finally:
        await src.aclose()
    spy = src.bars["SPY"].frame
    assert list(spy.columns) == ["open", "high", "low", "close", "volume"]
    assert spy.index.tz is None and spy.index.is_monotonic_increasing
    assert len(spy) > 400  # two years of sessions
    assert (spy.index[-1] - spy.index[0]).days > 600
    assert (spy["close"] > 0).all()
    assert "^RUT" in src.bars and "CL=F" in src.bars


async def test_yahoo_v7_quote_fields_and_units() -> None:
    src = YahooSource(["SPY", "IWM", "^GSPC"], stream_url=None, timeout=20.0)
    try:
        assert await src.poll_quotes(symbols=["SPY", "IWM", "^GSPC"])
        raw = await src._run(
            lambda: src._ensure_session().get_raw_json(
                "https://query1.finance.yahoo.com/v7/finance/quote",
                params={"symbols": "SPY", "formatted": "false"},
            )
        )
    finally:
        await src.aclose()
    item = raw["quoteResponse"]["result"][0]
    for key in (
        "regularMarketPrice",
        "regularMarketPreviousClose",
        "regularMarketChangePercent",
        "regularMarketTime",
        "marketState",
        "fiftyTwoWeekLow",
        "fiftyTwoWeekHigh",
    ):
        assert key in item, key
    q = quote_from_v7(item)
    assert q is not None and q.prev_close is not None and q.change_pct is not None
    # percent, not a fraction (PAYLOADS 3)
    assert abs(q.change_pct - (q.price / q.prev_close - 1) * 100) < 0.05
    assert q.market_state in ("pre", "open", "post", "closed")
    assert src.quotes["SPY"].trailing_pe is not None  # ETFs carry a trailing P/E
    assert src.quotes["^GSPC"].trailing_pe is None


async def test_yahoo_details_via_ticker_info() -> None:
    src = YahooSource(["SPY"], stream_url=None, timeout=20.0)
    try:
        q = await src.details("SPY")
    finally:
        await src.aclose()
    assert q is not None and q.year_low is not None and q.year_high is not None
    assert q.year_low <= q.year_high


async def test_yahoo_stream_sends_pricing_frames() -> None:
    got = []
    # BTC-USD trades around the clock, so a frame comes whatever the hour.
    stream = QuoteStream(
        "wss://streamer.finance.yahoo.com/?version=2",
        got.append,
        silence_s=60.0,
        market_state=lambda now: "closed",
    )
    stream.set_symbols(["BTC-USD"])
    stream.start()
    try:
        for _ in range(600):
            if got:
                break
            await asyncio.sleep(0.1)
    finally:
        await stream.close()
    assert got, "no pricing frame within 60 s"
    q = got[0]
    assert q.symbol == "BTC-USD" and q.price > 0
    assert abs((q.time - datetime.now(UTC)).total_seconds()) < 3600


async def test_fred_graph_csv_shape() -> None:
    src = FredSource(["DGS10", "ICSA", "SAHMREALTIME"], api_key=None)
    try:
        result = await src.refresh()
    finally:
        await src.aclose()
    assert result.failed == {}
    dgs10 = src.data["DGS10"].values
    assert len(dgs10) > 1000 and dgs10.index[-1] > NOW.replace(tzinfo=None) - timedelta(days=14)
    assert src.data["ICSA"].frequency == "weekly"


@pytest.mark.skipif(not os.environ.get("FRED_API_KEY"), reason="needs FRED_API_KEY")
async def test_fred_api_shape() -> None:
    src = FredSource(["T10Y3M"])
    try:
        result = await src.refresh()
    finally:
        await src.aclose()
    assert result.failed == {} and len(src.data["T10Y3M"].values) > 1000


async def test_ishares_holdings_shape() -> None:
    src = HoldingsSource()
    try:
        parsed = await src.refresh()
    finally:
        await src.aclose()
    assert parsed is not None, src.health.last_error
    assert len(parsed.constituents) > 1500
    assert parsed.as_of is not None and (NOW.date() - parsed.as_of).days < 10
    weights = sum(c.weight for c in parsed.constituents)
    assert 90 < weights < 101
