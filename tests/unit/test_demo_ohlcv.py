"""The demo's OHLCV, made in place (issue 19: peak memory), equal the plain expressions'."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from data_sources import demo_market as dm
from data_sources.demo_scenarios import scenario_id, scenario_spec
from data_sources.market_calendar import sessions


def plain_ohlcv(
    lp: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The expressions as first written (four draws, then ~10 temporaries of rows x symbols)."""
    n = len(lp)
    zg, zh, zl, zv = (rng.standard_normal((n, dm.NS)) for _ in range(4))
    prev = np.vstack([lp[:1], lp[:-1]])
    o = prev + math.sqrt(dm.GAP_SHARE) * dm.VOL_D * zg
    hi = np.maximum(o, lp) + 0.5 * dm.VOL_D * np.abs(zh)
    lo = np.minimum(o, lp) - 0.5 * dm.VOL_D * np.abs(zl)
    move = np.abs(lp - prev) / dm.VOL_D
    volume = dm.BASE_VOLUME * np.exp(0.25 * zv) * (0.5 + 0.5 * np.minimum(move, 5.0))
    return np.exp(o), np.exp(hi), np.exp(lo), np.round(volume)


def _same(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    assert len(got) == len(want) == 4
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()  # NaN volumes (indices, VIX) included


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_random_log_prices(seed: int) -> None:
    gen = np.random.default_rng(seed)
    rows = int(gen.integers(2, 900))
    lp = np.cumsum(gen.normal(0.0, 0.02, (rows, dm.NS)), axis=0) + 4.0
    lp[gen.integers(0, rows), :] += 0.3  # a jump: |lp - prev| beyond the 5-sigma cap
    _same(dm._ohlcv(lp, np.random.default_rng(seed)), plain_ohlcv(lp, np.random.default_rng(seed)))


def test_the_demo_historys_own_rows() -> None:
    anchor = date(2026, 11, 24)
    days = sessions(anchor.replace(year=anchor.year - 3), anchor)
    hist = dm.simulate_history(days, 7, scenario_id("rotation"), scenario_spec("rotation"))
    want = plain_ohlcv(hist.logp, dm.rng_for(7, scenario_id("rotation"), dm.STREAM_OHLC))
    _same((hist.open, hist.high, hist.low, hist.volume), want)
