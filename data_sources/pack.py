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

The pack modules: ``packread`` (the types and ``load_pack``), ``packconf`` (``pack.toml``),
``packcheck`` (``rotmon pack check``), ``packwrite`` (writing a pack) and this one,
``PackSource``; the names the rest of rotmon imports from here still work.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.health import SourceHealth
from data_sources.base import SourceError
from data_sources.clock import NY
from data_sources.model import MacroSeries, MarketData, Quote, SourceKind
from data_sources.packcheck import check_pack as check_pack
from data_sources.packcheck import default_asof as default_asof
from data_sources.packcheck import ended_before, missing_files
from data_sources.packcheck import format_pack_check as format_pack_check
from data_sources.packcheck import pack_reports as pack_reports
from data_sources.packconf import PackConfig
from data_sources.packconf import read_pack_config as read_pack_config
from data_sources.packread import CLOSE, Pack, Progress, load_pack
from data_sources.packread import MAX_FILE_BYTES as MAX_FILE_BYTES
from data_sources.packread import FileReport as FileReport
from data_sources.packread import LoadProgress as LoadProgress
from data_sources.packread import PackFile as PackFile
from data_sources.packread import infer_frequency as infer_frequency
from data_sources.packwrite import write_pack as write_pack

# --- the data source ------------------------------------------------------------------------


class PackSource:
    """The DataSource of ``--data DIR``: the pack's history as known at the as-of date.

    Files are parsed once (and cached across instances); moving the as-of date only cuts the
    parsed series, so stepping a day costs a few milliseconds.
    """

    name = "pack"
    kind: SourceKind = "pack"

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
        self._ahead: tuple[date, MarketData] | None = None
        """The market of a day made ahead of the step to it (``prefetch``), handed out once."""
        self._shown: tuple[date, MarketData] | None = None
        """The market ``market_data`` handed last, and its day."""
        self._left: tuple[date, MarketData] | None = None
        """The one it handed before, of another day: a step back to that day gets it again."""
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
        """Move the as-of date by ``days`` trading days (5 = a week), stopping at the ends.

        A step back to the day shown before hands that day's market again (the same object,
        once: the app keeps its snapshot), as ``prefetch`` does for a step made ahead.
        """
        before = self._asof
        self._asof = self._stepped(days)
        with self._uncut_lock:
            left = self._left
            if left is not None and left[0] == self._asof != before:
                self._ahead = left
        return self._asof

    def _stepped(self, days: int) -> date:
        """The as-of date ``step(days)`` would move to."""
        here = int(np.searchsorted(self._session_ns, pd.Timestamp(self._asof).value, "left"))
        target = min(max(here + days, 0), len(self._session_ns) - 1)
        return self._pack.sessions[target].date()

    def prefetch(self, days: int) -> MarketData | None:
        """The market ``step(days)`` would show, made now (the as-of date does not move): after
        that step, ``market_data`` hands this same object, once, so the app may compute its
        snapshot before the key press. None when the step would not move (an end of the pack).
        """
        day = self._stepped(days)
        if day == self._asof:
            return None
        market = self._market_of(day)
        with self._uncut_lock:
            self._ahead = (day, market)
        return market

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
            ahead, self._ahead = self._ahead, None
        day = self._asof
        # made ahead for this very step (prefetch), or the day shown before (a step back)
        market = ahead[1] if ahead is not None and ahead[0] == day else self._market_of(day)
        with self._uncut_lock:
            shown = self._shown
            if shown is not None and shown[0] != day:
                self._left = shown
            self._shown = (day, market)
        return market

    def _market_of(self, day: date) -> MarketData:
        with self._uncut_lock:
            if self._uncut is None:
                self._uncut = self._market_at(self._pack.sessions[-1].date())
        if day == self._pack.sessions[-1].date():
            return self._uncut  # the same object each time: its replay is computed once
        return self._market_at(day, uncut=self._uncut)

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
            statuses=self._status(problems, day),
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

    def status(self) -> tuple[SourceHealth, ...]:
        return self._status(self.problems(), self._asof)

    def _status(self, problems: tuple[str, ...], day: date) -> tuple[SourceHealth, ...]:
        detail = (
            f"asof {day}; {len(self._pack.prices)} price files, "
            f"{len(self._pack.macro)} macro series"
        )
        missing = self.missing()
        if missing:
            detail += f"; missing {', '.join(missing)}"
        if not problems:
            return (SourceHealth("pack", "ok", detail=detail),)
        noun = "problem" if len(problems) == 1 else "problems"
        return (
            SourceHealth(
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
