"""The demo market's P/E of SPY, IJR and IWM: each fund's price over a smoothly growing
earnings line, so valuations move with the demo's prices and differ by scenario (SPEC 11)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

# (trailing, forward) P/E at the demo date, per scenario: the early-2026 picture of about 22x
# forward for the S&P 500 against 15x for the S&P 600, cheaper after a hard landing's sell-off.
TARGETS: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "rotation": {"SPY": (27.4, 22.1), "IJR": (18.6, 15.0), "IWM": (20.3, 16.4)},
    "hard-landing": {"SPY": (23.8, 19.6), "IJR": (15.9, 13.1), "IWM": (17.2, 14.3)},
    "oil-shock": {"SPY": (25.6, 20.8), "IJR": (17.4, 14.2), "IWM": (18.9, 15.5)},
    "calm": {"SPY": (28.1, 22.6), "IJR": (19.4, 15.6), "IWM": (21.0, 17.0)},
}
# Yearly growth of (trailing, forward) earnings: small caps' earnings recover faster in the
# rotation, and shrink in a hard landing.
GROWTH: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "rotation": {"SPY": (0.09, 0.10), "IJR": (0.04, 0.12), "IWM": (0.03, 0.13)},
    "hard-landing": {"SPY": (0.05, 0.02), "IJR": (0.00, -0.06), "IWM": (-0.01, -0.08)},
    "oil-shock": {"SPY": (0.07, 0.06), "IJR": (0.03, 0.04), "IWM": (0.02, 0.04)},
    "calm": {"SPY": (0.09, 0.09), "IJR": (0.05, 0.07), "IWM": (0.04, 0.07)},
}


def demo_valuations(
    prices: Mapping[str, pd.Series], scenario: str, anchor: date
) -> dict[str, pd.DataFrame]:
    """P/E frames (``pe``, ``forward_pe``) by trading day for SPY, IJR and IWM; the P/E equals
    the scenario's target at the last close before ``anchor``."""
    out: dict[str, pd.DataFrame] = {}
    targets, growth = TARGETS.get(scenario), GROWTH.get(scenario)
    if targets is None or growth is None:
        return out
    for symbol, (pe0, fwd0) in targets.items():
        closes = prices.get(symbol)
        if closes is None or closes.empty:
            continue
        p = closes.to_numpy(dtype=float)
        base, days = _base_and_days(closes, p, anchor)
        if not math.isfinite(base) or base <= 0:
            continue
        years = days / 365.25
        g_pe, g_fwd = growth[symbol]
        pe = p / ((base / pe0) * np.exp(g_pe * years))
        fwd = p / ((base / fwd0) * np.exp(g_fwd * years))
        out[symbol] = pd.DataFrame(
            {"pe": np.round(pe, 2), "forward_pe": np.round(fwd, 2)}, index=closes.index
        )
    return out


_NS_PER_DAY = 86_400 * 10**9


def _base_and_days(closes: pd.Series, p: np.ndarray, anchor: date) -> tuple[float, np.ndarray]:
    """The last close before ``anchor`` (else the first) and each row's whole days from
    ``anchor`` (floored, as floats): ``closes.loc[:anchor - 1 day].iloc[-1]`` and
    ``(closes.index - anchor).days``. On the demo's index (tz-naive, ascending, no NaT) by
    positions: the label slice and the index arithmetic were most of a busy poll's demo market
    (a new minute is a new view, valued again: issue 19); the same numbers."""
    idx = closes.index
    start = pd.Timestamp(anchor)
    if (
        isinstance(idx, pd.DatetimeIndex)
        and idx.tz is None
        and not idx.hasnans
        and idx.is_monotonic_increasing
    ):
        ns = idx.as_unit("ns").asi8
        a = start.as_unit("ns").value
        n_before = int(np.searchsorted(ns, a - _NS_PER_DAY, "right"))
        base = float(p[n_before - 1]) if n_before else float(p[0])
        return base, ((ns - a) // _NS_PER_DAY).astype(float)
    return _base_and_days_by_labels(closes, anchor)


def _base_and_days_by_labels(closes: pd.Series, anchor: date) -> tuple[float, np.ndarray]:
    before = closes.loc[: pd.Timestamp(anchor) - pd.Timedelta(days=1)]
    base = float(before.iloc[-1]) if not before.empty else float(closes.iloc[0])
    return base, (closes.index - pd.Timestamp(anchor)).days.to_numpy(dtype=float)
