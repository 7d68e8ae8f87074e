"""The spreads pane: one keyed row per small-vs-large pair, spreads coloured by sign."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

from analytics.catalog import WINDOWS
from analytics.types import PairRow
from widgets import formatting as fmt
from widgets.keyed_table import Cell, Column, PaneTable, Tone

HEADLINE = "IWM/SPY"

TREND_GLYPHS: dict[str, tuple[str, Tone]] = {
    "up": ("▲", "gain"),
    "down": ("▼", "loss"),
    "flat": ("→", "neutral"),
}

SPARK_WIDTH = 10
"""Ratio sparkline column at its narrowest: a leading space, 8 blocks, the gap after them."""
SPARK_MAX = 64
"""... and at its widest (a wide pane gives the sparkline what the other columns leave)."""


def tone_of(x: float | None) -> Tone:
    """Gain for positive, loss for negative, neutral for zero, dim for unknown."""
    if not fmt.known(x):
        return "dim"
    assert x is not None
    if x > 0:
        return "gain"
    if x < 0:
        return "loss"
    return "neutral"


def pair_cells(row: PairRow, index: int) -> list[Cell]:
    """The cells of one pair in SpreadTable.COLUMNS order (theme-free, so they can be diffed)."""
    cells = [Cell(fmt.inert(row.id, 8), bold=row.id == HEADLINE, sort=index)]
    for window in WINDOWS:
        leg = row.returns.get(window)
        spread = None if leg is None else leg.spread_pp
        cells.append(Cell(fmt.signed(spread), tone_of(spread), sort=spread))
    z = row.zscore_1y
    extreme = fmt.known(z) and abs(z or 0.0) >= 2.0
    cells.append(Cell(fmt.signed(z), "accent" if extreme else None, bold=extreme, sort=z))
    glyph, tone = TREND_GLYPHS.get(row.trend or "", (fmt.NA, "dim"))
    cells.append(Cell(glyph, tone, bold=row.trend in ("up", "down")))
    if row.stale:  # n/a with the reason where the eye is: which leg's data ended
        cells.append(Cell(" † " + fmt.inert(" ".join(row.stale), SPARK_MAX), "dim"))
    else:
        cells.append(Cell(" ", "accent", spark=row.ratio_spark))
    cells.append(Cell(fmt.ratio(row.ratio), sort=row.ratio))
    cells.append(Cell(fmt.price(row.small_last), sort=row.small_last))
    cells.append(Cell(fmt.price(row.large_last), sort=row.large_last))
    return cells


class SpreadTable(PaneTable):
    """Small-minus-large spreads in percentage points per window, z-score, trend and ratio.

    The columns a trader reads first come first, so an 80-column pane shows them without
    scrolling; ratio and both last prices follow (visible from about 80 pane columns).
    """

    HELP = """\
## Spreads

Each row is a pair: small-cap fund vs large-cap fund. The window columns show the
**spread** in percentage points: small-cap return minus large-cap return over 1 day,
1 week, 1 month, 3 months, year to date and 1 year. Positive (green, `+`) means small
caps led; `n/a` with `†` and a symbol means that fund's data ends more than 3 sessions
before the as-of day (the reason is below the table and in the status bar). `Z 1Y` is
the 1-year z-score of the price ratio, the arrow its trend against the 50- and 200-day
averages, then the ratio's last six months. Below the table: the highlighted pair's two
legs per window, 3-month correlation and beta, and drawdowns. `s` sorts, `enter` drills
down.
"""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("pair", "Pair", 8, "left"),
        *(Column(w, w, 7, "right") for w in WINDOWS),
        Column("z", "Z 1Y", 6, "right"),
        Column("trend", "Tr", 4, "right"),
        Column("spark", " Ratio 6M", SPARK_WIDTH, "left", grow_to=SPARK_MAX),
        Column("ratio", "Ratio", 8, "right"),
        Column("small", "Small", 9, "right"),
        Column("large", "Large", 9, "right"),
    )
    SORTABLE: ClassVar[tuple[str, ...]] = (*WINDOWS, "z")

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.fixed_columns = 1  # the pair stays in view when the table scrolls sideways
        self.labels: dict[str, str] = {}
        """Pair id -> its long label (``Russell 2000 vs S&P 500``), for the pane subtitle."""
        self.pairs: dict[str, PairRow] = {}
        """Pair id -> the row last shown (what the detail below the table reads)."""

    def update_pairs(self, rows: Sequence[PairRow]) -> None:
        """Show these pairs; the headline pair is put first whatever order they come in."""
        ordered = sorted(rows, key=lambda r: r.id != HEADLINE)
        self.labels = {r.id: fmt.inert(r.label, 60) for r in ordered}
        self.pairs = {r.id: r for r in ordered}
        self.set_rows([(r.id, pair_cells(r, i)) for i, r in enumerate(ordered)])


class PairDetail(Widget):
    """Below the table: the highlighted pair's legs per window, correlation, beta, drawdowns and
    a wide ratio sparkline — what fills the pane when it is taller than six rows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pair-detail--gain",
        "pair-detail--loss",
        "pair-detail--dim",
        "pair-detail--title",
        "pair-detail--spark",
    }
    DEFAULT_CSS = """
    PairDetail { height: auto; padding: 1 0 0 0; }
    PairDetail > .pair-detail--gain { color: $gain; }
    PairDetail > .pair-detail--loss { color: $loss; }
    PairDetail > .pair-detail--dim { color: $neutral; }
    PairDetail > .pair-detail--title { text-style: bold; }
    PairDetail > .pair-detail--spark { color: $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row: PairRow | None = None
        self._lines: tuple[PairRow | None, int, list[str]] | None = None
        """The row, width and text lines ``show_pair`` last worked out: the next tick's
        "before" when the row and width are still those (the text is the row's at a width,
        whatever the theme), instead of drawing the shown row again."""

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _t: self.refresh())

    def _plain_lines(self) -> list[str]:
        width = self.size.width
        known = self._lines
        if known is not None and known[0] is self._row and known[1] == width:
            return known[2]
        lines = self.render().plain.split("\n")
        self._lines = (self._row, width, lines)
        return lines

    def show_pair(self, row: PairRow | None) -> None:
        if row == self._row:
            return
        # Five lines whatever the pair: only appearing or going away changes the height.
        relayout = (row is None) != (self._row is None)
        before = self._plain_lines()
        self._row = row
        if relayout or not self.size.width:
            self.refresh(layout=relayout)
            return
        # Only the lines that read differently are repainted (styles follow the text: signs,
        # n/a): a tick that moves one window resends one line, not the pane's width five times.
        after = self._plain_lines()
        for y in range(max(len(before), len(after))):
            if y >= len(before) or y >= len(after) or before[y] != after[y]:
                self.refresh(Region(0, y, self.size.width, 1))  # content coordinates

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"pair-detail--{name}", partial=True)

    def _signed(self, text: Text, value: float | None, suffix: str = "", width: int = 7) -> None:
        tone = tone_of(value)
        style = self._style(tone) if tone in ("gain", "loss", "dim") else Style()
        text.append(fmt.signed(value, 2, suffix).rjust(width), style)

    def render(self) -> Text:
        row = self._row
        text = Text(no_wrap=True, overflow="crop")
        if row is None:
            return text
        dim = self._style("dim")
        text.append(fmt.inert(row.id, 12), self._style("title"))
        text.append("  " + fmt.inert(row.label, 60) + "\n", dim)
        text.append(" " * 8)
        for window in WINDOWS:
            text.append(window.rjust(7), dim)
        text.append("\n")
        for side, symbol in (("small", row.small), ("large", row.large)):
            text.append(fmt.inert(symbol, 7).ljust(8))
            for window in WINDOWS:
                leg = row.returns.get(window)
                self._signed(text, None if leg is None else getattr(leg, side))
            text.append("  %\n", dim)
        text.append("corr 3M ", dim)
        text.append(fmt.number(row.corr_3m))
        text.append("  beta 3M ", dim)
        text.append(fmt.number(row.beta_3m))
        text.append(f"  drawdown {fmt.inert(row.small, 6)} ", dim)
        self._signed(text, row.small_drawdown, "%", 0)
        text.append(f"  {fmt.inert(row.large, 6)} ", dim)
        self._signed(text, row.large_drawdown, "%", 0)
        text.append("\n")
        if row.reasons:
            text.append("n/a".ljust(12), dim)
            text.append(fmt.inert("; ".join(row.reasons), 200), dim)
            return text
        width = max(10, (self.size.width or 60) - 12)
        text.append("ratio 6M".ljust(12), dim)
        text.append(fmt.sparkline(row.ratio_spark, width), self._style("spark"))
        return text
