"""Bench a 25-year daily backtest of all ten risk rules (target: <= 1 s wall time).

Run: ``.venv/bin/python bench/bench_backtest.py [--years N] [--rounds N] [--seed N]``.
Builds seeded synthetic inputs of the real frequencies (business-day prices and daily FRED
series, weekly claims on Saturdays, monthly series on the 1st), then times
``evaluate_risk`` + ``episodes`` + ``backtest_json`` over every day, and prints the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.backtest import backtest_json, episodes
from analytics.risk import evaluate_risk

TARGET_S = 1.0


def synthetic_inputs(
    years: int, seed: int, end: date
) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(end) - pd.DateOffset(years=years)
    days = pd.bdate_range(start, end)
    n = len(days)

    def walk(level: float, vol: float) -> np.ndarray:
        # A geometric random walk with daily volatility vol / sqrt(252).
        return level * np.exp(np.cumsum(rng.normal(0.0, vol / np.sqrt(252), n)))

    def mean_reverting(level: float, speed: float, vol: float, floor: float) -> np.ndarray:
        x = np.empty(n)
        x[0] = level
        shocks = rng.normal(0.0, vol, n)
        for i in range(1, n):
            x[i] = max(floor, x[i - 1] + speed * (level - x[i - 1]) + shocks[i])
        return x

    iwm = walk(200.0, 0.22)
    spy = walk(450.0, 0.16)
    xle = walk(90.0, 0.28)
    wti = walk(70.0, 0.40)
    vix = mean_reverting(18.0, 0.05, 1.6, 9.0)
    ovx = mean_reverting(35.0, 0.05, 2.5, 15.0)
    prices = {
        "IWM": pd.Series(iwm, index=days),
        "^RUT": pd.Series(iwm * 10.0, index=days),
        "SPY": pd.Series(spy, index=days),
        "XLE": pd.Series(xle, index=days),
        "CL=F": pd.Series(wti, index=days),
        "^VIX": pd.Series(vix, index=days),
        "^OVX": pd.Series(ovx, index=days),
    }
    dgs10 = mean_reverting(3.5, 0.002, 0.06, 0.3)
    dgs3mo = mean_reverting(2.5, 0.002, 0.05, 0.0)
    weeks = pd.date_range(start, end, freq="W-SAT")
    months = pd.date_range(start, end, freq="MS")
    unrate = 5.0 + np.cumsum(rng.normal(0.0, 0.12, len(months)))
    macro = {
        "T10Y3M": pd.Series(dgs10 - dgs3mo, index=days),
        "DGS10": pd.Series(dgs10, index=days),
        "DGS3MO": pd.Series(dgs3mo, index=days),
        "BAMLH0A0HYM2": pd.Series(mean_reverting(4.0, 0.01, 0.08, 2.5), index=days),
        "VIXCLS": pd.Series(vix, index=days),
        "DCOILWTICO": pd.Series(wti, index=days),
        "OVXCLS": pd.Series(ovx, index=days),
        "ICSA": pd.Series(
            220e3 * np.exp(np.cumsum(rng.normal(0.0, 0.03, len(weeks)))), index=weeks
        ),
        "UNRATE": pd.Series(np.clip(unrate, 3.0, 12.0).round(1), index=months),
        "SAHMREALTIME": pd.Series(rng.normal(0.1, 0.2, len(months)).round(2), index=months),
    }
    return prices, macro


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    asof = date(2026, 3, 31)
    prices, macro = synthetic_inputs(args.years, args.seed, asof)
    evaluate_risk(prices, macro, asof)  # warm imports and caches once
    times: list[float] = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        result = evaluate_risk(prices, macro, asof)
        found = episodes(result)
        backtest_json(result, found)
        times.append(time.perf_counter() - t0)
    best, median = min(times), statistics.median(times)
    print(
        f"backtest {args.years} years: {len(result.days)} days x {result.values.shape[1]} rules, "
        f"{len(found)} episodes"
    )
    print(f"  evaluate + episodes + json: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms")
    print(f"  target <= {TARGET_S * 1000:.0f} ms: {'ok' if median <= TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
