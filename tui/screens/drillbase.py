"""The base of the drill-down screens: back, export, the chart window, live refresh.

Each drill-down screen subclasses ``DrillScreen`` and declares its ``kind`` (the
``DrillDownRequested`` kind that opens it); ``tui.screens.registry`` builds the kind -> screen
map from them. This module never imports a screen, so there is no cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.color import Color as TextualColor
from textual.screen import Screen

from tui.drill import WINDOWS, DrillContext
from tui.export import ExportError, export_table_csv
from tui.screens.fit import FitsTerminal
from widgets.formatting import NA, signed

DRILL_GROUP = Binding.Group("Drill-down")
DATA_GROUP = Binding.Group("Data")
WINDOW_GROUP = Binding.Group("Chart window")
SORT_GROUP = Binding.Group("Sort")
FILTER_GROUP = Binding.Group("Filter")
"""Help-screen groups. The footer merges neighbouring shown keys of one group under the group's
name, so each shown key of a drill-down screen has its own group, except ``[`` ``]``."""


@runtime_checkable
class ExportHost(Protocol):
    """An app that says how exports are written: its clock (file names) and the CSV BOM."""

    export_bom: bool

    def now(self) -> datetime: ...


ExportTable = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""(name, columns, rows) of one table a drill-down screen exports (``export_tables``)."""


class DrillScreen(FitsTerminal[None], Screen[None]):
    """Base of the drill-down screens: back, export, the chart window, live refresh."""

    drill_key: tuple[str, str] | None = None
    """(kind, key) the screen was opened with from a DrillDownRequested, for the remembered
    view; set by whoever opens it (None for a screen pushed another way)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", group=DRILL_GROUP, id="drill.back"),
        Binding("backspace", "back", "Back", show=False, group=DRILL_GROUP, id="drill.back_alt"),
        Binding("e", "export", "Export", group=DATA_GROUP, tooltip="export", id="export"),
        Binding(
            "left_square_bracket",
            "window(-1)",
            "Shorter window",
            group=WINDOW_GROUP,
            tooltip="window",
            id="window.previous",
        ),
        Binding(
            "right_square_bracket",
            "window(1)",
            "Longer window",
            group=WINDOW_GROUP,
            tooltip="window",
            id="window.next",
        ),
    ]

    DEFAULT_CSS = """
    DrillScreen {
        layout: vertical;
    }
    DrillScreen .drill-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    DrillScreen .drill-info {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    DrillScreen .drill-note {
        height: auto;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
    }
    """

    kind: ClassVar[str] = ""
    """The ``DrillDownRequested`` kind that opens this screen (``pair``, ``sector``, …)."""

    window: str = "1Y"

    @classmethod
    def open(
        cls,
        key: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        heat_window: str | None = None,
    ) -> DrillScreen:
        """The screen for ``key`` (a pair, sector, rule id, ticker …); raises ValueError with one
        line when ``key`` names nothing. ``heat_window`` is the heatmap's window, for the
        screens that continue it."""
        return cls(key, context, export_dir=export_dir)

    def __init__(
        self,
        key: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        """``key`` is what the screen shows (what ``open`` was given); each screen keeps it under
        its own name (``pair_id``, ``symbol`` …): this base only states the one constructor
        that ``open`` calls."""
        super().__init__(name=name, id=id)
        self.context = context
        self._export_dir = None if export_dir is None else Path(export_dir)
        if window is not None:
            if window not in WINDOWS:
                raise ValueError(f"window: expected one of {' '.join(WINDOWS)}, got {window!r}")
            self.window = window
        self._seen_version = -1
        self.exported: list[Path] = []

    @property
    def export_dir(self) -> Path:
        return self._export_dir if self._export_dir is not None else self.context.export_dir

    # -- live updates ---------------------------------------------------------------------------

    def refresh_from(self, context: DrillContext) -> None:
        """Redraw from ``context`` (the app calls this on every new snapshot while visible)."""
        self.context = context
        self._seen_version = context.version
        if self._composed:
            self.update_view()

    def update_view(self) -> None:
        """Subclasses: read ``self.context`` and update the widgets, touching only changes."""

    _composed = False

    def on_mount(self) -> None:
        # Textual runs the on_mount of every class in the MRO (subclasses first), so
        # subclasses define their own without calling this one.
        self._composed = True
        self.refresh_from(self.context)
        # Numbers are coloured from the theme when drawn: redraw them when it changes.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        # The signal's callback holds the screen: without this every screen ever opened stays
        # in memory until the next theme change (~1 MB each, the soak's leak).
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: object) -> None:
        if self.is_current:
            self.update_view()
        else:
            self._seen_version = -1  # catch up when shown again

    def on_screen_resume(self) -> None:
        if self.context.version != self._seen_version:
            self.refresh_from(self.context)

    # -- actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        # Only pop ourselves: a stray key must never pop the dashboard.
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_window(self, step: int) -> None:
        i = WINDOWS.index(self.window) if self.window in WINDOWS else WINDOWS.index("1Y")
        new = WINDOWS[min(max(i + step, 0), len(WINDOWS) - 1)]
        if new != self.window:
            self.window = new
            self.update_view()

    def export_tables(self) -> list[ExportTable]:
        """Subclasses: (name, columns, rows) of each table the screen shows."""
        return []

    def action_export(self) -> None:
        paths: list[Path] = []
        try:
            host = self.app
            now = host.now() if isinstance(host, ExportHost) else None
            bom = host.export_bom if isinstance(host, ExportHost) else False
            for name, columns, rows in self.export_tables():
                paths.append(
                    export_table_csv(rows, columns, name, self.export_dir, now=now, bom=bom)
                )
        except (ExportError, OSError) as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        if not paths:
            self.notify("nothing to export yet", severity="warning", markup=False)
            return
        self.exported = paths
        listing = "\n".join(str(p) for p in paths)
        title = f"Exported {len(paths)} file{'s' * (len(paths) > 1)}"
        self.notify(listing, title=title, markup=False)

    # -- styled numbers --------------------------------------------------------------------------

    def tone(self, x: float | None) -> Style:
        """Gain / loss colour of ``x`` from the theme (signs carry the meaning without colour)."""
        if x is None or not math.isfinite(x) or x == 0:
            return Style()
        return self.theme_style("success" if x > 0 else "error")

    def theme_style(self, variable: str, *, bold: bool = False) -> Style:
        """A Rich style in the theme's ``variable`` colour (ANSI themes give ANSI colours)."""
        value = self.app.theme_variables.get(variable)
        try:
            color = TextualColor.parse(value).rich_color if value else None
        except Exception:  # a colour this code cannot read: keep the meaning, drop the colour
            color = None
        return Style(color=color, bold=bold or None)

    def signed_text(
        self, x: float | None, decimals: int = 2, suffix: str = "", *, toned: bool = True
    ) -> Text:
        """``+1.25%`` right-aligned, coloured by sign; ``n/a`` dimmed when unknown."""
        text = signed(x, decimals, suffix)
        if text == NA:
            return Text(NA, style="dim", justify="right", no_wrap=True)
        return Text(text, style=self.tone(x) if toned else "", justify="right", no_wrap=True)


def refresh_visible(app: App, context: DrillContext) -> bool:
    """Redraw the drill-down screen on top of the stack from ``context``; True if there was one.

    Call it after ``DrillData.update`` on every new snapshot. Screens under others are left
    alone and catch up when they are shown again.
    """
    screen = app.screen
    if isinstance(screen, DrillScreen):
        screen.refresh_from(context)
        return True
    return False
