"""Reading a data pack: its types (``Pack``, ``PackFile``, ``FileReport`` …) and ``load_pack``,
which reads every CSV once (cached by path, size and mtime), refusing what is no regular file
inside the pack. The layout is described in ``data_sources.pack``.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from functools import partial
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISLNK, S_ISREG, S_ISSOCK
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from analytics.catalog import (
    MONTHLY_SERIES,
    WEEKLY_SERIES,
)
from data_sources.base import SourceError
from data_sources.fredcsv import read_fred_csv
from data_sources.ishares import HoldingsParse, parse_holdings
from data_sources.model import Bars, Constituent, MacroSeries
from data_sources.packconf import PackConfig, read_pack_config
from data_sources.packroot import root_problem
from data_sources.pricecsv import parse_price_csv
from data_sources.valuationcsv import parse_valuation_csv

CLOSE = time(16, 0)
"""A pack's as-of moment is the close of its as-of day, New York time."""

Frequency = Literal["daily", "weekly", "monthly"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True, eq=False)
class PackFile:
    """One path of the pack the loader read or refused, and what it found there.

    ``name`` is the symbol or series the file holds (None for pack.toml, a folder or a path
    that could not be read); ``listed`` every date with a row, with or without a value (gap
    checks); ``problems`` the file's own, as ``FILE:LINE: what was expected``.
    """

    rel: str
    kind: Literal["config", "prices", "macro", "holdings", "valuation"]
    name: str | None = None
    rows: int = 0
    first: date | None = None
    last: date | None = None
    listed: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """How far ``load_pack`` is: ``done`` of ``total`` files read, ``rows`` so far, and the
    file being read next (None when finished)."""

    done: int
    total: int
    rows: int
    current: str | None

    def text(self) -> str:
        if self.current is None:
            return f"read {self.total} files, {self.rows:,} rows"
        return f"reading {self.done + 1}/{self.total} files, {self.rows:,} rows ({self.current})"


Progress = Callable[[LoadProgress], None]


@dataclass(frozen=True, slots=True, eq=False)
class Pack:
    """Everything a pack directory holds, parsed once."""

    path: Path
    prices: dict[str, Bars]
    macro: dict[str, MacroSeries]
    constituents: tuple[Constituent, ...] = ()
    problems: tuple[str, ...] = ()
    config: PackConfig = field(default_factory=PackConfig)
    holdings_asof: date | None = None
    sessions: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    """Trading days: the weekdays on which most price files that span the day have a row."""
    files: tuple[PackFile, ...] = ()
    """Every path read or refused, in reading order: ``pack check`` reports these."""
    valuations: dict[str, pd.DataFrame] = field(default_factory=dict)
    """``valuation/<SYMBOL>.csv``: ``pe`` and ``forward_pe`` by date (SPEC 11)."""


@dataclass(frozen=True, slots=True)
class FileReport:
    """One line of ``rotmon pack check``.

    ``gaps`` counts expected days (weeks, months) without any row in the file — NYSE sessions
    for prices, NYSE sessions that are also US federal workdays for daily FRED series — and
    ``largest_gap`` is the longest run of them, both in ``unit``. ``missing``: a file the
    dashboard needs that the pack does not have (its one problem says what needs it).
    """

    file: str
    rows: int
    first: date | None
    last: date | None
    gaps: int = 0
    largest_gap: int = 0
    unit: str = "days"
    problems: tuple[str, ...] = ()
    missing: bool = False


# --- reading -------------------------------------------------------------------------------

MAX_FILE_BYTES = 32 * 1024 * 1024
"""The largest file a pack may hold (a century of daily rows is under 3 MB); a larger one is
refused unread."""

_CACHE: OrderedDict[tuple[str, str, int, int, int], Any] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()  # packs may be opened from worker threads
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
"""O_NONBLOCK: a FIFO swapped in after the listing checked the path must not block the open."""


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _cached(path: Path, kind: str, parse: Callable[[str], T], rel: str) -> T | list[str]:
    """``parse(text)`` of the file, remembered by path, size and modification time, so that
    opening the same pack again (a new as-of, a backtest) does not re-read unchanged files.

    Only a regular file is read, and only up to :data:`MAX_FILE_BYTES`; anything else is a
    problem, returned as a list of one.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return [f"{rel}:1: cannot read the file: {_reason(exc)}"]
    try:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            return [f"{rel}:1: {_file_kind(stat.st_mode)}, not a regular file; not read"]
        if stat.st_size > MAX_FILE_BYTES:
            return [
                f"{rel}:1: {stat.st_size / 2**20:,.0f} MB, over the "
                f"{MAX_FILE_BYTES // 2**20} MB limit of one pack file; not read"
            ]
        key = (str(path.resolve()), kind, stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]  # type: ignore[no-any-return]
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:  # grew while being read
            return [f"{rel}:1: over the {MAX_FILE_BYTES // 2**20} MB limit of one pack file"]
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [f"{rel}:1: expected UTF-8 text (a CSV), found binary or another encoding"]
    except OSError as exc:
        return [f"{rel}:1: cannot read the file: {_reason(exc)}"]
    finally:
        os.close(fd)
    del data
    result = parse(text)
    with _CACHE_LOCK:
        _CACHE[key] = result
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def _file_kind(mode: int) -> str:
    if S_ISDIR(mode):
        return "a folder"
    if S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if S_ISSOCK(mode):
        return "a socket"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    return "a special file"


def _refusal(path: Path, real_root: Path) -> str | None:
    """Why ``path`` must not be opened, or None: a symlink loop, a dangling symlink, a symlink
    leading outside the pack, a path that cannot be looked at, or not a regular file. Only
    stat calls: nothing is opened here (opening a FIFO blocks)."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot read: {_reason(exc)}"
    if S_ISLNK(mode):
        try:
            target = path.resolve(strict=True)
        except RuntimeError:  # Python 3.11's resolve() on a loop
            return "a symlink loop; not followed"
        except FileNotFoundError:
            return "a dangling symlink (its target does not exist); not followed"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symlink loop; not followed"
            return f"a symlink that cannot be followed: {_reason(exc)}"
        if not target.is_relative_to(real_root):
            return f"a symlink leading outside the pack (to {target}); not followed"
        try:
            mode = target.stat().st_mode
        except OSError as exc:
            return f"cannot read: {_reason(exc)}"
    if S_ISDIR(mode) or S_ISREG(mode):
        return None
    return f"{_file_kind(mode)}, not a regular file; not opened"


def _csv_files(root: Path, sub: str, refused: list[PackFile]) -> list[tuple[Path, str]]:
    """The readable ``*.csv`` files of ``root/sub`` with their names relative to the pack;
    every path that cannot or must not be read goes to ``refused``, named."""
    folder = root / sub
    kind: Literal["prices", "macro", "holdings", "valuation"] = sub  # type: ignore[assignment]
    if not os.path.lexists(folder):
        return []
    real_root = root.resolve()
    why = _refusal(folder, real_root)
    if why is None and not folder.is_dir():
        why = "expected a folder, found a file"
    if why is not None:
        refused.append(PackFile(f"{sub}/", kind, problems=(f"{sub}/: {why}",)))
        return []
    try:
        with os.scandir(folder) as listing:
            names = sorted(entry.name for entry in listing)
    except OSError as exc:
        problem = f"{sub}/: cannot list the folder: {_reason(exc)}; its files are not read"
        refused.append(PackFile(f"{sub}/", kind, problems=(problem,)))
        return []
    out: list[tuple[Path, str]] = []
    for name in names:
        if name.startswith(".") or not name.lower().endswith(".csv"):
            continue
        path, rel = folder / name, f"{sub}/{name}"
        why = _refusal(path, real_root)
        if why is None and path.is_dir():
            why = "a folder, expected a CSV file; not read"
        if why is not None:
            refused.append(PackFile(rel, kind, problems=(f"{rel}: {why}",)))
            continue
        out.append((path, rel))
    return out


_KIND_ORDER = {"config": 0, "prices": 1, "macro": 2, "holdings": 3, "valuation": 4}


def _symbol_of(path: Path) -> str:
    """The symbol a file holds: its name as written, upper-cased (``^rut.csv`` -> ``^RUT``)."""
    return path.name[: -len(path.suffix)].strip().upper()


def _check_root(root: Path) -> None:
    problem = root_problem(root)
    if problem is not None:
        raise SourceError(problem)


def _span(index: pd.DatetimeIndex) -> tuple[int, date | None, date | None]:
    if len(index) == 0:
        return 0, None, None
    return len(index), index[0].date(), index[-1].date()


def load_pack(path: Path | str, progress: Progress | None = None) -> Pack:
    """The pack at ``path``; raises SourceError only when there is no pack directory at all.

    ``progress`` is called before each file and once at the end (from the calling thread), so
    a large pack can say how far it is instead of showing nothing.
    """
    root = Path(path).expanduser()
    _check_root(root)
    files: list[PackFile] = []
    real_root = root.resolve()

    config = PackConfig()
    toml_path = root / "pack.toml"
    if os.path.lexists(toml_path):
        why = _refusal(toml_path, real_root)
        parsed = (
            [f"pack.toml: {why}"]
            if why is not None
            else _cached(toml_path, "toml", read_pack_config, "pack.toml")
        )
        if isinstance(parsed, list):
            files.append(PackFile("pack.toml", "config", problems=tuple(parsed)))
        else:
            config, toml_problems = parsed
            files.append(PackFile("pack.toml", "config", problems=tuple(toml_problems)))

    price_files = _csv_files(root, "prices", files)
    macro_files = _csv_files(root, "macro", files)
    holdings: list[tuple[Path, str]] = []
    holdings_file = root / "holdings" / f"{config.universe}.csv"
    if os.path.lexists(holdings_file):
        rel = f"holdings/{holdings_file.name}"
        why = _refusal(holdings_file, real_root)
        if why is None and holdings_file.is_dir():
            why = "a folder, expected a CSV file; not read"
        if why is None:
            holdings.append((holdings_file, rel))
        else:
            files.append(PackFile(rel, "holdings", problems=(f"{rel}: {why}",)))

    valuation_files = _csv_files(root, "valuation", files)
    total = len(price_files) + len(macro_files) + len(holdings) + len(valuation_files)
    done = rows = 0

    def step(rel: str | None) -> None:
        if progress is not None:
            progress(LoadProgress(done, total, rows, rel))

    prices: dict[str, Bars] = {}
    for file, rel in price_files:
        step(rel)
        symbol = _symbol_of(file)
        result = _cached(file, "price", partial(parse_price_csv, symbol=symbol, name=rel), rel)
        done += 1
        if isinstance(result, list):
            files.append(PackFile(rel, "prices", problems=tuple(result)))
            continue
        problems = list(result.problems)
        bars = result.bars
        if bars is not None and symbol in prices:
            problems.append(
                f"{rel}:1: another file already holds {symbol}; expected one per symbol"
            )
            bars = None
        n, first, last = _span(bars.frame.index if bars is not None else pd.DatetimeIndex([]))
        rows += n
        files.append(
            PackFile(rel, "prices", symbol, n, first, last, result.listed, tuple(problems))
        )
        if bars is not None:
            prices[symbol] = bars

    macro: dict[str, MacroSeries] = {}
    for file, rel in macro_files:
        step(rel)
        series_id = _symbol_of(file)
        read = _cached(file, "fred", partial(read_fred_csv, name=rel), rel)
        done += 1
        if isinstance(read, list):
            files.append(PackFile(rel, "macro", problems=tuple(read)))
            continue
        values = read.values
        n, first, last = _span(values.index)
        rows += n
        files.append(
            PackFile(rel, "macro", series_id, n, first, last, read.listed, tuple(read.problems))
        )
        if values.empty:
            continue
        values = values.rename(series_id)
        macro[series_id] = MacroSeries(series_id, values, infer_frequency(values, series_id))

    constituents: tuple[Constituent, ...] = ()
    holdings_asof: date | None = None
    for file, rel in holdings:
        step(rel)
        held = _cached(file, "holdings", partial(parse_holdings, name=rel), rel)
        done += 1
        if isinstance(held, HoldingsParse):
            constituents, holdings_asof = held.constituents, held.as_of
            rows += len(constituents)
            files.append(
                PackFile(
                    rel, "holdings", config.universe, len(constituents), holdings_asof,
                    holdings_asof, problems=tuple(held.problems),
                )
            )  # fmt: skip
        else:
            files.append(PackFile(rel, "holdings", problems=tuple(held)))

    valuations: dict[str, pd.DataFrame] = {}
    for file, rel in valuation_files:
        step(rel)
        symbol = _symbol_of(file)
        parsed_pe = _cached(file, "valuation", partial(parse_valuation_csv, rel=rel), rel)
        done += 1
        if isinstance(parsed_pe, list):
            files.append(PackFile(rel, "valuation", problems=tuple(parsed_pe)))
            continue
        frame, pe_problems = parsed_pe
        n, first, last = _span(frame.index if frame is not None else pd.DatetimeIndex([]))
        rows += n
        files.append(
            PackFile(rel, "valuation", symbol, n, first, last, problems=tuple(pe_problems))
        )
        if frame is not None:
            valuations[symbol] = frame
    step(None)
    files.sort(key=lambda f: (_KIND_ORDER[f.kind], f.rel))

    return Pack(
        path=root,
        prices=prices,
        macro=macro,
        constituents=constituents,
        problems=tuple(p for f in files for p in f.problems),
        config=config,
        holdings_asof=holdings_asof,
        sessions=_sessions(prices, macro),
        files=tuple(files),
        valuations=valuations,
    )


def infer_frequency(values: pd.Series, series_id: str = "") -> Frequency:
    """Daily, weekly or monthly from the median spacing of observations (catalog when too short)."""
    if len(values) >= 3:
        spacing = float(np.median(np.diff(values.index.asi8))) / 86_400e9
        if spacing <= 4:
            return "daily"
        if spacing <= 10:
            return "weekly"
        return "monthly"
    if series_id in MONTHLY_SERIES:
        return "monthly"
    if series_id in WEEKLY_SERIES:
        return "weekly"
    return "daily"


def _sessions(prices: Mapping[str, Bars], macro: Mapping[str, MacroSeries]) -> pd.DatetimeIndex:
    """Weekdays on which at least half of the price files that span the day have a row.

    A majority, not the union: one odd file (a future trading on an exchange holiday, a spot
    series with a row on Columbus Day) must not add days to the as-of steps.
    """
    stamps = [b.frame.index.asi8 for b in prices.values() if len(b.frame)]
    if not stamps:
        stamps = [m.values.index.asi8 for m in macro.values() if m.frequency == "daily"]
    if not stamps:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    days, counts = np.unique(np.concatenate(stamps), return_counts=True)
    firsts = np.sort([s[0] for s in stamps])
    lasts = np.sort([s[-1] for s in stamps])
    spanning = np.searchsorted(firsts, days, "right") - np.searchsorted(lasts, days, "left")
    weekday = (days // 86_400_000_000_000 + 3) % 7  # 1970-01-01 was a Thursday
    keep = (counts * 2 >= spanning) & (weekday < 5)
    return pd.DatetimeIndex(days[keep].astype("datetime64[ns]"))
