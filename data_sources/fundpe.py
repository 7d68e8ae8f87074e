"""A fund's P/E from Yahoo: the v7 quote's ``trailingPE`` / ``forwardPE``, else the fund's
quoteSummary ``topHoldings.equityHoldings.priceToEarnings`` (PAYLOADS 3, 4; SPEC 11).

``priceToEarnings`` there is an earnings yield, not a ratio: QQQ's 0.02938 is a P/E of 34.0
(its ``summaryDetail.trailingPE`` in the same answer is 34.3). Zero, negative and non-numbers
are unknown, never a P/E.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from data_sources.clock import NY
from data_sources.model import Quote

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


VALUATION_SYMBOLS: tuple[str, ...] = ("SPY", "IJR", "IWM")
FETCH_EVERY = timedelta(hours=6)
"""A fund whose quote has no P/E is asked for its holdings statistics at most this often."""

Row = tuple[float | None, float | None, str]
"""(trailing P/E, forward P/E, source) of one fund on one day."""


class FundPEBook:
    """P/E of the valuation funds by day: from their quotes as those arrive, else from the fund's
    holdings statistics (quoteSummary), fetched lazily; the live cache keeps the rows, so a
    history builds up day by day. Not thread-safe: used from the live source's loop only."""

    def __init__(self, symbols: tuple[str, ...] = VALUATION_SYMBOLS) -> None:
        self.symbols = symbols
        self.rows: dict[str, dict[date, Row]] = {s: {} for s in symbols}
        self.tried: dict[str, datetime] = {}
        self.dirty: set[tuple[str, date]] = set()
        self._frames: dict[str, pd.DataFrame] | None = None

    def _put(self, symbol: str, day: date, row: Row) -> None:
        if self.rows.setdefault(symbol, {}).get(day) != row:
            self.rows[symbol][day] = row
            self.dirty.add((symbol, day))
            self._frames = None

    def observe_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Today's P/E of each fund whose quote carries one (its NY trading day)."""
        for symbol in self.symbols:
            q = quotes.get(symbol)
            if q is None or (q.trailing_pe is None and q.forward_pe is None):
                continue
            day = q.time.astimezone(NY).date()
            self._put(symbol, day, (q.trailing_pe, q.forward_pe, "quote"))

    def wanting(self, now: datetime, quotes: Mapping[str, Quote]) -> list[str]:
        """Funds whose quote has come without any P/E and that were not asked lately."""
        out = []
        for symbol in self.symbols:
            q = quotes.get(symbol)
            if q is None or q.trailing_pe is not None or q.forward_pe is not None:
                continue
            last = self.tried.get(symbol)
            if last is not None and now - last < FETCH_EVERY:
                continue
            out.append(symbol)
        return out

    def add(self, pe: FundPE, day: date) -> None:
        self._put(pe.symbol, day, (pe.pe, pe.forward_pe, pe.source))

    def adopt(self, rows: Iterable[tuple[str, date, float | None, float | None, str]]) -> None:
        """Rows loaded from the cache, where nothing newer for that day has arrived."""
        for symbol, day, pe, fwd, source in rows:
            self.rows.setdefault(symbol, {}).setdefault(day, (pe, fwd, source))
        self._frames = None

    def take_dirty(self) -> list[tuple[str, date, float | None, float | None, str]]:
        """The rows changed since the last call (to be saved)."""
        out = [(s, d, *self.rows[s][d]) for s, d in sorted(self.dirty)]
        self.dirty.clear()
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """``pe`` and ``forward_pe`` by day for each fund with any row (``analytics.valuation``)."""
        if self._frames is None:
            out: dict[str, pd.DataFrame] = {}
            for symbol, by_day in self.rows.items():
                if not by_day:
                    continue
                days = sorted(by_day)
                out[symbol] = pd.DataFrame(
                    {
                        "pe": [_nan(by_day[d][0]) for d in days],
                        "forward_pe": [_nan(by_day[d][1]) for d in days],
                    },
                    index=pd.DatetimeIndex([pd.Timestamp(d) for d in days]),
                )
            self._frames = out
        return self._frames


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)
