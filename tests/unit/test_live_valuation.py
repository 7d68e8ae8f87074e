"""Live P/E of SPY, IJR and IWM (SPEC 11): the v7 quote's fields, else the fund's quoteSummary
``equityHoldings`` fetched lazily, kept in the store with their day; on loopback servers that
answer with the recorded Yahoo payloads (tests/fixtures/yahoo, MIT)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.valuation import valuation_gap
from data_sources.live import LiveSettings, LiveSource
from data_sources.store import Store
from data_sources.yahoo import routes_to
from tests.support.loopback import LoopbackServer, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.yahoo_server import YahooApp
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)

# Friday 14 Feb 2025, 15:30 New York: the recorded quotes are from that day.
NOW = datetime(2025, 2, 14, 20, 30, tzinfo=UTC)
DAY = date(2025, 2, 14)
SYMBOLS = ("SPY", "IJR", "IWM")


def settings(yahoo_url: str | None) -> LiveSettings:
    return LiveSettings(
        symbols=SYMBOLS,
        fred_series=("DGS10",),
        yahoo_routes=routes_to(yahoo_url or refused_url()),
        yahoo_backend="requests",
        stream_url=None,
        fred_api_key=None,
        fred_graph_url=f"{refused_url()}/graph/fredgraph.csv",
        holdings_url=None,
        timeout=2.0,
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def quote_pe() -> Iterator[str]:
    # No recording of SPY, IJR or IWM exists: SPY gets AAPL's quote (trailing and forward P/E),
    # IJR QQQ's (an ETF: trailing only) and IWM the gold future's (no P/E; its quoteSummary has
    # no fundamentals either), each under its own name.
    app = YahooApp({"SPY": "AAPL", "IJR": "QQQ", "IWM": "GC=F"})
    with ExitStack() as stack:
        yield stack.enter_context(LoopbackServer(app)).url


async def test_quote_fields_give_the_pe_and_a_fund_without_either_is_unknown(
    quote_pe: str,
) -> None:
    src = LiveSource(settings(quote_pe), clock=Clock(NOW), market_state=lambda now: "closed")
    try:
        await src.fetch(NOW, wait=10)
        await src.settle()
        data = await src.fetch(NOW, wait=10)  # the fund P/E round started by the quotes
        await src.settle()
        data = await src.fetch(NOW)
    finally:
        await src.aclose()
    spy, ijr = data.valuations["SPY"], data.valuations["IJR"]
    assert spy.index[-1].date() == DAY
    assert spy["pe"].iloc[-1] == pytest.approx(38.763866)
    assert spy["forward_pe"].iloc[-1] == pytest.approx(29.434416)
    assert ijr["pe"].iloc[-1] == pytest.approx(35.07033)
    assert "IWM" not in data.valuations  # asked for its holdings statistics: none
    assert src.pe_book.tried["IWM"] == NOW
    v = valuation_gap(data.valuations, DAY)
    # SPY has a forward P/E, IJR none: the gap is on the trailing basis
    assert v.basis == "trailing" and v.gap_small == "IJR"
    assert v.gap_turns == pytest.approx(38.763866 - 35.07033, abs=1e-3)
    assert v.small[1].pe is None and v.small[1].reason == "IWM: no P/E in the data"
    # a week later without new quotes the values are stale, not current
    later = valuation_gap(data.valuations, DAY + timedelta(days=10))
    assert later.gap_turns is None and "P/E data ends 2025-02-14" in (later.reason or "")


async def test_equity_holdings_fallback_is_cached_with_its_day() -> None:
    # IWM gets QQQ's recordings under its own name, with trailingPE taken out of the quote
    # (a constructed variant: an ETF quote without P/E), so the quoteSummary must answer.
    app = YahooApp({"IWM": "QQQ"})
    app.quotes["QQQ"] = {k: v for k, v in app.quotes["QQQ"].items() if k != "trailingPE"}
    store = Store.memory()
    with LoopbackServer(app) as server:
        src = LiveSource(
            settings(server.url), cache=store, clock=Clock(NOW), market_state=lambda n: "closed"
        )
        try:
            await src.fetch(NOW, wait=10)
            await src.settle()
            await src.fetch(NOW, wait=10)
            await src.settle()
            data = await src.fetch(NOW)
        finally:
            await src.aclose()
    iwm = data.valuations["IWM"]
    assert iwm.index[-1].date() == DAY
    assert iwm["pe"].iloc[-1] == pytest.approx(1 / 0.02938, abs=1e-3)  # an earnings yield
    assert store.load_fund_pe() == [("IWM", DAY, pytest.approx(34.0368, abs=1e-3), None,
                                     "equityHoldings")]  # fmt: skip
    # The next start, network down, paints the cached P/E at once.
    later = NOW + timedelta(hours=1)
    again = LiveSource(
        settings(None), cache=store, clock=Clock(later), market_state=lambda n: "closed"
    )
    try:
        cached = await again.fetch(later, wait=0)  # the cache only
        await again.settle()
    finally:
        await again.aclose()
    assert cached.valuations["IWM"]["pe"].iloc[-1] == pytest.approx(34.0368, abs=1e-3)
    store.close()
