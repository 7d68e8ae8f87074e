"""Store figures: open time with a full cache, cache save/load, one logged transition (fsync)."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.lifecycle import Transition
from data_sources.model import Bars, MacroSeries
from data_sources.store import Store, open_store

SYMBOLS = 100  # every spec symbol and then some
DAYS = 504  # two years of daily bars
SERIES = 14
OBS = 9000  # ~35 years of a daily FRED series


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "rotmon.sqlite3"
    now = datetime.now(UTC)
    idx = pd.bdate_range("2024-01-02", periods=DAYS)
    rng = np.random.default_rng(1)
    with Store(path) as store:
        t = time.perf_counter()
        for i in range(SYMBOLS):
            frame = pd.DataFrame(
                {c: rng.random(DAYS) * 100 for c in ("open", "high", "low", "close", "volume")},
                index=idx,
            )
            store.save_bars(Bars(f"S{i:03d}", frame), now)
        save_bars = time.perf_counter() - t
        sidx = pd.bdate_range("1990-01-01", periods=OBS)
        t = time.perf_counter()
        for i in range(SERIES):
            store.save_series(MacroSeries(f"M{i}", pd.Series(rng.random(OBS), index=sidx)), now)
        save_series = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(50):
            store.append_transitions(
                [Transition(now, "vix", "hard_landing", "warning", "raised", 1.0, 1.0, "", True)]
            )
        append = (time.perf_counter() - t) / 50
    size = path.stat().st_size
    t = time.perf_counter()
    store, warning = open_store(path)
    opened = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(SYMBOLS):
        store.load_bars(f"S{i:03d}")
    load_bars = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(SERIES):
        store.load_series(f"M{i}")
    load_series = time.perf_counter() - t
    store.close()
    print(
        f"database size          {size / 1e6:8.1f} MB ({SYMBOLS}x{DAYS} bars, {SERIES}x{OBS} obs)"
    )
    print(f"open_store (quick_check) {opened * 1000:6.1f} ms   warning={warning}")
    print(f"save_bars  x{SYMBOLS}          {save_bars * 1000:6.1f} ms")
    print(f"load_bars  x{SYMBOLS}          {load_bars * 1000:6.1f} ms")
    print(f"save_series x{SERIES}          {save_series * 1000:6.1f} ms")
    print(f"load_series x{SERIES}          {load_series * 1000:6.1f} ms")
    print(f"append 1 transition    {append * 1000:8.2f} ms (commit with fsync)")


if __name__ == "__main__":
    main()
