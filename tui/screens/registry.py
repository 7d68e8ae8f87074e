"""The drill-down screens by kind, built from the screens themselves (each declares ``kind``).

The app imports this lazily, when a drill-down opens (the screens pull in pandas and charts).
A new drill-down screen subclasses ``DrillScreen``, sets ``kind`` and is listed in ``SCREENS``;
``tui.wiring.DRILL_KINDS`` (kept import-free for the start) must list the same kinds, which
tests/tui/test_drilldown.py checks.
"""

from __future__ import annotations

from pathlib import Path

from tui.drill import DrillContext
from tui.screens.alert import AlertScreen
from tui.screens.cycle import CycleScreen
from tui.screens.drillbase import DrillScreen
from tui.screens.pair import PairScreen
from tui.screens.sector import SectorScreen
from tui.screens.series import SeriesScreen
from tui.screens.symbol import SymbolScreen
from tui.screens.valuation import ValuationScreen

SCREENS: tuple[type[DrillScreen], ...] = (
    PairScreen,
    SectorScreen,
    AlertScreen,
    SymbolScreen,
    SeriesScreen,
    ValuationScreen,
    CycleScreen,
)

BY_KIND: dict[str, type[DrillScreen]] = {cls.kind: cls for cls in SCREENS}


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
    cls = BY_KIND.get(kind)
    if cls is None:
        *rest, last = BY_KIND
        expected = f"{', '.join(rest)} or {last}"
        raise ValueError(f"drill-down kind: expected {expected}, got {kind!r}")
    return cls.open(key, context, export_dir=export_dir, heat_window=heat_window)
