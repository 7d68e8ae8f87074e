"""The macro & energy pane: each indicator behind the risk rules with value, change and path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from analytics.types import MacroRow
from widgets import formatting as fmt
from widgets.keyed_table import Cell, Column, PaneTable, Tone

SPARK_WIDTH = 12
"""The "Recent" column at its narrowest (a leading space, blocks, the gap after them)..."""
SPARK_MAX = 64
"""... and at its widest: it takes what the other columns leave in a wide pane."""


def macro_cells(row: MacroRow, index: int) -> list[Cell]:
    """The cells of one indicator in MacroTable.COLUMNS order.

    A change is not coloured: whether a rising yield or oil price is good depends on the book,
    so the sign and arrow carry the direction and colour stays for the rules' alerts.
    """
    change = row.change
    arrow = ""
    if fmt.known(change):
        arrow = "▲" if (change or 0) > 0 else ("▼" if (change or 0) < 0 else "→")
    tone: Tone | None = "dim" if row.value is None else ("stale" if row.stale else None)
    # A stale value is dimmed and its date flagged, so old data never passes for current.
    when = " " + fmt.short_date(row.date) + (" old" if row.stale else "")
    return [
        Cell(fmt.inert(row.label, 14), sort=index),
        Cell(fmt.level(row.value, row.unit), tone, bold=tone is None, sort=row.value),
        Cell(f"{fmt.change(change, row.unit)} {arrow}".rstrip(), "dim" if change is None else None),
        Cell(when, "stale" if row.stale else "dim"),
        Cell(" ", "accent", spark=row.spark),
    ]


class MacroTable(PaneTable):
    """One keyed row per indicator of the catalogue's MACRO list."""

    HELP = """\
## Macro & energy

The indicators behind the risk rules: policy rate, 2- and 10-year yields, the 10Y-2Y and
10Y-3M curves, high-yield spread, Sahm rule, jobless claims (4-week average), VIX, WTI,
Brent, oil volatility (OVX) and the dollar. Each shows its latest value, change since the
previous observation, the observation date and its recent path. A value older than three of
its expected intervals is dimmed and its date marked `old`.
"""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("label", "Indicator", 14, "left"),
        Column("value", "Value", 10, "right"),
        Column("change", "Change", 10, "right"),  # 57 in all: a 58-wide pane keeps a
        # column for the vertical scrollbar when the pane is short, instead of scrolling sideways
        Column("date", " As of", 11, "left"),
        Column("spark", " Recent", SPARK_WIDTH, "left", grow_to=SPARK_MAX),
    )

    def update_macro(self, rows: Sequence[MacroRow]) -> None:
        self.set_rows([(r.id, macro_cells(r, i)) for i, r in enumerate(rows)])
