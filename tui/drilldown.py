"""What the drill-down screens read: the DrillContext the app hands them, and their base Screen.

The app owns one context (``DrillData``), calls ``update(market, snapshot)`` on every new
snapshot, and calls ``refresh_visible(app, context)`` so that a drill-down screen on top of the
stack redraws what changed. A screen hidden under another (or under a modal) is not redrawn;
it catches up from ``context.version`` when it is shown again.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import pandas as pd
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.color import Color as TextualColor
from textual.screen import Screen

from analytics.risk import DEFAULT_RULES, RiskResult, RuleSpec, evaluate_risk
from analytics.types import Snapshot
from data_sources.base import SourceError
from data_sources.model import MarketData
from tui.export import ExportError, export_table_csv
from tui.screens.fit import FitsTerminal

log = logging.getLogger(__name__)

BarsFn = Callable[[str], Awaitable[pd.DataFrame | None]]

DRILL_GROUP = Binding.Group("Drill-down")
DATA_GROUP = Binding.Group("Data")
WINDOW_GROUP = Binding.Group("Chart window")
SORT_GROUP = Binding.Group("Sort")
FILTER_GROUP = Binding.Group("Filter")
"""Help-screen groups. The footer merges neighbouring shown keys of one group under the group's
name, so each shown key of a drill-down screen has its own group, except ``[`` ``]``."""

WINDOWS: tuple[str, ...] = ("1M", "3M", "6M", "1Y", "2Y")
"""The chart windows ``[`` and ``]`` step through."""

WINDOW_ROWS: dict[str, int] = {"1M": 21, "3M": 63, "6M": 126, "1Y": 252, "2Y": 504}


@runtime_checkable
class DrillContext(Protocol):
    """What a drill-down screen may ask the app for. All of it is read-only."""

    @property
    def version(self) -> int:
        """Bumped on every ``update``; screens compare it to know whether they are behind."""
        ...

    @property
    def export_dir(self) -> Path:
        """Where ``e`` writes files."""
        ...

    def market(self) -> MarketData:
        """The latest merged market data."""
        ...

    def snapshot(self) -> Snapshot:
        """The latest snapshot (computed from ``market()``)."""
        ...

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Daily OHLCV bars of ``symbol`` (open high low close volume), or None when unknown."""
        ...

    def risk(self) -> RiskResult | None:
        """The risk replay of the latest market (values and levels per day and rule)."""
        ...

    def rules(self) -> tuple[RuleSpec, ...]:
        """The configured risk rules."""
        ...

    def alert_log(self, rule: str) -> Sequence[Any] | None:
        """The alert log of ``rule``, newest first (entries with time, rule, severity, event,
        value, threshold, message), or None when there is no store to read it from."""
        ...


class DrillData:
    """The app's DrillContext: holds the latest data; the app calls ``update`` per snapshot.

    ``bars`` is the coroutine function that fetches daily bars (for live data the app should
    run it on the source's own loop, e.g. ``lambda s: feed.run_on(0, source.bars(s))``);
    ``store`` is anything with ``alert_log(rule)`` (``data_sources.store.Store``);
    ``compute_risk`` replays the rules (default: ``evaluate_risk`` with ``rules``), lazily on
    the first ``risk()`` after an update, only when a screen asks for it.
    """

    def __init__(
        self,
        market: MarketData,
        snapshot: Snapshot,
        *,
        bars: BarsFn | None = None,
        store: Any = None,
        rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
        risk: RiskResult | None = None,
        compute_risk: Callable[[MarketData], RiskResult] | None = None,
        export_dir: Path | str = ".",
    ) -> None:
        self._market = market
        self._snapshot = snapshot
        self._bars = bars
        self._store = store
        self._rules = tuple(rules)
        self._risk = risk
        self._compute_risk = compute_risk
        self._export_dir = Path(export_dir)
        self._version = 1
        self._bars_cache: dict[str, tuple[date, pd.DataFrame | None]] = {}

    @classmethod
    def from_market(
        cls,
        market: MarketData,
        *,
        source: Any = None,
        store: Any = None,
        export_dir: Path | str = ".",
        rules: tuple[RuleSpec, ...] | None = None,
    ) -> DrillData:
        """A context for ``market`` with its snapshot computed here (tests, one-shot use);
        ``source`` is a DataSource whose ``bars`` are awaited on the current loop."""
        from tui.compute import snapshot_from_market

        snapshot = snapshot_from_market(market)
        return cls(
            market,
            snapshot,
            bars=None if source is None else source.bars,
            store=store,
            export_dir=export_dir,
            rules=rules or DEFAULT_RULES,
        )

    # -- the app's side ------------------------------------------------------------------------

    def update(
        self, market: MarketData, snapshot: Snapshot, risk: RiskResult | None = None
    ) -> None:
        """Take the latest data; the risk replay is redone lazily unless given."""
        if market.asof.date() != self._market.asof.date():
            self._bars_cache.clear()  # a new day (or a pack's as-of step): bars have changed
        self._market = market
        self._snapshot = snapshot
        self._risk = risk
        self._version += 1

    def set_export_dir(self, path: Path | str) -> None:
        self._export_dir = Path(path)

    # -- DrillContext ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    @property
    def export_dir(self) -> Path:
        return self._export_dir

    def market(self) -> MarketData:
        return self._market

    def snapshot(self) -> Snapshot:
        return self._snapshot

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Bars from the source (cached per as-of day); else the close-only history the market
        data holds (``open high low volume`` unknown); else None."""
        day = self._market.asof.date()
        cached = self._bars_cache.get(symbol)
        if cached is not None and cached[0] == day:
            return cached[1]
        frame: pd.DataFrame | None = None
        if self._bars is not None:
            try:
                result = self._bars(symbol)
                frame = await result if inspect.isawaitable(result) else result
            except SourceError as exc:
                log.info("bars of %s: %s", symbol, exc)
                frame = None
        if frame is None or frame.empty or "close" not in frame:
            closes = self._market.prices.get(symbol)
            frame = None
            if closes is not None and not closes.empty:
                frame = pd.DataFrame({"close": closes.astype(float)})
                for col in ("open", "high", "low", "volume"):
                    frame[col] = float("nan")
        self._bars_cache[symbol] = (day, frame)
        return frame

    def risk(self) -> RiskResult | None:
        if self._risk is None:
            try:
                if self._compute_risk is not None:
                    self._risk = self._compute_risk(self._market)
                else:
                    m = self._market
                    self._risk = evaluate_risk(
                        m.prices,
                        {k: s.values for k, s in m.macro.items()},
                        m.asof.date(),
                        self._rules,
                    )
            except ValueError as exc:
                log.warning("risk replay failed: %s", exc)
                return None
        return self._risk

    def rules(self) -> tuple[RuleSpec, ...]:
        return self._rules

    def alert_log(self, rule: str) -> Sequence[Any] | None:
        if self._store is None:
            return None
        try:
            return list(self._store.alert_log(rule))
        except Exception as exc:  # a broken store must not take the screen down
            log.warning("alert log of %s: %s", rule, exc)
            return None


def drill_screen(
    kind: str,
    key: str,
    context: DrillContext,
    *,
    export_dir: Path | str | None = None,
    heat_window: str | None = None,
) -> DrillScreen | None:
    """The drill-down screen for a ``DrillDownRequested(kind, key)``, or None when there is none.

    ``pair`` -> PairScreen (key ``IWM/SPY``), ``sector`` -> SectorScreen (``Energy``),
    ``alert`` -> AlertScreen (rule id), ``symbol`` -> SymbolScreen (ticker), ``macro`` -> the
    indicator's SeriesScreen (``T10Y3M``): its history with the thresholds of its rules.
    Raises ValueError with one line for an unknown pair, sector, rule or indicator.
    """
    from tui.screens.alert import AlertScreen
    from tui.screens.pair import PairScreen
    from tui.screens.sector import SectorScreen
    from tui.screens.symbol import SymbolScreen

    if kind == "pair":
        return PairScreen(key, context, export_dir=export_dir)
    if kind == "sector":
        return SectorScreen(key, context, export_dir=export_dir, heat_window=heat_window)
    if kind == "alert":
        return AlertScreen(key, context, export_dir=export_dir)
    if kind == "symbol":
        return SymbolScreen(key, context, export_dir=export_dir)
    if kind == "macro":
        from tui.screens.series import SeriesScreen

        return SeriesScreen(key, context, export_dir=export_dir)
    expected = "pair, sector, alert, symbol or macro"
    raise ValueError(f"drill-down kind: expected {expected}, got {kind!r}")


def refresh_visible(app: App, context: DrillContext) -> bool:
    """Redraw the drill-down screen on top of the stack from ``context``; True if there was one.

    Call it after ``DrillData.update`` on every new snapshot. Screens under others are left
    alone and catch up when they are shown again.
    """
    screen = app.screen
    if isinstance(screen, DrillScreen):
        screen.refresh_from(context)
        return True
    return False


class DrillScreen(FitsTerminal, Screen):
    """Base of the drill-down screens: back, export, the chart window, live refresh."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", group=DRILL_GROUP, id="drill.back"),
        Binding("backspace", "back", "Back", show=False, group=DRILL_GROUP, id="drill.back_alt"),
        Binding("e", "export", "Export", group=DATA_GROUP, tooltip="export", id="export"),
        Binding(
            "left_square_bracket",
            "window(-1)",
            "Shorter window",
            group=WINDOW_GROUP,
            tooltip="window",
            id="window.previous",
        ),
        Binding(
            "right_square_bracket",
            "window(1)",
            "Longer window",
            group=WINDOW_GROUP,
            tooltip="window",
            id="window.next",
        ),
    ]

    DEFAULT_CSS = """
    DrillScreen {
        layout: vertical;
    }
    DrillScreen .drill-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    DrillScreen .drill-info {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    DrillScreen .drill-note {
        height: auto;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
    }
    """

    window: str = "1Y"

    def __init__(
        self,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.context = context
        self._export_dir = None if export_dir is None else Path(export_dir)
        if window is not None:
            if window not in WINDOWS:
                raise ValueError(f"window: expected one of {' '.join(WINDOWS)}, got {window!r}")
            self.window = window
        self._seen_version = -1
        self.exported: list[Path] = []

    @property
    def export_dir(self) -> Path:
        return self._export_dir if self._export_dir is not None else self.context.export_dir

    # -- live updates ---------------------------------------------------------------------------

    def refresh_from(self, context: DrillContext) -> None:
        """Redraw from ``context`` (the app calls this on every new snapshot while visible)."""
        self.context = context
        self._seen_version = context.version
        if self._composed:
            self.update_view()

    def update_view(self) -> None:
        """Subclasses: read ``self.context`` and update the widgets, touching only changes."""

    _composed = False

    def on_mount(self) -> None:
        # Textual runs the on_mount of every class in the MRO (subclasses first), so
        # subclasses define their own without calling this one.
        self._composed = True
        self.refresh_from(self.context)
        # Numbers are coloured from the theme when drawn: redraw them when it changes.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        # The signal's callback holds the screen: without this every screen ever opened stays
        # in memory until the next theme change (~1 MB each, the soak's leak).
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: object) -> None:
        if self.is_current:
            self.update_view()
        else:
            self._seen_version = -1  # catch up when shown again

    def on_screen_resume(self) -> None:
        if self.context.version != self._seen_version:
            self.refresh_from(self.context)

    # -- actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        # Only pop ourselves: a stray key must never pop the dashboard.
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_window(self, step: int) -> None:
        i = WINDOWS.index(self.window) if self.window in WINDOWS else WINDOWS.index("1Y")
        new = WINDOWS[min(max(i + step, 0), len(WINDOWS) - 1)]
        if new != self.window:
            self.window = new
            self.update_view()

    def export_tables(self) -> list[tuple[str, Sequence[str], list[Sequence[Any]]]]:
        """Subclasses: (name, columns, rows) of each table the screen shows."""
        return []

    def action_export(self) -> None:
        paths: list[Path] = []
        try:
            for name, columns, rows in self.export_tables():
                paths.append(export_table_csv(rows, columns, name, self.export_dir))
        except (ExportError, OSError) as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        if not paths:
            self.notify("nothing to export yet", severity="warning", markup=False)
            return
        self.exported = paths
        listing = "\n".join(str(p) for p in paths)
        title = f"Exported {len(paths)} file{'s' * (len(paths) > 1)}"
        self.notify(listing, title=title, markup=False)

    # -- styled numbers --------------------------------------------------------------------------

    def tone(self, x: float | None) -> Style:
        """Gain / loss colour of ``x`` from the theme (signs carry the meaning without colour)."""
        if x is None or not math.isfinite(x) or x == 0:
            return Style()
        return self.theme_style("success" if x > 0 else "error")

    def theme_style(self, variable: str, *, bold: bool = False) -> Style:
        """A Rich style in the theme's ``variable`` colour (ANSI themes give ANSI colours)."""
        value = self.app.theme_variables.get(variable)
        try:
            color = TextualColor.parse(value).rich_color if value else None
        except Exception:  # a colour this code cannot read: keep the meaning, drop the colour
            color = None
        return Style(color=color, bold=bold or None)

    def signed_text(
        self, x: float | None, decimals: int = 2, suffix: str = "", *, toned: bool = True
    ) -> Text:
        """``+1.25%`` right-aligned, coloured by sign; ``n/a`` dimmed when unknown."""
        text = fmt_signed(x, decimals, suffix)
        if text == NA:
            return Text(NA, style="dim", justify="right", no_wrap=True)
        return Text(text, style=self.tone(x) if toned else "", justify="right", no_wrap=True)


# -- small helpers the screens share -------------------------------------------------------


def window_slice(series: pd.Series, window: str) -> pd.Series:
    """The last rows of ``series`` that ``window`` covers."""
    return series.iloc[-WINDOW_ROWS[window] :]


def date_labels(index: pd.Index, window: str) -> tuple[str, ...]:
    """x labels for a chart: ``Mar 07`` for short windows, ``Mar 25`` (month year) for long."""
    fmt = "%b %d" if WINDOW_ROWS[window] <= 126 else "%b %y"
    return tuple(pd.DatetimeIndex(index).strftime(fmt))


NY = ZoneInfo("America/New_York")


def asof_text(moment: datetime) -> str:
    """The as-of moment in New York time, as the dashboard's clock shows it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(NY)
    return moment.strftime("%Y-%m-%d %H:%M")


NA = "n/a"


def known(x: float | None) -> bool:
    return x is not None and not isinstance(x, bool) and math.isfinite(x)


def fmt_signed(x: float | None, decimals: int = 2, suffix: str = "") -> str:
    """``+1.25`` / ``-0.80``; a value that rounds to zero has no sign; ``n/a`` when unknown."""
    if not known(x):
        return NA
    assert x is not None
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text + suffix
    return ("+" if x > 0 else "-") + text + suffix


def fmt_num(x: float | None, decimals: int = 2, suffix: str = "") -> str:
    """``6,812.40``; ``n/a`` when unknown."""
    if not known(x):
        return NA
    return f"{x:,.{decimals}f}{suffix}"


def num_text(x: float | None, decimals: int = 2, suffix: str = "") -> Text:
    """A right-aligned number cell."""
    text = fmt_num(x, decimals, suffix)
    return Text(text, style="dim" if text == NA else "", justify="right", no_wrap=True)


def clean_float(x: object) -> float | None:
    """``x`` as a finite float, or None."""
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
