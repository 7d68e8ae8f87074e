"""The risk rules of SPEC 7 as data: thresholds, weights, hysteresis and release lags.

No pandas here on purpose: the config file is validated against these before the app's first
paint, which must not wait for the analytics stack (``analytics.risk`` evaluates them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from analytics.types import Group, Severity

Direction = Literal["above", "below"]
Frequency = Literal["market", "daily", "weekly", "monthly"]

GROUPS: tuple[Group, ...] = ("hard_landing", "energy_shock")
SEVERITY_LEVEL: Mapping[Severity, float] = MappingProxyType({"warning": 0.5, "critical": 1.0})

RELEASE_LAGS: Mapping[str, int] = MappingProxyType({"monthly": 7, "weekly": 5, "daily": 1})
"""When an observation becomes usable. ``monthly``: the day of the month after the observation's
month (7 → the March value is usable from April 7); ``weekly`` and ``daily``: calendar days after
the observation date. A FRED id may be given as a key too (its value is read by that series'
frequency), e.g. ``{"ICSA": 6}``. Overrides are merged over these defaults."""

STALE_AFTER_DAYS: Mapping[str, int] = MappingProxyType({"daily": 14, "weekly": 28, "monthly": 95})
"""A FRED value this many calendar days past its release is unknown. Market prices follow the
one freshness rule of SPEC 8 instead (``analytics.freshness``: more than 3 NYSE sessions old)."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One risk rule of SPEC 7 with every number a config file may override.

    ``warning`` / ``critical`` are thresholds on the rule's value (see ``description`` for the
    value's definition and ``unit`` for its unit); ``direction`` says whether the rule fires at or
    above them or at or below them. ``hysteresis`` is in the value's unit. The window fields are
    counted in rows of the rule's source series (trading days, weeks or months):

    - ``window``: the rule's look-back (claims 52 weeks, drawdown 252, WTI 20, oil 1-year high
      252, XLE-SPY 21);
    - ``long_window``: the net oil increase's 3-year high (756);
    - ``change_window`` / ``change_warning`` / ``change_critical``: HY OAS's second condition, a
      rise over 63 rows of at least 1.00 / 2.00 percentage points;
    - ``min_inverted_days`` / ``inversion_window`` / ``recovery_days``: the yield curve's critical
      condition, in observations of the series: a day at or above ``critical`` within
      ``recovery_days`` after the last day on which at least ``min_inverted_days`` of the
      ``inversion_window`` observations ending that day were inverted (SPEC 7: 63 of 84, 126).
    """

    id: str
    group: Group
    label: str
    description: str
    warning: float
    critical: float
    hysteresis: float
    weight: float = 1.0
    direction: Direction = "above"
    unit: str = ""
    window: int | None = None
    long_window: int | None = None
    change_window: int | None = None
    change_warning: float | None = None
    change_critical: float | None = None
    min_inverted_days: int | None = None
    recovery_days: int | None = None
    inversion_window: int | None = None

    def __post_init__(self) -> None:
        def bad(key: str, expected: str, got: object) -> ValueError:
            return ValueError(f"rule {self.id}: {key}: expected {expected}, got {got!r}")

        if self.group not in GROUPS:
            raise bad("group", "hard_landing or energy_shock", self.group)
        if self.direction not in ("above", "below"):
            raise bad("direction", "above or below", self.direction)
        for key in ("warning", "critical", "hysteresis", "weight"):
            x = getattr(self, key)
            if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
                raise bad(key, "a finite number", x)
        for key in ("hysteresis", "weight"):
            if getattr(self, key) < 0:
                raise bad(key, "a number >= 0", getattr(self, key))
        # The yield curve's critical threshold is the level it must be back above, so it sits
        # at or above the inversion threshold although the rule is a below-rule.
        sign = 1.0 if self.direction == "above" or self.id == "yield_curve" else -1.0
        if sign * (self.critical - self.warning) < 0:
            word = "at or above" if sign > 0 else "at or below"
            raise bad("critical", f"a value {word} warning ({self.warning})", self.critical)
        whole = (
            "window",
            "long_window",
            "change_window",
            "min_inverted_days",
            "recovery_days",
            "inversion_window",
        )
        for key in whole:
            x = getattr(self, key)
            if x is not None and (isinstance(x, bool) or not isinstance(x, int) or x < 1):
                raise bad(key, "a whole number >= 1", x)
        for key in ("change_warning", "change_critical"):
            x = getattr(self, key)
            if x is not None and (not isinstance(x, int | float) or not math.isfinite(x)):
                raise bad(key, "a finite number", x)
        if (
            self.change_warning is not None
            and self.change_critical is not None
            and self.change_critical < self.change_warning
        ):
            raise bad(
                "change_critical", f"a value >= change_warning ({self.change_warning})",
                self.change_critical,
            )  # fmt: skip

    def threshold(self, severity: Severity) -> float:
        return self.warning if severity == "warning" else self.critical

    def explain(self) -> str:
        """The rule in words with its current thresholds (for the alert screen)."""
        u = f" {self.unit}" if self.unit else ""
        if self.id == "yield_curve":
            return (
                f"{self.description} Warning while 10Y-3M < {self.warning:g}{u}; critical on a "
                f"day at or above {self.critical:g}{u} within {self.recovery_days} observations "
                f"after the last day on which at least {self.min_inverted_days} of the "
                f"{self.inversion_window} observations ending that day were inverted."
            )
        if self.id == "oil_net_increase":
            return (
                f"{self.description} Warning when WTI is above its high of the prior "
                f"{self.window} trading days, critical above that of the prior "
                f"{self.long_window}; a level drops once WTI is {self.hysteresis:g} % under it."
            )
        op = ">=" if self.direction == "above" else "<="
        text = (
            f"{self.description} Warning {op} {self.warning:g}{u}, critical {op} "
            f"{self.critical:g}{u}"
        )
        if self.change_window is not None:
            text += (
                f", or a rise of {self.change_warning:g} / {self.change_critical:g} points "
                f"over {self.change_window} trading days"
            )
        return text + f"; a level drops once the value is {self.hysteresis:g} back past it."


DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        id="sahm",
        group="hard_landing",
        label="Sahm rule",
        description=(
            "The real-time Sahm rule (SAHMREALTIME; else from UNRATE: the 3-month average "
            "unemployment rate minus its lowest 3-month average of the prior 12 months)."
        ),
        warning=0.30,
        critical=0.50,
        hysteresis=0.05,
        unit="pp",
    ),
    RuleSpec(
        id="yield_curve",
        group="hard_landing",
        label="Yield curve 10Y-3M",
        description="The 10-year minus 3-month Treasury spread (T10Y3M; else DGS10 - DGS3MO).",
        warning=0.0,
        critical=0.0,
        hysteresis=0.10,
        direction="below",
        unit="%",
        min_inverted_days=63,
        recovery_days=126,
        inversion_window=84,
    ),
    RuleSpec(
        id="hy_oas",
        group="hard_landing",
        label="High-yield OAS",
        description="The ICE BofA US high-yield option-adjusted spread (BAMLH0A0HYM2), in percent.",
        warning=5.0,
        critical=6.5,
        hysteresis=0.25,
        unit="%",
        change_window=63,
        change_warning=1.0,
        change_critical=2.0,
    ),
    RuleSpec(
        id="claims",
        group="hard_landing",
        label="Initial claims vs 52-week low",
        description=(
            "The 4-week average of initial jobless claims (ICSA) against the lowest 4-week "
            "average of the last 52 weeks, in percent."
        ),
        warning=20.0,
        critical=30.0,
        hysteresis=2.0,
        unit="%",
        window=52,
    ),
    RuleSpec(
        id="vix",
        group="hard_landing",
        label="VIX",
        description="The CBOE volatility index (^VIX; else VIXCLS).",
        warning=25.0,
        critical=35.0,
        hysteresis=2.0,
    ),
    RuleSpec(
        id="r2k_drawdown",
        group="hard_landing",
        label="Russell 2000 drawdown",
        description=(
            "The Russell 2000 (IWM; else ^RUT) against its highest close of the last 252 "
            "trading days, in percent."
        ),
        warning=-10.0,
        critical=-20.0,
        hysteresis=2.0,
        direction="below",
        unit="%",
        window=252,
    ),
    RuleSpec(
        id="wti_20d",
        group="energy_shock",
        label="WTI 20-day return",
        description="The 20-trading-day return of WTI crude (CL=F; else DCOILWTICO), in percent.",
        warning=15.0,
        critical=30.0,
        hysteresis=2.5,
        unit="%",
        window=20,
    ),
    RuleSpec(
        id="oil_net_increase",
        group="energy_shock",
        label="Net oil price increase",
        description=(
            "WTI (CL=F; else DCOILWTICO) against its highest close of the prior year and of "
            "the prior 3 years; the value is the percent above the prior 1-year high."
        ),
        warning=0.0,
        critical=0.0,
        hysteresis=5.0,
        unit="%",
        window=252,
        long_window=756,
    ),
    RuleSpec(
        id="ovx",
        group="energy_shock",
        label="OVX",
        description="The CBOE crude-oil volatility index (^OVX; else OVXCLS).",
        warning=45.0,
        critical=60.0,
        hysteresis=3.0,
    ),
    RuleSpec(
        id="energy_outperformance",
        group="energy_shock",
        label="Energy vs S&P 500, 1M",
        description="The 21-trading-day return of XLE minus that of SPY, in percentage points.",
        warning=8.0,
        critical=15.0,
        hysteresis=1.5,
        unit="pp",
        window=21,
    ),
)

RULE_IDS: tuple[str, ...] = tuple(r.id for r in DEFAULT_RULES)

RULE_SYMBOLS: frozenset[str] = frozenset({"IWM", "^RUT", "SPY", "XLE", "^VIX", "^OVX", "CL=F"})
"""The market symbols the rules read; the replay runs on the union of their trading days."""
