"""Reader for FRED graph CSV text, shared by data packs and the live FRED source."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_sources.csvtext import (
    ProblemLog,
    clean,
    norm_name,
    order_rows,
    parse_dates,
    parse_numbers,
    read_rows,
    snippet,
    strip_bom,
)

DATE_HEADERS = frozenset({"date", "observationdate"})


def parse_fred_csv(text: str, name: str) -> tuple[pd.Series, list[str]]:
    """The series in FRED graph CSV ``text`` and the problems found, as ``NAME:LINE: ...``.

    The header is ``DATE`` (downloads before December 2024) or ``observation_date`` and then
    the series id, which becomes the series' name. ``.`` and empty fields are missing and are
    dropped (never read as 0). A BOM and CRLF line ends are tolerated. Unsorted rows are sorted
    and of duplicate dates the last is kept, both reported. The result is a float series on a
    tz-naive, normalised, ascending ``DatetimeIndex``; empty when nothing could be read.
    """
    log = ProblemLog(name)
    lines = strip_bom(text).splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        log.add(1, "empty file: expected a header `observation_date,SERIES` and dated rows")
        return _empty(None), log.result()

    header = [clean(cell) for cell in next(iter(read_rows(lines[start : start + 1], 0)[0]))]
    if not header or norm_name(header[0]) not in DATE_HEADERS or len(header) < 2:
        log.add(
            start + 1,
            "expected a FRED header `observation_date,SERIES` (or `DATE,SERIES`), found "
            + snippet(lines[start], 60),
        )
        return _empty(None), log.result()

    column = _value_column(header, name)
    series_id = header[column] or None
    rows, numbers = read_rows(lines, start + 1)
    if not rows:
        log.add(start + 2, "no data rows: expected dated rows after the header")
        return _empty(series_id), log.result()

    width = len(header)
    good = [i for i, row in enumerate(rows) if len(row) >= column + 1]
    for i, row in enumerate(rows):
        if len(row) < column + 1:
            log.add(numbers[i], f"expected {width} fields, found {len(row)}")
    rows = [rows[i] for i in good]
    line_nos = np.asarray([numbers[i] for i in good], dtype=np.int64)

    dates = parse_dates(row[0] for row in rows)
    values, bad = parse_numbers([row[column] for row in rows])
    bad_dates = np.asarray(dates.isna())
    for pos in np.nonzero(bad_dates)[0]:
        log.add(int(line_nos[pos]), f"expected a date YYYY-MM-DD, found {snippet(rows[pos][0])}")
    for pos in np.nonzero(bad & ~bad_dates)[0]:
        log.add(
            int(line_nos[pos]),
            f"expected a number or `.` for {series_id or 'the value'}, "
            f"found {snippet(rows[pos][column])}",
        )

    keep = ~bad_dates & ~np.isnan(values)
    frame = pd.DataFrame({"value": values[keep]}, index=dates[keep])
    frame, _ = order_rows(frame, line_nos[keep], log)
    series = frame["value"].rename(series_id)
    series.index = pd.DatetimeIndex(series.index, name=None)
    return series, log.result()


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
