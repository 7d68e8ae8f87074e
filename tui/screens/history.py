"""The alert history (``H``): every transition of the alert log, newest first, filterable by
rule and severity."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.widgets.data_table import ColumnKey

from analytics.text import inert
from data_sources.clock import NY
from tui.screens.fit import FitsTerminal
from widgets.formatting import NA, clean_float, number
from widgets.keyed_table import Column, KeyedTable

LIMIT = 5000
"""Newest transitions read (years of a busy log; the store keeps them all)."""

SEVERITIES: tuple[str | None, ...] = (None, "critical", "warning")
"""What ``f`` steps through: every severity, then critical only, then warning only."""

COLUMNS: tuple[Column, ...] = (
    Column("time", "Time (NY)", 16),
    Column("rule", "Rule", 30),
    Column("event", "Event", 12),
    Column("severity", "Severity", 8),
    Column("value", "Value", 9, justify="right"),
    Column("threshold", "Threshold", 9, justify="right"),
    Column("message", "Message", 60),
)
MESSAGE_MIN = 16
"""The message column at its narrowest (it takes what the other columns leave: from 120
terminal columns every column fits without a horizontal scrollbar)."""

LogLoader = Callable[[], Sequence[Any] | None]
"""Reads the log (blocking: run off the UI thread); None when there is no alert log."""


def _field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def said(entry: Any) -> str:
    """A log entry's message with who acknowledged / muted in front (``by alice@desk1``):
    the log's ``who`` column, shown where the acks are."""
    message = str(_field(entry, "message") or "")
    who = _field(entry, "who")
    if not who:
        return message
    return f"by {who}: {message}" if message else f"by {who}"


def matches(entry: Any, labels: Mapping[str, str], text: str, severity: str | None) -> bool:
    """Whether a log entry passes the filter: ``text`` found (case-insensitive) in its rule id
    or name, and its severity ``severity`` (None: any)."""
    if severity is not None and _field(entry, "severity") != severity:
        return False
    if not text:
        return True
    rule = str(_field(entry, "rule") or "")
    needle = text.casefold()
    return needle in rule.casefold() or needle in labels.get(rule, "").casefold()


class HistoryTable(KeyedTable):
    """The history's table: the message column takes the width the others leave."""

    def on_resize(self, _event: events.Resize) -> None:
        fixed = sum(c.width for c in self.table_columns if c.key != "message")
        gaps = 2 * self.cell_padding * len(self.table_columns) + 1  # + the scrollbar
        width = max(self.size.width - fixed - gaps, MESSAGE_MIN)
        column = self.columns[ColumnKey("message")]
        if column.width != width:
            column.width = width
            self.notify_style_update()
            self._update_dimensions(())


class HistoryFilter(Input):
    """The one-line rule filter; ``escape`` closes it."""

    DEFAULT_CSS = """
    HistoryFilter, HistoryFilter:focus { border: none; height: 1; padding: 0 1; display: none; }
    HistoryFilter.-open { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close filter", show=False, id="history.filter_close"),
    ]

    def action_close(self) -> None:
        self.remove_class("-open")
        self.screen.query_one(KeyedTable).focus()


class HistoryScreen(FitsTerminal[None], Screen[None]):
    """Every transition of the alert log; ``/`` filters by rule, ``f`` by severity."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="history.back"),
        Binding("slash", "open_filter", "Filter rule", id="history.filter", priority=True),
        Binding("f", "severity", "Severity", id="history.severity"),
        Binding("r", "reload", "Reload", id="history.reload"),
    ]

    DEFAULT_CSS = """
    HistoryScreen #history-title { height: 1; padding: 0 1; background: $boost; }
    HistoryScreen #history-table { height: 1fr; }
    """

    def __init__(self, load: LogLoader, labels: Mapping[str, str]) -> None:
        super().__init__(id="alert-history")
        self.load = load
        self.labels = dict(labels)
        self.entries: list[Any] | None = None
        """What the log held at the last (re)load; None: no alert log."""
        self.severity: str | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="history-title")
        yield HistoryFilter(placeholder="rule id or name (e.g. vix, claims)")
        yield HistoryTable(COLUMNS, id="history-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()
        self._show_title("reading the alert log…")
        self.action_reload()

    def action_reload(self) -> None:
        self.run_worker(
            # Textual's WorkType union leaves mypy no result type for a coroutine function
            self._reload,  # type: ignore[arg-type]
            name="alert-history",
            exclusive=True,
            exit_on_error=False,
        )

    async def _reload(self) -> None:
        import asyncio

        try:
            entries = await asyncio.to_thread(self.load)
        except Exception as exc:  # a locked or broken store is a line, not a crash
            self._show_title(f"alert log unreadable: {inert(str(exc), 120)}")
            return
        self.entries = None if entries is None else list(entries)
        self.refresh_rows()

    def shown(self) -> list[Any]:
        """The entries that pass the filter, newest first."""
        return [e for e in self.entries or [] if matches(e, self.labels, self.text, self.severity)]

    def refresh_rows(self) -> None:
        table = self.query_one(KeyedTable)
        if self.entries is None:
            table.sync([])
            self._show_title("no alert log (it needs a store: see --db)")
            return
        rows = []
        for i, e in enumerate(self.shown()):
            ident = _field(e, "id")
            key = str(ident) if ident is not None else f"row{i}"
            rows.append((key, self._cells(e)))
        table.sync(rows)
        total, count = len(self.entries), len(rows)
        parts = [f"{count:,} of {total:,} transitions, newest first"]
        parts.append(f"severity: {self.severity or 'any'} (f)")
        parts.append(f"rule: {inert(self.text, 40) or 'any'} (/)")
        if total and not count:
            parts.append("no transition matches the filter")
        self._show_title("  ·  ".join(parts))

    def _cells(self, e: Any) -> Sequence[Any]:
        t = _field(e, "time")
        when = t.astimezone(NY).strftime("%Y-%m-%d %H:%M") if isinstance(t, datetime) else NA
        rule = str(_field(e, "rule") or "")
        severity = _field(e, "severity")
        style: str | None = ""
        if severity in ("critical", "warning"):
            style = self.app.theme_variables.get("error" if severity == "critical" else "warning")
        return (
            Text(when, no_wrap=True),
            Text(inert(self.labels.get(rule, rule), 30), no_wrap=True, overflow="ellipsis"),
            Text(inert(_field(e, "event") or NA), no_wrap=True),
            Text(inert(severity or ""), style=style or "", no_wrap=True),
            Text(number(clean_float(_field(e, "value"))), justify="right"),
            Text(number(clean_float(_field(e, "threshold"))), justify="right"),
            Text(inert(said(e)), no_wrap=True, overflow="ellipsis"),
        )

    def _show_title(self, text: str) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("Alert history  ", style="bold")
        line.append(text)
        self.query_one("#history-title", Static).update(line)

    def action_severity(self) -> None:
        i = SEVERITIES.index(self.severity)
        self.severity = SEVERITIES[(i + 1) % len(SEVERITIES)]
        self.refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_filter":  # a priority binding: inside the box ``/`` is text
            return not isinstance(self.focused, Input)
        return True

    def action_open_filter(self) -> None:
        box = self.query_one(HistoryFilter)
        box.add_class("-open")
        # At once, not a message later (``Widget.focus``): keys typed right after ``/`` in
        # the same read are the box's, not the table's.
        self.set_focus(box)

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.refresh_rows()

    @on(Input.Submitted)
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.query_one(HistoryFilter).action_close()

    def action_back(self) -> None:
        self.dismiss()
