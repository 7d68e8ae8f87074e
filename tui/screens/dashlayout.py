"""The dashboard's layout, pure: from which size it shows a grid, a stacked grid or the wide
third row, and the grid's row and column sizes for a terminal size."""

from __future__ import annotations

from textual.geometry import Size

from widgets.alert_list import SCORES

GRID_MIN_WIDTH = 120
"""From this width every pane is shown (SPEC 3: a grid); below, one pane at a time."""
SPREADS_MIN_WIDTH = 160
"""From this width the left column of the 2x2 grid is wide enough for every spreads column.
From GRID_MIN_WIDTH up to it the grid is stacked: the spreads across the top and the risk list
across the bottom (each as wide as the terminal: every column of both fits), the sectors and
the macro panes side by side between them."""
MACRO_PANE_ROWS = 4
"""The macro pane beyond its table's rows: borders, the header and the Fed-cycle line."""
PAIR_DETAIL_ROWS = 6
"""The pair detail under the spreads table: a blank and five lines."""
SPREADS_PANE_WIDTH = 100
"""The left column from SPREADS_MIN_WIDTH: the spreads table's 96 cells, a scrollbar, borders."""
WIDE_SIZE = Size(200, 60)
"""From this size the dashboard adds a third row: the headline ratio chart and the alert log."""
MIN_SIZE = Size(80, 24)
"""Below this the screen shows one line asking for a bigger terminal instead of a broken layout."""


def grid_rows(size: Size) -> str:
    """The grid's row heights: halves, or from WIDE_SIZE three rows (the panes' content, the
    macro and risk lists, then the chart and the log with what is left)."""
    if size.width < GRID_MIN_WIDTH:
        return "1fr"
    if size.width < WIDE_SIZE.width or size.height < WIDE_SIZE.height:
        return "1fr 1fr"
    body = size.height - 3  # header, thesis line, status bar
    return f"{max(15, body * 2 // 7)} {max(18, body * 2 // 7)} 1fr"


def stacked_rows(height: int, pairs: int, risk: int, macro: int) -> tuple[str, bool]:
    """The stacked grid's row heights (GRID_MIN_WIDTH to SPREADS_MIN_WIDTH) and whether the
    risk pane drops the blank under its gauges: the spreads table and the risk pane as tall as
    their rows (``risk``: RiskPane.wanted_height), the pair detail only when the middle row
    keeps the macro table whole, the middle row the rest. Short of room the risk pane first
    drops its blank line; shorter still, the middle row keeps two fifths of the body, the risk
    pane its gauges and two alerts, the spreads the rest (each list scrolls)."""
    body = height - 3  # header, thesis line, status bar
    top = 2 + 1 + max(1, pairs)  # borders, header, one line a pair
    bottom = 2 + risk
    middle = MACRO_PANE_ROWS + macro
    spare = body - top - bottom - middle
    tight = spare < 0
    if spare >= PAIR_DETAIL_ROWS:
        top += PAIR_DETAIL_ROWS
    elif tight:
        bottom -= 1
        if spare + 1 < 0:
            least = 2 + len(SCORES) + 1 + 2  # borders, gauges, header, two alerts
            middle = max(body - top - bottom, min(middle, body * 2 // 5))
            top = max(3, min(top, body - middle - least))
            bottom = max(least, body - middle - top)
    return f"{top} 1fr {bottom}", tight


def grid_columns(width: int) -> str:
    """The grid's column widths: halves, except that from SPREADS_MIN_WIDTH the left column
    (spreads over risk) is never narrower than the whole spreads table."""
    if width < GRID_MIN_WIDTH:
        return "1fr"
    if width < SPREADS_MIN_WIDTH or width // 2 >= SPREADS_PANE_WIDTH:
        return "1fr 1fr"
    return f"{SPREADS_PANE_WIDTH} 1fr"
