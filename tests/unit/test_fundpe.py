"""P/E parsers on the recorded Yahoo payloads (tests/fixtures/yahoo, MIT; PAYLOADS 3, 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from data_sources.fundpe import pe_from_quote, pe_from_summary
from data_sources.yahoo import quote_from_v7

YAHOO = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"


def body(name: str) -> Any:
    doc = json.loads((YAHOO / name).read_text())
    if name.endswith(".nyf2.json"):
        resp = doc["response"]
        return resp["bodyJson"] if "bodyJson" in resp else json.loads(resp["body"])
    return doc


def quotes(name: str) -> list[dict[str, Any]]:
    return body(name)["quoteResponse"]["result"]


def test_quote_with_trailing_and_forward_pe() -> None:
    aapl, baba = quotes("yahoo-quote-AAPL-BABA-multi-symbol.nyf2.json")
    pe = pe_from_quote(aapl)
    assert pe is not None and pe.source == "quote"
    assert pe.pe == pytest.approx(38.763866) and pe.forward_pe == pytest.approx(29.434416)
    q = quote_from_v7(aapl)  # the live quote carries the same fields
    assert q is not None and q.trailing_pe == pe.pe and q.forward_pe == pe.forward_pe
    other = pe_from_quote(baba)
    assert other is not None and other.forward_pe == pytest.approx(12.637285)


def test_etf_quote_has_trailing_pe_only() -> None:
    (qqq,) = quotes("yahoo-quote-QQQ-closed-holiday-postmarket.nyf2.json")
    pe = pe_from_quote(qqq)
    assert pe is not None and pe.pe == pytest.approx(35.07033) and pe.forward_pe is None


def test_quote_without_pe_gives_none() -> None:
    (gold,) = quotes("yahoo-quote-GC=F-future-regular.nyf2.json")
    assert pe_from_quote(gold) is None
    assert pe_from_quote({"symbol": "X", "trailingPE": 0, "forwardPE": -3.0}) is None
    assert pe_from_quote({"symbol": "X", "trailingPE": "abc", "forwardPE": True}) is None


def test_quote_summary_equity_holdings_is_an_earnings_yield() -> None:
    pe = pe_from_summary("QQQ", body("yahoo-quoteSummary-QQQ-all-modules.nyf2.json"))
    assert pe is not None and pe.source == "equityHoldings"
    assert pe.pe == pytest.approx(1 / 0.02938, abs=1e-3)  # 34.04, next to trailingPE 34.29
    assert pe.forward_pe is None


def test_fund_without_either_gives_none() -> None:
    assert pe_from_summary("GC=F", body("yahoo-quoteSummary-GC=F-summaryDetail.nyf2.json")) is None
    err = body("yahoo-quoteSummary-GC=F-defaultKeyStatistics-404-no-fundamentals.nyf2.json")
    assert pe_from_summary("GC=F", err) is None
    assert pe_from_summary("X", {"quoteSummary": {"result": None, "error": None}}) is None
    assert pe_from_summary("X", "Edge: Too Many Requests") is None


def test_summary_detail_is_the_second_choice_and_formatted_numbers_are_read() -> None:
    doc = {"quoteSummary": {"result": [{"summaryDetail": {"trailingPE": {"raw": 25.5}}}]}}
    pe = pe_from_summary("SPY", doc)
    assert pe is not None and pe.pe == 25.5 and pe.source == "summaryDetail"
    zero = {
        "quoteSummary": {"result": [{"topHoldings": {"equityHoldings": {"priceToEarnings": 0}}}]}
    }
    assert pe_from_summary("SPY", zero) is None
