"""The diagnostics screen (`D`): per source requests, latency, errors, retry schedule, cache hits.

It shows what ``rotmon doctor`` prints, refreshed every second while open. The rows come from
a provider: ``LiveSource.diagnostics`` for live data, or any source's ``status()`` (demo, packs)
seen at the moment, where what a source keeps no record of shows as n/a.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from analytics.health import SourceHealth
from data_sources.capabilities import Diagnosable
from data_sources.clock import utc_now
from tui.screens.fit import FitsTerminal
from widgets import formatting as fmt
from widgets.status_bar import GLYPHS

log = logging.getLogger(__name__)

Provider = Callable[[], Sequence[SourceHealth]]
Clock = Callable[[], datetime]

WIDE = 100
"""From this many columns two fields share a line."""
STATES = ("ok", "stale", "failing", "loading", "off")


def provider_for(source: Callable[[], object | None], clock: Clock | None = None) -> Provider:
    """The rows for whatever ``source()`` returns now: its ``diagnostics(now)`` when it has
    them (live), else its ``status()`` seen at the clock's now; nothing while it is None."""
    now = clock or utc_now

    def rows() -> Sequence[SourceHealth]:
        current = source()
        if current is None:
            return ()
        if isinstance(current, Diagnosable):
            return tuple(current.diagnostics())
        statuses: Iterable[SourceHealth] = current.status()  # type: ignore[attr-defined]
        return tuple(s.at(now()) for s in statuses)

    return rows


# -- text -------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def when(moment: datetime | None, now: datetime) -> str:
    """``14:03:22Z (12s ago)`` / ``(in 3m)``; the date too when it is not today's (UTC)."""
    if moment is None:
        return "never"
    m = _aware(moment).astimezone(UTC)
    n = _aware(now).astimezone(UTC)
    stamp = f"{m:%H:%M:%S}Z" if m.date() == n.date() else f"{m:%Y-%m-%d %H:%M:%S}Z"
    delta = (m - n).total_seconds()
    rel = f"in {fmt.age(delta)}" if delta > 0.5 else f"{fmt.age(-delta)} ago"
    return f"{stamp} ({rel})"


def _ms(value: float | None) -> str:
    return fmt.NA if value is None else f"{value:.0f} ms"


def _count(value: int | None) -> str:
    return fmt.NA if value is None else str(value)


def _interval(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return fmt.NA
    return f"every {fmt.age(seconds)}"


def fields(snap: SourceHealth, now: datetime) -> list[tuple[str, str]]:
    """(label, value) pairs in the order the screen shows them (all plain, inert text)."""
    errors = _count(snap.errors)
    if snap.failures is not None and snap.errors is not None:
        errors += f" ({snap.failures} in a row)"
    latency = _ms(snap.last_latency_ms)
    if snap.mean_latency_ms is not None:
        latency += f", mean {_ms(snap.mean_latency_ms)}"
    circuit = fmt.NA if snap.circuit is None else str(snap.circuit).replace("_", "-")
    retry = when(snap.next_retry, now) if snap.next_retry is not None else "none"
    due = when(snap.next_due, now) if snap.next_due is not None else fmt.NA
    return [
        ("last request", when(snap.last_request, now)),
        ("last success", when(snap.last_success, now)),
        ("last failure", when(snap.last_failure, now)),
        ("latency", latency),
        ("requests", _count(snap.requests)),
        ("errors", errors),
        ("cache hits", _count(snap.cache_hits)),
        ("circuit", circuit),
        ("next retry", retry),
        ("next due", due),
        ("interval", _interval(snap.interval_s)),
        ("last error", fmt.inert(snap.last_error) if snap.last_error else "none"),
    ]


def title_text(snap: SourceHealth) -> Text:
    """``● yahoo-history  ok · age 12s`` - the state in words, not only in colour."""
    glyph = GLYPHS.get(snap.state, "?")
    text = Text(f"{glyph} {fmt.inert(snap.name, 40)}  ", style="bold")
    text.append(fmt.inert(snap.state, 12))
    if snap.age_s is not None:
        text.append(f" · age {fmt.age(snap.age_s)}")
    return text


def body_text(snap: SourceHealth, now: datetime, width: int) -> Text:
    """The fields as aligned lines: two per line from ``WIDE`` columns, else one; the last
    error always gets a line of its own."""
    pairs = fields(snap, now)
    *grid, last_error = pairs
    label_w = max(len(label) for label, _ in pairs) + 2
    text = Text()
    lines: list[list[tuple[str, str]]]
    if width >= WIDE:
        lines = [grid[i : i + 2] for i in range(0, len(grid), 2)]
        value_w = max(len(value) for _, value in grid[0::2]) + 3
    else:
        lines = [[pair] for pair in grid]
        value_w = 0
    for row in [*lines, [last_error]]:
        for i, (label, value) in enumerate(row):
            text.append(label.ljust(label_w), style="dim")
            text.append(value.ljust(value_w) if i == 0 and len(row) > 1 else value)
        text.append("\n")
    text.rstrip()
    return text


# -- the screen -------------------------------------------------------------------------------


class SourceCard(Vertical):
    """One source: a title in the state's colour and its fields."""

    DEFAULT_CSS = """
    SourceCard { height: auto; margin: 0 0 1 0; }
    SourceCard > .diag-title { height: 1; }
    SourceCard > .diag-body { height: auto; }
    SourceCard.-ok > .diag-title { color: $success; }
    SourceCard.-stale > .diag-title { color: $warning; }
    SourceCard.-failing > .diag-title { color: $error; }
    SourceCard.-loading > .diag-title { color: $text-muted; }
    SourceCard.-off > .diag-title { color: $text-muted; }
    """

    def __init__(self, name: str) -> None:
        super().__init__(classes="diag-card")
        self.source_name = name
        self.title = Static("", classes="diag-title")
        self.body = Static("", classes="diag-body")

    def compose(self) -> ComposeResult:
        yield self.title
        yield self.body

    def show(self, snap: SourceHealth, now: datetime, width: int) -> None:
        for state in STATES:
            self.set_class(snap.state == state, f"-{state}")
        self.title.update(title_text(snap))
        self.body.update(body_text(snap, now, width))


class DiagnosticsScreen(FitsTerminal[None], ModalScreen[None]):
    """Per-source diagnostics from ``provider``, refreshed every ``interval`` seconds."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "dismiss", "Back", id="diagnostics.close"),
        Binding("D", "dismiss", "Close diagnostics", show=False, id="diagnostics.toggle"),
    ]

    DEFAULT_CSS = """
    DiagnosticsScreen { align: center middle; }
    DiagnosticsScreen > VerticalScroll {
        width: 96%;
        max-width: 140;
        height: 94%;
        border: round $border;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    DiagnosticsScreen #diag-note { color: $text-muted; height: auto; margin: 0 0 1 0; }
    DiagnosticsScreen #diag-pack { height: auto; }
    """

    def __init__(
        self,
        provider: Provider,
        *,
        clock: Clock | None = None,
        interval: float = 1.0,
        pack_report: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(id="diagnostics")
        self.provider = provider
        self.pack_report = pack_report
        """For a data pack: its files, their last dates and problems (``pack check``'s text)."""
        self.clock = clock or utc_now
        self.interval = interval
        self.cards: dict[str, SourceCard] = {}
        self.note = Static("", id="diag-note")
        self._busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="diag-body") as scroll:
            scroll.border_title = "rotmon · diagnostics"
            scroll.border_subtitle = "escape closes · r refreshes the sources"
            yield self.note
            if self.pack_report is not None:
                yield Static("", id="diag-pack")

    @on(events.Mount)  # async: not an on_mount, which would override FitsTerminal's (sync) one
    async def _first_view(self) -> None:
        if self.pack_report is not None:
            # Read once: the files do not change while the screen is open.
            try:
                text = Text("Pack files (as `rotmon pack check` reads them)\n", style="bold")
                lines = self.pack_report().splitlines()
                text.append("\n".join(fmt.inert(line) for line in lines))
            except Exception as exc:
                text = Text(f"pack report unavailable: {fmt.inert(exc, 200)}")
            self.query_one("#diag-pack", Static).update(text)
        await self.refresh_view()
        self.set_interval(self.interval, self._tick)

    def _tick(self) -> None:
        # Timer bodies stay trivial: the work runs as a worker, its errors become text; a
        # refresh still running (a slow mount) is not overlapped.
        if not self._busy:
            self.run_worker(
                # Textual's WorkType union leaves mypy no result type for a coroutine function
                self.refresh_view,  # type: ignore[arg-type]
                group="diagnostics",
                exit_on_error=False,
            )

    async def refresh_view(self) -> None:
        """Ask the provider again and repaint the cards (one per source, in its order)."""
        self._busy = True
        try:
            await self._refresh_view()
        finally:
            self._busy = False

    async def _refresh_view(self) -> None:
        now = self.clock()
        try:
            rows = tuple(self.provider())
        except Exception as exc:  # a failing provider must not close the screen
            log.debug("diagnostics provider failed", exc_info=True)
            self.note.update(Text(f"diagnostics unavailable: {fmt.inert(exc, 200)}"))
            return
        names = [r.name for r in rows]
        if names != list(self.cards):
            await self._rebuild(names)
        scroll = self.query_one("#diag-body", VerticalScroll)
        width = scroll.content_size.width or self.app.size.width or WIDE
        for row in rows:
            self.cards[row.name].show(row, now, width)
        note = f"{len(rows)} sources · as of {now.astimezone(UTC):%H:%M:%S}Z"
        self.note.update(Text(note if rows else "no source has reported yet"))

    async def _rebuild(self, names: Sequence[str]) -> None:
        scroll = self.query_one("#diag-body", VerticalScroll)
        for card in self.cards.values():
            await card.remove()
        self.cards = {name: SourceCard(name) for name in names}
        if self.cards:
            await scroll.mount_all(self.cards.values())

    def on_resize(self) -> None:
        self._tick()
