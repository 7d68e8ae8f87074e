"""Reader for FRED graph CSV text, shared by data packs and the live FRED source."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_sources.csvtext import (
    ProblemLog,
    clean,
    norm_name,
    order_rows,
    parse_dates,
    parse_numbers,
    read_clean,
    read_columns,
    read_dates,
    read_rows,
    snippet,
    split_lines,
    strip_bom,
)

DATE_HEADERS = frozenset({"date", "observationdate"})


@dataclass(frozen=True, slots=True, eq=False)
class FredParse:
    """What one FRED graph CSV held: the series, its problems, and ``listed``, every date
    that has a row with or without a value (FRED writes holidays as `.` rows, so a date
    without any row is a real gap)."""

    values: pd.Series
    problems: list[str]
    listed: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))


def parse_fred_csv(text: str, name: str) -> tuple[pd.Series, list[str]]:
    """The series in FRED graph CSV ``text`` and the problems found (see :func:`read_fred_csv`)."""
    result = read_fred_csv(text, name)
    return result.values, result.problems


def read_fred_csv(text: str, name: str) -> FredParse:
    """The series in FRED graph CSV ``text`` and the problems found, as ``NAME:LINE: ...``.

    The header is ``DATE`` (downloads before December 2024) or ``observation_date`` and then
    the series id, which becomes the series' name. ``.`` and empty fields are missing and are
    dropped (never read as 0). A BOM and CRLF line ends are tolerated. Unsorted rows are sorted
    and of duplicate dates the last is kept, both reported. The result is a float series on a
    tz-naive, normalised, ascending ``DatetimeIndex``; empty when nothing could be read.
    Dates before 1900-01-01 or after today, lines over the CSV row limit and files over the
    line limit are problems too (csvtext); values may be zero or negative.
    """
    log = ProblemLog(name)
    lines = split_lines(text, log)
    if lines is None:
        return FredParse(_empty(None), log.result())
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        log.add(1, "empty file: expected a header `observation_date,SERIES` and dated rows")
        return FredParse(_empty(None), log.result())

    header_rows = read_rows(lines[start : start + 1], 0, ProblemLog(name))[0]
    header = [clean(cell) for cell in header_rows[0]] if header_rows else []
    if not header or norm_name(header[0]) not in DATE_HEADERS or len(header) < 2:
        log.add(
            start + 1,
            "expected a FRED header `observation_date,SERIES` (or `DATE,SERIES`), found "
            + snippet(lines[start], 60),
        )
        return FredParse(_empty(None), log.result())

    column = _value_column(header, name)
    series_id = header[column] or None
    width = len(header)
    fast = read_clean(lines, start + 1, [0], [column])
    if fast is not None:  # the common file, read in C; the same result as below
        table, parsed = fast
    else:
        table = read_columns(lines, start + 1, column + 1, log)
        for line_no, found in table.short:
            log.add(line_no, f"expected {width} fields, found {found}")
    line_nos = table.lines
    if not len(line_nos):
        if not table.short:
            log.add(start + 2, "no data rows: expected dated rows after the header")
        return FredParse(_empty(series_id), log.result())

    dates, bad_dates = read_dates(table.cells[0], line_nos, log)
    if fast is not None:
        values = parsed[column]
    else:
        values, bad = parse_numbers(table.cells[column])
        for pos in np.nonzero(bad & ~bad_dates)[0]:
            log.add(
                int(line_nos[pos]),
                f"expected a number or `.` for {series_id or 'the value'}, "
                f"found {snippet(table.cells[column][pos])}",
            )

    listed = pd.DatetimeIndex(dates[~bad_dates].unique()).sort_values()
    keep = ~bad_dates & ~np.isnan(values)
    frame = pd.DataFrame({"value": values[keep]}, index=dates[keep])
    frame, _ = order_rows(frame, line_nos[keep], log)
    series = frame["value"].rename(series_id)
    series.index = pd.DatetimeIndex(series.index, name=None)
    return FredParse(series, log.result(), listed)


def listed_dates(text: str) -> pd.DatetimeIndex:
    """Every date that has a row in FRED ``text``, with or without a value (for gap checks:
    FRED writes holidays as `.` rows, so a date without any row is a real gap)."""
    lines = strip_bom(text).splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    rows, _ = read_rows(lines, start + 1)
    dates = parse_dates(row[0] for row in rows if row)
    return pd.DatetimeIndex(dates.dropna().unique()).sort_values()


def _value_column(header: list[str], name: str) -> int:
    """The column holding the series: the one named like the file, else the first after the date."""
    wanted = norm_name(name.rsplit("/", 1)[-1].removesuffix(".csv"))
    for i, cell in enumerate(header[1:], 1):
        if norm_name(cell) == wanted:
            return i
    return 1


def _empty(series_id: str | None) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64", name=series_id)
