"""The status bar: per-source health with age and next retry, the paused flag, key hints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from widgets import formatting as fmt

GLYPHS: dict[str, str] = {"ok": "●", "stale": "◐", "failing": "✖", "loading": "…", "off": "○"}


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source as the status bar shows it; ages are seconds (None = unknown)."""

    name: str
    state: str
    age: float | None = None
    next_in: float | None = None
    error: str | None = None
    detail: str | None = None


def source_text(line: SourceLine, error_width: int = 40) -> str:
    """``yahoo ● ok 4s`` / ``fred ✖ failing: timeout · retry 20s`` (words, not only colour)."""
    glyph = GLYPHS.get(line.state, "?")
    parts = [f"{fmt.inert(line.name, 12)} {glyph} {fmt.inert(line.state, 8)}"]
    if line.state == "failing" and line.error:
        parts[0] += f": {fmt.inert(line.error, error_width)}"
    if line.detail:
        parts[0] += f" ({fmt.inert(line.detail, error_width)})"
    if line.age is not None and line.state != "loading":
        parts.append(fmt.age(line.age))
    if line.next_in is not None and line.state in ("failing", "stale"):
        parts.append(f"retry {fmt.age(line.next_in)}")
    return " ".join(parts)


class StatusBar(Widget):
    """One line at the bottom; drops key hints before it drops source health."""

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
    StatusBar > .status--loading { color: $text-muted; }
    StatusBar > .status--paused { background: $warning; color: $background; text-style: bold; }
    StatusBar > .status--key { color: $accent; text-style: bold; }
    StatusBar > .status--hint { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sources: tuple[SourceLine, ...] = ()
        self._paused = False
        self._hints: tuple[tuple[str, str], ...] = ()
        self._shown: tuple[object, ...] | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self.refresh())

    def update_status(
        self,
        sources: Sequence[SourceLine],
        *,
        paused: bool,
        hints: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Set what the bar shows; repaints only when the text would change."""
        state = (tuple(sources), paused, tuple(hints))
        if state == self._shown:
            return
        self._shown = state
        self._sources, self._paused, self._hints = state
        self.refresh()

    @property
    def plain(self) -> str:
        """The bar's text without styles (what a test or a screen reader sees)."""
        return self.render().plain

    def render(self) -> Text:
        width = max(1, self.size.width or 120)
        left = Text(no_wrap=True, overflow="ellipsis")
        if self._paused:
            left.append(" ⏸ PAUSED ", self.get_component_rich_style("status--paused", partial=True))
            left.append(" ")
        for i, line in enumerate(self._sources):
            if i:
                left.append(" │ ", self.get_component_rich_style("status--hint", partial=True))
            name = f"status--{line.state}" if line.state in GLYPHS else "status--loading"
            if line.state == "off":
                name = "status--loading"
            left.append(" " + source_text(line), self.get_component_rich_style(name, partial=True))
        right = Text(no_wrap=True)
        for key, label in self._hints:
            candidate = right.copy()
            candidate.append(f" {key}", self.get_component_rich_style("status--key", partial=True))
            candidate.append(
                f" {label} ", self.get_component_rich_style("status--hint", partial=True)
            )
            if left.cell_len + candidate.cell_len + 1 > width:
                break
            right = candidate
        gap = max(1, width - left.cell_len - right.cell_len)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append_text(left)
        text.append(" " * gap, Style())
        text.append_text(right)
        text.truncate(width)
        return text
