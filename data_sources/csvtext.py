"""Shared helpers of the CSV readers: text cleanup, fast date and number parsing, row order."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_PROBLEMS_PER_FILE = 20
"""Beyond this many, one file's problems are summarised in one line (a broken file must not
flood the status bar or `pack check`)."""

MISSING_MARKERS = frozenset({"", ".", "null", "nan", "na", "n/a", "none", "-"})
"""Written by Yahoo (`null`), FRED (`.` or empty) and spreadsheets for "no value"."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ISO_PREFIX = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_US_DATE = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}")


def strip_bom(text: str) -> str:
    """``text`` without a leading UTF-8 byte-order mark."""
    return text[1:] if text.startswith("\ufeff") else text


def clean(value: str) -> str:
    """``value`` with terminal control characters removed and surrounding space (also the
    no-break space iShares uses for blank lines) stripped."""
    return _CONTROL.sub("", value).strip().strip("\u00a0").strip()


def snippet(value: str, limit: int = 40) -> str:
    """A short, printable quotation of untrusted text for a problem message."""
    text = clean(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def looks_like_date(value: str) -> bool:
    """True when ``value`` starts like a date this reader understands."""
    return bool(_ISO_PREFIX.match(value) or _US_DATE.match(value))


def norm_name(value: str) -> str:
    """A column name reduced to lowercase letters and digits (``Adj Close`` -> ``adjclose``)."""
    return re.sub(r"[^a-z0-9]", "", clean(value).lower())


@dataclass
class ProblemLog:
    """Problems of one file as ``NAME:LINE: what was expected`` lines, capped per file."""

    name: str
    items: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, line: int, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS_PER_FILE:
            self.items.append(f"{self.name}:{line}: {message}")
        else:
            self.dropped += 1

    def result(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"{self.name}: … and {self.dropped} more problem(s) like these"]
        return list(self.items)


def read_rows(lines: Sequence[str], start: int) -> tuple[list[list[str]], list[int]]:
    """CSV records of ``lines[start:]`` with their 1-based line numbers; blank lines skipped.

    Price and FRED files never quote newlines, so one physical line is one record.
    """
    numbers = [i + 1 for i, line in enumerate(lines[start:], start) if line.strip()]
    rows = list(csv.reader([lines[n - 1] for n in numbers]))
    return rows, numbers


def parse_dates(raw: Iterable[str]) -> pd.DatetimeIndex:
    """Tz-naive normalised dates; ``NaT`` where a value is not a date.

    Only the date part counts: ``2016-04-28 00:00:00`` and yfinance's
    ``2022-01-03 00:00:00-05:00`` (local midnight) both mean that exchange day.
    ``MM/DD/YYYY`` (a spreadsheet re-save) is accepted too.
    """
    items = [value.strip() for value in raw]
    heads = [value[:10] for value in items]
    if all(len(h) == 10 and h[4] == "-" and h[7] == "-" for h in heads):
        try:  # fast path: numpy parses ISO dates in C and raises on the first bad one
            days = np.array(heads, dtype="datetime64[D]")
            return pd.DatetimeIndex(days.astype("datetime64[ns]"))
        except ValueError:
            pass
    values = pd.Series(items, dtype=object).astype(str)
    iso = pd.to_datetime(values.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if iso.isna().any():
        first_part = values.str.split(" ", n=1).str[0]
        us = pd.to_datetime(first_part, format="%m/%d/%Y", errors="coerce")
        iso = iso.fillna(us)
    return pd.DatetimeIndex(iso)


def parse_numbers(raw: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Floats of ``raw`` (NaN where missing) and a mask of values that were not numbers."""
    try:  # fast path: a clean numeric column converts in C
        out = np.array(raw, dtype=np.float64)
        if np.isfinite(out).all():
            return out, np.zeros(len(out), dtype=bool)
    except ValueError:
        pass
    try:  # second fast path: only missing markers (Yahoo's `null` rows) stood in the way
        marked = ["nan" if v.strip().lower() in MISSING_MARKERS else v for v in raw]
        out = np.array(marked, dtype=np.float64)
        if not np.isinf(out).any():
            return out, np.zeros(len(out), dtype=bool)
    except ValueError:
        pass
    out = np.full(len(raw), np.nan)
    bad = np.zeros(len(raw), dtype=bool)
    for i, value in enumerate(raw):
        text = value.strip().lower()
        if text in MISSING_MARKERS:
            continue
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            bad[i] = True
            continue
        if np.isfinite(number):
            out[i] = number
        else:
            bad[i] = True
    return out, bad


def order_rows(
    frame: pd.DataFrame, lines: np.ndarray, log: ProblemLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` (indexed by date) sorted ascending with duplicate dates reduced to the last
    row in the file; both repairs are reported at the line where they happen."""
    index = frame.index
    if not index.is_monotonic_increasing:
        stamps = index.asi8
        running = np.maximum.accumulate(stamps)
        late = np.nonzero(stamps[1:] < running[:-1])[0] + 1
        first = int(late[0])
        log.add(
            int(lines[first]),
            f"date {index[first].date()} comes after {pd.Timestamp(running[first - 1]).date()}: "
            f"expected ascending dates; {len(late)} row(s) out of order, rows sorted",
        )
        order = np.argsort(stamps, kind="stable")
        frame = frame.iloc[order]
        lines = lines[order]
        index = frame.index
    if index.has_duplicates:
        dropped = index.duplicated(keep="last")
        kept_line = pd.Series(lines, index=index).groupby(level=0).last()
        for pos in np.nonzero(dropped)[0]:
            day = index[pos]
            log.add(
                int(lines[pos]),
                f"duplicate date {day.date()} (again on line {int(kept_line[day])}): "
                "expected one row per date; kept the last",
            )
        frame = frame[~dropped]
        lines = lines[~dropped]
    return frame, lines
