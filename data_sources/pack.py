"""Offline data packs (SPEC 8): read, check and write a directory of price, macro and holdings CSVs.

Layout of a pack directory::

    DIR/
      prices/<SYMBOL>.csv   one file per Yahoo symbol, named as written: SPY.csv, ^RUT.csv, CL=F.csv
      macro/<SERIES>.csv    one FRED graph CSV per series: T10Y3M.csv, SAHMREALTIME.csv, ICSA.csv
      holdings/<FUND>.csv   optional iShares holdings CSV of the universe fund (default IWM.csv)
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
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.catalog import (
    MACRO,
    MONTHLY_SERIES,
    PAIRS,
    SECTORS,
    WEEKLY_SERIES,
    Pair,
    SectorPair,
)
from data_sources.base import SourceError
from data_sources.csvtext import clean, norm_name, strip_bom
from data_sources.fredcsv import listed_dates, parse_fred_csv
from data_sources.ishares import HoldingsParse, parse_holdings
from data_sources.model import Bars, Constituent, MacroSeries, MarketData, Quote, SourceStatus
from data_sources.pricecsv import PriceParse, parse_price_csv

NY = ZoneInfo("America/New_York")
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


@dataclass(frozen=True, slots=True)
class FileReport:
    """One line of ``rotmon pack check``.

    ``gaps`` counts expected days (weeks, months) without any row in the file — NYSE sessions
    for prices, NYSE sessions that are also US federal workdays for daily FRED series — and
    ``largest_gap`` is the longest run of them, both in ``unit``.
    """

    file: str
    rows: int
    first: date | None
    last: date | None
    gaps: int = 0
    largest_gap: int = 0
    unit: str = "days"
    problems: tuple[str, ...] = ()


# --- reading -------------------------------------------------------------------------------

_CACHE: OrderedDict[tuple[str, str, int, int], Any] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()  # packs may be opened from worker threads


def _cached(path: Path, kind: str, parse: Callable[[str], T], rel: str) -> T | list[str]:
    """``parse(text)`` of the file, remembered by path, size and modification time, so that
    opening the same pack again (a new as-of, a backtest) does not re-read unchanged files."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), kind, stat.st_mtime_ns, stat.st_size)
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]  # type: ignore[no-any-return]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return [f"{rel}:1: expected UTF-8 text (a CSV), found binary or another encoding"]
    except OSError as exc:
        return [f"{rel}:1: cannot read the file: {exc.strerror or exc}"]
    result = parse(text)
    with _CACHE_LOCK:
        _CACHE[key] = result
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def _csv_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")
    )


def _symbol_of(path: Path) -> str:
    """The symbol a file holds: its name as written, upper-cased (``^rut.csv`` -> ``^RUT``)."""
    return path.name[: -len(path.suffix)].strip().upper()


def _check_root(root: Path) -> None:
    expected = "expected a directory with prices/<SYMBOL>.csv and macro/<SERIES>.csv"
    if not root.exists():
        raise SourceError(f"data pack {root} does not exist: {expected}")
    if not root.is_dir():
        raise SourceError(f"data pack {root} is not a directory: {expected}")
    if not (root / "prices").is_dir() and not (root / "macro").is_dir():
        raise SourceError(f"data pack {root} has neither prices/ nor macro/: {expected}")


def load_pack(path: Path | str) -> Pack:
    """The pack at ``path``; raises SourceError only when there is no pack directory at all."""
    root = Path(path).expanduser()
    _check_root(root)
    problems: list[str] = []

    config = PackConfig()
    toml_path = root / "pack.toml"
    if toml_path.is_file():
        parsed = _cached(toml_path, "toml", read_pack_config, "pack.toml")
        if isinstance(parsed, list):
            problems.extend(parsed)
        else:
            config, toml_problems = parsed
            problems.extend(toml_problems)

    prices: dict[str, Bars] = {}
    for file in _csv_files(root / "prices"):
        symbol = _symbol_of(file)
        rel = f"prices/{file.name}"
        result = _cached(file, "price", lambda t, s=symbol, r=rel: parse_price_csv(t, s, r), rel)
        if isinstance(result, list):
            problems.extend(result)
            continue
        problems.extend(result.problems)
        if result.bars is None:
            continue
        if symbol in prices:
            problems.append(
                f"{rel}:1: another file already holds {symbol}; expected one per symbol"
            )
            continue
        prices[symbol] = result.bars

    macro: dict[str, MacroSeries] = {}
    for file in _csv_files(root / "macro"):
        series_id = _symbol_of(file)
        rel = f"macro/{file.name}"
        parsed_macro = _cached(file, "fred", lambda t, r=rel: parse_fred_csv(t, r), rel)
        if isinstance(parsed_macro, list):
            problems.extend(parsed_macro)
            continue
        values, fred_problems = parsed_macro
        problems.extend(fred_problems)
        if values.empty:
            continue
        values = values.rename(series_id)
        macro[series_id] = MacroSeries(series_id, values, infer_frequency(values, series_id))

    constituents: tuple[Constituent, ...] = ()
    holdings_asof: date | None = None
    holdings_file = root / "holdings" / f"{config.universe}.csv"
    if holdings_file.is_file():
        rel = f"holdings/{holdings_file.name}"
        held = _cached(holdings_file, "holdings", lambda t, r=rel: parse_holdings(t, r), rel)
        if isinstance(held, HoldingsParse):
            constituents, holdings_asof = held.constituents, held.as_of
            problems.extend(held.problems)
        else:
            problems.extend(held)

    return Pack(
        path=root,
        prices=prices,
        macro=macro,
        constituents=constituents,
        problems=tuple(problems),
        config=config,
        holdings_asof=holdings_asof,
        sessions=_sessions(prices, macro),
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

    def __init__(self, path: Path | str, asof: date | None = None) -> None:
        self._pack = load_pack(path)
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
        """Symbols and series the pack's pairs, sectors and macro pane name but the pack lacks."""
        config = self._pack.config
        wanted: list[str] = []
        for pair in config.pairs:
            wanted += [pair.small, pair.large]
        for sector in config.sectors:
            wanted += [sector.large] + ([sector.small] if sector.small else [])
        out = [s for s in dict.fromkeys(wanted) if s not in self._pack.prices]
        for indicator in MACRO:
            have_series = indicator.series is not None and indicator.series in self._pack.macro
            have_market = indicator.market is not None and indicator.market in self._pack.prices
            if not have_series and not have_market:
                out.append(indicator.series or indicator.market or indicator.id)
        return tuple(out)

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
        return MarketData(
            source="pack",
            asof=moment,
            prices=prices,
            macro=macro,
            quotes=quotes,
            constituents=self._pack.constituents,
            statuses=self.status(),
            problems=self._pack.problems,
            pairs=self._pack.config.pairs,
            sectors=self._pack.config.sectors,
            uncut=uncut,
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
        problems = self._pack.problems
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
    """Per file of the pack: rows, first and last date, gaps, problems (``rotmon pack check``)."""
    root = Path(path).expanduser()
    _check_root(root)
    reports: list[FileReport] = []
    toml_path = root / "pack.toml"
    if toml_path.is_file():
        parsed = _cached(toml_path, "toml", read_pack_config, "pack.toml")
        problems = parsed if isinstance(parsed, list) else parsed[1]
        reports.append(FileReport("pack.toml", 0, None, None, problems=tuple(problems)))

    for file in _csv_files(root / "prices"):
        rel = f"prices/{file.name}"
        symbol = _symbol_of(file)
        result = _cached(file, "price", lambda t, s=symbol, r=rel: parse_price_csv(t, s, r), rel)
        if isinstance(result, list):
            reports.append(FileReport(rel, 0, None, None, problems=tuple(result)))
            continue
        reports.append(_price_report(rel, result))

    for file in _csv_files(root / "macro"):
        rel = f"macro/{file.name}"
        parsed_macro = _cached(file, "fred-check", lambda t, r=rel: _fred_check(t, r), rel)
        if isinstance(parsed_macro, list):
            reports.append(FileReport(rel, 0, None, None, problems=tuple(parsed_macro)))
            continue
        reports.append(_macro_report(rel, *parsed_macro, series_id=_symbol_of(file)))

    for file in _csv_files(root / "holdings"):
        rel = f"holdings/{file.name}"
        held = _cached(file, "holdings", lambda t, r=rel: parse_holdings(t, r), rel)
        if isinstance(held, HoldingsParse):
            reports.append(
                FileReport(
                    rel,
                    len(held.constituents),
                    held.as_of,
                    held.as_of,
                    unit="",
                    problems=tuple(held.problems),
                )
            )
        else:
            reports.append(FileReport(rel, 0, None, None, problems=tuple(held)))
    return reports


def _fred_check(text: str, rel: str) -> tuple[pd.Series, list[str], pd.DatetimeIndex]:
    values, problems = parse_fred_csv(text, rel)
    return values, problems, listed_dates(text)


def _price_report(rel: str, result: PriceParse) -> FileReport:
    if result.bars is None or result.bars.frame.empty:
        return FileReport(rel, 0, None, None, problems=tuple(result.problems))
    index = result.bars.frame.index
    from data_sources import market_calendar  # exchange_calendars is slow to import

    expected = market_calendar.sessions(index[0].date(), index[-1].date())
    gaps, largest = _gaps(expected, result.listed)
    return FileReport(
        rel,
        len(index),
        index[0].date(),
        index[-1].date(),
        gaps,
        largest,
        "days",
        tuple(result.problems),
    )


def _macro_report(
    rel: str, values: pd.Series, problems: list[str], listed: pd.DatetimeIndex, series_id: str
) -> FileReport:
    if values.empty:
        return FileReport(rel, 0, None, None, problems=tuple(problems))
    first, last = values.index[0], values.index[-1]
    frequency = infer_frequency(values, series_id)
    listed = listed[(listed >= first) & (listed <= last)]
    if frequency == "daily":
        from pandas.tseries.holiday import USFederalHolidayCalendar

        from data_sources import market_calendar

        expected = market_calendar.sessions(first.date(), last.date())
        holidays = USFederalHolidayCalendar().holidays(first, last)
        gaps, largest = _gaps(expected.difference(holidays), listed)
        unit = "days"
    else:
        gaps, largest = _spacing_gaps(listed)
        unit = "weeks" if frequency == "weekly" else "periods"
    return FileReport(
        rel, len(values), first.date(), last.date(), gaps, largest, unit, tuple(problems)
    )


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
    width = max([len("FILE"), *(len(r.file) for r in reports)])
    head = f"{'FILE':<{width}}  {'ROWS':>6}  {'FIRST':<10}  {'LAST':<10}  GAPS"
    lines = [head]
    for r in reports:
        gaps = f"{r.gaps} {r.unit} (largest {r.largest_gap})" if r.gaps else "0"
        if r.first is None or not r.unit:
            gaps = "-"
        first = r.first.isoformat() if r.first else "-"
        last = r.last.isoformat() if r.last else "-"
        flag = f"  {len(r.problems)} problem(s)" if r.problems else ""
        lines.append(f"{r.file:<{width}}  {r.rows:>6}  {first:<10}  {last:<10}  {gaps}{flag}")
    problems = [p for r in reports for p in r.problems]
    if problems:
        lines += ["", "Problems:", *(f"  {p}" for p in problems)]
    total = sum(r.rows for r in reports)
    noun = "problem" if len(problems) == 1 else "problems"
    lines += ["", f"{len(reports)} files, {total} rows, {len(problems)} {noun}"]
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
) -> None:
    """Write a pack that ``load_pack`` reads back unchanged (``rotmon record``, ``pack download``).

    Prices: a DataFrame (our Bars frame or a yfinance one: columns found by name, any case) is
    written in the Yahoo layout, with `Adj Close` only when the frame has one; a Series is
    written as `Date,Close`. Macro series are FRED graph CSVs with `observation_date`, missing
    values as empty fields. Constituents go to ``holdings/<universe>.csv`` in the iShares layout.
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
    universe = config.universe if config else "IWM"
    if constituents:
        _write_atomic(
            root / "holdings" / f"{_file_symbol(universe)}.csv",
            _holdings_text(universe, constituents, holdings_asof),
        )
    if config is not None:
        _write_atomic(root / "pack.toml", _config_text(config))


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
                c.symbol, c.name, c.sector, "Equity", "-", _num(c.weight), "-", "-",
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
