"""The header line: index levels with day change, market state, New York clock, data badge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from widgets import formatting as fmt
from widgets.line_static import LineStatic

INDEX_LABELS: dict[str, str] = {"^RUT": "RUT", "^GSPC": "SPX"}

STATE_TEXT: dict[str, str] = {
    "open": "● OPEN",
    "pre": "◐ PRE",
    "post": "◑ POST",
    "closed": "○ CLOSED",
}


def alert_badge(critical: int, warning: int) -> str:
    """``‼2 CRIT !1 WARN``: the count of active alerts in words and signs (NO_COLOR keeps it);
    empty when nothing is active."""
    parts = []
    if critical:
        parts.append(f"‼{critical} CRIT")
    if warning:
        parts.append(f"!{warning} WARN")
    return " ".join(parts)


def index_text(indices: Mapping[str, tuple[float | None, float | None]]) -> list[tuple[str, str]]:
    """[(text, tone)] pieces for the index levels: ``RUT 2,345.67 +1.23%``."""
    pieces: list[tuple[str, str]] = []
    for symbol, (last, chg) in indices.items():
        label = INDEX_LABELS.get(symbol, fmt.inert(symbol.lstrip("^"), 8))
        pieces.append((f"{label} {fmt.price(last)} ", ""))
        tone = "dim" if not fmt.known(chg) else ("gain" if chg > 0 else "loss" if chg < 0 else "")
        pieces.append((fmt.signed(chg, 2, "%") if fmt.known(chg) else fmt.NA, tone))
        pieces.append(("   ", ""))
    return pieces


class MarketHeader(Horizontal):
    """Four pieces updated independently, so the ticking clock repaints only itself."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "header--gain",
        "header--loss",
        "header--dim",
        "header--brand",
    }
    DEFAULT_CSS = """
    MarketHeader { height: 1; dock: top; background: $panel; color: $foreground; }
    MarketHeader > .header--gain { color: $gain; }
    MarketHeader > .header--loss { color: $loss; }
    MarketHeader > .header--dim { color: $neutral; }
    MarketHeader > .header--brand { color: $accent; text-style: bold; }
    MarketHeader Static { height: 1; width: auto; padding: 0 1; }
    MarketHeader #indices { width: 1fr; }
    MarketHeader #market-state { text-style: bold; }
    MarketHeader #market-state.-open { color: $gain; }
    MarketHeader #market-state.-pre, MarketHeader #market-state.-post { color: $warning; }
    MarketHeader #market-state.-closed { color: $text-muted; }
    MarketHeader #alerts { text-style: bold; }
    MarketHeader #alerts.-critical { background: $error; color: $background; }
    MarketHeader #alerts.-warning { background: $warning; color: $background; }
    MarketHeader #alerts.-none { display: none; }
    MarketHeader #badge { background: $accent; color: $background; text-style: bold; }
    MarketHeader #badge.-none { display: none; }
    """

    WIDE = 110
    """From this many columns the header also shows the brand and the date."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._indices: dict[str, tuple[float | None, float | None]] = {}
        self._state: str | None = None
        self._now: datetime | None = None
        self._clock = ""
        self._badge: str | None = None
        self._alerts = (0, 0)
        self._wide = True

    def compose(self) -> ComposeResult:
        yield Static(id="indices")
        yield Static(id="alerts", classes="-none")
        yield Static(id="market-state")
        yield LineStatic(id="clock")
        yield Static(id="badge", classes="-none")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self._paint_indices())
        self._paint_indices()

    def on_resize(self) -> None:
        wide = self.size.width >= self.WIDE
        if wide != self._wide:
            self._wide = wide
            self._paint_indices()
            self._clock = ""
            self.set_clock(self._now)

    def update_indices(self, indices: Mapping[str, tuple[float | None, float | None]]) -> None:
        if dict(indices) == self._indices:
            return
        self._indices = dict(indices)
        self._paint_indices()

    def _paint_indices(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self._wide:
            text.append("rotmon  ", self.get_component_rich_style("header--brand", partial=True))
        for piece, tone in index_text(self._indices):
            style = self.get_component_rich_style(f"header--{tone}", partial=True) if tone else ""
            text.append(piece, style)
        self.query_one("#indices", Static).update(text, layout=False)

    def set_market_state(self, state: str | None) -> None:
        if state == self._state:
            return
        self._state = state
        widget = self.query_one("#market-state", Static)
        for name in STATE_TEXT:
            widget.set_class(name == state, f"-{name}")
        widget.update(Text(STATE_TEXT.get(state or "", "")))

    def set_clock(self, now: datetime | None) -> None:
        """Show ``now`` (already in New York time) as ``NY Tue Mar 10 10:32:05``."""
        self._now = now
        pattern = "NY %a %b %d %H:%M:%S" if self._wide else "NY %H:%M:%S"
        text = "" if now is None else now.strftime(pattern)
        if text == self._clock:
            return
        # Same length (the clock ticking): repaint in place; otherwise the width changes.
        relayout = len(text) != len(self._clock)
        self._clock = text
        self.query_one("#clock", LineStatic).show(Text(text), layout=relayout)

    def set_alert_counts(self, critical: int, warning: int) -> None:
        """The persistent alert badge: stays while alerts are active, whatever the pane."""
        if (critical, warning) == self._alerts:
            return
        self._alerts = (critical, warning)
        widget = self.query_one("#alerts", Static)
        widget.set_class(not (critical or warning), "-none")
        widget.set_class(critical > 0, "-critical")
        widget.set_class(critical == 0 and warning > 0, "-warning")
        widget.update(Text(alert_badge(critical, warning)))

    def set_badge(self, badge: str | None) -> None:
        if badge == self._badge:
            return
        # A pack stepping its as-of date keeps the badge's width: repaint without a layout pass.
        relayout = len(badge or "") != len(self._badge or "")
        self._badge = badge
        widget = self.query_one("#badge", Static)
        widget.set_class(not badge, "-none")
        widget.update(Text(fmt.inert(badge or "", 30)), layout=relayout)
