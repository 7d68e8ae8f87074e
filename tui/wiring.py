"""Composition of the app: the source, the alert desk, the drill-down screens and settings in one
RotmonApp, the same for the CLI and the tests."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_sources.capabilities import Details, HotSymbols, Precomputed
from tui.app import RotmonApp
from tui.config import Settings

if TYPE_CHECKING:
    from analytics.risk import RiskResult
    from analytics.types import Snapshot
    from data_sources.base import DataSource
    from data_sources.model import MarketData
    from tui.alerts import AlertDesk
    from tui.drill import DrillData

log = logging.getLogger(__name__)

DRILL_KINDS = ("pair", "sector", "alert", "macro", "symbol", "valuation", "cycle")


class _AppAlertLog:
    """The drill-down screens' view of the app's alert log (opened lazily by the app)."""

    def __init__(self, app: RotmonApp) -> None:
        self._app = app

    def alert_log(self, rule: str) -> Sequence[Any]:
        desk = self._app.alerts
        return [] if desk is None else desk.log(rule)


def _risk_for(settings: Settings) -> Callable[[MarketData], RiskResult]:
    def compute(market: MarketData) -> RiskResult:
        from tui.compute import risk_of_market

        return risk_of_market(market, settings)

    return compute


def _is_screen(screen: object, module: str, name: str) -> bool:
    """``isinstance(screen, module.name)`` without importing the module: a screen whose module
    was never imported cannot be open (tui.screens.symbol and .sector import the charts, ~40 ms
    on the first snapshot's way to the screen)."""
    cls = getattr(sys.modules.get(module), name, None)
    return isinstance(cls, type) and isinstance(screen, cls)


def hot_symbols(app: RotmonApp) -> tuple[str, ...]:
    """The symbols on screen: the dashboard's (its pairs included), plus the constituents rows
    visible on a sector screen, or the symbol of a symbol screen (only these are polled at the
    fast interval)."""
    from analytics.catalog import MARKET_SYMBOLS

    symbols = list(MARKET_SYMBOLS)
    for row in app.snapshot.spreads if app.snapshot is not None else ():
        symbols += [row.small, row.large]  # the user's own [[pairs]] too
    screen: Any = app.screen
    if _is_screen(screen, "tui.screens.sector", "SectorScreen"):
        table = screen.table
        top = int(table.scroll_y)
        rows = table.visible_rows()[top : top + max(1, table.size.height)]
        symbols += [r.symbol for r in rows]
    elif _is_screen(screen, "tui.screens.symbol", "SymbolScreen"):
        symbols.append(screen.symbol)
    return tuple(dict.fromkeys(symbols))


def _keep_hot(app: RotmonApp, asked: set[str]) -> None:
    """Tell a live source which symbols are on screen (sources without ``set_hot`` ignore it),
    and ask once for the details (P/E, 52-week range) of a symbol screen's symbol."""
    screen: Any = app.screen
    if _is_screen(screen, "tui.screens.symbol", "SymbolScreen") and screen.symbol not in asked:
        asked.add(screen.symbol)
        _fetch_details(app, screen.symbol)
    source = app.source
    if isinstance(source, HotSymbols):
        try:
            symbols = hot_symbols(app)
        except Exception as exc:  # a screen mid-teardown: the next update tries again
            log.debug("hot symbols: %s", exc)
            return
        app.feed.call_soon(0, source.set_hot, symbols)  # on the source's own loop


def _fetch_details(app: RotmonApp, symbol: str) -> None:
    """P/E and the 52-week range come lazily from a live source; poll again once they are in."""
    source = app.source
    if not isinstance(source, Details):
        return

    async def load() -> None:
        await app.feed.run_on(0, source.details(symbol))
        app.feed.refresh_now()

    app.run_worker(load(), name=f"details {symbol}", group="details", exit_on_error=False)


def attach_drilldown(app: RotmonApp, settings: Settings) -> None:
    """Register the drill-down screens and keep their context current with every snapshot."""
    holder: dict[str, DrillData] = {}
    asked: set[str] = set()
    export_dir = settings.export_dir

    def listener(snapshot: Snapshot, market: MarketData | None) -> None:
        if market is None:  # the cached first paint: nothing to drill into yet (no pandas)
            return
        from tui.drill import DrillData

        _keep_hot(app, asked)
        ctx = holder.get("ctx")
        if ctx is None:
            source = app.source

            async def bars(symbol: str) -> Any:  # on the source's own loop and thread
                return await app.feed.run_on(0, source.bars(symbol))  # type: ignore[union-attr]

            holder["ctx"] = DrillData(
                market,
                snapshot,
                bars=bars if source is not None else None,
                store=_AppAlertLog(app),
                rules=settings.rules,
                compute_risk=_risk_for(settings),
                export_dir=export_dir,
            )
        else:
            ctx.update(market, snapshot)
            # Only a drill-down screen needs redrawing, and none was opened while its base
            # module is not imported (importing it here cost every live dashboard its
            # exports and the screens' base at the second snapshot).
            drillbase = sys.modules.get("tui.screens.drillbase")
            if drillbase is not None:
                drillbase.refresh_visible(app, ctx)

    def factory_for(kind: str) -> Callable[[RotmonApp, str], Any]:
        def open_screen(_app: RotmonApp, key: str) -> Any:
            from tui.screens.registry import drill_screen

            ctx = holder.get("ctx")
            if ctx is None:
                raise ValueError("no data yet")
            heat_window = None
            if kind == "sector":
                from widgets.heatmap import SectorHeatmap

                heat_window = app.dashboard.query_one(SectorHeatmap).window
            screen = drill_screen(kind, key, ctx, export_dir=export_dir, heat_window=heat_window)
            if kind == "sector" and screen is not None:
                from tui.remember import sector_options
                from tui.screens.sector import SectorScreen

                if isinstance(screen, SectorScreen):
                    screen.restore(**sector_options(app.remembered))
            if screen is not None:
                screen.drill_key = (kind, key)
            if screen is None:
                raise ValueError(f"{key} has no market symbol to chart")
            app.call_after_refresh(_keep_hot, app, asked)
            return screen

        return open_screen

    app.snapshot_listeners.append(listener)
    for kind in DRILL_KINDS:
        app.drill_screens[kind] = factory_for(kind)


def build_app(
    source: DataSource | Callable[[], DataSource],
    settings: Settings,
    *,
    kind: str,
    db: Path | None = None,
    badge: str | None = None,
    ansi: bool = False,
    no_color: bool = False,
    snapshot_cache: Path | None = None,
    alerts: bool | Callable[[], AlertDesk] = True,
    store_variant: str | None = None,
    state_path: Path | None = None,
    restore_state: bool = True,
    **app_options: Any,
) -> RotmonApp:
    """The fully wired app: ``kind`` (demo, pack, live) chooses the alert log file unless
    ``db`` names one (``store_variant``: which demo market or pack, see ``store_path_for``);
    ``alerts=False`` runs without a durable alert log, a callable gives the desk to use (a
    desk terminal's, which the collector keeps). ``state_path`` is the file of the remembered
    view (theme, pane, sorts, filter, last drill-down), restored unless ``restore_state`` is
    False (``--fresh``) and kept up to date; None remembers nothing. Raises ValueError (one
    line, ``FILE:LINE: keys.<id>: ...``) for a ``[keys]`` entry that names no action or takes
    another action's key: a typo or a dead key must not pass silently."""
    from tui.config import keymap_problems

    remembered = None
    if state_path is not None:
        from tui.state import UiState, load_state

        remembered = load_state(state_path) if restore_state else UiState()

    problems = keymap_problems(settings)
    if problems:
        raise ValueError(problems[0])

    def compute(market: MarketData) -> Snapshot:
        if isinstance(market, Precomputed) and market.snapshot is not None:
            # a desk terminal: the collector computed it once for all
            return market.snapshot  # type: ignore[no-any-return]
        from tui.compute import snapshot_from_market

        return snapshot_from_market(market, settings)

    desk_factory: Callable[[], AlertDesk] | None = None
    if callable(alerts):
        desk_factory = alerts
    elif alerts:

        def desk_factory() -> AlertDesk:
            from tui.alerts import AlertDesk, store_path_for

            path = store_path_for(kind, db, store_variant)
            return AlertDesk.open(path, bell=settings.bell)[0]

    app = RotmonApp(
        source,
        refresh=settings.refresh,
        badge=badge,
        ansi=ansi,
        no_color=no_color,
        # --ansi keeps the terminal palette unless the config names an ANSI theme itself
        theme=_theme_of(settings, ansi, remembered),
        keymap=settings.keymap,
        compute=compute,
        export_dir=settings.export_dir,
        snapshot_cache=snapshot_cache,
        alerts=desk_factory,
        max_backoff=settings.poll.backoff_max,
        animations=settings.animations,
        **app_options,
    )
    app.export_bom = settings.export.bom
    attach_drilldown(app, settings)
    if state_path is not None and remembered is not None:
        from tui.remember import attach_memory

        attach_memory(app, state_path, remembered, restore=restore_state)
    return app


def _theme_of(settings: Settings, ansi: bool, remembered: Any) -> str | None:
    """The remembered theme when it is one of ours and fits the palette asked for (``t`` picks
    it, so it wins over the config); else the config's (``--ansi`` keeps the terminal palette
    unless the config names an ANSI theme itself)."""
    from tui.themes import THEMES

    theme = getattr(remembered, "theme", None)
    if theme in {t.name for t in THEMES} and ("ansi" in theme) == ansi:
        return str(theme)
    return None if ansi and "ansi" not in settings.theme else settings.theme
