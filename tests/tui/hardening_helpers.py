"""Helpers of the hardening tests: the wired demo app, the screen's painted text and segments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.segment import Segment

from tests.tui.conftest import START, demo_source, wait_until
from tui.app import RotmonApp
from tui.config import Settings
from tui.wiring import build_app


def wired_demo(tmp: Path, scenario: str = "hard-landing", **kwargs: Any) -> RotmonApp:
    """The app as the CLI builds it, on the demo market at START, polling once."""
    kwargs.setdefault("clock", lambda: START)
    kwargs.setdefault("live_polling", False)
    settings = kwargs.pop("settings", None) or Settings(export_dir=tmp)
    source = kwargs.pop("source", None) or demo_source(scenario)
    app = build_app(
        source, settings, kind="demo", db=tmp / "alerts.sqlite3", badge="DEMO", **kwargs
    )
    app.bell = lambda: None  # type: ignore[method-assign]
    return app


def painted_segments(app: RotmonApp) -> Iterator[list[Segment]]:
    """Each line of the top screen as the compositor hands it to the driver (modal screens
    include what shows through from below)."""
    update = app.screen._compositor.render_full_update()
    for line in update.strips:
        yield [segment for strip in line for segment in strip]


def painted_lines(app: RotmonApp) -> list[str]:
    """The top screen's text, line by line, exactly as painted (styles dropped)."""
    return ["".join(s.text for s in line) for line in painted_segments(app)]


def painted(app: RotmonApp) -> str:
    return "\n".join(painted_lines(app))


async def open_screen(app: RotmonApp, kind: str, key: str) -> None:
    """Push a drill-down screen the way Enter does and wait until it has drawn its data."""
    from textual.widgets import Static

    screen = app.drill_screens[kind](app, key)
    app.push_screen(screen)
    await wait_until(lambda: app.screen is screen and screen.is_mounted)
    await wait_until(lambda: bool(screen.query(".drill-title")))
    title = screen.query(".drill-title").first(Static)
    await wait_until(lambda: bool(str(title.render()).strip()))


SCREEN_MARKERS: dict[str, tuple[str, ...]] = {
    # words each screen paints when it is usable (its title and a piece of its body)
    "DashboardScreen": ("IWM/SPY", "refresh"),
    "PairScreen": ("IWM/SPY", "Spread", "Back"),
    "SectorScreen": ("Energy", "Symbol", "Back"),
    "SymbolScreen": ("IWM", "52-week range", "Back"),
    "AlertScreen": ("VIX", "warning 25", "Back"),
    "HelpScreen": ("rotmon · keys", "escape closes"),
    "DiagnosticsScreen": ("rotmon · diagnostics", "last success"),
    "ValuationScreen": ("Valuation gap", "SPY", "Back"),
    "CycleScreen": ("Fed rate cycle", "First cut", "Back"),
    "SeriesScreen": ("VIX", "warning 25", "Back"),
    "HistoryScreen": ("Alert history", "Time (NY)", "Back"),
    "SymbolJump": ("ticker or name", "IWM/SPY"),
}


def sideways(app: RotmonApp) -> list[str]:
    """The shown widgets of the top screen that scroll sideways (a horizontal scrollbar)."""
    return [
        f"{type(w).__name__}#{w.id} {w.virtual_size.width}>{w.scrollable_content_region.width}"
        for w in app.screen.query("*")
        if w.display and w.region.area and w.show_horizontal_scrollbar
    ]
