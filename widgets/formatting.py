"""Number and text formatting for traders: signs, fixed decimals, `n/a`, sparklines, inert text."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import TypeGuard

from rich.text import Text

from analytics.text import inert as inert  # the one sanitiser; `fmt.inert` in the widgets

NA = "n/a"
"""What an unknown number looks like on screen (SPEC: never 0, never invented)."""

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def known(x: object) -> TypeGuard[float]:
    """True when ``x`` is a real finite number (None, NaN and booleans are unknown)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def clean_float(x: object) -> float | None:
    """``x`` as a finite float, or None."""
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def signed(x: float | None, decimals: int = 2, suffix: str = "") -> str:
    """``+1.25`` / ``-0.80`` / ``0.00``: the sign carries meaning when colour is off (NO_COLOR)."""
    if not known(x):
        return NA
    assert x is not None
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return f"{text}{suffix}"
    return f"{'+' if x > 0 else '-'}{text}{suffix}"


def number(x: float | None, decimals: int = 2, suffix: str = "") -> str:
    """An unsigned level with thousands separators: ``6,812.40``."""
    if not known(x):
        return NA
    return f"{x:,.{decimals}f}{suffix}"


def num_text(x: float | None, decimals: int = 2, suffix: str = "") -> Text:
    """A right-aligned number cell; ``n/a`` dimmed when unknown."""
    text = number(x, decimals, suffix)
    return Text(text, style="dim" if text == NA else "", justify="right", no_wrap=True)


def price(x: float | None) -> str:
    """A price: two decimals, thousands separators."""
    return number(x, 2)


def ratio(x: float | None) -> str:
    """A small/large price ratio: four significant decimals are what moves day to day."""
    if not known(x):
        return NA
    assert x is not None
    return f"{x:.4f}" if abs(x) < 10 else f"{x:.2f}"


def level(x: float | None, unit: str) -> str:
    """A macro level in its unit: ``4.33%``, ``$78.12``, ``231.5k``, ``18.40``, ``412bp``."""
    if not known(x):
        return NA
    assert x is not None
    if unit == "%":
        return f"{x:.2f}%"
    if unit == "$":
        return f"${x:,.2f}"
    if unit == "k":
        return f"{x:,.1f}k"
    if unit == "bp":
        return f"{x:,.0f}bp"
    return f"{x:,.2f}"


def change(x: float | None, unit: str) -> str:
    """A macro change in the unit of its level, always signed."""
    if not known(x):
        return NA
    if unit == "k":
        return signed(x, 1, "k")
    if unit == "bp":
        return signed(x, 0, "bp")
    return signed(x, 2)


def short_date(d: date | datetime | None) -> str:
    """``Mar 07`` — enough to see how old a monthly or weekly observation is."""
    if d is None:
        return NA
    return d.strftime("%b %d")


def age(seconds: float | None) -> str:
    """A compact age: ``4s``, ``3m``, ``2h``, ``5d``."""
    if seconds is None or not math.isfinite(seconds):
        return NA
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def sparkline(values: Iterable[float | None], width: int) -> str:
    """A block sparkline of at most ``width`` characters over the finite values, oldest first.

    Longer series are averaged into ``width`` equal buckets so the whole span stays visible; a
    flat series draws a flat line in the middle. A tuple's drawing is kept (the macro rows'
    paths are tuples, compared and drawn again at every poll: most did not move).
    """
    if isinstance(values, tuple) and all(v is None or type(v) is float for v in values):
        return _tuple_sparkline(values, width)  # floats: equal keys draw the same
    return _sparkline(values, width)


SPARK_DRAWINGS = 64
"""Tuples whose drawing is kept: the dashboard shows ~19 sparklines (6 pairs, 13 macro rows)
and a busy poll changes ~10 of them, so this holds the last few polls' drawings. Each key is
the tuple itself (up to 120 floats, ~4 KB): 256 of them held ~1 MB of a live dashboard's
memory for drawings no poll asked again (issue 19)."""


@lru_cache(maxsize=SPARK_DRAWINGS)
def _tuple_sparkline(values: tuple[float | None, ...], width: int) -> str:
    return _sparkline(values, width)


def _sparkline(values: Iterable[float | None], width: int) -> str:
    data = [float(v) for v in values if known(v)]
    if width <= 0 or not data:
        return ""
    if len(data) > width:
        data = _buckets(data, width)
    lo, hi = min(data), max(data)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return SPARK_BLOCKS[3] * len(data)
    top = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round((v - lo) / (hi - lo) * top)] for v in data)


def _buckets(data: Sequence[float], width: int) -> list[float]:
    n = len(data)
    out = []
    for i in range(width):
        start = i * n // width
        end = max(start + 1, (i + 1) * n // width)
        chunk = data[start:end]
        out.append(sum(chunk) / len(chunk))
    return out
