"""The status bar: per-source health with age and next retry, the paused flag, key hints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from analytics.health import SourceHealth
from widgets import formatting as fmt
from widgets.line_static import LineStatic

GLYPHS: dict[str, str] = {
    "ok": "●",
    "stale": "◐",
    "failing": "✖",
    "loading": "…",
    "connecting": "…",
    "off": "○",
    "behind": "◐",
}
"""``behind`` is the alert log with transitions not yet in its database (``detail``: how many)."""


def source_text(line: SourceHealth, error_width: int = 40) -> str:
    """``yahoo ● ok 4s next 11s`` / ``fred ✖ failing: timeout 2m retry 20s`` (words, not colour
    alone: the state is spelled out for NO_COLOR and 16-colour terminals). The age and the
    countdown are the value's own (``age_s``, ``next_in_s``): the bar reads no clock."""
    glyph = GLYPHS.get(line.state, "?")
    if line.state == "behind":  # ``alert log behind: 3 unsaved``
        return f"{glyph} {fmt.inert(line.name, 12)} behind: {fmt.inert(line.detail or '', 40)}"
    parts = [f"{fmt.inert(line.name, 12)} {glyph} {fmt.inert(line.state, 10)}"]
    if line.state == "failing" and line.error:
        parts[0] += f": {fmt.inert(line.error, error_width)}"
    if line.detail:
        parts[0] += f" ({fmt.inert(line.detail, error_width)})"
    if line.age_s is not None and line.state not in ("loading", "connecting"):
        parts.append(fmt.age(line.age_s))
    if line.next_in_s is not None and line.state in ("failing", "stale"):
        parts.append(f"retry {fmt.age(line.next_in_s)}")
    elif line.next_in_s is not None and line.state == "ok":
        parts.append(f"next {fmt.age(line.next_in_s)}")
    return " ".join(parts)


class StatusBar(Horizontal):
    """One line at the bottom: source health on the left, key hints on the right.

    Two separately painted pieces, so the per-second age tick repaints a few dozen cells, not
    the whole line (bytes on an SSH link); when the line is too short the hints are clipped
    first, source health stays.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--ok",
        "status--stale",
        "status--failing",
        "status--loading",
        "status--paused",
        "status--key",
        "status--hint",
    }
    DEFAULT_CSS = """
    StatusBar { height: 1; dock: bottom; background: $panel; color: $foreground; }
    StatusBar > .status--ok { color: $gain; }
    StatusBar > .status--stale { color: $warning; }
    StatusBar > .status--failing { color: $error; text-style: bold; }
    StatusBar > .status--loading { color: $neutral; }
    StatusBar > .status--paused { background: $warning; color: $background; text-style: bold; }
    StatusBar > .status--key { color: $accent; text-style: bold; }
    StatusBar > .status--hint { color: $neutral; }
    StatusBar Static { height: 1; width: auto; }
    StatusBar #status-gap { width: 1fr; min-width: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sources: tuple[SourceHealth, ...] = ()
        self._paused = False
        self._hints: tuple[tuple[str, str], ...] = ()
        self._shown_left: tuple[object, ...] | None = None
        self._shown_right: tuple[object, ...] | None = None
        self._left_len = -1

    def compose(self) -> ComposeResult:
        yield LineStatic(id="status-sources")
        yield Static(id="status-gap")
        yield Static(id="status-hints")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self._repaint(force=True))

    def update_status(
        self,
        sources: Sequence[SourceHealth],
        *,
        paused: bool,
        hints: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Set what the bar shows; each piece repaints only when its text would change."""
        self._sources, self._paused, self._hints = tuple(sources), paused, tuple(hints)
        self._repaint()

    def _repaint(self, force: bool = False) -> None:
        # What is shown, not the values: a record's counters change without changing a word.
        left = (tuple((h.state, source_text(h)) for h in self._sources), self._paused)
        if force or left != self._shown_left:
            self._shown_left = left
            text = self._left_text()
            # Same length (an age ticking): repaint in place without a layout pass.
            relayout = text.cell_len != self._left_len
            self._left_len = text.cell_len
            self.query_one("#status-sources", LineStatic).show(text, layout=relayout)
        if force or self._hints != self._shown_right:
            self._shown_right = self._hints
            self.query_one("#status-hints", Static).update(self._right_text())

    @property
    def plain(self) -> str:
        """The bar's text without styles (what a test or a screen reader sees)."""
        return f"{self._left_text().plain}  {self._right_text().plain}"

    def _left_text(self) -> Text:
        left = Text(no_wrap=True, overflow="ellipsis")
        if self._paused:
            left.append(" ⏸ PAUSED ", self.get_component_rich_style("status--paused", partial=True))
            left.append(" ")
        for i, line in enumerate(self._sources):
            if i:
                left.append(" │", self.get_component_rich_style("status--hint", partial=True))
            name = f"status--{line.state}" if line.state in GLYPHS else "status--loading"
            if line.state in ("off", "connecting"):
                name = "status--loading"
            elif line.state == "behind":
                name = "status--failing"
            left.append(" " + source_text(line), self.get_component_rich_style(name, partial=True))
        return left

    def _right_text(self) -> Text:
        right = Text(no_wrap=True)
        for key, label in self._hints:
            right.append(f" {key}", self.get_component_rich_style("status--key", partial=True))
            right.append(f" {label} ", self.get_component_rich_style("status--hint", partial=True))
        return right
