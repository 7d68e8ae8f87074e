"""The demo's synthetic small-cap universe: ~2,000 deterministic companies with GICS sectors,
index weights and prices that follow the demo market's factors."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_sources.demo_instruments import FACTOR_INDEX, SECTOR_NAMES, SQRT_DAYS, SYMBOLS
from data_sources.demo_market import (
    GAP_SHARE,
    MKT,
    SIZE,
    STREAM_MEMBER,
    STREAM_NAMES,
    STREAM_UNIVERSE,
    STREAM_UNIVERSE_DAY,
    History,
    LiveDay,
    rng_for,
)

UNIVERSE_SIZE = 2000
KNOTS = 13  # idiosyncratic intraday moves are drawn every half hour and interpolated

# Russell 2000-like sector mix, in SECTOR_NAMES order.
_SECTOR_SHARE = np.array([0.13, 0.17, 0.05, 0.17, 0.16, 0.10, 0.035, 0.045, 0.03, 0.07, 0.03])

# Letter frequencies of US tickers (A..Z): consonant-heavy, few Q/X/Z.
_LETTER_WEIGHT = np.array(
    [7, 4, 6, 4, 5, 4, 4, 3, 4, 1, 2, 4, 5, 5, 3, 5, 0.4, 5, 7, 6, 3, 2, 2, 0.6, 1, 0.6]
)

_PREFIXES = (
    "Summit", "Harbor", "Cedar", "Granite", "Pioneer", "Keystone", "Northfield", "Silverline",
    "Bluewater", "Redwood", "Ironbridge", "Meridian", "Crescent", "Beacon", "Lakeshore", "Prairie",
    "Sterling", "Evergreen", "Atlas", "Horizon", "Frontier", "Cobalt", "Juniper", "Oakmont",
    "Riverbend", "Stonegate", "Westbrook", "Eastgate", "Highland", "Clearwater", "Falcon", "Heron",
    "Orion", "Vertex", "Nova", "Apex", "Polaris", "Sequoia", "Aspen", "Tidewater", "Canyon",
    "Copperline", "Driftwood", "Elmstead", "Fairhaven", "Glacier", "Hawthorne", "Ironwood",
    "Kestrel", "Larkspur", "Magnolia", "Northstar", "Osprey", "Pinecrest", "Quarry", "Ridgeline",
    "Saddleback", "Timberline", "Upland", "Valley", "Willow", "Yellowstone", "Zephyr", "Alder",
    "Bayview", "Cascade", "Delta", "Ember", "Foxglove", "Greystone", "Halcyon", "Indigo",
    "Jetstream", "Kingsway", "Lodestar", "Mariner", "Nimbus", "Oakridge", "Pathway", "Quantum",
    "Rockport", "Seaside", "Trident", "Unity", "Vanguardia", "Wavecrest", "Bridgewater", "Coral",
    "Dunmore", "Everest", "Firstline", "Goldleaf", "Hillcrest", "Islander", "Lighthouse", "Marble",
)  # fmt: skip

_CORES: Mapping[str, tuple[str, ...]] = {
    "Information Technology": ("Semiconductor", "Software", "Networks", "Systems", "Photonics",
                               "Data", "Cloud", "Microdevices", "Technologies"),
    "Financials": ("Bancorp", "Financial", "Bancshares", "Capital", "Insurance", "Trust",
                   "Savings Bank"),
    "Energy": ("Energy", "Petroleum", "Resources", "Drilling", "Midstream", "Oilfield Services"),
    "Industrials": ("Industries", "Aerospace", "Logistics", "Manufacturing", "Machinery",
                    "Engineering", "Freight", "Building Products"),
    "Health Care": ("Therapeutics", "Biosciences", "Pharmaceuticals", "Medical", "Health",
                    "Diagnostics", "Genomics", "Surgical"),
    "Consumer Discretionary": ("Brands", "Retail", "Restaurants", "Homes", "Apparel", "Outdoor",
                               "Leisure", "Auto Parts"),
    "Consumer Staples": ("Foods", "Beverage", "Farms", "Grocers", "Household Products"),
    "Materials": ("Materials", "Chemicals", "Metals", "Mining", "Packaging", "Steel"),
    "Utilities": ("Utilities", "Power", "Water", "Electric", "Gas"),
    "Real Estate": ("Realty", "Properties", "REIT", "Residential", "Storage Trust",
                    "Office Trust"),
    "Communication Services": ("Media", "Communications", "Broadcasting", "Telecom",
                               "Interactive", "Publishing"),
}  # fmt: skip
_SUFFIXES = ("Inc.", "Corp.", "Holdings", "Group", "Co.", "Inc.", "Corp.")


@dataclass(frozen=True, slots=True, eq=False)
class Universe:
    """The members, largest weight first. ``close`` is each member's close on the last history
    row; ``idio`` its daily idiosyncratic volatility; ``beta`` its market beta."""

    tickers: tuple[str, ...]
    names: tuple[str, ...]
    sector: np.ndarray
    weight: np.ndarray
    beta: np.ndarray
    idio: np.ndarray
    close: np.ndarray
    index: Mapping[str, int]

    @property
    def sectors(self) -> tuple[str, ...]:
        return tuple(SECTOR_NAMES[k] for k in self.sector.tolist())


def _tickers(rng: np.random.Generator, n: int) -> list[str]:
    p = _LETTER_WEIGHT / _LETTER_WEIGHT.sum()
    taken = set(SYMBOLS)
    out: list[str] = []
    while len(out) < n:
        m = 2 * n
        letters = rng.choice(26, size=(m, 4), p=p).astype(np.uint8) + ord("A")
        lengths = rng.choice([2, 3, 4], size=m, p=[0.04, 0.46, 0.50]).tolist()
        raw = letters.view("S4").ravel().tolist()
        for code, k in zip(raw, lengths, strict=True):
            t = code[:k].decode("ascii")
            if t not in taken:
                taken.add(t)
                out.append(t)
                if len(out) == n:
                    break
    return out


def _names(rng: np.random.Generator, sector: np.ndarray) -> list[str]:
    n = len(sector)
    pre = rng.integers(0, len(_PREFIXES), n).tolist()
    core = rng.integers(0, 1 << 30, n).tolist()
    suf = rng.integers(0, len(_SUFFIXES), n).tolist()
    used: set[str] = set()
    out: list[str] = []
    for i, k in enumerate(sector.tolist()):
        cores = _CORES[SECTOR_NAMES[k]]
        p = pre[i]
        for attempt in range(len(_PREFIXES)):
            head = _PREFIXES[(p + attempt) % len(_PREFIXES)]
            name = f"{head} {cores[core[i] % len(cores)]} {_SUFFIXES[suf[i]]}"
            if name not in used:
                break
        else:  # every prefix taken for this core and suffix: tell them apart by a Roman numeral
            name = f"{name} II"
        used.add(name)
        out.append(name)
    return out


def build_universe(seed: int, n: int = UNIVERSE_SIZE) -> Universe:
    """The same companies for a seed whatever the scenario (only their prices differ)."""
    rng = rng_for(seed, 0, STREAM_NAMES)
    sector = rng.choice(len(SECTOR_NAMES), size=n, p=_SECTOR_SHARE / _SECTOR_SHARE.sum())
    cap = np.exp(rng.normal(0.0, 0.9, n))
    order = np.argsort(-cap, kind="stable")
    sector, cap = sector[order], cap[order]
    weight = cap / cap.sum() * 100.0
    beta = np.clip(rng.normal(1.15, 0.3, n), 0.3, 2.2)
    idio = np.exp(rng.normal(np.log(0.38), 0.35, n)) / SQRT_DAYS
    close = np.round(np.clip(np.exp(rng.normal(np.log(22.0), 0.9, n)), 1.5, 450.0), 2)
    tickers = _tickers(rng, n)
    names = _names(rng, sector)
    return Universe(
        tickers=tuple(tickers),
        names=tuple(names),
        sector=sector,
        weight=weight,
        beta=beta,
        idio=idio,
        close=close,
        index={t: i for i, t in enumerate(tickers)},
    )


def _sector_columns(u: Universe) -> np.ndarray:
    return np.array([FACTOR_INDEX[SECTOR_NAMES[k]] for k in u.sector.tolist()])


def factor_returns(u: Universe, dx: np.ndarray, members: np.ndarray | None = None) -> np.ndarray:
    """Members' common log return from factor moves ``dx`` (rows x factors) -> rows x members."""
    cols = _sector_columns(u)
    sel = slice(None) if members is None else members
    return dx[:, [MKT]] * u.beta[sel] + dx[:, [SIZE]] + dx[:, cols[sel]]


def last_day_returns(u: Universe, hist: History, seed: int, scen: int) -> np.ndarray:
    """Each member's log return on the last history row."""
    dx = (hist.x[-1] - hist.x[-2])[None, :]
    e = rng_for(seed, scen, STREAM_UNIVERSE).standard_normal(len(u.tickers))
    return factor_returns(u, dx)[0] + u.idio * e


@dataclass(frozen=True, slots=True, eq=False)
class UniverseDay:
    """Members' idiosyncratic half-hour knots for one live session (the factors come from it)."""

    day: LiveDay
    knots: np.ndarray  # (KNOTS + 1) x members, cumulative idiosyncratic log move

    def log_move(self, u: Universe, minute: int) -> np.ndarray:
        """Each member's log move from the previous close to ``minute`` of the session."""
        pos = minute / self.day.minutes * KNOTS
        k = min(int(pos), KNOTS - 1)
        frac = pos - k
        idio = self.knots[k] * (1.0 - frac) + self.knots[k + 1] * frac
        return factor_returns(u, self.day.factors[minute][None, :])[0] + idio


def universe_day(u: Universe, day: LiveDay, seed: int, scen: int) -> UniverseDay:
    rng = rng_for(seed, scen, STREAM_UNIVERSE_DAY, day.day.toordinal())
    xi = rng.standard_normal((KNOTS + 1, len(u.tickers)))
    share = np.full(KNOTS + 1, (1.0 - GAP_SHARE) / KNOTS)
    share[0] = GAP_SHARE
    knots = np.cumsum(np.sqrt(share)[:, None] * xi, axis=0) * u.idio
    return UniverseDay(day, knots)


def _member_rng(u: Universe, j: int, seed: int, scen: int) -> np.random.Generator:
    """Member ``j``'s own generator: its first ``n`` normals are its idiosyncratic moves."""
    return rng_for(seed, scen, STREAM_MEMBER, zlib.crc32(u.tickers[j].encode("ascii")))


def member_closes(
    u: Universe,
    hist: History,
    last_returns: np.ndarray,
    seed: int,
    scen: int,
    tail: int,
    members: np.ndarray | None = None,
) -> np.ndarray:
    """The last ``tail`` history closes of the ``members`` (indices; default all) as rows x
    members, exactly the ``close`` column of :func:`member_history` for each (same draws, same
    arithmetic, column by column) but with one generator draw per member instead of a whole
    frame: ~50 us a member. Computed ``_CHUNK`` members at a time (the whole universe at once
    held ~48 MB of temporaries)."""
    js = np.arange(len(u.tickers)) if members is None else np.asarray(members, dtype=np.intp)
    n = len(hist.days)
    out = np.empty((min(tail, n), len(js)))
    dx = np.diff(hist.x, axis=0)
    for lo in range(0, len(js), _CHUNK):
        part = js[lo : lo + _CHUNK]
        e = np.empty((n, len(part)))
        for k, j in enumerate(part.tolist()):
            e[:, k] = _member_rng(u, j, seed, scen).standard_normal(n)
        r = np.zeros((n, len(part)))
        r[1:] = factor_returns(u, dx, part) + u.idio[part] * e[1:]
        r[-1] = last_returns[part]
        lp = np.cumsum(r, axis=0)
        lp += np.log(u.close[part]) - lp[-1]
        out[:, lo : lo + len(part)] = np.exp(lp[-tail:])
    return out


_CHUNK = 256


def member_history(
    u: Universe, j: int, hist: History, last_return: float, seed: int, scen: int
) -> pd.DataFrame:
    """Daily OHLCV of member ``j`` over the history rows, ending on its known close."""
    rng = _member_rng(u, j, seed, scen)
    n = len(hist.days)
    e = rng.standard_normal(n)
    dx = np.diff(hist.x, axis=0)
    r = np.zeros(n)
    r[1:] = factor_returns(u, dx, np.array([j]))[:, 0] + u.idio[j] * e[1:]
    r[-1] = last_return
    lp = np.cumsum(r)
    lp += np.log(u.close[j]) - lp[-1]
    zg, zh, zl, zv = (rng.standard_normal(n) for _ in range(4))
    sd = float(np.sqrt(u.idio[j] ** 2 + (u.beta[j] * 0.16 / SQRT_DAYS) ** 2))
    prev = np.concatenate((lp[:1], lp[:-1]))
    o = prev + np.sqrt(GAP_SHARE) * sd * zg
    hi = np.maximum(o, lp) + 0.5 * sd * np.abs(zh)
    lo = np.minimum(o, lp) - 0.5 * sd * np.abs(zl)
    base_volume = 4e7 * u.weight[j] / u.close[j]
    volume = np.round(base_volume * np.exp(0.35 * zv) * (0.5 + 0.5 * np.abs(r) / sd))
    return pd.DataFrame(
        {
            "open": np.exp(o),
            "high": np.exp(hi),
            "low": np.exp(lo),
            "close": np.exp(lp),
            "volume": volume,
        },
        index=hist.days,
    )
