"""Offline data packs (SPEC 8): read, check and write a directory of price, macro and holdings CSVs.

Layout of a pack directory::

    DIR/
      prices/<SYMBOL>.csv   one file per Yahoo symbol, named as written: SPY.csv, ^RUT.csv, CL=F.csv
      macro/<SERIES>.csv    one FRED graph CSV per series: T10Y3M.csv, SAHMREALTIME.csv, ICSA.csv
      holdings/<FUND>.csv   optional iShares holdings CSV of the universe fund (default IWM.csv)
      valuation/<SYMBOL>.csv optional P/E history of a fund: Date,PE[,ForwardPE] (SPY, IJR, IWM)
      pack.toml              optional, see below

Price files may use any layout ``pricecsv.parse_price_csv`` reads (Yahoo, yfinance's multi-row
header, ``Date,Close``, ``Date,SYMBOL``); the adjusted close is used where present. Macro files
are FRED graph CSVs (``DATE`` or ``observation_date`` header, ``.`` or empty for missing).

``pack.toml`` (every key optional; without it the catalog's pairs and sectors apply)::

    name = "Covid crash"         # free text naming the pack
    asof = 2020-03-23            # as-of date used when none is given (TOML date or "YYYY-MM-DD")
    universe = "IWM"             # constituents come from holdings/<universe>.csv

    [[pairs]]                    # when present, these replace the default pairs, in this order
    small = "IWM"
    large = "SPY"
    label = "Russell 2000 vs S&P 500"     # optional; default "IWM vs SPY"

    [[sectors]]                  # when present, these replace the default sectors
    sector = "Energy"
    large = "XLE"
    small = "PSCE"               # optional; leave out when the sector has no small-cap ETF

Bad input never stops a pack: every malformed file, row, date or key is reported as
``FILE:LINE: what was expected`` (FILE relative to the pack) and the rest loads. Only a pack
directory that does not exist, or holds neither ``prices/`` nor ``macro/``, raises SourceError.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import tempfile
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISLNK, S_ISREG, S_ISSOCK
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from analytics.catalog import (
    INDICES,
    MACRO,
    MONTHLY_SERIES,
    PAIRS,
    SECTORS,
    WEEKLY_SERIES,
    Pair,
    SectorPair,
)
from analytics.text import csv_text, inert
from data_sources.base import SourceError
from data_sources.clock import NY
from data_sources.csvtext import clean, norm_name, strip_bom
from data_sources.fredcsv import read_fred_csv
from data_sources.ishares import HoldingsParse, parse_holdings
from data_sources.model import Bars, Constituent, MacroSeries, MarketData, Quote, SourceStatus
from data_sources.packroot import root_problem
from data_sources.pricecsv import parse_price_csv
from data_sources.valuationcsv import parse_valuation_csv

CLOSE = time(16, 0)
"""A pack's as-of moment is the close of its as-of day, New York time."""

Frequency = Literal["daily", "weekly", "monthly"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PackConfig:
    """What ``pack.toml`` says; the catalog's defaults where it is silent."""

    name: str | None = None
    asof: date | None = None
    universe: str = "IWM"
    pairs: tuple[Pair, ...] = PAIRS
    sectors: tuple[SectorPair, ...] = SECTORS


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


def read_pack_config(text: str, name: str = "pack.toml") -> tuple[PackConfig, list[str]]:
    """``pack.toml`` text as a PackConfig and its problems; defaults wherever it is wrong."""
    problems: list[str] = []
    try:
        data = tomllib.loads(strip_bom(text))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\(at line (\d+)", message)
        line = int(at.group(1)) if at else 1
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        return PackConfig(), [f"{name}:{line}: expected valid TOML: {reason}; using the defaults"]

    def where(key: str, nth: int = 0) -> int:
        return _line_of(text, key, nth)

    config = PackConfig()
    known = {"name", "asof", "universe", "pairs", "sectors"}
    for key in data:
        if key not in known:
            problems.append(
                f"{name}:{where(key)}: unknown key {key!r}: expected one of "
                + ", ".join(sorted(known))
            )
    if "name" in data:
        if isinstance(data["name"], str):
            config = replace(config, name=clean(data["name"]))
        else:
            problems.append(f"{name}:{where('name')}: expected name to be a string")
    if "asof" in data:
        asof = _as_date(data["asof"])
        if asof is None:
            problems.append(
                f"{name}:{where('asof')}: expected asof to be a date like 2020-03-23, "
                f"found {data['asof']!r}"
            )
        else:
            config = replace(config, asof=asof)
    if "universe" in data:
        universe = data["universe"]
        if isinstance(universe, str) and _safe_name(universe.strip()):
            config = replace(config, universe=universe.strip().upper())
        else:
            problems.append(
                f'{name}:{where("universe")}: expected universe to be a fund symbol like "IWM"'
            )
    if "pairs" in data:
        pairs = _entries(data["pairs"], "pairs", name, where, problems, _pair)
        config = replace(config, pairs=tuple(pairs))
    if "sectors" in data:
        sectors = _entries(data["sectors"], "sectors", name, where, problems, _sector)
        config = replace(config, sectors=tuple(sectors))
    return config, problems


def _entries(
    value: object,
    key: str,
    name: str,
    where: Callable[[str, int], int],
    problems: list[str],
    build: Callable[[dict[str, Any]], T | str],
) -> list[T]:
    if not isinstance(value, list):
        problems.append(f"{name}:{where(key, 0)}: expected [[{key}]] tables")
        return []
    out: list[T] = []
    for i, entry in enumerate(value):
        built = build(entry) if isinstance(entry, dict) else f"expected a [[{key}]] table"
        if isinstance(built, str):
            problems.append(f"{name}:{where(key, i)}: {key} entry {i + 1}: {built}; skipped")
        else:
            out.append(built)
    return out


def _pair(entry: dict[str, Any]) -> Pair | str:
    small, large = _symbol_field(entry, "small"), _symbol_field(entry, "large")
    if small is None or large is None:
        return 'expected small = "SYMBOL" and large = "SYMBOL"'
    label = entry.get("label")
    if label is not None and not isinstance(label, str):
        return "expected label to be a string"
    unknown = set(entry) - {"small", "large", "label"}
    if unknown:
        return f"unknown key {sorted(unknown)[0]!r} (expected small, large, label)"
    return Pair(small, large, clean(label) if label else f"{small} vs {large}")


def _sector(entry: dict[str, Any]) -> SectorPair | str:
    sector, large = entry.get("sector"), _symbol_field(entry, "large")
    if not isinstance(sector, str) or not sector.strip() or large is None:
        return 'expected sector = "NAME" and large = "SYMBOL" (small optional)'
    small = None
    if entry.get("small") not in (None, ""):
        small = _symbol_field(entry, "small")
        if small is None:
            return "expected small to be a symbol"
    unknown = set(entry) - {"sector", "large", "small"}
    if unknown:
        return f"unknown key {sorted(unknown)[0]!r} (expected sector, large, small)"
    return SectorPair(clean(sector), large, small)


def _symbol_field(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and _safe_name(value.strip()):
        return value.strip().upper()
    return None


def _line_of(text: str, key: str, nth: int = 0) -> int:
    """The line of the ``nth`` ``[[key]]`` header, else of ``key =``; 1 when not found."""
    lines = text.splitlines()
    headers = [
        i + 1
        for i, line in enumerate(lines)
        if re.match(rf"\s*\[\[\s*{re.escape(key)}\s*\]\]", line)
    ]
    if nth < len(headers):
        return headers[nth]
    for i, line in enumerate(lines):
        if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return i + 1
    return 1


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _safe_name(name: str) -> bool:
    """A symbol that can be a file name in the pack (no path separators, not empty)."""
    return bool(name) and name not in {".", ".."} and not re.search(r"[/\\\x00-\x1f]", name)


# --- the data source ------------------------------------------------------------------------


class PackSource:
    """The DataSource of ``--data DIR``: the pack's history as known at the as-of date.

    Files are parsed once (and cached across instances); moving the as-of date only cuts the
    parsed series, so stepping a day costs a few milliseconds.
    """

    name = "pack"
    kind: Literal["pack"] = "pack"

    def __init__(
        self, path: Path | str, asof: date | None = None, progress: Progress | None = None
    ) -> None:
        self._pack = load_pack(path, progress)
        sessions = self._pack.sessions
        if len(sessions) == 0:
            first = f"; first problem: {self._pack.problems[0]}" if self._pack.problems else ""
            raise SourceError(
                f"data pack {self._pack.path} holds no readable daily rows: expected "
                f"prices/<SYMBOL>.csv files with dates and closes{first}"
            )
        self._session_ns = sessions.asi8
        self._price_ns = {s: b.frame.index.asi8 for s, b in self._pack.prices.items()}
        # Columns taken out once: an as-of step only slices them (a step is a key press).
        self._closes = {s: b.frame["close"] for s, b in self._pack.prices.items()}
        self._columns = {
            s: tuple(b.frame[c].to_numpy(dtype=float) for c in ("close", "high", "low", "volume"))
            for s, b in self._pack.prices.items()
        }
        self._macro_ns = {s: m.values.index.asi8 for s, m in self._pack.macro.items()}
        self._asof: date = sessions[-1].date()
        self._uncut: MarketData | None = None
        self._uncut_lock = threading.Lock()
        wanted = asof if asof is not None else self._pack.config.asof
        if wanted is not None:
            self.set_asof(wanted)

    @property
    def pack(self) -> Pack:
        return self._pack

    @property
    def config(self) -> PackConfig:
        return self._pack.config

    @property
    def asof(self) -> date:
        """The trading day whose close the source shows."""
        return self._asof

    @property
    def asof_time(self) -> datetime:
        """The as-of moment: the close of the as-of day, New York time."""
        return datetime.combine(self._asof, CLOSE, tzinfo=NY)

    def sessions(self) -> pd.DatetimeIndex:
        """The pack's trading days (tz-naive), the steps of ``<`` ``>`` and ``{`` ``}``."""
        return self._pack.sessions

    def set_asof(self, day: date | datetime) -> date:
        """Show the market as of ``day`` (a non-trading day means the session before it).

        Raises SourceError with one line when ``day`` lies outside the pack.
        """
        if isinstance(day, datetime):
            day = day.date()
        sessions = self._pack.sessions
        first, last = sessions[0].date(), sessions[-1].date()
        if day < first or day > last:
            raise SourceError(
                f"as-of date {day} is outside the data pack: expected a day from {first} to {last}"
            )
        pos = int(np.searchsorted(self._session_ns, pd.Timestamp(day).value, "right")) - 1
        self._asof = sessions[pos].date()
        return self._asof

    def step(self, days: int) -> date:
        """Move the as-of date by ``days`` trading days (5 = a week), stopping at the ends."""
        here = int(np.searchsorted(self._session_ns, pd.Timestamp(self._asof).value, "left"))
        target = min(max(here + days, 0), len(self._session_ns) - 1)
        self._asof = self._pack.sessions[target].date()
        return self._asof

    def missing(self) -> tuple[str, ...]:
        """Symbols and series the pack's pairs, sectors, header and macro pane need but the
        pack lacks (see :func:`missing_files`)."""
        return tuple(
            rel.split("/", 1)[1].removesuffix(".csv") for rel, _ in missing_files(self._pack)
        )

    def problems(self) -> tuple[str, ...]:
        """The pack's problems at the as-of day: its files' own, then the files whose data
        ends before the as-of day (these change as the as-of date moves)."""
        ended = tuple(problem for _, problem in ended_before(self._pack, self._asof))
        return (*self._pack.problems, *ended)

    def market_data(self) -> MarketData:
        """What the pack knows at the as-of date (synchronous; ``fetch`` wraps it).

        The whole pack is built once; before its last day the result carries it as ``uncut``,
        so the risk replay runs once per pack instead of once per as-of step.
        """
        with self._uncut_lock:
            if self._uncut is None:
                self._uncut = self._market_at(self._pack.sessions[-1].date())
        if self._asof == self._pack.sessions[-1].date():
            return self._uncut  # the same object each time: its replay is computed once
        return self._market_at(self._asof, uncut=self._uncut)

    def _market_at(self, day: date, uncut: MarketData | None = None) -> MarketData:
        cut = pd.Timestamp(day).value
        moment = datetime.combine(day, CLOSE, tzinfo=NY)
        ended = tuple(problem for _, problem in ended_before(self._pack, day))
        problems = (*self._pack.problems, *ended)
        prices: dict[str, pd.Series] = {}
        quotes: dict[str, Quote] = {}
        for symbol in self._pack.prices:
            n = int(np.searchsorted(self._price_ns[symbol], cut, "right"))
            if n == 0:
                continue
            prices[symbol] = self._closes[symbol].iloc[:n]
            quotes[symbol] = _quote(symbol, self._columns[symbol], n, moment)
        macro: dict[str, MacroSeries] = {}
        for series_id, series in self._pack.macro.items():
            n = int(np.searchsorted(self._macro_ns[series_id], cut, "right"))
            if n:
                macro[series_id] = replace(series, values=series.values.iloc[:n])
        end = pd.Timestamp(day)
        valuations = {s: f.loc[:end] for s, f in self._pack.valuations.items()}
        return MarketData(
            source="pack",
            asof=moment,
            prices=prices,
            macro=macro,
            quotes=quotes,
            constituents=self._pack.constituents,
            statuses=self._status(problems),
            problems=problems,
            pairs=self._pack.config.pairs,
            sectors=self._pack.config.sectors,
            uncut=uncut,
            valuations={s: f for s, f in valuations.items() if not f.empty},
        )

    async def fetch(self, now: datetime) -> MarketData:
        """The pack as of its as-of date; ``now`` is ignored (a pack's clock is ``asof``)."""
        return self.market_data()

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Daily bars of ``symbol`` up to the as-of date, or None when the pack lacks it."""
        return self.bars_until(symbol)

    def bars_until(self, symbol: str) -> pd.DataFrame | None:
        bars = self._pack.prices.get(symbol)
        if bars is None:
            return None
        n = int(np.searchsorted(self._price_ns[symbol], pd.Timestamp(self._asof).value, "right"))
        return bars.frame.iloc[:n] if n else None

    def status(self) -> tuple[SourceStatus, ...]:
        return self._status(self.problems())

    def _status(self, problems: tuple[str, ...]) -> tuple[SourceStatus, ...]:
        detail = (
            f"asof {self._asof}; {len(self._pack.prices)} price files, "
            f"{len(self._pack.macro)} macro series"
        )
        missing = self.missing()
        if missing:
            detail += f"; missing {', '.join(missing)}"
        if not problems:
            return (SourceStatus("pack", "ok", detail=detail),)
        noun = "problem" if len(problems) == 1 else "problems"
        return (
            SourceStatus(
                "pack",
                "failing",
                error=f"{len(problems)} {noun} in the pack; first: {problems[0]}",
                detail=detail,
            ),
        )

    async def aclose(self) -> None:
        return None


def _quote(
    symbol: str,
    columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    n: int,
    moment: datetime,
) -> Quote:
    """The bar of row ``n - 1`` (the as-of day) as a quote; unknown fields None.

    ``columns``: close, high, low and volume of the whole file as float arrays.
    """
    close, high, low, volume = columns
    price = float(close[n - 1])
    prev = float(close[n - 2]) if n >= 2 else None
    change = (price / prev - 1.0) * 100.0 if prev is not None and prev > 0 else None
    year = slice(max(0, n - 252), n)
    year_close = close[year]
    return Quote(
        symbol=symbol,
        price=price,
        time=moment,
        prev_close=prev,
        change_pct=change,
        # Indices (^VIX, ^GSPC) report volume 0: unknown, not a traded volume of nothing.
        volume=_known(volume[n - 1]) or None,
        day_high=_known(high[n - 1]),
        day_low=_known(low[n - 1]),
        year_high=_known(np.nanmax(np.fmax(high[year], year_close))),
        year_low=_known(np.nanmin(np.fmin(low[year], year_close))),
        market_state="closed",
    )


def _known(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


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
    from analytics.risk import release_dates

    last = series.values.index[-1]
    if series.frequency == "daily":
        # released the next day; one missing weekday may be a holiday
        return int(np.busday_count(last.date(), day.date())) > 2
    if series.frequency == "weekly":
        following = last + pd.Timedelta(days=7)
    else:
        following = last + pd.DateOffset(months=1)
    released = release_dates(series.id, pd.DatetimeIndex([following]))[0]
    return bool(released <= day)


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


# --- writing --------------------------------------------------------------------------------

_HOLDINGS_HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)


def write_pack(
    path: Path | str,
    prices: Mapping[str, pd.DataFrame | pd.Series],
    macro: Mapping[str, pd.Series],
    constituents: Sequence[Constituent] = (),
    *,
    config: PackConfig | None = None,
    holdings_asof: date | None = None,
    valuations: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """Write a pack that ``load_pack`` reads back unchanged (``rotmon record``, ``pack download``).

    Prices: a DataFrame (our Bars frame or a yfinance one: columns found by name, any case) is
    written in the Yahoo layout, with `Adj Close` only when the frame has one; a Series is
    written as `Date,Close`. Macro series are FRED graph CSVs with `observation_date`, missing
    values as empty fields. Constituents go to ``holdings/<universe>.csv`` in the iShares layout;
    P/E frames (``pe``, ``forward_pe``) to ``valuation/<SYMBOL>.csv`` as ``Date,PE,ForwardPE``.
    Each file is written to a temporary name and renamed, so a crash never leaves half a file.
    Raises ValueError for a symbol that cannot be a file name.
    """
    root = Path(path).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    for symbol, data in prices.items():
        _write_atomic(root / "prices" / f"{_file_symbol(symbol)}.csv", _price_text(data))
    for series_id, values in macro.items():
        _write_atomic(
            root / "macro" / f"{_file_symbol(series_id)}.csv", _fred_text(series_id, values)
        )
    for symbol, frame in (valuations or {}).items():
        _write_atomic(root / "valuation" / f"{_file_symbol(symbol)}.csv", _valuation_text(frame))
    universe = config.universe if config else "IWM"
    if constituents:
        _write_atomic(
            root / "holdings" / f"{_file_symbol(universe)}.csv",
            _holdings_text(universe, constituents, holdings_asof),
        )
    if config is not None:
        _write_atomic(root / "pack.toml", _config_text(config))


def _valuation_text(frame: pd.DataFrame) -> str:
    lines = ["Date,PE,ForwardPE"]
    pe = frame["pe"] if "pe" in frame else pd.Series(np.nan, index=frame.index)
    fwd = frame["forward_pe"] if "forward_pe" in frame else pd.Series(np.nan, index=frame.index)
    for day, a, b in zip(_dates(frame.index), pe.to_numpy(float), fwd.to_numpy(float), strict=True):
        if not (math.isfinite(a) or math.isfinite(b)):
            continue
        lines.append(f"{day:%Y-%m-%d},{_num(a)},{_num(b)}")
    return "\n".join(lines) + "\n"


def _file_symbol(symbol: str) -> str:
    name = symbol.strip()
    if not _safe_name(name):
        raise ValueError(f"symbol {symbol!r} cannot be a file name in a data pack")
    return name


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dates(index: pd.Index) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)  # local midnight of the exchange: keep the local date
    return idx.normalize()


def _num(value: float) -> str:
    if math.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.index = _dates(frame.index)
    frame = frame[~frame.index.duplicated(keep="last")]
    return frame.sort_index()


def _price_text(data: pd.DataFrame | pd.Series) -> str:
    if isinstance(data, pd.Series):
        frame = _clean_frame(data.to_frame("close").astype("float64"))
        frame = frame[frame["close"].notna()]
        rows = [f"{d:%Y-%m-%d},{_num(v)}" for d, v in zip(frame.index, frame["close"], strict=True)]
        return "\n".join(["Date,Close", *rows]) + "\n"
    by_name = {norm_name(str(c)): c for c in data.columns}
    wanted = [
        ("Open", "open"),
        ("High", "high"),
        ("Low", "low"),
        ("Close", "close"),
        ("Adj Close", "adjclose"),
        ("Volume", "volume"),
    ]
    present = [(label, by_name[key]) for label, key in wanted if key in by_name]
    if not any(label in ("Close", "Adj Close") for label, _ in present):
        raise ValueError("a price frame needs a Close or Adj Close column")
    frame = _clean_frame(data[[col for _, col in present]].astype("float64"))
    closes = [col for label, col in present if label in ("Close", "Adj Close")]
    frame = frame[frame[closes].notna().any(axis=1)]
    header = ",".join(["Date", *(label for label, _ in present)])
    columns = [frame[col].to_numpy() for _, col in present]
    rows = [
        f"{day:%Y-%m-%d}," + ",".join(_num(float(col[i])) for col in columns)
        for i, day in enumerate(frame.index)
    ]
    return "\n".join([header, *rows]) + "\n"


def _fred_text(series_id: str, values: pd.Series) -> str:
    frame = _clean_frame(values.astype("float64").to_frame("v"))
    rows = [f"{d:%Y-%m-%d},{_num(v)}" for d, v in zip(frame.index, frame["v"], strict=True)]
    return "\n".join([f"observation_date,{series_id}", *rows]) + "\n"


def _holdings_text(universe: str, constituents: Sequence[Constituent], asof: date | None) -> str:
    def quoted(*cells: str) -> str:
        return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)

    lines = [f"rotmon data pack holdings of {universe}"]
    if asof is not None:
        lines.append(f'Fund Holdings as of,"{asof:%b %d, %Y}"')
    lines += ["\u00a0", _HOLDINGS_HEADER]
    for c in constituents:
        price = _num(c.last) if c.last is not None else "-"
        lines.append(
            quoted(
                csv_text(c.symbol), csv_text(c.name), csv_text(c.sector),
                "Equity", "-", _num(c.weight), "-", "-",
                price or "-", "-", "-", "USD", "-", "USD", "-",
            )
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def _config_text(config: PackConfig) -> str:
    def s(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string

    lines = []
    if config.name:
        lines.append(f"name = {s(config.name)}")
    if config.asof:
        lines.append(f"asof = {config.asof.isoformat()}")
    lines.append(f"universe = {s(config.universe)}")
    for pair in config.pairs:
        lines += [
            "",
            "[[pairs]]",
            f"small = {s(pair.small)}",
            f"large = {s(pair.large)}",
            f"label = {s(pair.label)}",
        ]
    for sector in config.sectors:
        lines += ["", "[[sectors]]", f"sector = {s(sector.sector)}", f"large = {s(sector.large)}"]
        if sector.small:
            lines.append(f"small = {s(sector.small)}")
    return "\n".join(lines) + "\n"
