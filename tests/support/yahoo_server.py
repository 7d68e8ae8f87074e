"""Yahoo's endpoints on loopback, answering with the recorded payloads of tests/fixtures/yahoo.

Routes (every Yahoo host is routed to the one server, so only paths matter):
``/`` (fc.yahoo.com cookie page), ``/consent`` (guce), ``/v1/test/getcrumb``,
``/v8/finance/chart/{symbol}``, ``/v7/finance/quote?symbols=...``,
``/v10/finance/quoteSummary/{symbol}``.

Symbols without a recording can be served a recording of another symbol under their own name
(``aliases``: e.g. IWM -> QQQ); the relabelling changes only ``symbol`` fields, and tests that
rely on it say so. A symbol that is neither recorded nor aliased gets Yahoo's answer for an
unknown symbol: a 404 chart error (shape from PAYLOADS.md 2, not a recording), no v7 quote
item (as the recorded SIX file shows) and the recorded quoteSummary 404.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.loopback import Reply, Request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"

CHART_FILES = {
    "AAPL": "yahoo-chart-AAPL-1d-2024-09-30_10-11.scheb.json",
    "MSFT": "yahoo-chart-MSFT-1d-2021-02_2022-01-dividends.nyf2.json",
    "QQQ": "yahoo-chart-QQQ-1d-2020-full-year-dividends.nyf2.json",
    "GC=F": "yahoo-chart-GC=F-1d-2020-01-02.nyf2.json",
    "EURUSD=X": "yahoo-chart-EURUSD=X-1d-2020-01-01_03.nyf2.json",
}
QUOTE_FILES = (
    "yahoo-quote-AAPL-BABA-multi-symbol.nyf2.json",
    "yahoo-quote-QQQ-closed-holiday-postmarket.nyf2.json",
    "yahoo-quote-GC=F-future-regular.nyf2.json",
    "yahoo-quote-EURUSD=X-currency.nyf2.json",
)
SUMMARY_FILES = {
    "QQQ": "yahoo-quoteSummary-QQQ-all-modules.nyf2.json",
    "GC=F": "yahoo-quoteSummary-GC=F-summaryDetail.nyf2.json",
}
SUMMARY_404 = "yahoo-quoteSummary-GC=F-defaultKeyStatistics-404-no-fundamentals.nyf2.json"

A3_COOKIE = (
    "A3=d=AQABBLOOPBACK&S=AQAAAtest; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure;"
    " HttpOnly; SameSite=None"
)

CHART_404 = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


def recorded(name: str) -> tuple[int, Any]:
    """(HTTP status, body) of one fixture: nyf2 records carry both, raw bodies are 200."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "response" in data and "request" in data:
        resp = data["response"]
        if "bodyJson" in resp:
            return int(resp["status"]), resp["bodyJson"]
        return int(resp["status"]), resp.get("bodyText", resp.get("body"))
    return 200, data


def stream_frame_text() -> str:
    """The recorded base64 PricingData message (BTC-USD)."""
    return (FIXTURES / "yahoo-stream-pricing-BTC-USD-2025-01-10.base64.txt").read_text().strip()


def _relabel(obj: Any, old: str, new: str) -> Any:
    out = copy.deepcopy(obj)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "symbol" and value == old:
                    node[key] = new
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(out)
    return out


class YahooApp:
    """The request handler; ``aliases`` maps a requested symbol to a recorded one."""

    def __init__(self, aliases: Mapping[str, str] | None = None) -> None:
        self.aliases = dict(aliases or {})
        self.charts = {sym: recorded(name)[1] for sym, name in CHART_FILES.items()}
        self.quotes: dict[str, dict[str, Any]] = {}
        for name in QUOTE_FILES:
            for item in recorded(name)[1]["quoteResponse"]["result"]:
                self.quotes[item["symbol"]] = item
        self.summaries = {sym: recorded(name)[1] for sym, name in SUMMARY_FILES.items()}
        self.summary_404 = recorded(SUMMARY_404)
        self.crumb = recorded("yahoo-getcrumb-200-text.nyf2.json")[1]

    def _lookup(self, table: Mapping[str, Any], symbol: str) -> Any | None:
        if symbol in table:
            return table[symbol]
        base = self.aliases.get(symbol)
        if base is not None and base in table:
            return _relabel(table[base], base, symbol)
        return None

    def __call__(self, req: Request) -> Reply:
        path = req.path
        if path in ("/", ""):
            # fc.yahoo.com sets the A3 session cookie that yfinance keeps (and caches on disk).
            return Reply(200, "", "text/html", headers={"Set-Cookie": A3_COOKIE})
        if path.startswith("/consent"):
            return Reply(200, "<html><body>no consent needed</body></html>", "text/html")
        if path == "/v1/test/getcrumb":
            return Reply(200, self.crumb, "text/plain;charset=utf-8")
        if path.startswith("/v8/finance/chart/"):
            symbol = path.rsplit("/", 1)[1]
            body = self._lookup(self.charts, symbol)
            if body is None:
                return Reply(404, json.dumps(CHART_404))
            return Reply(200, json.dumps(body))
        if path.startswith("/v7/finance/quote"):
            symbols = [s for s in req.query.get("symbols", "").split(",") if s]
            items = [q for q in (self._lookup(self.quotes, s) for s in symbols) if q]
            return Reply(200, json.dumps({"quoteResponse": {"result": items, "error": None}}))
        if path.startswith("/v10/finance/quoteSummary/"):
            symbol = path.rsplit("/", 1)[1]
            body = self._lookup(self.summaries, symbol)
            if body is None:
                status, body = self.summary_404
                return Reply(status, json.dumps(body))
            return Reply(200, json.dumps(body))
        if "/finance/timeseries/" in path:
            # Ticker.info also asks for a fundamentals time series; no recording exists, so
            # this is the envelope with an empty result (its shape as yfinance parses it).
            return Reply(200, json.dumps({"timeseries": {"result": [], "error": None}}))
        return Reply(404, "Not Found", "text/plain")
