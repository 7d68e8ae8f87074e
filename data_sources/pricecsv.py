"""Reader for daily price CSVs in every layout a data pack accepts (SPEC 8), as Bars."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_sources.csvtext import (
    ProblemLog,
    clean,
    looks_like_date,
    norm_name,
    order_rows,
    parse_numbers,
    read_clean,
    read_columns,
    read_dates,
    read_rows,
    snippet,
    split_lines,
)
from data_sources.model import Bars

COLUMNS = ("open", "high", "low", "close", "volume")
"""The frame columns of Bars, in order."""

_ROLES = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adjclose": "adj",
    "adjustedclose": "adj",
    "volume": "volume",
}
_DATE_NAMES = frozenset({"date", "datetime", "timestamp"})
_MAX_HEADER_ROWS = 4
_LAYOUT_HELP = (
    "expected a header such as `Date,Open,High,Low,Close,Adj Close,Volume`, "
    "yfinance's multi-row header, `Date,Close` or `Date,SYMBOL`"
)


@dataclass(frozen=True, slots=True, eq=False)
class PriceParse:
    """What one price file held.

    ``bars`` is None when nothing usable was found; ``listed`` are the dates that have a row,
    with or without prices (Yahoo writes `null` rows for days without trading), for gap checks.
    """

    bars: Bars | None
    problems: list[str]
    layout: str
    listed: pd.DatetimeIndex


def parse_price_csv(text: str, symbol: str, name: str | None = None) -> PriceParse:
    """Daily bars of ``symbol`` from CSV ``text``; problems are ``NAME:LINE: what was expected``.

    Layouts: Yahoo (`Date,Open,High,Low,Close[,Adj Close],Volume`, columns found by name in any
    order, `null` rows, dates with a time part), the two- and three-row headers yfinance's
    `to_csv` writes (`Price,Close,...`/`Ticker,XLE,...`/`Date,,,` or `Date,Close,...`/`,XLE,...`),
    `Date,Close` and `Date,SYMBOL`. ``close`` is the adjusted close where `Adj Close` is present;
    then open, high and low are scaled by the same factor so a day's range contains its close.
    Rows without a close are dropped; unsorted rows are sorted and of duplicate dates the last
    is kept, both reported.
    """
    log = ProblemLog(name or f"{symbol}.csv")
    lines = split_lines(text, log)
    if lines is None:
        return _failed(log)
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        log.add(1, f"empty file: {_LAYOUT_HELP}, then daily rows")
        return _failed(log)

    data_start = start
    while data_start < len(lines) and not _is_data_line(lines[data_start]):
        data_start += 1
    header_rows = read_rows(lines[start:data_start], 0, ProblemLog(log.name))[0]
    headers = [[clean(cell) for cell in row] for row in header_rows]
    if not headers or len(headers) > _MAX_HEADER_ROWS:
        found = "no header line" if not headers else f"{len(headers)} lines before the first date"
        log.add(start + 1, f"unknown layout ({found}): {_LAYOUT_HELP}")
        return _failed(log)

    layout = _read_header(headers, symbol, log, start + 1)
    if layout is None:
        return _failed(log)
    date_col, columns, kind, width = layout

    needed = max(date_col, *columns.values()) + 1
    fast = read_clean(lines, data_start, [date_col], sorted(set(columns.values())))
    if fast is not None:  # the common file, read in C; the same result as below
        table, parsed = fast
        values = {role: parsed[col].copy() for role, col in columns.items()}
        reported = np.zeros(len(table.lines), dtype=bool)
    else:
        table = read_columns(lines, data_start, needed, log)
        for line_no, count in table.short:
            log.add(line_no, f"expected {width} fields, found {count}")
    line_nos = table.lines
    if not len(line_nos):
        if not table.short:
            log.add(data_start + 1, "no data rows: expected daily rows after the header")
        else:
            log.add(data_start + 1, "no row with a date and a close")
        return _failed(log, kind)

    dates, bad_date = read_dates(table.cells[date_col], line_nos, log)
    listed = pd.DatetimeIndex(dates[~bad_date].unique()).sort_values()

    if fast is None:
        values = {}
        reported = np.zeros(len(line_nos), dtype=bool)
        last_header = headers[-1]
        for role, col in columns.items():
            numbers_, bad = parse_numbers(table.cells[col])
            values[role] = numbers_
            label = last_header[col] if col < len(last_header) else ""  # a ragged header
            for pos in np.nonzero(bad & ~bad_date & ~reported)[0]:
                log.add(
                    int(line_nos[pos]),
                    f"expected a number in {label or role}, found {snippet(table.cells[col][pos])}",
                )
            reported |= bad
    reported |= bad_date

    def cell(pos: int, col: int) -> str:
        if table.cells[col] or fast is None:
            return table.cells[col][pos]
        return lines[int(line_nos[pos]) - 1].split(",")[col]  # a clean file: no quotes

    if not is_future(symbol):
        _check_prices(values, columns, headers[-1], cell, line_nos, reported, log)

    frame = _frame(values, len(line_nos))
    keep = ~bad_date & ~np.isnan(frame["close"].to_numpy())
    frame = frame[keep]
    frame.index = dates[keep]
    if frame.empty:
        log.add(line_nos[0] if len(line_nos) else data_start + 1, "no row with a date and a close")
        return PriceParse(None, log.result(), kind, listed)
    frame, _ = order_rows(frame, line_nos[keep], log)
    frame.index = pd.DatetimeIndex(frame.index, name=None)
    return PriceParse(Bars(symbol, frame), log.result(), kind, listed)


def is_future(symbol: str) -> bool:
    """A futures contract (``CL=F``): its price may be zero or negative (WTI, April 2020)."""
    return symbol.strip().upper().endswith("=F")


_TINY = float(np.finfo(np.float64).tiny)
"""The smallest normal double: a positive price below it (``1e-320``) is no price at all, and a
return over it overflows to infinity."""


def _check_prices(
    values: dict[str, np.ndarray],
    columns: dict[str, int],
    names: list[str],
    cell: Callable[[int, int], str],
    line_nos: np.ndarray,
    reported: np.ndarray,
    log: ProblemLog,
) -> None:
    """Prices ≤ 0 (or too small to divide by) become problems, in place: a bad close or
    adjusted close drops its row, a bad open, high or low is read as unknown; a negative
    volume too. Each row is reported once, at its first bad value."""
    told = reported.copy()
    for role in ("adj", "close", "open", "high", "low", "volume"):
        if role not in values:
            continue
        v = values[role]
        with np.errstate(invalid="ignore"):
            bad = (v < 0) if role == "volume" else ~np.isnan(v) & ~(v >= _TINY)
        if not bad.any():
            continue
        col = columns[role]
        what = names[col] if col < len(names) and names[col] else role
        kind = "a volume ≥ 0" if role == "volume" else "a price > 0"
        outcome = "row skipped" if role in ("adj", "close") else "read as unknown"
        for pos in np.nonzero(bad & ~told)[0]:
            found = snippet(cell(int(pos), col))
            log.add(int(line_nos[pos]), f"expected {kind} in {what}, found {found}; {outcome}")
        told |= bad
        if role in ("adj", "close"):
            reported |= bad
            for dropped in ("adj", "close"):
                if dropped in values:
                    values[dropped][bad] = np.nan
        v[bad] = np.nan


def _is_data_line(line: str) -> bool:
    """A line whose first field is a date (the first data row of any layout)."""
    first = line.split(",", 1)[0].strip().strip('"')
    return looks_like_date(first)


def _read_header(
    headers: list[list[str]], symbol: str, log: ProblemLog, first_line: int
) -> tuple[int, dict[str, int], str, int] | None:
    """Date column, value columns by role, layout name and field count; None when unusable."""
    width = max(len(row) for row in headers)
    names_at = max(
        range(len(headers)),
        key=lambda i: sum(norm_name(c) in _ROLES for c in headers[i]),
    )
    names = headers[names_at]
    # reversed: of two columns with the same role, the first one wins
    found_roles = {
        _ROLES[norm_name(c)]: i
        for i, c in reversed(list(enumerate(names)))
        if norm_name(c) in _ROLES
    }
    date_col = _date_column(headers, names, found_roles)
    if date_col is None:
        log.add(first_line, f"unknown layout (no Date column): {_LAYOUT_HELP}")
        return None

    if not found_roles:
        # `Date,SYMBOL`: one value column, named for the symbol.
        others = [i for i, c in enumerate(names) if i != date_col and c]
        if len(others) != 1:
            listed = ", ".join(c for c in names if c) or "nothing"
            log.add(first_line + names_at, f"unknown layout (columns {listed}): {_LAYOUT_HELP}")
            return None
        col = others[0]
        if norm_name(names[col]) not in {norm_name(symbol), "price", "value"}:
            log.add(
                first_line + names_at,
                f"expected `Date,{symbol}` or `Date,Close`, found column {snippet(names[col])}; "
                f"read it as the close of {symbol}",
            )
        return date_col, {"close": col}, "date-symbol", width

    if "close" not in found_roles and "adj" not in found_roles:
        listed = ", ".join(c for c in names if c)
        log.add(
            first_line + names_at,
            f"expected a Close or Adj Close column, found {listed}",
        )
        return None

    if len(headers) > 1:
        _check_ticker_row(headers, names_at, found_roles, symbol, log, first_line)
        kind = "yfinance-multi-header"
    elif set(found_roles) <= {"close", "adj"}:
        kind = "date-close"
    else:
        kind = "yahoo"
    return date_col, found_roles, kind, width


def _date_column(headers: list[list[str]], names: list[str], roles: dict[str, int]) -> int | None:
    for row in headers:
        for i, cell in enumerate(row):
            if norm_name(cell) in _DATE_NAMES:
                return i
    # yfinance's three-row header names the first column `Price` (the column level's name)
    # and puts `Date` alone on the third row; an empty first cell is the same thing.
    if roles and names and norm_name(names[0]) in {"", "price"} and 0 not in roles.values():
        return 0
    return None


def _check_ticker_row(
    headers: list[list[str]],
    names_at: int,
    roles: dict[str, int],
    symbol: str,
    log: ProblemLog,
    first_line: int,
) -> None:
    """Report a yfinance ticker row that names another symbol than the file's."""
    for offset, row in enumerate(headers):
        if offset == names_at or not row or norm_name(row[0]) not in {"", "ticker"}:
            continue
        tickers = {row[i] for i in roles.values() if i < len(row) and row[i]}
        if tickers and {t.upper() for t in tickers} != {symbol.upper()}:
            log.add(
                first_line + offset,
                f"expected ticker {symbol} in the header, found {', '.join(sorted(tickers))}; "
                "read anyway",
            )


def _frame(values: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    nan = np.full(n, np.nan)
    raw_close = values.get("close", nan)
    adj = values.get("adj")
    close = adj if adj is not None else raw_close
    if adj is not None and "close" in values:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            factor = np.where(raw_close != 0, adj / raw_close, np.nan)
        factor[~np.isfinite(factor)] = np.nan  # an adjustment that overflows is unknown
    else:
        factor = np.ones(n)
    return pd.DataFrame(
        {
            "open": values.get("open", nan) * factor,
            "high": values.get("high", nan) * factor,
            "low": values.get("low", nan) * factor,
            "close": close,
            "volume": values.get("volume", nan),
        }
    )


def _failed(log: ProblemLog, layout: str = "unknown") -> PriceParse:
    return PriceParse(None, log.result(), layout, pd.DatetimeIndex([]))
