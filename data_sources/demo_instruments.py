"""The demo market's instruments: factor loadings, late-2025 price levels, volumes and names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from analytics.catalog import MARKET_SYMBOLS, SECTORS

TRADING_DAYS = 252
SQRT_DAYS = math.sqrt(TRADING_DAYS)

SECTOR_NAMES: tuple[str, ...] = tuple(s.sector for s in SECTORS)

FACTORS: tuple[str, ...] = ("market", "size", "growth", "oil", "dollar", *SECTOR_NAMES)
"""Common factors. ``market`` and ``oil`` get their volatility from VIX and OVX; the others are
random walks with the constant annual volatilities below."""

FACTOR_INDEX: Mapping[str, int] = {f: i for i, f in enumerate(FACTORS)}

MARKET_VOL_PER_VIX = 0.88
"""Realised S&P volatility as a share of VIX (implied volatility carries a premium)."""
OIL_VOL_PER_OVX = 0.85

FACTOR_VOL: Mapping[str, float] = {
    "market": 0.16,  # only used to size the intraday noise and OHLC ranges
    "size": 0.12,
    "growth": 0.08,
    "oil": 0.35,
    "dollar": 0.07,
    "Information Technology": 0.12,
    "Financials": 0.10,
    "Energy": 0.15,
    "Industrials": 0.07,
    "Health Care": 0.10,
    "Consumer Discretionary": 0.09,
    "Consumer Staples": 0.09,
    "Materials": 0.10,
    "Utilities": 0.13,
    "Real Estate": 0.13,
    "Communication Services": 0.10,
}

FACTOR_DRIFT: Mapping[str, float] = {"market": 0.07, "growth": 0.01}
"""Annual log drift of the random-walk factors (the rest drift 0)."""

Kind = Literal["etf", "index", "future", "volatility", "currency"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """One catalog symbol of the demo market.

    ``level`` is the price at the scenario's anchor row (late-2025 levels). ``loadings`` map
    factor names to betas; ``idio`` is the annual idiosyncratic volatility; ``carry`` the annual
    dividend yield that makes an ETF's adjusted close drift above its index. An index with
    ``tracks`` follows that ETF's price less its carry, with tiny tracking noise.
    """

    symbol: str
    name: str
    kind: Kind
    level: float
    loadings: Mapping[str, float] = field(default_factory=dict)
    idio: float = 0.0
    carry: float = 0.0
    volume: float | None = None
    pe: float | None = None
    tracks: str | None = None


def _etf(
    symbol: str,
    name: str,
    level: float,
    volume: float,
    pe: float,
    carry: float,
    idio: float,
    **loadings: float,
) -> Instrument:
    return Instrument(symbol, name, "etf", level, loadings, idio, carry, volume, pe)


def _sector_loadings(sector: str, beta: float, **extra: float) -> dict[str, float]:
    return {"market": beta, sector: 1.0, **extra}


_IT, _FIN, _EN, _IND, _HC, _CD, _CS, _MAT, _UT, _RE, _CO = SECTOR_NAMES

_LARGE_SECTOR: dict[str, tuple[str, str, float, float, float, float, dict[str, float]]] = {
    # symbol: (sector, name, level, volume, trailing P/E, beta, extra loadings)
    "XLK": (_IT, "Technology Select Sector SPDR Fund", 280.0, 7e6, 38.0, 1.20, {"growth": 0.5}),
    "XLF": (_FIN, "Financial Select Sector SPDR Fund", 53.0, 40e6, 18.0, 1.05, {"growth": -0.2}),
    "XLE": (_EN, "Energy Select Sector SPDR Fund", 45.0, 30e6, 15.0, 0.80, {"oil": 0.35}),
    "XLI": (_IND, "Industrial Select Sector SPDR Fund", 150.0, 9e6, 26.0, 1.00, {}),
    "XLV": (_HC, "Health Care Select Sector SPDR Fund", 150.0, 9e6, 22.0, 0.70, {}),
    "XLY": (
        _CD,
        "Consumer Discretionary Select Sector SPDR Fund",
        235.0,
        4e6,
        29.0,
        1.15,
        {"growth": 0.3},
    ),
    "XLP": (_CS, "Consumer Staples Select Sector SPDR Fund", 78.0, 10e6, 22.0, 0.55, {}),
    "XLB": (_MAT, "Materials Select Sector SPDR Fund", 88.0, 6e6, 24.0, 0.95, {"oil": 0.05}),
    "XLU": (_UT, "Utilities Select Sector SPDR Fund", 85.0, 11e6, 20.0, 0.50, {}),
    "XLRE": (_RE, "Real Estate Select Sector SPDR Fund", 41.0, 7e6, 38.0, 0.85, {}),
    "XLC": (
        _CO,
        "Communication Services Select Sector SPDR Fund",
        112.0,
        6e6,
        20.0,
        1.00,
        {"growth": 0.3},
    ),
}

_SMALL_SECTOR: dict[str, tuple[str, str, float, float, float]] = {
    # symbol: (sector, name, level, volume, trailing P/E)
    "PSCT": (_IT, "Invesco S&P SmallCap Information Technology ETF", 50.0, 40e3, 28.0),
    "PSCF": (_FIN, "Invesco S&P SmallCap Financials ETF", 55.0, 8e3, 14.0),
    "PSCE": (_EN, "Invesco S&P SmallCap Energy ETF", 45.0, 30e3, 11.0),
    "PSCI": (_IND, "Invesco S&P SmallCap Industrials ETF", 120.0, 10e3, 21.0),
    "PSCH": (_HC, "Invesco S&P SmallCap Health Care ETF", 42.0, 15e3, 30.0),
    "PSCD": (_CD, "Invesco S&P SmallCap Consumer Discretionary ETF", 110.0, 5e3, 17.0),
    "PSCC": (_CS, "Invesco S&P SmallCap Consumer Staples ETF", 33.0, 8e3, 18.0),
    "PSCM": (_MAT, "Invesco S&P SmallCap Materials ETF", 80.0, 3e3, 19.0),
    "PSCU": (_UT, "Invesco S&P SmallCap Utilities & Communication Services ETF", 65.0, 4e3, 17.0),
}


def _build() -> tuple[Instrument, ...]:
    items: list[Instrument] = [
        Instrument("^RUT", "Russell 2000", "index", 2400.0, tracks="IWM"),
        Instrument("^GSPC", "S&P 500", "index", 6700.0, volume=4.5e9, tracks="SPY"),
        _etf(
            "IWM", "iShares Russell 2000 ETF", 240.0, 30e6, 18.0, 0.013, 0.02, market=1.15, size=1.0
        ),
        _etf("SPY", "SPDR S&P 500 ETF Trust", 670.0, 70e6, 27.5, 0.012, 0.0, market=1.0),
        _etf(
            "IJR",
            "iShares Core S&P Small-Cap ETF",
            115.0,
            4e6,
            17.0,
            0.014,
            0.03,
            market=1.10,
            size=0.9,
            growth=-0.15,
        ),
        _etf(
            "RSP",
            "Invesco S&P 500 Equal Weight ETF",
            185.0,
            8e6,
            21.0,
            0.015,
            0.02,
            market=0.95,
            size=0.3,
            growth=-0.25,
        ),
        _etf(
            "QQQ",
            "Invesco QQQ Trust, Series 1",
            600.0,
            45e6,
            33.0,
            0.006,
            0.04,
            market=1.10,
            growth=0.9,
            **{_IT: 0.45, _CO: 0.15},
        ),
        _etf(
            "IWN",
            "iShares Russell 2000 Value ETF",
            170.0,
            1.5e6,
            13.0,
            0.019,
            0.03,
            market=1.10,
            size=1.0,
            growth=-0.6,
            **{_FIN: 0.25},
        ),
        _etf(
            "IWO",
            "iShares Russell 2000 Growth ETF",
            310.0,
            0.5e6,
            25.0,
            0.006,
            0.04,
            market=1.20,
            size=1.0,
            growth=0.6,
            **{_HC: 0.25},
        ),
        _etf(
            "MDY",
            "SPDR S&P MidCap 400 ETF Trust",
            590.0,
            1e6,
            20.0,
            0.013,
            0.03,
            market=1.05,
            size=0.5,
        ),
    ]
    for sym, (sector, name, level, volume, pe, beta, extra) in _LARGE_SECTOR.items():
        items.append(
            _etf(
                sym, name, level, volume, pe, 0.02, 0.03, **_sector_loadings(sector, beta, **extra)
            )
        )
    large_beta = {sector: beta for sector, _, _, _, _, beta, _ in _LARGE_SECTOR.values()}
    large_extra = {sector: extra for sector, _, _, _, _, _, extra in _LARGE_SECTOR.values()}
    for sym, (sector, name, level, volume, pe) in _SMALL_SECTOR.items():
        loadings = {"market": large_beta[sector] + 0.15, "size": 0.9, sector: 0.9}
        loadings.update({k: v for k, v in large_extra[sector].items() if k == "oil"})
        items.append(_etf(sym, name, level, volume, pe, 0.015, 0.08, **loadings))
    items += [
        Instrument("^VIX", "CBOE Volatility Index", "volatility", 17.0),
        Instrument("CL=F", "Crude Oil Futures", "future", 60.0, {"oil": 1.0}, volume=250e3),
        Instrument("BZ=F", "Brent Crude Oil Futures", "future", 64.0, {"oil": 1.0}, volume=30e3),
        Instrument("^OVX", "CBOE Crude Oil Volatility Index", "volatility", 35.0),
        Instrument("DX-Y.NYB", "US Dollar Index", "currency", 99.5, {"dollar": 1.0, "oil": -0.03}),
    ]
    return tuple(items)


INSTRUMENTS: tuple[Instrument, ...] = _build()
SYMBOLS: tuple[str, ...] = tuple(i.symbol for i in INSTRUMENTS)
INDEX: Mapping[str, int] = {s: i for i, s in enumerate(SYMBOLS)}
BY_SYMBOL: Mapping[str, Instrument] = {i.symbol: i for i in INSTRUMENTS}

missing = set(MARKET_SYMBOLS) - set(SYMBOLS)
if missing:  # the catalog grew: the demo must simulate every symbol it names
    raise RuntimeError(f"demo market lacks instruments for {sorted(missing)}")

BRENT_PREMIUM = 64.0 / 60.0
"""Brent over WTI, the mean of the spread's mean-reverting ratio."""


def loading_matrix() -> np.ndarray:
    """Symbols x factors betas (indices, volatility indices and Brent are filled elsewhere)."""
    b = np.zeros((len(INSTRUMENTS), len(FACTORS)))
    for i, inst in enumerate(INSTRUMENTS):
        for f, beta in inst.loadings.items():
            b[i, FACTOR_INDEX[f]] = beta
    return b


def daily_vol() -> np.ndarray:
    """Typical daily log volatility per symbol (for intraday noise, gaps and OHLC ranges)."""
    b = loading_matrix()
    fv = np.array([FACTOR_VOL[f] for f in FACTORS]) / SQRT_DAYS
    idio = np.array([inst.idio for inst in INSTRUMENTS]) / SQRT_DAYS
    vol = np.sqrt((b**2) @ (fv**2) + idio**2)
    for i, inst in enumerate(INSTRUMENTS):
        if inst.tracks:
            vol[i] = vol[INDEX[inst.tracks]]
        elif inst.kind == "volatility":
            vol[i] = 0.07
    return vol
