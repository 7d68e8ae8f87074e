"""``rotmon pack check``: per file what it holds and what is wrong with it, what the pack lacks,
and what ends before the as-of day (also the diagnostics screen's pack report).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.catalog import (
    INDICES,
    MACRO,
)
from analytics.text import inert
from data_sources.model import MacroSeries
from data_sources.packconf import _line_of
from data_sources.packread import FileReport, Pack, PackFile, _cached, load_pack

# --- checking -------------------------------------------------------------------------------


def check_pack(path: Path | str) -> list[FileReport]:
    """``rotmon pack check``: the loader's own reading of the pack (``load_pack``, so every
    problem the app reports is here), per file rows, first and last date and gaps; then the
    files the dashboard needs that the pack lacks, and the files that end before the pack's
    as-of day."""
    return pack_reports(load_pack(path))


def pack_reports(pack: Pack, asof: date | None = None) -> list[FileReport]:
    """What ``check_pack`` says of an already loaded pack, at ``asof`` (default: the pack's
    own as-of day): the app's diagnostics screen shows the same report for the pack it runs."""
    asof = asof if asof is not None else default_asof(pack)
    extra: dict[str, list[str]] = {}
    if asof is not None:
        for rel, problem in ended_before(pack, asof):
            extra.setdefault(rel, []).append(problem)
    reports: list[FileReport] = []
    unopenable = _unopenable(pack)
    if unopenable is not None:
        rel, problem = unopenable
        if not any(f.rel == rel for f in pack.files):
            reports.append(FileReport(rel, 0, None, None, unit="", problems=(problem,)))
        else:
            extra.setdefault(rel, []).append(problem)
    for file in pack.files:
        report = _report(file, pack)
        if file.rel in extra:
            report = replace(report, problems=(*report.problems, *extra[file.rel]))
        reports.append(report)
    at = {r.file: i for i, r in enumerate(reports)}
    for rel, why in missing_files(pack):
        if rel in at:  # the file is there but gave nothing usable
            i = at[rel]
            reports[i] = replace(reports[i], problems=(*reports[i].problems, why))
        else:
            reports.append(FileReport(rel, 0, None, None, unit="", problems=(why,), missing=True))
    return reports


def _report(file: PackFile, pack: Pack) -> FileReport:
    undated = ("config", "holdings", "valuation")  # no calendar of expected rows to check
    if file.first is None or file.last is None or file.kind in undated:
        unit = "" if file.kind in undated else "days"
        return FileReport(
            file.rel, file.rows, file.first, file.last, unit=unit, problems=file.problems
        )
    first, last = pd.Timestamp(file.first), pd.Timestamp(file.last)
    listed = file.listed[(file.listed >= first) & (file.listed <= last)]
    from data_sources import market_calendar  # exchange_calendars is slow to import

    series = pack.macro.get(file.name or "") if file.kind == "macro" else None
    frequency = series.frequency if series is not None else "daily"
    if file.kind == "prices":
        gaps, largest = _gaps(market_calendar.sessions(file.first, file.last), listed)
        unit = "days"
    elif frequency == "daily":
        from pandas.tseries.holiday import USFederalHolidayCalendar

        expected = market_calendar.sessions(file.first, file.last)
        holidays = USFederalHolidayCalendar().holidays(first, last)
        gaps, largest = _gaps(expected.difference(holidays), listed)
        unit = "days"
    else:
        gaps, largest = _spacing_gaps(listed)
        unit = "weeks" if frequency == "weekly" else "periods"
    return FileReport(
        file.rel, file.rows, file.first, file.last, gaps, largest, unit, file.problems
    )


def _unopenable(pack: Pack) -> tuple[str, str] | None:
    """(file, problem) when the app cannot open the pack at all (PackSource refuses it)."""
    sessions = pack.sessions
    if len(sessions) == 0:
        return "prices/", (
            "prices/: no readable daily rows: expected prices/<SYMBOL>.csv files with dates "
            "and closes; the app cannot open this pack"
        )
    wanted = pack.config.asof
    first, last = sessions[0].date(), sessions[-1].date()
    if wanted is not None and not first <= wanted <= last:
        return "pack.toml", (
            f"pack.toml:{_line_of_asof(pack)}: asof {wanted} is outside the data pack: "
            f"expected a day from {first} to {last}"
        )
    return None


def _line_of_asof(pack: Pack) -> int:
    # read as the loader reads (never blocking on a FIFO swapped in since)
    text = _cached(pack.path / "pack.toml", "text", str, "pack.toml")
    return 1 if isinstance(text, list) else _line_of(text, "asof")


def default_asof(pack: Pack) -> date | None:
    """The as-of day a pack opens at: its ``pack.toml`` ``asof`` (the session on or before
    it), else its last session; None without sessions or when ``asof`` lies outside them."""
    sessions = pack.sessions
    if len(sessions) == 0:
        return None
    wanted = pack.config.asof
    if wanted is None:
        return sessions[-1].date()
    if not sessions[0].date() <= wanted <= sessions[-1].date():
        return None
    pos = int(np.searchsorted(sessions.asi8, pd.Timestamp(wanted).value, "right")) - 1
    return sessions[pos].date()


def ended_before(pack: Pack, asof: date) -> list[tuple[str, str]]:
    """(file, problem) for every file whose data ends before ``asof``, the as-of day.

    A price file ends before it when its last row is older than the as-of day. A FRED series
    when its next observation would already be released by then (rotmon's release lags: daily
    series the next day, allowing one holiday; weekly claims 5 days after the week's date;
    monthly series on the 7th of the next month), so a monthly series whose latest value is
    last month's is not called short.
    """
    out: list[tuple[str, str]] = []
    day = pd.Timestamp(asof)
    for file in pack.files:
        if file.last is None or file.last >= asof or file.kind not in ("prices", "macro"):
            continue
        if file.kind == "macro":
            series = pack.macro.get(file.name or "")
            if series is None or not _next_released_by(series, day):
                continue
        out.append((file.rel, f"{file.rel}: data ends {file.last}, before the as-of day {asof}"))
    return out


def _next_released_by(series: MacroSeries, day: pd.Timestamp) -> bool:
    last = series.values.index[-1]
    if series.frequency == "daily":
        # released the next day; one missing weekday may be a holiday
        return int(np.busday_count(last.date(), day.date())) > 2
    return bool(_next_release(series.id, series.frequency, last) <= day)


@functools.lru_cache(maxsize=256)
def _next_release(series_id: str, frequency: str, last: pd.Timestamp) -> pd.Timestamp:
    """When the observation after ``last`` is released (the same for every as-of day: an as-of
    step asks again for each series that ended before it)."""
    from analytics.risk import release_dates

    if frequency == "weekly":
        following = last + pd.Timedelta(days=7)
    else:
        following = last + pd.DateOffset(months=1)
    return release_dates(series_id, pd.DatetimeIndex([following]))[0]


def missing_files(pack: Pack) -> list[tuple[str, str]]:
    """(file, problem) for each symbol or series the dashboard shows that the pack lacks:
    the same list as the snapshot's "no data for …" (analytics.snapshot.missing_inputs).
    A file that is there but gave no usable row is named as such, not as missing."""
    config = pack.config
    pairs: dict[str, list[str]] = {}
    sectors: dict[str, list[str]] = {}
    for pair in config.pairs:
        for symbol in (pair.small, pair.large):
            pairs.setdefault(symbol, []).append(f"{pair.small}/{pair.large}")
    for sector in config.sectors:
        for held in (sector.large, sector.small):
            if held:
                sectors.setdefault(held, []).append(sector.sector)
    wanted = [*pairs, *sectors, *INDICES]
    present = {f.rel for f in pack.files}
    out: list[tuple[str, str]] = []
    for symbol in dict.fromkeys(wanted):
        if symbol in pack.prices:
            continue
        users: list[str] = []
        if symbol in pairs:
            named = list(dict.fromkeys(pairs[symbol]))
            users.append(("the pair " if len(named) == 1 else "the pairs ") + ", ".join(named))
        if symbol in sectors:
            named = list(dict.fromkeys(sectors[symbol]))
            users.append("the " + ", ".join(named) + (" sector" if len(named) == 1 else " sectors"))
        if symbol in INDICES:
            users.append(f"the header's {symbol} level")
        rel = f"prices/{symbol}.csv"
        verb = "shows" if len(users) == 1 else "show"
        state = "no usable rows" if rel in present else "missing"
        out.append((rel, f"{rel}: {state}, so {' and '.join(users)} {verb} n/a"))
    for ind in MACRO:
        if ind.market in pack.prices or (ind.series and ind.series in pack.macro):
            continue
        names = [f"macro/{ind.series}.csv"] if ind.series else []
        names += [f"prices/{ind.market}.csv"] if ind.market else []
        state = "no usable rows" if any(n in present for n in names) else "missing"
        out.append((names[0], f"{' or '.join(names)}: {state}, so {ind.label} shows n/a"))
    return out


def _gaps(expected: pd.DatetimeIndex, listed: pd.DatetimeIndex) -> tuple[int, int]:
    """Expected days without a row, and the longest run of consecutive ones."""
    present = np.isin(expected.asi8, listed.asi8)
    missing = np.nonzero(~present)[0]
    if len(missing) == 0:
        return 0, 0
    breaks = np.nonzero(np.diff(missing) != 1)[0]
    runs = np.diff(np.concatenate(([-1], breaks, [len(missing) - 1])))
    return len(missing), int(runs.max())


def _spacing_gaps(listed: pd.DatetimeIndex) -> tuple[int, int]:
    """Missing periods of a weekly/monthly/quarterly file, from its typical spacing."""
    if len(listed) < 3:
        return 0, 0
    steps = np.diff(listed.asi8) / 86_400e9
    typical = float(np.median(steps))
    missed = np.where(steps > 1.5 * typical, np.rint(steps / typical) - 1, 0).astype(int)
    return int(missed.sum()), int(missed.max())


def format_pack_check(reports: Sequence[FileReport]) -> str:
    """Plain text for ``rotmon pack check``: one row per file, then every problem."""
    names = [inert(r.file) for r in reports]
    width = max([len("FILE"), *(len(n) for n in names)])
    head = f"{'FILE':<{width}}  {'ROWS':>6}  {'FIRST':<10}  {'LAST':<10}  GAPS"
    lines = [head]
    for r, name in zip(reports, names, strict=True):
        gaps = f"{r.gaps} {r.unit} (largest {r.largest_gap})" if r.gaps else "0"
        if r.first is None or not r.unit:
            gaps = "-"
        if r.missing:
            gaps = "missing"
        first = r.first.isoformat() if r.first else "-"
        last = r.last.isoformat() if r.last else "-"
        flag = f"  {len(r.problems)} problem(s)" if r.problems and not r.missing else ""
        lines.append(f"{name:<{width}}  {r.rows:>6}  {first:<10}  {last:<10}  {gaps}{flag}")
    problems = [p for r in reports for p in r.problems]
    if problems:
        lines += ["", "Problems:", *(f"  {inert(p)}" for p in problems)]
    present = [r for r in reports if not r.missing]
    total = sum(r.rows for r in present)
    noun = "problem" if len(problems) == 1 else "problems"
    summary = f"{len(present)} files, {total} rows, {len(problems)} {noun}"
    missing = len(reports) - len(present)
    if missing:
        summary += f" ({missing} missing)"
    lines += ["", summary]
    return "\n".join(lines)
