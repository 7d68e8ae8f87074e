"""A fixture that keeps yfinance's process-wide caches out of the user's home and between tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def yf_isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """yfinance's time-zone and cookie caches go to a per-session temporary folder; the
    in-memory response memo is cleared so that one test's faults never reach the next."""
    import yfinance as yf
    from yfinance.data import YfData

    folder = tmp_path_factory.getbasetemp() / "yfinance-cache"
    folder.mkdir(exist_ok=True)
    yf.set_tz_cache_location(str(folder))
    YfData.cache_get.cache_clear()
    yield folder
    YfData.cache_get.cache_clear()
