"""The four demo scenarios as numbers: how each one shapes the last months of the demo market."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SCENARIOS: tuple[str, ...] = ("rotation", "hard-landing", "oil-shock", "calm")


@dataclass(frozen=True, slots=True)
class Ramp:
    """Add ``change`` to a factor's log level, linearly over the last ``rows`` history rows."""

    factor: str
    rows: int
    change: float


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """Targets at the last history row (the session before the demo date).

    Levels (VIX, OVX, HY OAS) are pinned exactly by a bridge over the last rows; returns and
    spreads are pinned exactly by a linear drift on one factor over the rule's window, so every
    seed shows the scenario. Fractions, not percent (0.09 == 9 %). ``drift`` is the per-day log
    drift of factors on the live days after the history, so the scenario persists while the demo
    clock runs; ``keep`` ranges (for ``iwm_spy_3m``, ``spy_3m``, ``xle_spy_1m``, ``oil_20d`` and
    the levels ``vix`` and ``ovx``) pull a statistic that wandered outside back in, a share of
    the gap each day.
    """

    name: str
    anchor_back: int  # the row (counted back from the end) where prices sit at their levels
    vix_end: float
    vix_theta: float
    vix_rows: int
    ovx_end: float
    ovx_theta: float
    ovx_rows: int
    ramps: tuple[Ramp, ...] = ()
    iwm_spy_3m: float | None = None
    xle_spy_1m: float | None = None
    oil_20d: float | None = None
    oil_below_high: float | None = None
    iwm_drawdown: tuple[float, float] = (-0.10, 0.0)  # IWM vs its 252-row high, kept in range
    drawdown_factor: str = "market"  # the factor that moves to keep it there
    spy_3m: float | None = None  # pinned 63-row SPY return (through the market factor)
    ratio_trend_up: bool = False
    drift: Mapping[str, float] = field(default_factory=dict)
    keep: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    oas_end: float = 3.0
    curve: Literal["normal", "reinverted"] = "normal"
    labour: Literal["steady", "rising"] = "steady"
    policy: Literal["hold", "cuts"] = "hold"


SPECS: Mapping[str, ScenarioSpec] = {
    "rotation": ScenarioSpec(
        name="rotation",
        anchor_back=0,
        vix_end=17.0,
        vix_theta=17.0,
        vix_rows=126,
        ovx_end=34.0,
        ovx_theta=34.0,
        ovx_rows=126,
        ramps=(Ramp("size", 189, 0.05), Ramp("growth", 63, -0.03)),
        spy_3m=0.03,
        iwm_spy_3m=0.10,
        xle_spy_1m=0.015,
        oil_20d=0.01,
        oil_below_high=0.88,
        iwm_drawdown=(-0.06, 0.0),
        ratio_trend_up=True,
        drift={"market": 0.0003, "size": 0.0012, "growth": -0.0002},
        keep={
            "iwm_spy_3m": (0.08, 0.16),
            "spy_3m": (-0.02, 0.08),
            "xle_spy_1m": (-0.06, 0.06),
            "oil_20d": (-0.10, 0.10),
            "vix": (12.0, 22.0),
            "ovx": (22.0, 40.0),
        },
        oas_end=3.0,
    ),
    "hard-landing": ScenarioSpec(
        name="hard-landing",
        anchor_back=63,
        vix_end=42.0,
        vix_theta=40.0,
        vix_rows=60,
        ovx_end=40.0,
        ovx_theta=38.0,
        ovx_rows=60,
        ramps=(Ramp("market", 60, -0.18), Ramp("size", 60, -0.10), Ramp("oil", 60, -0.15)),
        xle_spy_1m=-0.02,
        oil_below_high=0.85,
        iwm_drawdown=(-0.40, -0.25),
        drawdown_factor="size",
        spy_3m=-0.15,
        drift={"market": -0.0015, "size": -0.0008, "oil": -0.002},
        keep={
            "spy_3m": (-0.30, -0.12),
            "xle_spy_1m": (-0.10, 0.05),
            "oil_20d": (-0.30, 0.10),
            "vix": (38.0, 60.0),
            "ovx": (25.0, 42.0),
        },
        oas_end=7.4,
        curve="reinverted",
        labour="rising",
        policy="cuts",
    ),
    "oil-shock": ScenarioSpec(
        name="oil-shock",
        anchor_back=63,
        vix_end=27.0,
        vix_theta=26.0,
        vix_rows=25,
        ovx_end=68.0,
        ovx_theta=66.0,
        ovx_rows=25,
        ramps=(Ramp("oil", 25, 0.40), Ramp("market", 21, -0.05)),
        oil_20d=0.50,
        xle_spy_1m=0.22,
        iwm_drawdown=(-0.15, 0.0),
        drift={"oil": 0.006, "market": -0.0005, "Energy": 0.002},
        keep={
            "oil_20d": (0.40, 0.80),
            "xle_spy_1m": (0.20, 0.40),
            "vix": (20.0, 33.0),
            "ovx": (64.0, 90.0),
        },
        oas_end=3.3,
    ),
    "calm": ScenarioSpec(
        name="calm",
        anchor_back=0,
        vix_end=14.5,
        vix_theta=15.0,
        vix_rows=126,
        ovx_end=29.0,
        ovx_theta=30.0,
        ovx_rows=126,
        spy_3m=0.04,
        iwm_spy_3m=0.005,
        xle_spy_1m=0.01,
        oil_20d=-0.02,
        oil_below_high=0.88,
        iwm_drawdown=(-0.045, 0.0),
        drift={"market": 0.0003},
        keep={
            "iwm_spy_3m": (-0.04, 0.04),
            "spy_3m": (0.0, 0.08),
            "xle_spy_1m": (-0.03, 0.03),
            "oil_20d": (-0.06, 0.05),
            "vix": (11.0, 19.0),
            "ovx": (20.0, 36.0),
        },
        oas_end=2.85,
    ),
}


def scenario_spec(scenario: str) -> ScenarioSpec:
    """The spec of a scenario; an unknown name raises ValueError listing the valid ones."""
    spec = SPECS.get(scenario) if isinstance(scenario, str) else None
    if spec is None:
        raise ValueError(f"unknown scenario {scenario!r}: expected one of {', '.join(SCENARIOS)}")
    return spec


def scenario_id(scenario: str) -> int:
    """A stable number for the scenario (CRC-32 of its name; Python's hash() varies by process)."""
    return zlib.crc32(scenario.encode("utf-8"))
