"""The symbol jump (``:``): find any symbol of the universe by ticker or name, fuzzily."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from analytics.text import inert
from tui.screens.fit import FitsTerminal

MAX_HITS = 50
"""Rows listed at most (the best matches first)."""


def ranked(query: str, names: Sequence[tuple[str, str]], limit: int = MAX_HITS) -> list[str]:
    """Tickers of ``names`` ((ticker, name) pairs) that match ``query`` fuzzily, best first:
    an exact ticker wins, then a ticker prefix, then the fuzzy score over ticker and name."""
    q = query.strip()
    if not q:
        return [t for t, _ in names[:limit]]
    upper = q.upper()
    matcher = Matcher(q)
    scored: list[tuple[float, str]] = []
    for ticker, name in names:
        if ticker.upper() == upper:
            score = 10.0
        elif ticker.upper().startswith(upper):
            score = 5.0 + 1.0 / len(ticker)
        else:
            score = max(matcher.match(ticker), matcher.match(name) * 0.9)
        if score > 0:
            scored.append((score, ticker))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [t for _, t in scored[:limit]]


def universe(
    constituents: Iterable[tuple[str, str]], symbols: Iterable[str]
) -> list[tuple[str, str]]:
    """(ticker, name) of every symbol the app knows: the catalog's, then the constituents'."""
    seen: dict[str, str] = {}
    for symbol in symbols:
        seen.setdefault(symbol, "")
    for ticker, name in constituents:
        if not seen.get(ticker):
            seen[ticker] = name
    return sorted(seen.items())


class SymbolJump(FitsTerminal[str | None], ModalScreen[str | None]):
    """Type a ticker or part of a name; Enter opens the first (or highlighted) match (below
    80x24, like every screen, only the too-small notice)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="jump.close"),
        Binding("down", "move(1)", "Next match", show=False, id="jump.down"),
        Binding("up", "move(-1)", "Previous match", show=False, id="jump.up"),
    ]

    DEFAULT_CSS = """
    SymbolJump { align: center top; }
    SymbolJump > Vertical {
        width: 80%;
        max-width: 90;
        height: auto;
        max-height: 80%;
        margin-top: 2;
        border: round $border;
        background: $surface;
    }
    SymbolJump Input, SymbolJump Input:focus { border: none; height: 1; padding: 0 1; }
    SymbolJump #jump-note { height: 1; padding: 0 1; color: $text-muted; }
    SymbolJump OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(self, names: Sequence[tuple[str, str]]) -> None:
        super().__init__(id="symbol-jump")
        self.names = list(names)
        self._names = dict(self.names)
        self.hits: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Jump to a symbol"
            yield Input(placeholder="ticker or name, e.g. IWM or solar", id="jump-input")
            yield Static(id="jump-note")
            yield OptionList(id="jump-hits")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))  # at once, not a message later
        self._show("")

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after ``:`` in one read reach this screen before its box has
        focus: they are the box's text, never the app's bindings (``q`` must not quit)."""
        box = self.query_one(Input)
        if self.focused is box or not event.is_printable or event.character is None:
            return
        event.stop()
        event.prevent_default()
        self.set_focus(box)
        box.insert_text_at_cursor(event.character)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        self.hits = ranked(query, self.names)
        hits = self.query_one(OptionList)
        hits.clear_options()
        hits.add_options(
            Option(
                Text.assemble((f"{inert(t, 12):<10}", "bold"), inert(self._names.get(t, ""), 60)),
                id=t,
            )
            for t in self.hits
        )
        if self.hits:
            hits.highlighted = 0
        note = f"{len(self.hits)} match{'es' * (len(self.hits) != 1)} of {len(self.names):,}"
        if query.strip() and not self.hits:
            note = f"no symbol matches {inert(query, 30)!r}"
        self.query_one("#jump-note", Static).update(Text(note))

    def action_move(self, step: int) -> None:
        hits = self.query_one(OptionList)
        if self.hits:
            at = hits.highlighted or 0
            hits.highlighted = max(0, min(len(self.hits) - 1, at + step))

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        hits = self.query_one(OptionList)
        if self.hits:
            self.dismiss(self.hits[hits.highlighted or 0])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
