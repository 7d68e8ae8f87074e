"""Shared helpers of the CSV readers: text cleanup, fast date and number parsing, row order."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.text import inert

MAX_PROBLEMS_PER_FILE = 20
"""Beyond this many, one file's problems are summarised in one line (a broken file must not
flood the status bar or `pack check`)."""

MAX_FIELD_CHARS = 131_072
"""The longest line (and so field) a CSV reader accepts: the csv module's own default field
limit, checked here first so that no process-wide setting changes what a pack means."""

MAX_LINES = 250_000
"""The most lines one file may have: a thousand years of daily rows. A longer file is refused
whole (reading only its first rows would silently cut off its newest data)."""

EARLIEST = date(1900, 1, 1)
"""Dates before this are not market data (a typo, a spreadsheet's day zero)."""

MISSING_MARKERS = frozenset({"", ".", "null", "nan", "na", "n/a", "none", "-"})
"""Written by Yahoo (`null`), FRED (`.` or empty) and spreadsheets for "no value"."""

_ISO_PREFIX = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_US_DATE = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}")


def strip_bom(text: str) -> str:
    """``text`` without a leading UTF-8 byte-order mark."""
    return text[1:] if text.startswith("\ufeff") else text


def clean(value: str) -> str:
    """``value`` made inert (no escape sequence, control or bidi character) with surrounding
    space (also the no-break space iShares uses for blank lines) stripped, and without the
    ``'`` that ``csv_text`` puts before a formula (so a pack's holdings read back as written)."""
    text = inert(value).strip().strip("\u00a0").strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


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


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character ``str.splitlines`` breaks at."""


def split_lines(text: str, log: ProblemLog) -> list[str] | None:
    """``text`` without a BOM, split into lines; None (and reported) when it has more than
    :data:`MAX_LINES`. Counted before splitting: 32 MB of line breaks must not become 16
    million strings first."""
    text = strip_bom(text)
    # A CRLF pair is one line: more than twice the limit of breaks is too many in any case.
    breaks = sum(text.count(c) for c in _LINE_BREAKS) if len(text) > MAX_LINES else 0
    lines = None if breaks > 2 * MAX_LINES else text.splitlines()
    if lines is None or len(lines) > MAX_LINES:
        log.add(
            MAX_LINES + 1,
            f"more than {MAX_LINES:,} lines, the limit of one pack file; the file is skipped",
        )
        return None
    return lines


def _record_lines(lines: Sequence[str], start: int, log: ProblemLog | None) -> list[int]:
    """1-based numbers of the non-blank lines of ``lines[start:]``; a line longer than
    :data:`MAX_FIELD_CHARS` is reported to ``log`` and left out."""
    body = lines[start:]
    if body and max(map(len, body)) <= MAX_FIELD_CHARS:  # the common file: one pass in C
        return [i for i, line in enumerate(body, start + 1) if line and not line.isspace()]
    numbers: list[int] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line or line.isspace():
            continue
        if len(line) > MAX_FIELD_CHARS:
            if log is not None:
                log.add(
                    i + 1,
                    f"a line of {len(line):,} characters, over the {MAX_FIELD_CHARS:,}-character "
                    "limit of a CSV row; row skipped",
                )
            continue
        numbers.append(i + 1)
    return numbers


def _split_rows(
    lines: Sequence[str], numbers: list[int], log: ProblemLog | None
) -> tuple[list[list[str]], list[int]]:
    try:
        return [_fields(lines[n - 1]) for n in numbers], numbers
    except csv.Error:
        rows, kept = [], []
        for n in numbers:
            try:
                rows.append(_fields(lines[n - 1]))
            except csv.Error as exc:
                if log is not None:
                    log.add(n, f"unreadable CSV row ({exc}); row skipped")
                continue
            kept.append(n)
        return rows, kept


def read_rows(
    lines: Sequence[str], start: int, log: ProblemLog | None = None
) -> tuple[list[list[str]], list[int]]:
    """CSV records of ``lines[start:]`` with their 1-based line numbers; blank lines skipped.

    Price and FRED files never quote newlines, so one physical line is one record. A line
    longer than :data:`MAX_FIELD_CHARS` or that the csv module refuses is skipped and reported
    to ``log``: one bad row never stops the file.
    """
    return _split_rows(lines, _record_lines(lines, start, log), log)


@dataclass(frozen=True, slots=True)
class Columns:
    """The first ``len(cells)`` fields of a file's records, column by column: ``cells[c][r]``
    is field ``c`` of record ``r``, which is on line ``lines[r]``. ``short`` lists (line, fields
    found) of the records that had fewer fields and were left out."""

    cells: list[list[str]]
    lines: np.ndarray
    short: list[tuple[int, int]]


def read_columns(
    lines: Sequence[str], start: int, needed: int, log: ProblemLog | None = None
) -> Columns:
    """Columns ``0 .. needed-1`` of the records of ``lines[start:]`` (as :func:`read_rows`).

    The common file (no quotes, the same number of fields on every line) is split in one go,
    without a list per row: a large pack reads several times faster and builds no per-row
    objects; any other file goes line by line with the same result.
    """
    numbers = _record_lines(lines, start, log)
    texts = [lines[n - 1] for n in numbers]
    if texts and not any('"' in text for text in texts):
        counts = [text.count(",") for text in texts]
        width = counts[0] + 1
        if width >= needed and min(counts) == max(counts):
            flat = ",".join(texts).split(",")
            cells = [flat[c::width] for c in range(needed)]
            return Columns(cells, np.asarray(numbers, dtype=np.int64), [])
    rows, numbers = _split_rows(lines, numbers, log)
    good = [i for i, row in enumerate(rows) if len(row) >= needed]
    short = [(numbers[i], len(row)) for i, row in enumerate(rows) if len(row) < needed]
    cells = [[rows[i][c] for i in good] for c in range(needed)]
    return Columns(cells, np.asarray([numbers[i] for i in good], dtype=np.int64), short)


FAST_PATH = True
"""Whether :func:`read_clean` may answer (the tests turn it off to compare both paths)."""

_NA_CELLS = sorted(
    {variant for marker in MISSING_MARKERS for variant in (marker, marker.upper(), marker.title())}
)
"""The missing markers in the spellings files use; another spelling takes the general path."""


def read_clean(
    lines: Sequence[str], start: int, text_cols: Sequence[int], number_cols: Sequence[int]
) -> tuple[Columns, dict[int, np.ndarray]] | None:
    """The fast path of :func:`read_columns` plus :func:`parse_numbers` for a clean file: no
    quotes, no blank or over-long lines, the same number of fields on every line, and every
    cell of ``number_cols`` a number or a missing marker. pandas' C reader then does the
    splitting and the float parsing (the same doubles as ``float()``), so a large pack reads
    several times faster. None for any other file: the caller reads it the general way, which
    gives the same result and reports what is wrong where.
    """
    body = lines[start:]
    if not FAST_PATH or not body or max(map(len, body)) > MAX_FIELD_CHARS:
        return None
    joined = "\n".join(body)
    if '"' in joined:
        return None
    raw = joined.encode("utf-8")
    buf = np.frombuffer(raw, dtype=np.uint8)
    bounds = np.concatenate(([0], np.flatnonzero(buf == 10), [len(buf)]))
    per_line = np.diff(np.searchsorted(np.flatnonzero(buf == 44), bounds))
    if per_line.min() != per_line.max():  # a line not as wide as the others, or blank
        return None
    width = int(per_line[0]) + 1  # >= 2 below: a blank line (no comma) never passes
    wanted = sorted({*text_cols, *number_cols})
    if len(wanted) < 2 or wanted[-1] >= width:
        return None
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            header=None,
            usecols=wanted,
            dtype={c: (np.float64 if c in number_cols else object) for c in wanted},
            na_values={c: _NA_CELLS for c in number_cols},
            keep_default_na=False,
            engine="c",
        )
    except (ValueError, pd.errors.ParserError):
        return None
    numbers: dict[int, np.ndarray] = {}
    for c in number_cols:
        values = frame[c].to_numpy(dtype=np.float64)
        if np.isinf(values).any():  # a problem to report: the general path names the line
            return None
        numbers[c] = values
    cells: list[list[str]] = [[] for _ in range(wanted[-1] + 1)]
    for c in text_cols:
        cells[c] = frame[c].astype(str).tolist()
    line_nos = np.arange(start + 1, start + 1 + len(body), dtype=np.int64)
    return Columns(cells, line_nos, []), numbers


def _fields(line: str) -> list[str]:
    """One line's CSV fields (without quotes the csv module would only split on commas)."""
    if '"' not in line:
        return line.split(",")
    return next(csv.reader((line,)))


def latest_day() -> date:
    """The last date that is not in the future: today somewhere on Earth (UTC+14), so a pack
    written east of New York is never called "from the future" by a clock west of it."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NAT_DAY = np.datetime64("NaT", "D")


def _day(value: str) -> np.datetime64:
    """One date as numpy days (any year 1-9999, so 9999-12-31 stays 9999); NaT if none."""
    head = value.split(maxsplit=1)[0] if value.strip() else ""
    head = head.split("T", 1)[0]
    match = _ISO_DAY.match(head)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = _US_DAY.match(head)
        if not match:
            return _NAT_DAY
        m, d, y = (int(g) for g in match.groups())
    try:
        return np.datetime64(date(y, m, d), "D")
    except ValueError:
        return _NAT_DAY


def parse_days(raw: Iterable[str]) -> np.ndarray:
    """Dates as ``datetime64[D]`` (NaT where a value is not a date), in numpy's day unit,
    which holds any year: range checks happen before anything converts to nanoseconds
    (where 9999-12-31 would wrap around to 1816).

    Only the date part counts: ``2016-04-28 00:00:00`` and yfinance's
    ``2022-01-03 00:00:00-05:00`` (local midnight) both mean that exchange day.
    ``MM/DD/YYYY`` (a spreadsheet re-save) is accepted too.
    """
    cells = raw if isinstance(raw, list) else list(raw)
    if cells and min(map(len, cells)) == max(map(len, cells)) == 10:
        try:  # fastest path: bare ISO dates, parsed by numpy in C (a bad one raises)
            return np.array(cells, dtype="datetime64[D]")
        except ValueError:
            pass
    items = [value.strip() for value in cells]
    heads = [value[:10] for value in items]
    iso = all(len(h) == 10 and h[4] == "-" and h[7] == "-" and h[:4].isdigit() for h in heads)
    if iso and all(len(v) == 10 or v[10] in " T" for v in items):
        try:  # fast path: numpy parses ISO dates in C and raises on the first bad one
            return np.array(heads, dtype="datetime64[D]")
        except ValueError:
            pass
    return np.array([_day(v) for v in items], dtype="datetime64[D]")


def parse_dates(raw: Iterable[str]) -> pd.DatetimeIndex:
    """Tz-naive normalised dates; ``NaT`` where a value is not a date or lies outside
    :data:`EARLIEST` .. :func:`latest_day` (see :func:`parse_days`)."""
    days = parse_days(raw)
    days[~in_range(days)] = _NAT_DAY
    return pd.DatetimeIndex(days.astype("datetime64[ns]"))


def in_range(days: np.ndarray) -> np.ndarray:
    """Mask of ``days`` (``datetime64[D]``) from :data:`EARLIEST` to :func:`latest_day`."""
    lo, hi = np.datetime64(EARLIEST, "D"), np.datetime64(latest_day(), "D")
    return ~np.isnat(days) & (days >= lo) & (days <= hi)


def read_dates(
    cells: Sequence[str], lines: np.ndarray, log: ProblemLog
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Dates of ``cells`` (one per row, ``lines`` their line numbers) and the mask of rows
    without a usable one, each reported: not a date, before 1900-01-01, or after today."""
    days = parse_days(cells)
    good = in_range(days)
    if not good.all():
        lo, hi = np.datetime64(EARLIEST, "D"), np.datetime64(latest_day(), "D")
        for pos in np.nonzero(~good)[0]:
            day = days[pos]
            if np.isnat(day):
                message = f"expected a date YYYY-MM-DD, found {snippet(cells[int(pos)])}"
            elif day < lo:
                message = f"date {day} is before {EARLIEST}: expected market data; row skipped"
            else:
                message = f"date {day} is after today ({hi}): expected no future rows; row skipped"
            log.add(int(lines[pos]), message)
        days = days.copy()
        days[~good] = _NAT_DAY
    return pd.DatetimeIndex(days.astype("datetime64[ns]")), ~good


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
