"""Pack figures: load 30 symbols x 25 years + 15 macro series and compute the snapshot (target
<= 1.5 s); step the as-of date by one day and fetch (target <= 100 ms, snapshot shown apart)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS, MONTHLY_SERIES, WEEKLY_SERIES
from data_sources import packread as pack_module
from data_sources.model import MarketData
from data_sources.pack import PackSource, load_pack, write_pack

SYMBOLS = 30
YEARS = 25
MACRO = 15
SEED = 7


def generate(root: Path) -> None:
    """A seeded pack in the layouts rotmon writes (Yahoo prices, FRED graph CSVs)."""
    rng = np.random.default_rng(SEED)
    days = pd.bdate_range(end="2025-12-31", periods=YEARS * 261)
    prices = {}
    for symbol in MARKET_SYMBOLS[:SYMBOLS]:
        close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, len(days))))
        spread = np.abs(rng.normal(0, 0.006, len(days)))
        prices[symbol] = pd.DataFrame(
            {
                "Open": np.round(close * (1 + rng.normal(0, 0.003, len(days))), 6),
                "High": np.round(close * (1 + spread), 6),
                "Low": np.round(close * (1 - spread), 6),
                "Close": np.round(close, 6),
                "Volume": rng.integers(100_000, 50_000_000, len(days)),
            },
            index=days,
        )
    series_ids = [*FRED_SERIES, "USREC"][:MACRO]
    macro = {}
    for series_id in series_ids:
        if series_id in MONTHLY_SERIES:
            index = pd.date_range(end="2025-12-01", periods=YEARS * 12, freq="MS")
        elif series_id in WEEKLY_SERIES:
            index = pd.date_range(end="2025-12-27", periods=YEARS * 52, freq="W-SAT")
        else:
            index = days
        macro[series_id] = pd.Series(
            np.round(2 + np.cumsum(rng.normal(0, 0.05, len(index))), 2), index=index
        )
    write_pack(root, prices, macro)


def snapshot_of(data: MarketData) -> object:
    """The snapshot as the app computes it (a stepped pack replays its rules once, then cuts)."""
    from tui.compute import snapshot_from_market

    return snapshot_from_market(data)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pack"
        generate(root)
        files = len(list((root / "prices").iterdir())) + len(list((root / "macro").iterdir()))
        rows = sum(1 for _ in (root / "prices" / "SPY.csv").open()) - 1
        print(f"pack: {SYMBOLS} symbols x {rows} rows, {MACRO} macro series, {files} files")

        cold = []
        for _ in range(3):
            pack_module._CACHE.clear()  # a cold start re-reads every file
            t = time.perf_counter()
            load_pack(root)
            cold.append(time.perf_counter() - t)
        print(f"load_pack, cold (parse every file):      {1000 * min(cold):7.1f} ms")

        pack_module._CACHE.clear()
        t = time.perf_counter()
        source = PackSource(root)
        data = source.market_data()
        loaded = time.perf_counter() - t
        t = time.perf_counter()
        snapshot_of(data)
        snapped = time.perf_counter() - t
        total = loaded + snapped
        verdict = "ok" if total <= 1.5 else "OVER"
        print(f"PackSource + fetch, cold:                {1000 * loaded:7.1f} ms")
        print(f"snapshot at the last day:                {1000 * snapped:7.1f} ms")
        print(f"load + snapshot (target <= 1500 ms):     {1000 * total:7.1f} ms  {verdict}")

        t = time.perf_counter()
        PackSource(root)
        print(
            f"PackSource again (files cached):         {1000 * (time.perf_counter() - t):7.1f} ms"
        )

        source.set_asof(source.sessions()[len(source.sessions()) // 2].date())
        steps, snaps = [], []
        now = datetime.now(UTC)
        for i in range(40):
            t = time.perf_counter()
            source.step(1 if i % 2 == 0 else -1)
            data = asyncio.run(source.fetch(now)) if i == 0 else _fetch_sync(source)
            steps.append(time.perf_counter() - t)
            t = time.perf_counter()
            snapshot_of(data)
            snaps.append(time.perf_counter() - t)
        step_ms = 1000 * statistics.median(steps)
        print(f"step(±1) + fetch, median of 40 (<= 100): {step_ms:7.1f} ms  "
              f"{'ok' if step_ms <= 100 else 'OVER'}")  # fmt: skip
        both = 1000 * statistics.median(s + n for s, n in zip(steps, snaps, strict=True))
        print(f"step + fetch + snapshot, median:         {both:7.1f} ms  "
              f"{'ok' if both <= 100 else 'OVER'}")  # fmt: skip


def _fetch_sync(source: PackSource) -> MarketData:
    # fetch() only wraps market_data(); an event loop per step would time asyncio, not the pack.
    return source.market_data()


if __name__ == "__main__":
    main()
