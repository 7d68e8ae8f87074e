"""The help screen: every key, grouped, generated from the active bindings of the screen below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.commands import KeyEntry, grouped
from tui.screens.fit import FitsTerminal


def keys_table(entries: Sequence[KeyEntry]) -> RichGroup:
    """One two-column table per group; actions that cannot run here are dimmed."""
    parts: list[Table | Text] = []
    for group, items in grouped(entries).items():
        table = Table.grid(padding=(0, 2))
        table.add_column(width=16, justify="right", style="bold")
        table.add_column()
        for entry in items:
            style = "" if entry.enabled else "dim"
            note = "" if entry.enabled else "  (not here)"
            table.add_row(Text(entry.keys_text, style=style), Text(entry.description + note, style))
        parts.append(Text(group, style="bold underline"))
        parts.append(table)
        parts.append(Text(""))
    return RichGroup(*parts)


class HelpScreen(FitsTerminal[None], ModalScreen[None]):
    """``?`` opens it; ``escape``, ``?`` or ``q`` close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="help.up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page_up"),
        Binding("g,home", "edge(0)", "Top", show=False, id="help.top"),
        Binding("G,end", "edge(1)", "Bottom", show=False, id="help.bottom"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: round $border;
        border-title-style: bold;
        background: $surface;
        padding: 0 2;
    }
    HelpScreen .keys { width: 1fr; }
    HelpScreen .about { color: $text-muted; }
    """

    def __init__(self, entries: Sequence[KeyEntry], pane_help: Sequence[str] = ()) -> None:
        super().__init__(id="help")
        self.entries = tuple(entries)
        self.pane_help = tuple(pane_help)

    def _scroller(self) -> VerticalScroll:
        return self.query_one(VerticalScroll)

    def action_scroll(self, lines: int) -> None:
        self._scroller().scroll_relative(y=lines, animate=False)

    def action_page(self, pages: int) -> None:
        scroller = self._scroller()
        scroller.scroll_relative(
            y=pages * max(1, scroller.scrollable_content_region.height - 1), animate=False
        )

    def action_edge(self, end: int) -> None:
        scroller = self._scroller()
        if end:
            scroller.scroll_end(animate=False)
        else:
            scroller.scroll_home(animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "rotmon · keys"
            scroll.border_subtitle = "escape closes"
            yield Static(keys_table(self.entries), classes="keys")
            from rich.markdown import Markdown  # markdown-it costs ~25 ms: only when help opens

            for text in self.pane_help:
                yield Static(Markdown(text), classes="about")
