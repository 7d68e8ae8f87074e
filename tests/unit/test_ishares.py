"""iShares holdings reader: the synthetic committed file, edge cases, the real file in ../shared."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from data_sources.ishares import parse_holdings
from data_sources.model import Constituent

HOLDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small" / "holdings" / "IWM.csv"
REAL = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "realdata"
    / "ishares-IWM-holdings-2025-11-05.csv"
)

HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)


def row(
    ticker: str, name: str, sector: str, asset: str, weight: str, price: str, exchange: str
) -> str:
    cells = [ticker, name, sector, asset, "1,000.00", weight, "1,000.00", "10.00", price,
             "United States", exchange, "USD", "1.00", "USD", "-"]  # fmt: skip
    return ",".join(f'"{c}"' for c in cells)


def test_synthetic_file_keeps_listed_equities_only() -> None:
    result = parse_holdings(HOLDINGS.read_text(encoding="utf-8"))
    assert result.problems == []
    assert result.as_of == date(2020, 12, 11)
    # 10 equity rows, of which 2 unlisted (a CVR and a `-` ticker); cash, money market and the
    # future are not equities.
    assert [c.symbol for c in result.constituents] == [
        "SYNA", "SYNB", "SYNC", "SYND", "SYNE", "SYNF", "SYNG", "SYNH",
    ]  # fmt: skip
    assert result.constituents[0] == Constituent(
        "SYNA", "SYNTHETIC ALPHA SOLAR CORP", "Information Technology", 1.25, last=50.0
    )
    # iShares' short name maps to the catalog's GICS name.
    assert result.constituents[5].sector == "Communication Services"
    assert result.constituents[2].name == "SYNTHETIC GAMMA OIL & GAS"  # not escaped here


def test_control_characters_are_stripped_from_names() -> None:
    text = "\n".join(
        [HEADER, row("EVIL", "EVIL\x1b[31m CORP\x07", "Energy", "Equity", "0.50", "1.00", "NASDAQ")]
    )
    (c,) = parse_holdings(text).constituents
    assert c.name == "EVIL CORP"
    assert "\x1b" not in c.name and "\x07" not in c.name


def test_thousands_separators_dash_and_zero_price() -> None:
    text = "\n".join(
        [
            HEADER,
            row("AAA", "A", "Financials", "Equity", "1,234.50", "1,050.25", "NASDAQ"),
            row("BBB", "B", "Financials", "Equity", "0.01", "0.00", "NASDAQ"),
            row("CCC", "C", "Financials", "Equity", "0.01", "-", "NASDAQ"),
        ]
    )
    a, b, c = parse_holdings(text).constituents
    assert (a.weight, a.last) == (1234.5, 1050.25)
    assert b.last is None  # iShares writes 0.00 for a holding without a price: unknown, not 0
    assert c.last is None


def test_bad_rows_are_reported_and_skipped() -> None:
    text = "\n".join(
        [
            "iShares Russell 2000 ETF",
            'Fund Holdings as of,"Someday"',
            HEADER,
            row("AAA", "A", "Energy", "Equity", "n/a", "1.00", "NASDAQ"),
            '"BBB","B","Energy"',
            row("CCC", "C", "Energy", "Equity", "0.20", "1.00", "NASDAQ"),
            row("CCC", "C again", "Energy", "Equity", "0.10", "1.00", "NASDAQ"),
        ]
    )
    result = parse_holdings(text, "holdings/IWM.csv")
    assert [c.symbol for c in result.constituents] == ["CCC"]
    assert result.as_of is None
    assert result.problems == [
        "holdings/IWM.csv:2: expected a holdings date like \"Nov 05, 2025\", found 'Someday'",
        "holdings/IWM.csv:4: expected a weight in percent for AAA, found 'n/a'",
        "holdings/IWM.csv:5: expected 15 fields, found 3",
        "holdings/IWM.csv:7: duplicate ticker CCC: kept the first row",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            "IWM.csv:1: empty file: expected an iShares holdings CSV "
            "(preamble, `Ticker,...` header)",
        ),
        (
            "<html>Service unavailable</html>",
            "IWM.csv:1: expected a header line starting `Ticker,Name,Sector,Asset Class` "
            "(none found)",
        ),
        (
            'Ticker,Name,Weight (%)\n"A","B","1"',
            "IWM.csv:1: expected columns Ticker, Name, Sector, Asset Class, Weight (%); "
            "missing Sector, Asset Class",
        ),
        (HEADER + "\n", "IWM.csv:2: no equity rows: expected rows with Asset Class `Equity`"),
    ],
)
def test_unusable_text_gives_one_clear_problem(text: str, expected: str) -> None:
    result = parse_holdings(text)
    assert result.constituents == ()
    assert result.problems == [expected]


@pytest.mark.skipif(not REAL.is_file(), reason="../shared iShares file is not present")
def test_real_iwm_holdings_file() -> None:
    # BlackRock's file: read from ../shared only, never copied into the repository.
    result = parse_holdings(REAL.read_text(encoding="utf-8"))
    assert result.problems == []
    assert result.as_of == date(2025, 11, 5)
    # 1,962 equity rows minus 6 unlisted (NO MARKET) ones; cash, XTSLA, MSFUT and RTYZ5 excluded.
    assert len(result.constituents) == 1956
    symbols = {c.symbol for c in result.constituents}
    assert {"USD", "CAD", "XTSLA", "MSFUT", "RTYZ5", "-", "INH", "ADRO"}.isdisjoint(symbols)
    first = result.constituents[0]
    assert (first.symbol, first.name, first.sector, first.weight, first.last) == (
        "BE", "BLOOM ENERGY CLASS A CORP", "Industrials", 1.06, 141.41,
    )  # fmt: skip
    sectors = {c.sector for c in result.constituents}
    assert "Communication Services" in sectors and "Communication" not in sectors
    # The legal text after the holdings is not read as rows.
    assert all("BlackRock" not in c.name for c in result.constituents)
