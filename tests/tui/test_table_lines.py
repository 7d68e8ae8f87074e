"""The fast body lines of widgets.table_lines draw exactly what DataTable draws.

Every line of tables with cells of each kind the fast path takes (justify, overflow, styles,
cut names, empty cells, padding 0 and 1) is drawn both ways, with the cursor on and off the
line, hovered, focused and not, scrolled across and down; the Strips must be equal segment
for segment (text, colours and the row/column meta that mouse clicks read).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.strip import Strip
from textual.widgets import DataTable

from widgets.table_lines import FastLines


class Table(FastLines):
    DEFAULT_CSS = "Table { height: 1fr; } Table > .datatable--cursor { text-style: bold; }"


def _cells(i: int) -> list[object]:
    gain = Style(color="green")
    return [
        Text(f"S{i:03d}", no_wrap=True, overflow="ellipsis"),
        Text(
            "A rather long company name that is cut" if i % 3 == 0 else "Short",
            no_wrap=True,
            overflow="ellipsis",
        ),
        Text(f"{i * 1.5:,.2f}", justify="right", style=gain if i % 2 else "", no_wrap=True),
        Text("n/a" if i % 5 == 0 else f"{-i / 7:+.2f}", justify="right", style="dim"),
        Text("left" if i % 4 else "", justify="left", style="bold red"),
        Text(f"{i}", style=Style(bgcolor="blue", underline=True)),
        Text("Société Générale"),  # not ASCII, one cell per character
        Text("cropped text here", overflow="crop", justify="right"),
    ]


class Host(App[None]):
    def __init__(self, padding: int, fixed_columns: int = 0) -> None:
        super().__init__()
        self.padding = padding
        self.fixed_columns = fixed_columns

    def compose(self) -> ComposeResult:
        table = Table(cursor_type="row", cell_padding=self.padding)
        table.fixed_columns = self.fixed_columns
        for key, width in zip("abcdefgh", (5, 12, 9, 7, 6, 4, 17, 9), strict=True):
            table.add_column(key, width=width, key=key)
        for i in range(60):
            table.add_row(*_cells(i), key=f"r{i}")
        yield table


def _slow(table: Table, y: int) -> Strip:
    table._line_cache.clear()
    table._row_render_cache.clear()
    table._cell_render_cache.clear()
    return DataTable.render_line(table, y)


def _compare(table: Table) -> int:
    table._pseudo_class_state = table.get_pseudo_class_state()
    table._fast_pass = None
    taken = 0
    for y in range(table.size.height):
        fast = table._fast_line(y)
        if fast is None:
            continue
        taken += 1
        assert list(fast) == list(_slow(table, y)), f"line {y}"
    return taken


async def test_fast_lines_equal_datatable_lines() -> None:
    # fixed columns: the spreads table keeps its Pair column in view when scrolled across
    for padding, fixed in ((0, 0), (1, 0), (1, 1), (0, 2)):
        app = Host(padding, fixed)
        async with app.run_test(size=(70, 20)) as pilot:
            table = app.query_one(Table)
            await pilot.pause()
            assert _compare(table) >= 15  # every body line on screen took the fast path
            table.focus()
            table.move_cursor(row=3)
            await pilot.pause()
            _compare(table)
            table._set_hover_cursor(True)
            table.hover_coordinate = Coordinate(5, 1)
            _compare(table)
            table.scroll_to(x=7, y=20, animate=False, immediate=True)
            await pilot.pause()
            table.move_cursor(row=25, scroll=False)
            assert _compare(table) >= 15
            table.blur()
            await pilot.pause()
            _compare(table)


async def test_a_cell_that_is_not_simple_falls_back() -> None:
    app = Host(1)
    async with app.run_test(size=(70, 20)) as pilot:
        table = app.query_one(Table)
        table.update_cell("r1", "b", Text.assemble(("two", "red"), " styles"))
        table.update_cell("r2", "b", "[b]markup[/b]")
        table.update_cell("r3", "b", Text("宽字符"))
        await pilot.pause()
        table._pseudo_class_state = table.get_pseudo_class_state()
        table._fast_pass = None
        header = table.header_height
        assert table._fast_line(header + 1) is None
        assert table._fast_line(header + 2) is None
        assert table._fast_line(header + 3) is None
        assert table._fast_line(header + 4) is not None
        # what the screen shows is DataTable's own drawing of those lines
        assert list(table.render_line(header + 1)) == list(_slow(table, header + 1))
