"""A one-line strip naming the panes, marking the active one; clicking a name chooses it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class TabStrip(Widget):
    """``1 Spreads  2 Sectors  3 Risk  4 Macro`` with the active one highlighted and bracketed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"tab-strip--active", "tab-strip--tab"}
    DEFAULT_CSS = """
    TabStrip { height: 1; background: $panel; }
    TabStrip > .tab-strip--active { background: $accent; color: $background; text-style: bold; }
    TabStrip > .tab-strip--tab { color: $neutral; }
    """

    active: reactive[int] = reactive(0)

    class Chosen(Message):
        """A tab was clicked."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, labels: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = tuple(labels)
        self.badges: dict[int, str] = {}
        """Tab index -> a short mark after its label (the risk tab's alert count)."""
        self._spans: list[tuple[int, int]] = []

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        self._spans = []
        for i, label in enumerate(self.labels):
            start = text.cell_len
            badge = self.badges.get(i)
            if badge:
                label = f"{label} {badge}"
            if i == self.active:
                piece = f"[{i + 1} {label}]"
                style = self.get_component_rich_style("tab-strip--active", partial=True)
            else:
                piece = f" {i + 1} {label} "
                style = self.get_component_rich_style("tab-strip--tab", partial=True)
            text.append(piece, style)
            self._spans.append((start, text.cell_len))
            text.append(" ")
        return text

    def set_badge(self, index: int, badge: str) -> None:
        if self.badges.get(index, "") != badge:
            self.badges[index] = badge
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        for i, (start, end) in enumerate(self._spans):
            if start <= event.x < end:
                self.post_message(self.Chosen(i))
                return
