"""The valuation gap: trailing and forward P/E of the large side and the small sides, the gap
between them in turns and percent, and its history and 5-year z-score (SPEC 11).

Inputs are per-symbol frames indexed by observation date with the columns ``pe`` and
``forward_pe`` (NaN where unknown), from Yahoo quotes, a fund's holdings statistics, a pack's
``valuation/<SYMBOL>.csv`` or the demo. Definitions:

- **Gap** = large P/E minus small P/E, in turns (22x against 15x is a gap of 7.0 turns), and
  as a percentage of the large P/E (the small side's discount: 7 / 22 = 31.8 %). Both on the
  forward P/E where both sides have one, else on the trailing P/E; the small side is the first
  of ``small`` (IJR, the S&P 600) with a value on that basis, else the next (IWM).
- **Stale**: a value observed more than :data:`STALE_AFTER_DAYS` before the as-of day is unknown,
  with the reason, like any other stale value.
- **5-year z-score** of the gap: ``(gap[t] - mean) / std`` (sample std) over the observations of
  the 5 years up to ``t``; None when the history does not reach 5 years back (a window with too
  little history gives None, not a shorter window) or holds fewer than :data:`MIN_Z_OBS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.types import PE, Basis, ValuationGap

LARGE = "SPY"
SMALL: tuple[str, ...] = ("IJR", "IWM")
SYMBOLS: tuple[str, ...] = (LARGE, *SMALL)
LABELS: Mapping[str, str] = {"SPY": "S&P 500", "IJR": "S&P 600", "IWM": "Russell 2000"}

STALE_AFTER_DAYS = 7
Z_YEARS = 5
Z_DAYS = 1826  # 5 years of calendar days
MIN_Z_OBS = 24
"""At least two years of monthly observations (or their daily equivalent) in the window."""
COLUMNS: tuple[str, str] = ("pe", "forward_pe")
_NS_PER_DAY = 86_400_000_000_000


def _finite(x: object) -> float | None:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f > 0 else None


def clean_frame(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with a normalised tz-naive ascending unique date index and both columns as
    positive finite floats (NaN elsewhere), rows without any value dropped; None when empty."""
    if frame is None or frame.empty:
        return None
    idx = frame.index
    clean_index = (
        isinstance(idx, pd.DatetimeIndex)
        and idx.tz is None
        and idx.is_monotonic_increasing
        and idx.is_unique
        and not (idx.asi8 % _NS_PER_DAY).any()
    )
    if clean_index and _clean_already(frame):
        return frame  # nothing to change: the demo's and a pack's frames (every busy poll)
    if not clean_index:  # the producers give clean indexes; anything else is cleaned slowly
        idx = pd.DatetimeIndex(pd.to_datetime(idx))
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        idx = idx.normalize()
    cols: dict[str, np.ndarray] = {}
    for col in COLUMNS:
        if col not in frame:
            cols[col] = np.full(len(frame), np.nan)
            continue
        raw = frame[col]
        if raw.dtype != np.float64:
            raw = pd.to_numeric(pd.Series(raw.to_numpy(), copy=False), errors="coerce")
        arr = raw.to_numpy(dtype=float, copy=True)
        with np.errstate(invalid="ignore"):
            arr[~np.isfinite(arr) | (arr <= 0)] = np.nan
        cols[col] = arr
    keep = ~(np.isnan(cols["pe"]) & np.isnan(cols["forward_pe"]))
    out = pd.DataFrame({c: a[keep] for c, a in cols.items()}, index=idx[keep])
    if not (out.index.is_monotonic_increasing and out.index.is_unique):
        out = out[~out.index.duplicated(keep="last")].sort_index()
    return None if out.empty else out


def _clean_already(frame: pd.DataFrame) -> bool:
    """True when ``frame`` (on a clean index) is what ``clean_frame`` would make of it: exactly
    the two columns as floats, each value positive or NaN, no row without a value."""
    if list(frame.columns) != list(COLUMNS):
        return False
    arrays = [frame[c].to_numpy() for c in COLUMNS]
    if any(a.dtype != np.float64 for a in arrays):
        return False
    pe, fwd = arrays
    with np.errstate(invalid="ignore"):
        bad = (pe <= 0) | np.isinf(pe) | (fwd <= 0) | np.isinf(fwd) | (np.isnan(pe) & np.isnan(fwd))
    return not bad.any()


def pe_at(symbol: str, frame: pd.DataFrame | None, day: date, *, clean: bool = False) -> PE:
    """The last observation at or before ``day``; unknown (with why) when none or stale.
    ``clean``: ``frame`` comes from ``clean_frame`` already."""
    f = frame if clean else clean_frame(frame)
    if f is None:
        return PE(symbol, None, None, None, f"{symbol}: no P/E in the data")
    # By position on the clean index (label slices of the frame cost more than the rest).
    days = f.index.as_unit("ns").asi8
    end = int(np.searchsorted(days, pd.Timestamp(day).value, "right"))  # rows up to ``day``
    if end == 0:
        return PE(symbol, None, None, None, f"{symbol}: no P/E by {day.isoformat()}")
    when = pd.Timestamp(days[end - 1]).date()
    if (day - when).days > STALE_AFTER_DAYS:
        return PE(symbol, None, None, when, f"{symbol}: P/E data ends {when.isoformat()}")
    pes, fwds = f["pe"].to_numpy(dtype=float), f["forward_pe"].to_numpy(dtype=float)
    pe, fwd = _finite(pes[end - 1]), _finite(fwds[end - 1])
    # A trailing value known earlier in the week still holds when the last row has only one.
    week = pd.Timestamp(day - timedelta(days=STALE_AFTER_DAYS)).value
    start = int(np.searchsorted(days, week, "left"))
    if pe is None:
        pe = _last_known(pes[start:end])
    if fwd is None:
        fwd = _last_known(fwds[start:end])
    return PE(symbol, pe, fwd, when)


def _last_known(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return _finite(known[-1]) if len(known) else None


def _gap(large: float, small: float) -> tuple[float, float]:
    turns = large - small
    return round(turns, 4), round(turns / large * 100.0, 4)


def valuation_gap(
    frames: Mapping[str, pd.DataFrame],
    day: date,
    *,
    large: str = LARGE,
    small: tuple[str, ...] = SMALL,
) -> ValuationGap:
    """P/E of each side at ``day`` and the gap between them (see the module docstring)."""
    clean = {s: clean_frame(frames.get(s)) for s in (large, *small)}  # once, not per use
    big = pe_at(large, clean[large], day, clean=True)
    smalls = tuple(pe_at(s, clean[s], day, clean=True) for s in small)
    gap_turns = gap_pct = None
    basis: Basis | None = None
    gap_small: str | None = None
    reason: str | None = None
    for b, field in (("forward", "forward_pe"), ("trailing", "pe")):
        lv = getattr(big, field)
        if lv is None:
            continue
        for sm in smalls:
            sv = getattr(sm, field)
            if sv is not None:
                gap_turns, gap_pct = _gap(lv, sv)
                basis, gap_small = b, sm.symbol  # type: ignore[assignment]
                break
        if basis is not None:
            break
    if basis is None:
        why = [p.reason for p in (big, *smalls) if p.reason]
        reason = "; ".join(why) or f"no P/E on a common basis for {large} and {', '.join(small)}"
    z = None
    if basis is not None and gap_small is not None:
        hist = gap_history(clean, gap_small, large=large, basis=basis, clean=True)
        z = zscore_at(hist, day)
    return ValuationGap(big, smalls, gap_turns, gap_pct, basis, gap_small, z, reason)


def gap_history(
    frames: Mapping[str, pd.DataFrame | None],
    small: str,
    *,
    large: str = LARGE,
    basis: Basis = "forward",
    clean: bool = False,
) -> pd.Series:
    """The gap in turns by date on one basis: each large observation against the small side's
    last observation within the stale window before it (series observed on different days).
    ``clean``: the frames come from ``clean_frame`` already."""
    field = "forward_pe" if basis == "forward" else "pe"
    lf, sf = frames.get(large), frames.get(small)
    if not clean:
        lf, sf = clean_frame(lf), clean_frame(sf)
    if lf is None or sf is None:
        return pd.Series(dtype=float, name="gap")
    left = lf[field].dropna()
    right = sf[field].dropna()
    if left.empty or right.empty:
        return pd.Series(dtype=float, name="gap")
    # pandas' merge_asof (backward, within the stale window) by position: the frames are clean
    # (ascending unique days), and each poll of a busy market asks again (~2 ms of merge).
    lidx = left.index.as_unit("ns")
    ldays, rdays = lidx.asi8, right.index.as_unit("ns").asi8
    pos = np.searchsorted(rdays, ldays, side="right") - 1
    at = np.maximum(pos, 0)
    ok = (pos >= 0) & (ldays - rdays[at] <= pd.Timedelta(days=STALE_AFTER_DAYS).value)
    gap = left.to_numpy()[ok] - right.to_numpy()[at[ok]]
    return pd.Series(gap, index=lidx[ok], name="gap")


def zscore_series(gap: pd.Series) -> pd.Series:
    """The 5-year z-score of ``gap`` at each date (NaN where the history is too short)."""
    if gap.empty:
        return pd.Series(dtype=float, name="z")
    window = f"{Z_DAYS}D"
    roll = gap.rolling(window, min_periods=MIN_Z_OBS)
    z = (gap - roll.mean()) / roll.std(ddof=1)
    first = gap.index[0]
    z[gap.index < first + pd.Timedelta(days=Z_DAYS - 31)] = np.nan  # less than 5 years behind
    return z.replace([np.inf, -np.inf], np.nan).rename("z")


def zscore_at(gap: pd.Series, day: date) -> float | None:
    """The 5-year z-score of the last gap observation at or before ``day`` (as
    ``zscore_series`` at that date, computed for that one point)."""
    g = gap.loc[: pd.Timestamp(day)]
    if g.empty:
        return None
    last = g.index[-1]
    if g.index[0] > last - pd.Timedelta(days=Z_DAYS - 31):
        return None  # less than five years behind it: never a shorter window
    window = g[g.index > last - pd.Timedelta(days=Z_DAYS)].to_numpy(dtype=float)
    if len(window) < MIN_Z_OBS:
        return None
    std = float(np.std(window, ddof=1))
    if not math.isfinite(std) or std == 0.0:
        return None
    return round((float(window[-1]) - float(np.mean(window))) / std, 4)
