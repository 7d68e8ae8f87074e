"""The instruments rotmon watches: pairs, sectors, macro indicators and their labels (SPEC 3, 7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

WINDOWS: tuple[str, ...] = ("1D", "1W", "1M", "3M", "YTD", "1Y")
"""Window keys exactly as SPEC section 9 spells them."""

WINDOW_ROWS: dict[str, int] = {"1D": 1, "1W": 5, "1M": 21, "3M": 63, "6M": 126, "1Y": 252}
"""Row offsets per window (SPEC 6); YTD has no fixed offset."""


@dataclass(frozen=True, slots=True)
class Pair:
    """A small-vs-large pair shown in the spreads pane."""

    small: str
    large: str
    label: str

    @property
    def id(self) -> str:
        return f"{self.small}/{self.large}"


@dataclass(frozen=True, slots=True)
class SectorPair:
    """A GICS sector with its large-cap and (optional) small-cap ETF."""

    sector: str
    large: str
    small: str | None


@dataclass(frozen=True, slots=True)
class MacroIndicator:
    """One row of the macro & energy pane.

    ``series`` is the FRED id used when present; ``market`` the Yahoo symbol that stands in
    for it (or is preferred, for prices that trade intraday).
    """

    id: str
    label: str
    series: str | None
    market: str | None
    unit: Literal["%", "bp", "$", "k", "idx"]


PAIRS: tuple[Pair, ...] = (
    Pair("IWM", "SPY", "Russell 2000 vs S&P 500"),
    Pair("IJR", "SPY", "S&P 600 vs S&P 500"),
    Pair("RSP", "SPY", "Equal vs cap weight"),
    Pair("IWM", "QQQ", "Small caps vs Nasdaq-100"),
    Pair("IWN", "IWO", "Small value vs growth"),
    Pair("MDY", "SPY", "Mid vs large"),
)

SECTORS: tuple[SectorPair, ...] = (
    SectorPair("Information Technology", "XLK", "PSCT"),
    SectorPair("Financials", "XLF", "PSCF"),
    SectorPair("Energy", "XLE", "PSCE"),
    SectorPair("Industrials", "XLI", "PSCI"),
    SectorPair("Health Care", "XLV", "PSCH"),
    SectorPair("Consumer Discretionary", "XLY", "PSCD"),
    SectorPair("Consumer Staples", "XLP", "PSCC"),
    SectorPair("Materials", "XLB", "PSCM"),
    SectorPair("Utilities", "XLU", "PSCU"),
    SectorPair("Real Estate", "XLRE", None),
    SectorPair("Communication Services", "XLC", None),
)

INDICES: tuple[str, ...] = ("^RUT", "^GSPC")
"""Shown in the header."""

MACRO: tuple[MacroIndicator, ...] = (
    MacroIndicator("FEDFUNDS", "Fed funds", "FEDFUNDS", None, "%"),
    MacroIndicator("DGS2", "2Y", "DGS2", None, "%"),
    MacroIndicator("DGS10", "10Y", "DGS10", None, "%"),
    MacroIndicator("T10Y2Y", "10Y-2Y", "T10Y2Y", None, "%"),
    MacroIndicator("T10Y3M", "10Y-3M", "T10Y3M", None, "%"),
    MacroIndicator("BAMLH0A0HYM2", "HY OAS", "BAMLH0A0HYM2", None, "%"),
    MacroIndicator("SAHMREALTIME", "Sahm rule", "SAHMREALTIME", None, "%"),
    MacroIndicator("ICSA", "Claims 4wk", "ICSA", None, "k"),
    MacroIndicator("VIX", "VIX", "VIXCLS", "^VIX", "idx"),
    MacroIndicator("WTI", "WTI", "DCOILWTICO", "CL=F", "$"),
    MacroIndicator("BRENT", "Brent", "DCOILBRENTEU", "BZ=F", "$"),
    MacroIndicator("OVX", "OVX", "OVXCLS", "^OVX", "idx"),
    MacroIndicator("DXY", "Dollar index", None, "DX-Y.NYB", "idx"),
)

FRED_SERIES: tuple[str, ...] = (
    "FEDFUNDS",
    "DFEDTARU",
    "DGS2",
    "DGS10",
    "DGS3MO",
    "T10Y2Y",
    "T10Y3M",
    "BAMLH0A0HYM2",
    "SAHMREALTIME",
    "UNRATE",
    "ICSA",
    "VIXCLS",
    "DCOILWTICO",
    "DCOILBRENTEU",
    "OVXCLS",
)
"""Every FRED series the rules, the macro pane and the rate cycle read (SPEC 3, 7 and 11)."""

MONTHLY_SERIES: frozenset[str] = frozenset({"FEDFUNDS", "SAHMREALTIME", "UNRATE"})
WEEKLY_SERIES: frozenset[str] = frozenset({"ICSA"})


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


MARKET_SYMBOLS: tuple[str, ...] = _unique(
    [
        *INDICES,
        *(s for p in PAIRS for s in (p.small, p.large)),
        *(s.large for s in SECTORS),
        *(s.small for s in SECTORS if s.small),
        *(m.market for m in MACRO if m.market),
    ]
)
"""Every Yahoo symbol the dashboard needs."""
