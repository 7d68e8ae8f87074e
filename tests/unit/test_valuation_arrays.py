"""Issue 19: the valuation gap by position (clean frames kept as they are, P/E at a day and the
gap history found by searchsorted) equals the previous label-slicing code, frame for frame."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics import valuation as v
from analytics.types import PE
from data_sources.demo import DemoSource

# -- the previous code, the reference --------------------------------------------------------


def ref_clean_frame(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None or frame.empty:
        return None
    idx = frame.index
    if not (
        isinstance(idx, pd.DatetimeIndex)
        and idx.tz is None
        and idx.is_monotonic_increasing
        and idx.is_unique
        and not (idx.asi8 % v._NS_PER_DAY).any()
    ):
        idx = pd.DatetimeIndex(pd.to_datetime(idx))
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        idx = idx.normalize()
    cols: dict[str, np.ndarray] = {}
    for col in v.COLUMNS:
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


def ref_pe_at(symbol: str, frame: pd.DataFrame | None, day: date) -> PE:
    f = ref_clean_frame(frame)
    if f is None:
        return PE(symbol, None, None, None, f"{symbol}: no P/E in the data")
    f = f.loc[: pd.Timestamp(day)]
    if f.empty:
        return PE(symbol, None, None, None, f"{symbol}: no P/E by {day.isoformat()}")
    when = pd.Timestamp(f.index[-1]).date()
    if (day - when).days > v.STALE_AFTER_DAYS:
        return PE(symbol, None, None, when, f"{symbol}: P/E data ends {when.isoformat()}")
    row = f.iloc[-1]
    pe, fwd = v._finite(row["pe"]), v._finite(row["forward_pe"])
    recent = f.loc[pd.Timestamp(day - timedelta(days=v.STALE_AFTER_DAYS)) :]
    if pe is None and recent["pe"].notna().any():
        pe = v._finite(recent["pe"].dropna().iloc[-1])
    if fwd is None and recent["forward_pe"].notna().any():
        fwd = v._finite(recent["forward_pe"].dropna().iloc[-1])
    return PE(symbol, pe, fwd, when)


def ref_gap_history(frames: dict[str, pd.DataFrame | None], small: str, basis: str) -> pd.Series:
    field = "forward_pe" if basis == "forward" else "pe"
    lf, sf = ref_clean_frame(frames.get("SPY")), ref_clean_frame(frames.get(small))
    if lf is None or sf is None:
        return pd.Series(dtype=float, name="gap")
    left, right = lf[field].dropna(), sf[field].dropna()
    if left.empty or right.empty:
        return pd.Series(dtype=float, name="gap")
    joined = pd.merge_asof(
        pd.DataFrame({"large": left.to_numpy()}, index=left.index.as_unit("ns")),
        pd.DataFrame({"small": right.to_numpy()}, index=right.index.as_unit("ns")),
        left_index=True,
        right_index=True,
        direction="backward",
        tolerance=pd.Timedelta(days=v.STALE_AFTER_DAYS),
    ).dropna()
    return (joined["large"] - joined["small"]).rename("gap")


# -- frames ----------------------------------------------------------------------------------


def messy(rng: np.random.Generator, n: int, kind: int) -> pd.DataFrame:
    """Frames as sources give them, clean and not: gaps of weeks, NaN, zero, negative and
    infinite values, rows without a value, times and time zones, duplicates, disorder."""
    days = pd.bdate_range("2017-01-02", periods=n)
    if kind % 3 == 1:  # weekly with holes of several weeks
        days = days[::5][np.sort(rng.choice(n // 5, size=n // 7, replace=False))]
    if kind % 2 == 0:  # as the demo and a pack index them; the others keep pandas' unit
        days = days.as_unit("ns")
    pe = np.round(rng.uniform(8, 30, len(days)), 2)
    fwd = np.round(pe * rng.uniform(0.7, 1.0, len(days)), 2)
    if kind % 2:
        for a in (pe, fwd):
            a[rng.random(len(a)) < 0.15] = np.nan
        pe[rng.random(len(pe)) < 0.03] = -1.0
        fwd[rng.random(len(fwd)) < 0.03] = 0.0
        pe[rng.random(len(pe)) < 0.02] = np.inf
    frame = pd.DataFrame({"pe": pe, "forward_pe": fwd}, index=days)
    if kind == 4:
        frame.index = frame.index + pd.Timedelta(hours=16)  # a time part
    if kind == 5:
        frame.index = frame.index.tz_localize("America/New_York")
    if kind == 6:
        frame = pd.concat([frame, frame.iloc[3:9]]).sort_index(kind="stable")  # duplicates
    if kind == 7:
        frame = frame.iloc[::-1]
    if kind == 8:
        frame = frame[["forward_pe"]]  # one column only
    if kind == 9:
        frame = frame.assign(extra=1.0)
    if kind == 10:
        frame = frame.astype(object)
    if kind == 12:  # clean floats but for rows without any value
        frame.loc[frame.index[::9], ["pe", "forward_pe"]] = np.nan
    if kind in (0, 2):  # clean floats, each row with one value at least
        frame.loc[frame.index[::4], "pe"] = np.nan
        frame.loc[frame.index[1::4], "forward_pe"] = np.nan
    return frame


def assert_same_frame(got: pd.DataFrame | None, want: pd.DataFrame | None) -> None:
    assert (got is None) == (want is None)
    if got is not None:
        pd.testing.assert_frame_equal(got, want)


def check(frames: dict[str, pd.DataFrame | None], days: list[date]) -> None:
    for f in frames.values():
        assert_same_frame(v.clean_frame(f), ref_clean_frame(f))
    for s, f in frames.items():
        for day in days:
            assert v.pe_at(s, f, day) == ref_pe_at(s, f, day), (s, day)
    for small in ("IJR", "IWM"):
        for basis in ("forward", "trailing"):
            got = v.gap_history(frames, small, basis=basis)  # type: ignore[arg-type]
            want = ref_gap_history(frames, small, basis)
            pd.testing.assert_series_equal(got, want)


@pytest.mark.parametrize("kind", range(13))
def test_messy_frames_give_what_the_label_slicing_gave(kind: int) -> None:
    rng = np.random.default_rng(kind)
    frames: dict[str, pd.DataFrame | None] = {
        "SPY": messy(rng, 700, kind),
        "IJR": messy(rng, 650, (kind + 1) % 13),
        "IWM": messy(rng, 500, kind),
    }
    start = date(2016, 12, 20)
    days = [start + timedelta(days=int(d)) for d in rng.integers(0, 1200, 40)]
    check(frames, days)


def test_demo_frames_are_kept_as_they_are_and_read_the_same() -> None:
    for scenario in ("rotation", "hard-landing", "oil-shock", "calm"):
        src = DemoSource(seed=5, scenario=scenario, start=datetime(2026, 11, 24, 15, tzinfo=UTC))
        frames = dict(src.market_data(datetime(2026, 11, 24, 19, tzinfo=UTC)).valuations)
        assert frames and all(v.clean_frame(f) is f for f in frames.values())
        first = min(f.index[0] for f in frames.values()).date()
        days = [first + timedelta(days=d) for d in range(-3, 1200, 17)] + [date(2026, 11, 24)]
        check(frames, days)  # type: ignore[arg-type]
        gap = v.valuation_gap(frames, date(2026, 11, 24))
        assert gap.gap_turns is not None and math.isfinite(gap.gap_turns)
