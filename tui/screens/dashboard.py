"""The home screen: header, four panes (a grid, or one at a time with a tab strip), status bar."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, ClassVar, ParamSpec

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from analytics.health import SourceHealth
from analytics.types import Alert, Snapshot
from data_sources.clock import NY
from tui.compositor import compositor
from tui.messages import DrillDownRequested
from tui.screens.dashlayout import (
    GRID_MIN_WIDTH,
    MIN_SIZE,
    SPREADS_MIN_WIDTH,
    WIDE_SIZE,
    grid_columns,
    grid_rows,
    stacked_rows,
)
from tui.screens.fit import too_small_text
from widgets.alert_list import AlertLog, AlertTable, LogLine, RiskPane
from widgets.chart import ChartData, LineChart
from widgets.header import MarketHeader, alert_badge
from widgets.heatmap import SectorHeatmap
from widgets.macro_panel import MacroTable
from widgets.spread_table import HEADLINE, PairDetail, SpreadTable
from widgets.status_bar import StatusBar
from widgets.tab_strip import TabStrip
from widgets.thesis import CycleLine, ThesisBar

PANES: tuple[tuple[str, str], ...] = (
    ("spreads", "Spreads"),
    ("sectors", "Sectors"),
    ("risk", "Risk"),
    ("macro", "Macro & energy"),
)

CHART_WINDOW = "1Y"
CHART_EVERY = 300.0
"""Seconds between recomputing the headline chart on live ticks (a new day redraws at once):
a redrawn chart resends its whole area (~15 KB at 200x60, against a 4 KB/s budget), and a
trader reads a 1-year chart of daily closes, not its last tick."""
LOG_LIMIT = 40
"""Transitions the dashboard's alert log reads (more than its pane shows at 300x80)."""
PANES_GROUP = Binding.Group("Panes")
THESIS_GROUP = Binding.Group("Valuation & Fed")
DATA_GROUP = Binding.Group("Data")
ALERTS_GROUP = Binding.Group("Alerts")

PANE_TITLES: dict[str, str] = {
    "spreads": "1 Spreads · small − large, pp",
    "sectors": "2 Sectors",
    "risk": "3 Risk",
    "macro": "4 Macro & energy",
}

log = logging.getLogger(__name__)


def _has_held_frame_internals(screen: Screen[None]) -> bool:
    """Whether this Textual has the private names ``_draw_held_frame`` uses (8.2's)."""
    return all(
        hasattr(screen, name)
        for name in ("_layout_required", "_repaint_required", "_on_timer_update")
    ) and hasattr(screen._compositor, "_dirty_regions")


P = ParamSpec("P")


def _while_mounted(method: Callable[P, None]) -> Callable[P, None]:
    """Updates that arrive while the screen is being torn down (quit) are dropped, not raised.

    A thread's ``call_from_thread`` or a queued message can land after the panes are gone.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        with contextlib.suppress(NoMatches):
            method(*args, **kwargs)

    return wrapper


def log_lines(entries: Any, labels: dict[str, str]) -> list[LogLine]:
    """Alert-log entries (newest first) as the log pane's lines, in New York time."""
    lines = []
    for entry in entries:
        rule = str(entry.rule)
        lines.append(
            LogLine(
                key=str(entry.id),
                when=entry.time.astimezone(NY).strftime("%b %d %H:%M"),
                severity=entry.severity,
                event=str(entry.event),
                rule=labels.get(rule, rule),
                value=entry.value,
                threshold=entry.threshold,
            )
        )
    return lines


def active_lines(alerts: tuple[Alert, ...]) -> list[LogLine]:
    """Without an alert log (no store): the active alerts, newest first, as log lines."""
    ordered = sorted(alerts, key=lambda a: (a.since, a.rule), reverse=True)
    return [
        LogLine(
            key=a.rule,
            when=a.since.strftime("%b %d"),
            severity=a.severity,
            event="active",
            rule=a.label or a.rule,
            value=a.value,
            threshold=a.threshold,
        )
        for a in ordered
    ]


class Pane(Vertical):
    """A bordered pane; its border lights up while something inside has focus."""

    DEFAULT_CSS = """
    Pane {
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        height: 1fr;
        padding: 0 0;
        overflow: hidden;
    }
    Pane:focus-within {
        border: round $border;
        border-title-color: $foreground;
    }
    """

    def show_title(self, title: str) -> None:
        """Set the border title only when it changes: Textual repaints the whole pane on every
        assignment, and the risk pane's is set again with each snapshot."""
        if title != self._shown_title:
            self._shown_title = title
            self.border_title = title

    _shown_title: str | None = None


class DashboardScreen(Screen[None]):
    """The four panes and what switches, sorts and steps them."""

    AUTO_FOCUS = "#spreads"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_pane(0)", "Spreads pane", show=False, group=PANES_GROUP, id="pane.1"),
        Binding("2", "show_pane(1)", "Sectors pane", show=False, group=PANES_GROUP, id="pane.2"),
        Binding("3", "show_pane(2)", "Risk pane", show=False, group=PANES_GROUP, id="pane.3"),
        Binding("4", "show_pane(3)", "Macro pane", show=False, group=PANES_GROUP, id="pane.4"),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, group=PANES_GROUP, id="pane.next"),
        Binding(
            "shift+tab",
            "cycle_pane(-1)",
            "Previous pane",
            show=False,
            group=PANES_GROUP,
            id="pane.previous",
        ),
        Binding(
            "left_square_bracket",
            "window(-1)",
            "Previous window",
            group=DATA_GROUP,
            tooltip="window",
            id="window.previous",
        ),
        Binding(
            "right_square_bracket",
            "window(1)",
            "Next window",
            group=DATA_GROUP,
            tooltip="window",
            id="window.next",
        ),
        Binding("s", "sort", "Sort column", show=False, group=DATA_GROUP, id="table.sort"),
        Binding("slash", "filter", "Filter rows", show=False, group=DATA_GROUP, id="table.filter"),
        Binding("e", "export", "Export snapshot", show=False, group=DATA_GROUP, id="export"),
        Binding("a", "ack", "Acknowledge alert", show=False, group=ALERTS_GROUP, id="alert.ack"),
        Binding("m", "mute", "Mute rule", show=False, group=ALERTS_GROUP, id="alert.mute"),
        Binding(
            "v",
            "open_thesis('valuation')",
            "Valuation gap",
            show=False,
            group=THESIS_GROUP,
            id="thesis.valuation",
        ),
        Binding(
            "c",
            "open_thesis('cycle')",
            "Fed rate cycle",
            show=False,
            group=THESIS_GROUP,
            id="thesis.cycle",
        ),
    ]

    def __init__(self, size: Size | None = None, ready: Callable[[], None] | None = None) -> None:
        """``size``: the terminal's, when known: the screen is then composed in the layout of
        that size (its classes, the panes' order, the grid's tracks) instead of being
        switched to it once mounted, which restyled and laid out the whole screen again.
        ``ready`` is called once the panes are mounted, before the screen's first layout."""
        super().__init__(id="dashboard")
        self._ready = ready
        # Partial frames (the clock, the status ages, a tick) render only their lines.
        self._compositor = compositor()
        self.active_pane = 0
        self._narrow = False
        self._tiny = False
        self._wide = False
        self._stacked = False
        self._rows = ""
        self._columns = ""
        self._snapshot: Snapshot | None = None
        self._chart_key: tuple[object, ...] | None = None
        self._chart_at = -CHART_EVERY
        self._log_key: tuple[object, ...] | None = None
        self._resumed = False
        self._applied_size: Size | None = None
        if size is not None:
            self._set_size_classes(size, update=False)
            self._stacked = not self._tiny and GRID_MIN_WIDTH <= size.width < SPREADS_MIN_WIDTH
            if not self._stacked:  # the stacked rows depend on the panes' contents
                self._columns, self._rows = grid_columns(size.width), grid_rows(size)

    def compose(self) -> ComposeResult:
        yield MarketHeader(id="header")
        yield ThesisBar(id="thesis")
        yield TabStrip([label for _key, label in PANES], id="tabs")
        with Grid(id="body") as body:
            if self._columns:
                body.styles.grid_columns = self._columns
                body.styles.grid_rows = self._rows
            with Pane(id="pane-spreads", classes="pane -active"):
                yield SpreadTable(id="spreads")
                yield PairDetail(id="pair-detail")
            with Pane(id="pane-sectors", classes="pane"):
                yield SectorHeatmap(id="sectors")
            # The grid places panes in DOM order: stacked, macro comes before the risk pane
            # (which then spans the bottom row); in the 2x2 grid risk sits under the spreads.
            if self._stacked:
                yield from self._macro_pane()
                yield from self._risk_pane()
            else:
                yield from self._risk_pane()
                yield from self._macro_pane()
            with Pane(id="pane-chart", classes="extra"):
                yield LineChart(id="ratio-chart", min_interval=CHART_EVERY)
            with Pane(id="pane-log", classes="extra"):
                yield AlertLog(id="alert-log")
                yield Static(id="log-empty")
        yield Static(id="too-small")
        yield StatusBar(id="status")

    def _risk_pane(self) -> ComposeResult:
        with Pane(id="pane-risk", classes="pane"):
            yield RiskPane(id="risk")

    def _macro_pane(self) -> ComposeResult:
        with Pane(id="pane-macro", classes="pane"):
            yield MacroTable(id="macro")
            yield CycleLine(id="cycle-line")

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume follows the mount at once: every node was styled as it mounted,
        and each class or focus change since restyled what it touched, so Textual's restyle of
        the whole screen (runs after this handler) would only repeat them (issue 19). Later
        resumes (back from a drill-down, maybe after a theme change) restyle as usual."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def _compositor_refresh(self) -> None:
        """Textual's, except for the screen's first frame while a batch update holds. The
        app's start runs its ``on_mount`` in one, and this screen is pushed from there: its
        first layout queued a frame that was rendered in full while the batch still held, and
        ``App._display`` dropped it (~35 ms of CPU at 160x48 before the first row, issue 19).
        The dirty regions are kept and the frame is drawn once the batch is over (the app's
        queue runs after it). Later frames are Textual's own (only the start is measured and
        tested this way)."""
        app = self.app
        if not self._first_frame_drawn:
            # Textual's private names read here are those of the pinned 8.2; without them the
            # first frame is simply Textual's own.
            if (
                getattr(app, "_batch_count", 0)
                and self is app.screen
                and not app.is_inline
                and _has_held_frame_internals(self)
            ):
                if not self._frame_held:  # one frame for however many layouts it held
                    self._frame_held = True
                    app.call_later(self._draw_held_frame)
                return
            self._first_frame_drawn = True
        super()._compositor_refresh()

    _first_frame_drawn = False
    _frame_held = False

    def _draw_held_frame(self) -> None:
        """The frame held by the start's batch, drawn now: it was due when the batch began.
        Through ``refresh`` alone it waited for the screen's update timer to tick again (up to
        1/60 s of idle wall time before the first row)."""
        self._frame_held = False
        if getattr(self.app, "_batch_count", 0) or not self.is_current:
            self.refresh()  # drawn at the screen's next update
            return
        if not self._layout_required:
            self.refresh()
        elif self._compositor.size.region in self._compositor._dirty_regions:
            # The layout's frame will be a full one (the first frame is): a repaint asked for
            # meanwhile (the resume's) would draw the same whole screen again right after it.
            self._repaint_required = False
        self._on_timer_update()  # what that tick runs: layout if needed, then the frame

    def on_mount(self) -> None:
        for key, _label in PANES:
            self.query_one(f"#pane-{key}", Pane).show_title(PANE_TITLES[key])
        self.query_one("#pane-chart", Pane).border_title = f"{HEADLINE} ratio · {CHART_WINDOW}"
        self.query_one("#pane-log", Pane).border_title = "Alert log · newest first"
        self.query_one("#pane-log", Pane).border_subtitle = "H history"
        self._title_sectors()
        self._apply_size(self.app.size)
        if self._ready is not None:
            ready, self._ready = self._ready, None
            ready()

    # -- layout ----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self.outer_size:
            # Textual forwards the terminal's size to the screen once the app is idle even
            # when it did not change (every start does: the driver reports the size the app
            # began with), and the screen then lays out and repaints everything at the size
            # it already has (~30 ms and a full frame at 160x48). Other changes of layout
            # ask for a refresh of their own: a Resize to the laid-out size has nothing to do.
            event.prevent_default()
        if event.size != self._applied_size:
            self._apply_size(event.size)

    def _set_size_classes(self, size: Size, update: bool = True) -> bool:
        """The screen's classes for ``size`` (``update=False``: not mounted yet, nothing to
        restyle); returns whether it is wide."""
        tiny = size.width < MIN_SIZE.width or size.height < MIN_SIZE.height
        narrow = size.width < GRID_MIN_WIDTH
        self._tiny, self._narrow = tiny, narrow
        wide = not tiny and size.width >= WIDE_SIZE.width and size.height >= WIDE_SIZE.height
        stacked = not tiny and GRID_MIN_WIDTH <= size.width < SPREADS_MIN_WIDTH
        self.set_class(tiny, "-tiny", update=update)
        self.set_class(narrow and not tiny, "-narrow", update=update)
        self.set_class(wide, "-wide", update=update)
        self.set_class(stacked, "-stacked", update=update)
        if not update:
            self._wide = wide
        return wide

    def _apply_size(self, size: Size) -> None:
        self._applied_size = size
        wide = self._set_size_classes(size)
        tiny = self._tiny
        stacked = not tiny and GRID_MIN_WIDTH <= size.width < SPREADS_MIN_WIDTH
        if tiny:
            self.query_one("#too-small", Static).update(too_small_text(size))
        body = self.query_one("#body", Grid)
        if stacked != self._stacked:  # the panes' order: see compose
            macro, risk = self.query_one("#pane-macro", Pane), self.query_one("#pane-risk", Pane)
            if stacked:
                body.move_child(macro, before=risk)
            else:
                body.move_child(macro, after=risk)
        self._stacked = stacked
        body.styles.grid_columns = grid_columns(size.width)
        self._rows = self._stacked_rows(size) if stacked else grid_rows(size)
        body.styles.grid_rows = self._rows
        if not stacked:
            self.query_one(RiskPane).set_tight(False)
        if wide and not self._wide and self._snapshot is not None:
            self.call_after_refresh(self._show_wide, self._snapshot)
        self._wide = wide

    def _stacked_rows(self, size: Size) -> str:
        risk = self.query_one(RiskPane)
        rows, tight = stacked_rows(
            size.height,
            self.query_one(SpreadTable).row_count,
            risk.wanted_height(),
            self.query_one(MacroTable).row_count,
        )
        risk.set_tight(tight)
        return rows

    def _restack(self) -> None:
        """The stacked grid follows the number of pairs, alerts and indicators shown."""
        if self._stacked:
            rows = self._stacked_rows(self.size)
            if rows != self._rows:
                self._rows = rows
                self.query_one("#body", Grid).styles.grid_rows = rows

    @property
    def stacked(self) -> bool:
        """True between GRID_MIN_WIDTH and SPREADS_MIN_WIDTH (see SPREADS_MIN_WIDTH)."""
        return self._stacked

    @property
    def wide(self) -> bool:
        """True when the ratio chart and the alert log are shown (from WIDE_SIZE)."""
        return self._wide

    @property
    def narrow(self) -> bool:
        return self._narrow

    def pane_widget(self, index: int) -> Widget:
        """The focusable widget inside pane ``index``."""
        key = PANES[index][0]
        if key == "risk":
            return self.query_one(RiskPane).table
        return self.query_one(f"#{key}")

    def _pane_of(self, widget: Widget | None) -> int | None:
        node = widget
        while node is not None and node is not self:
            if isinstance(node, Pane) and node.id:
                keys = [k for k, _ in PANES]
                key = node.id.removeprefix("pane-")
                return keys.index(key) if key in keys else None
            node = node.parent  # type: ignore[assignment]
        return None

    def _set_active(self, index: int) -> None:
        self.active_pane = index
        for i, (key, _label) in enumerate(PANES):
            self.query_one(f"#pane-{key}", Pane).set_class(i == index, "-active")
        self.query_one(TabStrip).active = index

    def action_show_pane(self, index: int) -> None:
        index %= len(PANES)
        self._set_active(index)
        self.pane_widget(index).focus()

    def action_cycle_pane(self, step: int) -> None:
        self.action_show_pane(self.active_pane + step)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        index = self._pane_of(event.widget)
        if index is not None and index != self.active_pane:
            self._set_active(index)

    def on_click(self, event: events.Click) -> None:
        # A click anywhere in a pane (its border, the gauges) selects that pane.
        index = self._pane_of(event.widget)
        if index is not None and not self.pane_widget(index).has_focus:
            self.action_show_pane(index)

    @on(TabStrip.Chosen)
    def _tab_chosen(self, event: TabStrip.Chosen) -> None:
        self.action_show_pane(event.index)

    # -- data ------------------------------------------------------------------------------

    @_while_mounted
    def show_snapshot(
        self,
        snapshot: Snapshot,
        *,
        acked: Collection[str] = (),
        muted: Collection[str] = (),
        alerts_waiting: int = 0,
    ) -> None:
        """Hand each pane its part of one snapshot (the caller wraps this in batch_update);
        ``alerts_waiting``: the evaluation's alerts the alert log has not taken yet."""
        self.query_one(MarketHeader).update_indices(snapshot.indices)
        table = self.query_one(SpreadTable)
        table.update_pairs(snapshot.spreads)
        self.query_one(PairDetail).show_pair(table.pairs.get(table.cursor_key() or ""))
        self.query_one(SectorHeatmap).update_sectors(snapshot.heatmap)
        self.query_one(RiskPane).update_risk(
            snapshot.scores,
            snapshot.alerts,
            asof=snapshot.asof,
            acked=acked,
            muted=muted,
            coverage=snapshot.coverage,
            unknown=snapshot.unknown,
            waiting=alerts_waiting,
        )
        self._show_alert_counts(snapshot)
        self.query_one(MacroTable).update_macro(snapshot.macro)
        self.query_one(ThesisBar).update_thesis(snapshot.valuation, snapshot.cycle)
        self.query_one(CycleLine).update_cycle(snapshot.cycle)
        self._snapshot = snapshot
        self._restack()
        if self._wide:
            self._show_wide(snapshot, acked=acked, muted=muted)

    # -- the wide layout: headline chart and alert log -------------------------------------

    @_while_mounted
    def _show_wide(
        self, snapshot: Snapshot, *, acked: Collection[str] = (), muted: Collection[str] = ()
    ) -> None:
        self._show_ratio_chart(snapshot)
        self._show_alert_log(snapshot, acked, muted)

    def _show_ratio_chart(self, snapshot: Snapshot) -> None:
        """The headline pair's ratio with its 50/200-day averages, as the pair screen draws
        it; recomputed on a new day, live moves at most every CHART_EVERY seconds."""
        market = getattr(self.app, "market", None)
        chart = self.query_one("#ratio-chart", LineChart)
        if market is None:
            # The cached first paint (or a desk terminal) has no price history yet: say so
            # rather than import pandas before the first paint.
            message = "waiting for the price history"
            chart.set_data(ChartData(f"{HEADLINE} ratio", (), (), empty_message=message))
            return
        day = snapshot.asof.date()
        key = (day, tuple(r.id for r in snapshot.spreads))
        now = time.monotonic()
        if key == self._chart_key and now - self._chart_at < CHART_EVERY:
            return
        self._chart_key, self._chart_at = key, now
        # pandas: imported once the terminal is wide, never before the first paint
        from tui.screens.pair import find_pair, pair_history, ratio_chart_data

        pair = find_pair(HEADLINE, snapshot.spreads)
        small, large = market.prices.get(pair.small), market.prices.get(pair.large)
        if small is None or large is None or small.empty or large.empty:
            message = f"no history of {pair.small} and {pair.large}"
            chart.set_data(ChartData(f"{pair.id} ratio", (), (), empty_message=message))
            return
        chart.set_data(ratio_chart_data(pair, pair_history(small, large, day), CHART_WINDOW))

    def _show_alert_log(
        self, snapshot: Snapshot, acked: Collection[str], muted: Collection[str]
    ) -> None:
        """The last transitions of the app's alert log (read on a thread: it is a database),
        again whenever the active alerts, acks or mutes change; without a log, the active
        alerts of the snapshot."""
        desk = getattr(self.app, "alerts", None)
        key = (
            tuple((a.rule, a.severity, a.since) for a in snapshot.alerts),
            frozenset(acked),
            frozenset(muted),
            desk is None,
            int(getattr(desk, "behind", 0) or 0),  # queued ones saved: their ids are final
        )
        if key == self._log_key:
            return
        self._log_key = key
        if desk is None:
            self._put_log(active_lines(snapshot.alerts), "No active alerts (no alert log).")
            return
        self.run_worker(
            functools.partial(self._read_log, desk),
            thread=True,
            group="alert-log",
            exclusive=True,
            exit_on_error=False,
        )

    def _read_log(self, desk: Any) -> None:
        try:
            lines = log_lines(desk.log(None, LOG_LIMIT), dict(getattr(desk, "labels", {})))
        except Exception:  # a locked or closing log: the pane keeps what it showed
            log.warning("alert log: read failed", exc_info=True)
            self._log_key = None
            return
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(self._put_log, lines)

    @_while_mounted
    def _put_log(self, lines: list[LogLine], empty: str = "No alert transitions yet.") -> None:
        self.query_one(AlertLog).update_log(lines)
        quiet = self.query_one("#log-empty", Static)
        quiet.update(empty)
        quiet.display = not lines

    def _show_alert_counts(self, snapshot: Snapshot) -> None:
        """The alert badge in the header, on the risk tab and in the risk pane's title: seen
        at every size and on every pane (a toast fades; this stays while alerts are active)."""
        critical = sum(a.severity == "critical" for a in snapshot.alerts)
        warning = sum(a.severity == "warning" for a in snapshot.alerts)
        badge = alert_badge(critical, warning)
        self.query_one(MarketHeader).set_alert_counts(critical, warning)
        self.query_one(TabStrip).set_badge(2, badge)
        pane = self.query_one("#pane-risk", Pane)
        pane.show_title(f"{PANE_TITLES['risk']} · {badge}" if badge else PANE_TITLES["risk"])

    @_while_mounted
    def show_clock(self, now: datetime | None, market_state: str | None, badge: str | None) -> None:
        header = self.query_one(MarketHeader)
        header.set_clock(now)
        header.set_market_state(market_state)
        header.set_badge(badge)

    @_while_mounted
    def show_status(
        self, sources: tuple[SourceHealth, ...], *, paused: bool, hints: tuple[tuple[str, str], ...]
    ) -> None:
        self.query_one(StatusBar).update_status(sources, paused=paused, hints=hints)

    # -- actions ---------------------------------------------------------------------------

    def action_window(self, step: int) -> None:
        self.query_one(SectorHeatmap).cycle_window(step)
        self._title_sectors()

    def refresh_titles(self) -> None:
        """Pane titles that name a setting (the heatmap's window) after it changed."""
        self._title_sectors()

    def _title_sectors(self) -> None:
        heatmap = self.query_one(SectorHeatmap)
        pane = self.query_one("#pane-sectors", Pane)
        pane.show_title(f"{PANE_TITLES['sectors']} · {heatmap.window}")
        pane.border_subtitle = "[ ] window"

    def action_sort(self) -> None:
        focused = self.focused
        if isinstance(focused, SpreadTable):
            column = focused.cycle_sort()
            self.notify(f"Spreads sorted by {column or 'pair'}", timeout=2)
        elif isinstance(focused, SectorHeatmap):
            by_spread = focused.toggle_sort()
            self.notify("Sectors by spread" if by_spread else "Sectors in index order", timeout=2)
        else:
            self.notify("Nothing to sort in this pane", timeout=2)

    def action_filter(self) -> None:
        self.notify("Filtering works in the sector constituents screen", timeout=3)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter":
            return None  # shown greyed out: the dashboard tables are short enough to read
        if action in ("ack", "mute"):
            return True if isinstance(self.focused, AlertTable) else None
        return True

    def _selected_rule(self) -> str | None:
        focused = self.focused
        return focused.cursor_key() if isinstance(focused, AlertTable) else None

    def action_ack(self) -> None:
        rule = self._selected_rule()
        if rule is not None:
            self.app.call_later(self.app.run_action, f"acknowledge({rule!r})")

    def action_mute(self) -> None:
        rule = self._selected_rule()
        if rule is not None:
            self.app.call_later(self.app.run_action, f"mute({rule!r})")

    def action_open_thesis(self, kind: str) -> None:
        """The valuation or the rate-cycle drill-down (SPEC 11)."""
        self.post_message(DrillDownRequested(kind, kind))  # type: ignore[arg-type]

    def action_export(self) -> None:
        self.app.call_later(self.app.run_action, "export_snapshot")

    # -- drill-down requests ---------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        kinds = {SpreadTable: "pair", AlertTable: "alert", MacroTable: "macro"}
        for cls, kind in kinds.items():
            if isinstance(event.data_table, cls):
                self.post_message(DrillDownRequested(kind, str(key)))  # type: ignore[arg-type]
                return

    @on(SectorHeatmap.SectorSelected)
    def _sector_selected(self, event: SectorHeatmap.SectorSelected) -> None:
        self.post_message(DrillDownRequested("sector", event.sector))

    @on(DataTable.RowHighlighted, "#spreads")
    def _pair_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(SpreadTable)
        key = str(event.row_key.value)
        # A Text, not a str: Textual parses a str title as markup (a label is data, packs
        # name their own pairs, and "[/]" in one raised MarkupError).
        self.query_one("#pane-spreads", Pane).border_subtitle = Text(table.labels.get(key, ""))
        self.query_one(PairDetail).show_pair(table.pairs.get(key))
