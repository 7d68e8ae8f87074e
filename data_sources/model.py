"""Frozen values that cross the data-source boundary: bars, quotes, series, market data.

Each source's health is an ``analytics.health.SourceHealth`` (one type for every layer)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Literal, overload

import pandas as pd

from analytics.catalog import Pair, SectorPair
from analytics.health import SourceHealth

SourceKind = Literal["demo", "pack", "live"]

_EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True, eq=False)
class Bars:
    """Daily bars of one symbol.

    ``frame`` has a tz-naive, normalised, ascending, unique ``DatetimeIndex`` of trading days
    and float columns ``open high low close volume``; ``close`` is the adjusted close.
    """

    symbol: str
    frame: pd.DataFrame

    @property
    def close(self) -> pd.Series:
        return self.frame["close"]


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest known price of one symbol. Unknown fields are ``None``, never 0."""

    symbol: str
    price: float
    time: datetime
    prev_close: float | None = None
    change_pct: float | None = None
    volume: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    year_high: float | None = None
    year_low: float | None = None
    trailing_pe: float | None = None
    forward_pe: float | None = None
    market_state: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class MacroSeries:
    """One economic series by observation date (tz-naive), missing observations dropped."""

    id: str
    values: pd.Series
    frequency: Literal["daily", "weekly", "monthly"] = "daily"


@dataclass(frozen=True, slots=True)
class Constituent:
    """A member of the small-cap universe (IWM holdings or the demo universe)."""

    symbol: str
    name: str
    sector: str
    weight: float  # percent of the fund
    last: float | None = None
    change_pct: float | None = None
    # Returns in percent over the last 21/63/126/252/504 sessions (RETURN_WINDOWS), from the
    # member's own daily closes; None when the source has no per-member history (IWM
    # holdings, packs): never invented.
    ret_1m: float | None = None
    ret_3m: float | None = None
    ret_6m: float | None = None
    ret_1y: float | None = None
    ret_2y: float | None = None

    def window_return(self, window: str) -> float | None:
        """The return over a chart window (``"1M"`` .. ``"2Y"``), None when unknown."""
        spec = RETURN_WINDOWS.get(window)
        return None if spec is None else getattr(self, spec[0])


RETURN_WINDOWS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        "1M": ("ret_1m", 21),
        "3M": ("ret_3m", 63),
        "6M": ("ret_6m", 126),
        "1Y": ("ret_1y", 252),
        "2Y": ("ret_2y", 504),
    }
)
"""Chart window -> the ``Constituent`` field of its return and its length in sessions."""


class LazyConstituents(Sequence[Constituent], ABC):
    """Constituents made when they are read, in whole or by sector (issue 19: the demo's 2,000
    members with their returns over every window cost ~0.1 s and ~50 MB to make, and the
    dashboard never reads them; a sector screen reads one sector's). Reads are thread-safe: a
    subclass's ``_make`` takes whatever lock its source needs. ``len`` and truth never make
    anything; equal to any sequence of the same constituents."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._all: tuple[Constituent, ...] | None = None
        self._lock = threading.Lock()

    @abstractmethod
    def _make(self, members: Sequence[int] | None) -> list[Constituent]:
        """The constituents at these positions (in this order), or all of them (None)."""

    @abstractmethod
    def sector_names(self) -> Sequence[str]:
        """Each member's sector, in order (without making the members)."""

    @abstractmethod
    def symbols_and_names(self) -> Sequence[tuple[str, str]]:
        """Each member's symbol and name, in order (without making the members)."""

    @abstractmethod
    def position(self, symbol: str) -> int | None:
        """Where ``symbol`` stands (None: not a member)."""

    def made(self) -> tuple[Constituent, ...]:
        """All of them (made once per instance)."""
        with self._lock:
            if self._all is None:
                self._all = tuple(self._make(None))
            return self._all

    def where_sector(self, keep: Callable[[str], bool]) -> list[Constituent]:
        """The members whose sector ``keep`` accepts, in order; only those are made."""
        if self._all is not None:
            return [c for c in self._all if keep(c.sector)]
        kept: dict[str, bool] = {}
        members = [
            i
            for i, sector in enumerate(self.sector_names())
            if kept.setdefault(sector, keep(sector))
        ]
        return self._make(members) if members else []

    def find(self, symbol: str) -> Constituent | None:
        i = self.position(symbol)
        return None if i is None else self[i]

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Constituent: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Constituent, ...]: ...

    def __getitem__(self, index: int | slice) -> Constituent | tuple[Constituent, ...]:
        if isinstance(index, slice) or self._all is not None:
            return self.made()[index]
        i = range(self._count)[index]  # IndexError past the end, negative from the end
        return self._make([i])[0]

    def __iter__(self) -> Iterator[Constituent]:
        return iter(self.made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyConstituents | tuple | list):
            return len(self) == len(other) and self.made() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Sequence[Constituent]) -> tuple[Constituent, ...]:
        return (*self.made(), *other)

    def __radd__(self, other: Sequence[Constituent]) -> tuple[Constituent, ...]:
        return (*other, *self.made())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._count}>"


def sector_members(
    constituents: Sequence[Constituent], keep: Callable[[str], bool]
) -> list[Constituent]:
    """The constituents whose sector ``keep`` accepts (a lazy source makes only those)."""
    if isinstance(constituents, LazyConstituents):
        return constituents.where_sector(keep)
    return [c for c in constituents if keep(c.sector)]


def find_constituent(constituents: Sequence[Constituent], symbol: str) -> Constituent | None:
    """The constituent ``symbol`` (a lazy source makes only it); None when not a member."""
    if isinstance(constituents, LazyConstituents):
        return constituents.find(symbol)
    return next((c for c in constituents if c.symbol == symbol), None)


def member_names(constituents: Sequence[Constituent]) -> Sequence[tuple[str, str]]:
    """Each constituent's symbol and name (a lazy source makes none of them)."""
    if isinstance(constituents, LazyConstituents):
        return constituents.symbols_and_names()
    return [(c.symbol, c.name) for c in constituents]


@dataclass(frozen=True, slots=True, eq=False)
class MarketData:
    """Everything one source knows at one moment. Sources may fill only some fields.

    ``prices`` maps a symbol to its adjusted close by trading day; when the market is open the
    last row is the live price for today (SPEC 6: the live last is row t, the previous close t-1).
    ``pairs`` / ``sectors`` are the ones the source names (a pack's ``pack.toml``); None means
    the catalog's. ``uncut``, when set, is the same source's data to its last day, of which this
    is the cut at ``asof`` (a pack stepped back in time): computations that never look ahead may
    run once on ``uncut`` and be cut at each as-of date.
    """

    source: SourceKind
    asof: datetime
    prices: Mapping[str, pd.Series] = field(default_factory=dict)
    macro: Mapping[str, MacroSeries] = field(default_factory=dict)
    quotes: Mapping[str, Quote] = field(default_factory=dict)
    constituents: Sequence[Constituent] = ()
    """A tuple, or a ``LazyConstituents`` (the demo's): read them through ``sector_members``,
    ``find_constituent`` and ``member_names`` to make only what is shown."""
    statuses: tuple[SourceHealth, ...] = ()
    problems: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] | None = None
    sectors: tuple[SectorPair, ...] | None = None
    uncut: MarketData | None = None
    valuations: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    """P/E by symbol (SPY, IJR, IWM): frames indexed by observation date with the columns
    ``pe`` and ``forward_pe`` (NaN where unknown); see ``analytics.valuation``."""

    def merged(self, newer: MarketData) -> MarketData:
        """This data overlaid by ``newer``: newer fields win symbol by symbol."""
        statuses = {s.name: s for s in self.statuses}
        statuses.update({s.name: s for s in newer.statuses})
        return replace(
            self,
            source=newer.source,
            asof=max(self.asof, newer.asof),
            prices={**self.prices, **newer.prices},
            macro={**self.macro, **newer.macro},
            quotes={**self.quotes, **newer.quotes},
            valuations={**self.valuations, **newer.valuations},
            constituents=newer.constituents or self.constituents,
            statuses=tuple(statuses.values()),
            problems=tuple(dict.fromkeys((*self.problems, *newer.problems))),
            pairs=newer.pairs if newer.pairs is not None else self.pairs,
            sectors=newer.sectors if newer.sectors is not None else self.sectors,
            uncut=None,  # two sources' data overlaid is no longer the cut of one history
        )
