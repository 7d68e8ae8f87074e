"""The app's side of the remembered view (``tui.state``): read what is on screen, put it back.

``attach_memory`` wires a RotmonApp to one state file: the view is restored with the first
snapshot (the last drill-down once there is data to drill into), captured every couple of
seconds and at quit, and written only when it changed (in a thread: the UI never waits on it).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.state import UiState, save_state

if TYPE_CHECKING:
    from analytics.types import Snapshot
    from data_sources.model import MarketData
    from tui.app import RotmonApp

log = logging.getLogger(__name__)

SAVE_EVERY = 2.0
"""Seconds between looks at the view (a look is a few attribute reads)."""

CONSTITUENTS = "constituents"
SPREADS = "spreads"
HEATMAP = "heatmap"


def capture(app: RotmonApp, last: UiState) -> UiState:
    """The view on screen now; what cannot be seen now (a closed sector screen's sort) is kept
    from ``last``."""
    from widgets.heatmap import SectorHeatmap
    from widgets.spread_table import SpreadTable

    # A drill-down screen whose module was never imported cannot be open: importing it to ask
    # (the sector screen, its constituents table, filters and exports) cost the live
    # dashboard ~1 MB and ~40 ms at its first look.
    sector_screen = _loaded("tui.screens.sector", "SectorScreen")
    drill_screen = _loaded("tui.screens.drillbase", "DrillScreen")
    try:
        dashboard = app.dashboard
    except LookupError:
        return last
    sorts = dict(last.sorts)
    filters = dict(last.filters)
    spreads = dashboard.query_one(SpreadTable)
    sorts[SPREADS] = (spreads.sort_column, True)
    heatmap = dashboard.query_one(SectorHeatmap)
    sorts[HEATMAP] = ("spread" if heatmap.by_spread else None, True)
    drill: tuple[str, str] | None = None
    for screen in reversed(app.screen_stack):
        if sector_screen is not None and isinstance(screen, sector_screen) and screen.is_mounted:
            sorts[CONSTITUENTS] = (screen.table.sort_column, screen.table.sort_descending)
            filters[CONSTITUENTS] = screen.filter_text
        if (
            drill is None
            and drill_screen is not None
            and isinstance(screen, drill_screen)
            and screen.drill_key is not None
        ):
            drill = screen.drill_key
    return replace(
        last,
        theme=app.theme,
        pane=dashboard.active_pane,
        window=heatmap.window,
        sorts=sorts,
        filters=filters,
        drill=drill,
    )


def _loaded(module: str, name: str) -> Any:
    """Class ``name`` of ``module`` if that module has been imported, else None."""
    cls = getattr(sys.modules.get(module), name, None)
    return cls if isinstance(cls, type) else None


def restore_view(app: RotmonApp, state: UiState) -> None:
    """Pane, heatmap window and the dashboard tables' sorts; a value that no longer fits (an
    unknown window, a column that went away) is skipped."""
    from analytics.catalog import WINDOWS
    from widgets.heatmap import SectorHeatmap
    from widgets.spread_table import SpreadTable

    dashboard = app.dashboard
    heatmap = dashboard.query_one(SectorHeatmap)
    if state.window in WINDOWS:
        heatmap.window = state.window
        dashboard.refresh_titles()
    if state.sorts.get(HEATMAP, (None, True))[0] == "spread" and not heatmap.by_spread:
        heatmap.toggle_sort()
    column = state.sorts.get(SPREADS, (None, True))[0]
    spreads = dashboard.query_one(SpreadTable)
    if column in spreads.SORTABLE:
        spreads.sort_by(column)
    if state.pane is not None and 0 <= state.pane < 4:
        dashboard.action_show_pane(state.pane)


def sector_options(state: UiState) -> dict[str, Any]:
    """What a sector screen opens with: the remembered constituents sort and filter."""
    options: dict[str, Any] = {}
    if CONSTITUENTS in state.sorts:
        options["sort"] = state.sorts[CONSTITUENTS]
    if state.filters.get(CONSTITUENTS):
        options["filter_text"] = state.filters[CONSTITUENTS]
    return options


def attach_memory(app: RotmonApp, path: Path, initial: UiState, *, restore: bool) -> None:
    """Restore ``initial`` (when ``restore``) and keep ``path`` up to date with the view."""
    memory = {"last": initial, "saved": initial, "viewed": False, "drilled": not restore}
    app.remembered = initial if restore else UiState()

    def save_if_changed() -> None:
        state = capture(app, memory["last"])  # type: ignore[arg-type]
        memory["last"] = state
        if state != memory["saved"]:
            memory["saved"] = state
            app.run_worker(
                lambda: save_state(path, state),
                name="remember",
                group="remember",
                thread=True,
                exit_on_error=False,
            )

    def listener(_snapshot: Snapshot, market: MarketData | None) -> None:
        if not memory["viewed"]:
            memory["viewed"] = True
            if restore:
                try:
                    restore_view(app, initial)
                except Exception:  # comfort only: never in the way of the data
                    log.debug("remembered view not restored", exc_info=True)
            app.set_interval(SAVE_EVERY, save_if_changed, name="remember")
        if market is not None and not memory["drilled"]:
            memory["drilled"] = True
            if initial.drill is not None:
                kind, key = initial.drill
                app.call_after_refresh(app.open_drill, kind, key, True)

    def at_quit() -> None:
        state = capture(app, memory["last"])  # type: ignore[arg-type]
        if state != memory["saved"]:
            save_state(path, state)  # the last look, before the screens go

    app.snapshot_listeners.append(listener)
    app.quit_listeners.append(at_quit)


QuitListener = Callable[[], None]
