"""A fund's P/E from Yahoo: the v7 quote's ``trailingPE`` / ``forwardPE``, else the fund's
quoteSummary ``topHoldings.equityHoldings.priceToEarnings`` (PAYLOADS 3, 4; SPEC 11).

``priceToEarnings`` there is an earnings yield, not a ratio: QQQ's 0.02938 is a P/E of 34.0
(its ``summaryDetail.trailingPE`` in the same answer is 34.3). Zero, negative and non-numbers
are unknown, never a P/E.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

SUMMARY_URL = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{symbol}"
SUMMARY_MODULES = "topHoldings,summaryDetail"


@dataclass(frozen=True, slots=True)
class FundPE:
    """Trailing and forward P/E of one fund from one answer; ``source`` names the field."""

    symbol: str
    pe: float | None
    forward_pe: float | None
    source: str
    date: date | None = None


def _positive(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Mapping):  # formatted=true answers wrap numbers as {"raw", "fmt"}
        value = value.get("raw")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def pe_from_quote(item: Mapping[str, Any]) -> FundPE | None:
    """P/E from one v7 ``quoteResponse.result`` object, or None when it has neither field."""
    symbol = item.get("symbol")
    pe, fwd = _positive(item.get("trailingPE")), _positive(item.get("forwardPE"))
    if not isinstance(symbol, str) or (pe is None and fwd is None):
        return None
    return FundPE(symbol, pe, fwd, "quote")


def summary_result(body: Any) -> Mapping[str, Any] | None:
    """The first ``quoteSummary.result`` object of an answer, or None (an error answer)."""
    if not isinstance(body, Mapping):
        return None
    inner = body.get("quoteSummary")
    if not isinstance(inner, Mapping):
        return None
    results = inner.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], Mapping):
        return None
    return results[0]


def pe_from_summary(symbol: str, body: Any) -> FundPE | None:
    """The fund's P/E from a quoteSummary answer: ``equityHoldings.priceToEarnings`` (an
    earnings yield, P/E = 1 / value) as the trailing P/E, else ``summaryDetail``'s
    ``trailingPE`` / ``forwardPE``; None when the answer has none of them."""
    result = summary_result(body)
    if result is None:
        return None
    holdings = result.get("topHoldings")
    equity = holdings.get("equityHoldings") if isinstance(holdings, Mapping) else None
    earnings_yield = (
        _positive(equity.get("priceToEarnings")) if isinstance(equity, Mapping) else None
    )
    if earnings_yield is not None:
        return FundPE(symbol, round(1.0 / earnings_yield, 4), None, "equityHoldings")
    detail = result.get("summaryDetail")
    if isinstance(detail, Mapping):
        pe, fwd = _positive(detail.get("trailingPE")), _positive(detail.get("forwardPE"))
        if pe is not None or fwd is not None:
            return FundPE(symbol, pe, fwd, "summaryDetail")
    return None
