"""The screens RotmonApp opens over the dashboard: help, the symbol jump, diagnostics and
the drill-downs (registered by kind in ``drill_screens``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from analytics.text import inert
from data_sources.capabilities import PackBacked
from tui.commands import key_entries
from tui.messages import DrillDownRequested
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen
from widgets.alert_list import RiskPane
from widgets.heatmap import SectorHeatmap
from widgets.macro_panel import MacroTable
from widgets.spread_table import SpreadTable
from widgets.thesis import ThesisBar

if TYPE_CHECKING:
    from textual.app import App

    from data_sources.base import DataSource
    from data_sources.model import MarketData

    _AppBase = App[int]
else:
    _AppBase = object

log = logging.getLogger(__name__)

DrillFactory = Callable[[Any, str], Screen[Any]]
"""(the app, a key) -> the drill-down screen of that key."""


class ScreenNavigation(_AppBase):
    """RotmonApp's screens over the dashboard (a mixin of the app)."""

    if TYPE_CHECKING:  # given by RotmonApp
        market: MarketData | None
        drill_screens: dict[str, DrillFactory]

        @property
        def source(self) -> DataSource | None: ...
        @property
        def pack_mode(self) -> bool: ...
        def now(self) -> datetime: ...

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        below = self.screen
        pane_help = [
            SpreadTable.HELP,
            SectorHeatmap.HELP,
            RiskPane.HELP,
            MacroTable.HELP,
            ThesisBar.HELP,
        ]
        self.push_screen(HelpScreen(key_entries(below), pane_help))

    async def action_back(self) -> None:  # async like App's, which it replaces
        if len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_jump(self) -> None:
        """``:``: find any symbol of the universe by ticker or name and open its screen."""
        from analytics.catalog import MARKET_SYMBOLS
        from tui.screens.jump import SymbolJump, universe

        if isinstance(self.screen, SymbolJump):
            return
        from data_sources.model import member_names

        members = self.market.constituents if self.market is not None else ()
        names = universe(member_names(members), MARKET_SYMBOLS)

        def opened(symbol: str | None) -> None:
            if symbol:
                self.open_drill("symbol", symbol)

        self.push_screen(SymbolJump(names), opened)

    def action_diagnostics(self) -> None:
        """Per source: request times, latency, errors, retry schedule, cache hits."""
        from tui.screens.diagnostics import DiagnosticsScreen, provider_for

        if not isinstance(self.screen, DiagnosticsScreen):
            provider = provider_for(lambda: self.source, self.now)
            self.push_screen(
                DiagnosticsScreen(provider, clock=self.now, pack_report=self._pack_report())
            )

    def _pack_report(self) -> Callable[[], str] | None:
        """On a data pack, what ``pack check`` says of it at the as-of day on screen."""
        source = self.source
        if not self.pack_mode or not isinstance(source, PackBacked):
            return None
        pack, asof = source.pack, source.asof
        day = asof.date() if isinstance(asof, datetime) else asof

        def report() -> str:
            from data_sources.pack import format_pack_check, pack_reports

            return format_pack_check(pack_reports(pack, day))

        return report

    def on_drill_down_requested(self, message: DrillDownRequested) -> None:
        self.open_drill(message.kind, message.key)

    def open_drill(self, kind: str, key: str, quiet: bool = False) -> None:
        """Push the drill-down screen of ``kind`` for ``key``; a failure is a toast (or, when
        ``quiet``, as for a remembered drill-down that no longer exists, only a log line)."""
        factory = self.drill_screens.get(kind)
        if factory is None:
            return  # the drill-down screens arrive later; enter must stay harmless until then
        try:
            screen = factory(self, key)
        except Exception as exc:
            if quiet:
                log.info("remembered drill-down %s %s not opened: %s", kind, key, exc)
                return
            log.exception("opening %s %s failed", kind, key)
            self.notify(f"Cannot open {inert(key, 40)}: {exc}", severity="error", markup=False)
            return
        self.push_screen(screen)
