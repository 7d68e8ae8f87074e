"""The drill-down screens by kind, each imported when a drill-down of its kind first opens.

The app imports this lazily, when a drill-down opens (the screens pull in pandas and charts),
and this imports only the screen asked for: opening the pair screen does not load the sector
screen's filter language, the alert screen's history, … (~10-20 ms and their memory on the
first open). A new drill-down screen subclasses ``DrillScreen``, sets ``kind`` and is listed in
``KINDS`` with its module and class; ``tui.wiring.DRILL_KINDS`` (kept import-free for the start)
must list the same kinds, which tests/tui/test_drilldown.py checks, with each class's ``kind``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.drill import DrillContext
    from tui.screens.drillbase import DrillScreen

KINDS: dict[str, tuple[str, str]] = {
    "pair": ("tui.screens.pair", "PairScreen"),
    "sector": ("tui.screens.sector", "SectorScreen"),
    "alert": ("tui.screens.alert", "AlertScreen"),
    "symbol": ("tui.screens.symbol", "SymbolScreen"),
    "macro": ("tui.screens.series", "SeriesScreen"),
    "valuation": ("tui.screens.valuation", "ValuationScreen"),
    "cycle": ("tui.screens.cycle", "CycleScreen"),
}
"""kind -> (module, class) of its screen."""


def screen_class(kind: str) -> type[DrillScreen]:
    """The screen class of ``kind`` (its module imported now if it was not); ValueError with
    one line for an unknown kind."""
    where = KINDS.get(kind)
    if where is None:
        *rest, last = KINDS
        expected = f"{', '.join(rest)} or {last}"
        raise ValueError(f"drill-down kind: expected {expected}, got {kind!r}")
    module, name = where
    cls: type[DrillScreen] = getattr(importlib.import_module(module), name)
    return cls


def __getattr__(name: str) -> Any:
    """``SCREENS`` and ``BY_KIND``, every screen class (imports them all: for tests and tools,
    not for opening one screen)."""
    if name == "SCREENS":
        return tuple(screen_class(kind) for kind in KINDS)
    if name == "BY_KIND":
        return {kind: screen_class(kind) for kind in KINDS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def drill_screen(
    kind: str,
    key: str,
    context: DrillContext,
    *,
    export_dir: Path | str | None = None,
    heat_window: str | None = None,
) -> DrillScreen:
    """The drill-down screen for a ``DrillDownRequested(kind, key)``.

    ``pair`` -> PairScreen (key ``IWM/SPY``), ``sector`` -> SectorScreen (``Energy``),
    ``alert`` -> AlertScreen (rule id), ``symbol`` -> SymbolScreen (ticker), ``macro`` -> the
    indicator's SeriesScreen (``T10Y3M``): its history with the thresholds of its rules;
    ``valuation`` -> ValuationScreen and ``cycle`` -> CycleScreen (SPEC 11; any key).
    Raises ValueError with one line for an unknown kind, pair, sector, rule or indicator.
    """
    cls = screen_class(kind)
    return cls.open(key, context, export_dir=export_dir, heat_window=heat_window)
