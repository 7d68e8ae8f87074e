"""Reader for iShares holdings CSV text (IWM), shared by data packs and the live holdings source."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from data_sources.csvtext import EARLIEST, ProblemLog, clean, latest_day, snippet, split_lines
from data_sources.model import Constituent

HEADER_START = "Ticker,"
_AS_OF = re.compile(r"^\s*Fund Holdings as of\s*,\s*\"?([^\"]+)\"?", re.IGNORECASE)
_NOTHING = frozenset({"", "-", "--"})
_REQUIRED = ("Ticker", "Name", "Sector", "Asset Class", "Weight (%)")
_SECTOR_NAMES = {"Communication": "Communication Services"}
"""iShares' short sector names mapped to the GICS names the catalog uses."""


@dataclass(frozen=True, slots=True)
class HoldingsParse:
    """The listed equities of a fund, the holdings date and the problems found."""

    constituents: tuple[Constituent, ...]
    as_of: date | None
    problems: list[str] = field(default_factory=list)


def parse_holdings(text: str, name: str = "IWM.csv") -> HoldingsParse:
    """Equity constituents from an iShares holdings CSV ``text``.

    The layout: a BOM, a preamble with `Fund Holdings as of,"Nov 05, 2025"`, a line of a
    no-break space, the header `Ticker,Name,Sector,Asset Class,...`, fully quoted rows with
    thousands separators and `-` for nothing, then another no-break-space line and legal text.
    Only rows with Asset Class `Equity`, a real ticker and a market keep (cash, money-market
    funds, futures, collateral and unlisted rights or warrants are not constituents). Weights are
    percent of the fund; ``last`` is the holdings file's price. Names and sectors are stripped
    of control characters but not escaped (that is the screen's job).
    """
    log = ProblemLog(name)
    lines = split_lines(text, log)
    if lines is None:
        return HoldingsParse((), None, log.result())
    if not any(line.strip() for line in lines):
        log.add(1, "empty file: expected an iShares holdings CSV (preamble, `Ticker,...` header)")
        return HoldingsParse((), None, log.result())

    as_of: date | None = None
    header_at: int | None = None
    for i, line in enumerate(lines):
        match = _AS_OF.match(line)
        if match and as_of is None:
            as_of = _holdings_date(match.group(1), i + 1, log)
        if clean(line).lstrip('"').startswith(HEADER_START.rstrip(",")) and "," in line:
            header_at = i
            break
    if header_at is None:
        log.add(1, "expected a header line starting `Ticker,Name,Sector,Asset Class` (none found)")
        return HoldingsParse((), as_of, log.result())

    # The rest is parsed as one CSV stream: the legal text at the end is one quoted field
    # spanning several lines, which a line-by-line split would cut apart.
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])))
    try:
        header = [clean(cell) for cell in next(reader)]
    except csv.Error as exc:
        log.add(header_at + 1, f"unreadable header ({exc}): expected `Ticker,Name,Sector,...`")
        return HoldingsParse((), as_of, log.result())
    columns = {cell: i for i, cell in enumerate(header)}
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        log.add(
            header_at + 1,
            f"expected columns {', '.join(_REQUIRED)}; missing {', '.join(missing)}",
        )
        return HoldingsParse((), as_of, log.result())

    out: list[Constituent] = []
    seen: set[str] = set()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit: that row only
            log.add(header_at + reader.line_num, f"unreadable CSV row ({exc}); row skipped")
            continue
        line_no = header_at + reader.line_num
        if not any(clean(cell) for cell in row):
            continue
        if len(row) == 1:
            break  # the legal text after the holdings
        if len(row) < len(header):
            log.add(line_no, f"expected {len(header)} fields, found {len(row)}")
            continue
        constituent = _constituent(row, columns, line_no, log)
        if constituent is None:
            continue
        if constituent.symbol in seen:
            log.add(line_no, f"duplicate ticker {constituent.symbol}: kept the first row")
            continue
        seen.add(constituent.symbol)
        out.append(constituent)
    if not out:
        log.add(header_at + 2, "no equity rows: expected rows with Asset Class `Equity`")
    return HoldingsParse(tuple(out), as_of, log.result())


def _constituent(
    row: list[str], columns: dict[str, int], line_no: int, log: ProblemLog
) -> Constituent | None:
    def cell(column: str) -> str:
        at = columns.get(column)
        return clean(row[at]) if at is not None and at < len(row) else ""

    if cell("Asset Class").lower() != "equity":
        return None
    ticker = cell("Ticker").upper()
    if ticker in _NOTHING or "NO MARKET" in cell("Exchange").upper():
        return None
    weight = _number(cell("Weight (%)"))
    if weight is None:
        found = snippet(cell("Weight (%)"))
        log.add(line_no, f"expected a weight in percent for {ticker}, found {found}")
        return None
    sector = cell("Sector")
    return Constituent(
        symbol=ticker,
        name=cell("Name"),
        sector=_SECTOR_NAMES.get(sector, sector),
        weight=weight,
        last=_price(cell("Price")),
    )


def _price(text: str) -> float | None:
    """The vendor price; iShares writes 0.00 for holdings without one (delisted names)."""
    value = _number(text)
    return value if value is not None and value > 0 else None


def _number(text: str) -> float | None:
    """``"731,205,514.79"`` -> 731205514.79; `-` or garbage -> None (unknown, never 0)."""
    if text in _NOTHING:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _holdings_date(text: str, line_no: int, log: ProblemLog) -> date | None:
    for fmt in ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            day = datetime.strptime(clean(text), fmt).date()
        except ValueError:
            continue
        if not EARLIEST <= day <= latest_day():
            outside = f"holdings date {day} is outside {EARLIEST} .. today"
            log.add(line_no, f"{outside}; read as unknown")
            return None
        return day
    log.add(line_no, f'expected a holdings date like "Nov 05, 2025", found {snippet(text)}')
    return None
