"""The pair drill-down: the ratio and its 50/200-day averages, z-score, returns, corr, drawdowns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from analytics.catalog import PAIRS, WINDOWS, Pair
from analytics.spreads import Z_ROWS, pair_row, ratio_series
from analytics.text import inert
from analytics.types import PairRow
from tui.drill import DrillContext, asof_text, date_labels, window_slice
from tui.screens.drillbase import DrillScreen, ExportTable
from widgets.chart import ChartData, HLine, Line, LineChart, series_values
from widgets.footer import KeyFooter
from widgets.formatting import NA, num_text, number, signed
from widgets.keyed_table import Column, KeyedTable


@dataclass(frozen=True)
class PairHistory:
    """The pair's daily series up to the as-of day (full length; charts cut a window)."""

    ratio: pd.Series
    sma50: pd.Series
    sma200: pd.Series
    zscore: pd.Series


def pair_history(small: pd.Series, large: pd.Series, asof: Any = None) -> PairHistory:
    """Ratio, its 50- and 200-day simple averages and its rolling 1-year z-score (SPEC 6)."""
    ratio = ratio_series(small, large, asof)
    mean = ratio.rolling(Z_ROWS).mean()
    std = ratio.rolling(Z_ROWS).std(ddof=1)
    z = (ratio - mean) / std.where(std > 0)
    return PairHistory(ratio, ratio.rolling(50).mean(), ratio.rolling(200).mean(), z)


def ratio_chart_data(pair: Pair, history: PairHistory, window: str) -> ChartData:
    """The ratio with its 50- and 200-day averages over ``window`` (the pair screen's chart,
    and the dashboard's headline chart on a wide terminal)."""
    ratio = window_slice(history.ratio, window)
    idx = ratio.index
    return ChartData(
        title=f"{pair.id} ratio",
        x_labels=date_labels(idx, window),
        lines=(
            Line("ratio", series_values(ratio.to_numpy()), "primary"),
            Line("50d", series_values(history.sma50.reindex(idx).to_numpy()), "accent"),
            Line("200d", series_values(history.sma200.reindex(idx).to_numpy()), "success"),
        ),
        empty_message="not enough history",
    )


def find_pair(pair_id: str, shown: Sequence[PairRow] = ()) -> Pair:
    """The pair with this id: as the dashboard shows it (a pack may configure its own pairs),
    else from the catalog, else an ad-hoc one for ``SMALL/LARGE``."""
    for r in shown:
        if r.id == pair_id:
            return Pair(r.small, r.large, r.label)
    for p in PAIRS:
        if p.id == pair_id:
            return p
    small, sep, large = pair_id.partition("/")
    if not sep or not small or not large:
        raise ValueError(f"pair id: expected SMALL/LARGE such as IWM/SPY, got {pair_id!r}")
    return Pair(small, large, f"{small} vs {large}")


class PairScreen(DrillScreen):
    """One pair of the spreads pane in detail; pushed with the pair id (``IWM/SPY``)."""

    kind: ClassVar[str] = "pair"

    BINDINGS: ClassVar[list[BindingType]] = []

    DEFAULT_CSS = """
    PairScreen #pair-body { height: 1fr; }
    PairScreen #pair-charts { width: 1fr; }
    PairScreen #pair-ratio { height: 3fr; }
    PairScreen #pair-z { height: 2fr; }
    PairScreen #pair-side { width: 40; padding: 0 0 0 1; }
    PairScreen #pair-returns { height: auto; margin-bottom: 1; }
    PairScreen #pair-stats { height: auto; }
    """

    def __init__(
        self,
        pair_id: str,
        context: DrillContext,
        *,
        export_dir: Path | str | None = None,
        window: str | None = None,
    ) -> None:
        super().__init__(pair_id, context, export_dir=export_dir, window=window)
        self.pair = find_pair(pair_id, context.snapshot().spreads)
        self.row: PairRow | None = None
        self.history: PairHistory | None = None

    def compose(self) -> ComposeResult:
        p = self.pair
        yield Static(id="pair-title", classes="drill-title")
        with Horizontal(id="pair-body"):
            with Vertical(id="pair-charts"):
                yield LineChart(id="pair-ratio")
                yield LineChart(id="pair-z")
            with Vertical(id="pair-side"):
                yield KeyedTable(
                    (
                        Column("window", "Window", 6),
                        Column("small", inert(p.small)[:8], 8, justify="right"),
                        Column("large", inert(p.large)[:8], 8, justify="right"),
                        Column("spread", "Spread", 8, justify="right"),
                    ),
                    id="pair-returns",
                    show_cursor=False,
                )
                yield Static(id="pair-stats")
        yield KeyFooter()

    # -- data --------------------------------------------------------------------------------

    def _compute(self) -> None:
        market = self.context.market()
        snapshot = self.context.snapshot()
        p = self.pair
        small, large = market.prices.get(p.small), market.prices.get(p.large)
        day = snapshot.asof.date()
        row = next((r for r in snapshot.spreads if r.id == p.id), None)
        self.row = row if row is not None else pair_row(p, small, large, day)
        if small is None or large is None or small.empty or large.empty:
            self.history = None
        else:
            self.history = pair_history(small, large, day)

    def update_view(self) -> None:
        self._compute()
        p, row = self.pair, self.row
        assert row is not None
        snapshot = self.context.snapshot()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{inert(p.id)}  ", style="bold")
        title.append(inert(p.label))
        title.append(f"  ·  {snapshot.source} {asof_text(snapshot.asof)}  ·  window {self.window}")
        self.query_one("#pair-title", Static).update(title)
        self._update_charts()
        self.query_one("#pair-returns", KeyedTable).sync(self._return_rows(row))
        self.query_one("#pair-stats", Static).update(self._stats_text(row))

    def _update_charts(self) -> None:
        p, h = self.pair, self.history
        ratio_chart = self.query_one("#pair-ratio", LineChart)
        z_chart = self.query_one("#pair-z", LineChart)
        if h is None or h.ratio.empty:
            message = f"no common history of {p.small} and {p.large}"
            ratio_chart.set_data(ChartData(f"{p.id} ratio", (), (), empty_message=message))
            z_chart.set_data(ChartData("z-score (1Y)", (), (), empty_message=message))
            return
        ratio_chart.set_data(ratio_chart_data(p, h, self.window))
        ratio = window_slice(h.ratio, self.window)
        labels = date_labels(ratio.index, self.window)
        z = h.zscore.reindex(ratio.index)
        z_chart.set_data(
            ChartData(
                title="z-score of the ratio (1Y)",
                x_labels=labels,
                lines=(Line("z", series_values(z.to_numpy()), "primary"),),
                hlines=(
                    HLine("+2", 2.0, "warning"),
                    HLine("0", 0.0, "foreground-muted"),
                    HLine("-2", -2.0, "warning"),
                ),
                empty_message=f"needs {Z_ROWS} days of ratio history",
            )
        )

    def _return_rows(self, row: PairRow) -> list[tuple[str, Sequence[Any]]]:
        out: list[tuple[str, Sequence[Any]]] = []
        for w in WINDOWS:
            leg = row.returns.get(w)
            small = None if leg is None else leg.small
            large = None if leg is None else leg.large
            spread = None if leg is None else leg.spread_pp
            out.append(
                (
                    w,
                    (
                        Text(w),
                        self.signed_text(small, 2, "%"),
                        self.signed_text(large, 2, "%"),
                        self.signed_text(spread, 2, "pp"),
                    ),
                )
            )
        out.append(("last", (Text("Last"), num_text(row.small_last), num_text(row.large_last), "")))
        if row.last_date:  # every value knows its date: the bar each leg's figures end on
            dates = [row.last_date.get(sym) for sym in (row.small, row.large)]
            out.append(
                (
                    "date",
                    (
                        Text("Date"),
                        *(Text(NA if d is None else f"{d:%y-%m-%d}", style="dim") for d in dates),
                        "",
                    ),
                )
            )
        out.append(
            (
                "drawdown",
                (
                    Text("DD 1Y"),
                    self.signed_text(row.small_drawdown, 1, "%"),
                    self.signed_text(row.large_drawdown, 1, "%"),
                    "",
                ),
            )
        )
        return out

    def _stats_text(self, row: PairRow) -> Text:
        trend = {"up": "▲ up", "down": "▼ down", "flat": "► flat"}.get(row.trend or "", NA)
        lines = [
            ("Ratio", number(row.ratio, 4)),
            ("Z-score 1Y", signed(row.zscore_1y, 2)),
            ("Trend vs 50/200d", trend),
            ("Correlation 3M", number(row.corr_3m, 2)),
            ("Beta 3M", number(row.beta_3m, 2)),
        ]
        text = Text(no_wrap=True)
        for i, (label, value) in enumerate(lines):
            if i:
                text.append("\n")
            text.append(f"{label:<18}", style="dim")
            text.append(value, style="dim" if value == NA else "bold")
        for reason in row.reasons:  # why the figures are n/a (SPEC 8): where a leg's data ends
            text.append("\nn/a: ", style="dim")
            text.append(inert(reason), style="bold")
        return text

    # -- export ------------------------------------------------------------------------------

    def export_tables(self) -> list[ExportTable]:
        row, h, p = self.row, self.history, self.pair
        if row is None:
            return []
        returns: list[Sequence[Any]] = []
        for w in WINDOWS:
            leg = row.returns.get(w)
            values = (None, None, None) if leg is None else (leg.small, leg.large, leg.spread_pp)
            returns.append((w, *values))
        returns.append(("drawdown_1y", row.small_drawdown, row.large_drawdown, None))
        tables: list[ExportTable] = [
            (
                f"pair-{p.id}-returns",
                ("window", f"{p.small}_pct", f"{p.large}_pct", "spread_pp"),
                returns,
            )
        ]
        if h is not None and not h.ratio.empty:
            ratio = window_slice(h.ratio, self.window)
            idx = ratio.index
            hist = pd.DataFrame(
                {
                    "ratio": ratio,
                    "sma50": h.sma50.reindex(idx),
                    "sma200": h.sma200.reindex(idx),
                    "zscore_1y": h.zscore.reindex(idx),
                }
            )
            rows = [
                (d.date(), *(None if pd.isna(v) else float(v) for v in values))
                for d, values in zip(hist.index, hist.to_numpy(), strict=True)
            ]
            tables.append(
                (
                    f"pair-{p.id}-history-{self.window}",
                    ("date", "ratio", "sma50", "sma200", "zscore_1y"),
                    rows,
                )
            )
        return tables
