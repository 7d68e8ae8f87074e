"""The symbol drill-down: price chart by window, day and 52-week range, volume, P/E, vs IWM."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from analytics.returns import window_return
from analytics.spreads import fresh_legs
from analytics.text import inert
from data_sources.model import Constituent, Quote, find_constituent
from tui.drill import WINDOW_ROWS, DrillContext, asof_text, date_labels
from tui.screens.drillbase import DrillScreen, ExportTable
from widgets.chart import ChartData, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, clean_float, number
from widgets.keyed_table import Column, KeyedTable

BENCHMARK = "IWM"
REL_WINDOWS: tuple[str, ...] = ("1D", "1W", "1M", "3M", "6M", "YTD", "1Y")


@dataclass(frozen=True)
class SymbolFacts:
    """What the side panel shows; unknown values are None."""

    name: str
    last: float | None
    change_pct: float | None
    day_low: float | None
    day_high: float | None
    year_low: float | None
    year_high: float | None
    volume: float | None
    trailing_pe: float | None
    forward_pe: float | None


def symbol_facts(
    symbol: str,
    quote: Quote | None,
    constituent: Constituent | None,
    closes: pd.Series | None,
    bars: pd.DataFrame | None,
) -> SymbolFacts:
    """The quote where it knows a field, else the constituent row, else the bars."""
    last = clean_float(quote.price) if quote else None
    if last is None and constituent is not None:
        last = clean_float(constituent.last)
    if last is None and closes is not None and len(closes):
        last = clean_float(closes.iloc[-1])
    change = clean_float(quote.change_pct) if quote else None
    if change is None and constituent is not None:
        change = clean_float(constituent.change_pct)
    if change is None and closes is not None and len(closes) >= 2:
        change = window_return(closes, "1D")
    day_low = clean_float(quote.day_low) if quote else None
    day_high = clean_float(quote.day_high) if quote else None
    year_low = clean_float(quote.year_low) if quote else None
    year_high = clean_float(quote.year_high) if quote else None
    volume = clean_float(quote.volume) if quote else None
    if bars is not None and len(bars):
        tail = bars.iloc[-1]
        day_low = day_low if day_low is not None else clean_float(tail.get("low"))
        day_high = day_high if day_high is not None else clean_float(tail.get("high"))
        volume = volume if volume is not None else clean_float(tail.get("volume"))
        year = bars.iloc[-252:]
        if len(year) >= 252 or len(bars) == len(year):
            lows = np.fmin(year["low"].to_numpy(float), year["close"].to_numpy(float))
            highs = np.fmax(year["high"].to_numpy(float), year["close"].to_numpy(float))
            if year_low is None and np.isfinite(lows).any():
                year_low = float(np.nanmin(lows))
            if year_high is None and np.isfinite(highs).any():
                year_high = float(np.nanmax(highs))
    name = (quote.name if quote and quote.name else None) or (
        constituent.name if constituent else ""
    )
    return SymbolFacts(
        name=name or "",
        last=last,
        change_pct=change,
        day_low=day_low,
        day_high=day_high,
        year_low=year_low,
        year_high=year_high,
        volume=volume,
        trailing_pe=clean_float(quote.trailing_pe) if quote else None,
        forward_pe=clean_float(quote.forward_pe) if quote else None,
    )


def relative_returns(
    closes: pd.Series | None, benchmark: pd.Series | None, day_change: float | None = None
) -> list[tuple[str, float | None, float | None, float | None]]:
    """(window, symbol %, benchmark %, difference pp) per window; the symbol's 1D falls back
    to ``day_change`` when it has no history (a constituent known only from holdings)."""
    out = []
    for w in REL_WINDOWS:
        mine = window_return(closes, w) if closes is not None and len(closes) else None
        if mine is None and w == "1D":
            mine = day_change
        bench = window_return(benchmark, w) if benchmark is not None and len(benchmark) else None
        rel = None if mine is None or bench is None else mine - bench
        out.append((w, mine, bench, rel))
    return out


def _volume(x: float | None) -> str:
    if x is None:
        return NA
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:,.2f}{suffix}"
    return f"{x:,.0f}"


class SymbolScreen(DrillScreen):
    """One symbol in detail; pushed with the symbol (``IWM`` or a constituent's ticker)."""

    kind: ClassVar[str] = "symbol"

    BINDINGS: ClassVar[list[BindingType]] = []

    DEFAULT_CSS = """
    SymbolScreen #symbol-body { height: 1fr; }
    SymbolScreen #symbol-chart { width: 1fr; }
    SymbolScreen #symbol-side { width: 40; padding: 0 0 0 1; }
    SymbolScreen #symbol-facts { height: auto; margin-bottom: 1; }
    SymbolScreen #symbol-rel { height: auto; }
    """

    def __init__(
        self,
        symbol: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
    ) -> None:
        super().__init__(symbol, context, export_dir=export_dir, window=window)
        if not symbol or not symbol.strip():
            raise ValueError("symbol: expected a ticker such as IWM, got an empty string")
        self.symbol = symbol.strip()
        self.bars: pd.DataFrame | None = None
        self.bars_loaded = False
        self.facts: SymbolFacts | None = None
        self.closes: pd.Series | None = None
        self.relative: list[tuple[str, float | None, float | None, float | None]] = []

    def compose(self) -> ComposeResult:
        sym = inert(self.symbol)[:8]
        yield Static(id="symbol-title", classes="drill-title")
        with Horizontal(id="symbol-body"):
            yield LineChart(id="symbol-chart")
            with Vertical(id="symbol-side"):
                yield Static(id="symbol-facts")
                yield KeyedTable(
                    (
                        Column("window", "vs IWM", 6),
                        Column("mine", sym, 8, justify="right"),
                        Column("bench", BENCHMARK, 8, justify="right"),
                        Column("rel", "Rel", 8, justify="right"),
                    ),
                    id="symbol-rel",
                    show_cursor=False,
                )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.run_worker(
            self._load_bars(), name=f"bars {self.symbol}", group="symbol-bars", exclusive=True
        )

    async def _load_bars(self) -> None:
        try:
            self.bars = await self.context.bars(self.symbol)
        except Exception as exc:  # a failing source becomes a notice, never a crash
            self.notify(
                f"bars of {inert(self.symbol)}: {inert(exc)}", severity="warning", markup=False
            )
            self.bars = None
        self.bars_loaded = True
        self.update_view()

    # -- data --------------------------------------------------------------------------------

    def _closes(self) -> pd.Series | None:
        market = self.context.market()
        closes = market.prices.get(self.symbol)
        if closes is not None and len(closes):
            return closes.astype(float)
        if self.bars is not None and "close" in self.bars and len(self.bars):
            return self.bars["close"].astype(float).dropna()
        return None

    def update_view(self) -> None:
        market = self.context.market()
        snapshot = self.context.snapshot()
        quote = market.quotes.get(self.symbol)
        constituent = find_constituent(market.constituents, self.symbol)
        self.closes = closes = self._closes()
        self.facts = facts = symbol_facts(self.symbol, quote, constituent, closes, self.bars)
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(inert(self.symbol), style="bold")
        if facts.name:
            title.append(f"  {inert(facts.name)}")
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}  ·  window {self.window}")
        self.query_one("#symbol-title", Static).update(title)
        self._update_chart(closes)
        self.query_one("#symbol-facts", Static).update(self._facts_text(facts))
        bench = market.prices.get(BENCHMARK)
        # The one freshness rule (SPEC 8): a leg too old at the as-of day gives n/a here too,
        # never its own last rows against the other's.
        usable, stale, _dates, reasons = fresh_legs(
            {self.symbol: closes, BENCHMARK: bench}, snapshot.asof.date()
        )
        day_change = None if self.symbol in stale else facts.change_pct
        self.relative = relative_returns(usable[self.symbol], usable[BENCHMARK], day_change)
        for reason in reasons:
            title.append(f"  ·  n/a: {inert(reason)}", style="bold")
        if reasons:
            self.query_one("#symbol-title", Static).update(title)
        self.query_one("#symbol-rel", KeyedTable).sync(
            [
                (
                    w,
                    (
                        Text(w),
                        self.signed_text(mine, 2, "%"),
                        self.signed_text(ben, 2, "%"),
                        self.signed_text(rel, 2, "pp"),
                    ),
                )
                for w, mine, ben, rel in self.relative
            ]
        )

    def _update_chart(self, closes: pd.Series | None) -> None:
        chart = self.query_one("#symbol-chart", LineChart)
        title = f"{self.symbol} close"
        if closes is None or closes.empty:
            if not self.bars_loaded:
                chart.set_data(None)
                return
            message = f"no price history for {self.symbol}"
            chart.set_data(ChartData(title, (), (), empty_message=message))
            return
        cut = closes.iloc[-(WINDOW_ROWS[self.window] + 1) :]
        chart.set_data(
            ChartData(
                title,
                date_labels(cut.index, self.window),
                (Line(self.symbol, series_values(cut.to_numpy()), "primary"),),
            )
        )

    def _facts_text(self, f: SymbolFacts) -> Text:
        def span(lo: float | None, hi: float | None) -> str:
            if lo is None or hi is None:
                return NA
            return f"{number(lo)} – {number(hi)}"

        pe = NA
        if f.trailing_pe is not None or f.forward_pe is not None:
            pe = f"{number(f.trailing_pe, 1)} ttm, {number(f.forward_pe, 1)} fwd"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{'Last':<14}", style="dim")
        text.append(number(f.last), style="bold")
        text.append("  ")
        text.append(self.signed_text(f.change_pct, 2, "%"))
        rows = [
            ("Day range", span(f.day_low, f.day_high)),
            ("52-week range", span(f.year_low, f.year_high)),
            ("Volume", _volume(f.volume)),
            ("P/E", pe),
        ]
        for label, value in rows:
            text.append(f"\n{label:<14}", style="dim")
            text.append(value, style="dim" if value == NA else "")
        return text

    # -- export ------------------------------------------------------------------------------

    def export_tables(self) -> list[ExportTable]:
        sym = self.symbol
        tables: list[ExportTable] = []
        f = self.facts
        if f is not None:
            tables.append(
                (
                    f"symbol-{sym}-facts",
                    ("field", "value"),
                    [
                        ("last", f.last),
                        ("change_pct", f.change_pct),
                        ("day_low", f.day_low),
                        ("day_high", f.day_high),
                        ("year_low", f.year_low),
                        ("year_high", f.year_high),
                        ("volume", f.volume),
                        ("trailing_pe", f.trailing_pe),
                        ("forward_pe", f.forward_pe),
                    ],
                )
            )
        if self.relative:
            tables.append(
                (
                    f"symbol-{sym}-vs-{BENCHMARK}",
                    ("window", f"{sym}_pct", f"{BENCHMARK}_pct", "relative_pp"),
                    [list(r) for r in self.relative],
                )
            )
        closes = self.closes
        if closes is not None and len(closes):
            cut = closes.iloc[-(WINDOW_ROWS[self.window] + 1) :]
            tables.append(
                (
                    f"symbol-{sym}-history-{self.window}",
                    ("date", "close"),
                    [(d.date(), clean_float(v)) for d, v in cut.items()],
                )
            )
        return tables


__all__ = ["SymbolFacts", "SymbolScreen", "relative_returns", "symbol_facts"]
