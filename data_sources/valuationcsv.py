"""Reader of a pack's ``valuation/<SYMBOL>.csv``: ``Date,PE[,ForwardPE]`` (SPEC 11)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from data_sources.csvtext import (
    MAX_PROBLEMS_PER_FILE,
    MISSING_MARKERS,
    ProblemLog,
    clean,
    norm_name,
    read_rows,
    snippet,
    split_lines,
)

_NAMES = {"date": "date", "pe": "pe", "trailingpe": "pe", "forwardpe": "forward_pe"}
EXPECTED = "expected a header Date,PE[,ForwardPE]"


def parse_valuation_csv(text: str, rel: str) -> tuple[pd.DataFrame | None, list[str]]:
    """The file as a frame (``pe``, ``forward_pe`` by date; NaN where empty) and its
    problems as ``FILE:LINE: what was expected``. A bad row is skipped, the rest loads."""
    # The shared reader: a line over the CSV field limit, or more lines than a pack file may
    # have, is a problem (FILE:LINE), never an exception that stops the whole pack.
    log = ProblemLog(rel)
    lines = split_lines(text, log)
    if lines is None:
        return None, log.result()
    rows, numbers = read_rows(lines, 0, log)
    problems: list[str] = log.result()
    if not rows:
        return None, problems or [f"{rel}:1: the file is empty; {EXPECTED}"]
    header = [_NAMES.get(norm_name(clean(h)), "") for h in rows[0]]
    if "date" not in header or "pe" not in header:
        return None, [f"{rel}:1: {EXPECTED}, got {snippet(','.join(rows[0]))}"]
    at = {name: header.index(name) for name in ("date", "pe", "forward_pe") if name in header}
    days: list[date] = []
    pes: list[float] = []
    fwds: list[float] = []
    today = date.today()
    for n, row in zip(numbers[1:], rows[1:], strict=True):
        if not row or all(not clean(c) for c in row):
            continue
        if len(problems) >= MAX_PROBLEMS_PER_FILE:
            problems.append(f"{rel}: more problems after line {n} not shown")
            break
        raw = clean(row[at["date"]]) if at["date"] < len(row) else ""
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            problems.append(f"{rel}:{n}: expected a date YYYY-MM-DD, got {snippet(raw)}")
            continue
        if day.year < 1900 or day > today:
            problems.append(f"{rel}:{n}: date {day.isoformat()} is before 1900 or in the future")
            continue
        values: list[float] = []
        bad = False
        for name in ("pe", "forward_pe"):
            i = at.get(name)
            cell = clean(row[i]) if i is not None and i < len(row) else ""
            if cell.lower() in MISSING_MARKERS:
                values.append(math.nan)
                continue
            try:
                value = float(cell.replace(",", ""))
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value <= 0:
                problems.append(f"{rel}:{n}: expected a positive P/E, got {snippet(cell)}")
                bad = True
                break
            values.append(value)
        if bad:
            continue
        days.append(day)
        pes.append(values[0])
        fwds.append(values[1])
    if not days:
        return None, problems or [f"{rel}:2: no rows; {EXPECTED}"]
    frame = pd.DataFrame(
        {"pe": pes, "forward_pe": fwds}, index=pd.DatetimeIndex(pd.to_datetime(days))
    )
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        frame = frame.sort_index(kind="stable")
        frame = frame[~frame.index.duplicated(keep="last")]
    return frame, problems
