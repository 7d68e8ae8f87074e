"""The one keyed table (widgets.keyed_table): Cell-spec rows diffed through the same engine as
the drill-down screens' rows; a tick repaints the cells that changed, not the table; the
order is the order given or the sort column's, and the selection stays on its key."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.widget import Widget

from widgets.keyed_table import Cell, Column, KeyedTable


class Table(KeyedTable):
    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("name", "Name", 8),
        Column("a", "A", 7, "right"),
        Column("b", "B", 7, "right"),
    )
    SORTABLE: ClassVar[tuple[str, ...]] = ("a", "b")
    DEFAULT_CSS = "Table { height: 1fr; }"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Table()


def rows(values: dict[str, tuple[float | None, float]]) -> list[tuple[str, list[Cell]]]:
    return [
        (k, [Cell(k, sort=i), Cell(f"{a}", sort=a), Cell(f"{b}", sort=b)])
        for i, (k, (a, b)) in enumerate(values.items())
    ]


def shown(table: Table) -> list[str]:
    return [str(table.get_row_at(i)[0].plain) for i in range(table.row_count)]


async def test_a_changed_cell_repaints_that_cell_only(monkeypatch) -> None:
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        data = {k: (float(i), 1.0) for i, k in enumerate("pqrst")}
        table.set_rows(rows(data))
        await pilot.pause()
        calls: Counter[bool] = Counter()
        original = Widget.refresh

        def counting(self: Widget, *regions: object, **kwargs: object) -> Widget:
            if self is table:
                calls[bool(regions)] += 1
            return original(self, *regions, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Widget, "refresh", counting)
        table.set_rows(rows(data))  # nothing new: nothing repainted
        assert calls == Counter()
        data["r"] = (2.0, 9.0)
        table.set_rows(rows(data))
        assert calls == Counter({True: 1}), calls  # one cell's region, not the table
        await pilot.pause()
        assert table.get_cell("r", "b").plain == "9.0"


async def test_order_follows_the_rows_given_and_the_sort_column_with_the_selection() -> None:
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(Table)
        data = {"p": (1.0, 5.0), "q": (3.0, 4.0), "r": (None, 3.0), "s": (2.0, 2.0)}
        table.set_rows(rows(data))
        await pilot.pause()
        table.move_cursor(row=1)
        assert table.cursor_key() == "q"
        table.sort_by("a")  # high to low, unknown last
        await pilot.pause()
        assert shown(table) == ["q", "s", "p", "r"]
        assert table.cursor_key() == "q" and table.cursor_row == 0
        data["p"] = (9.0, 5.0)  # a sort value moves: the row moves, the selection stays
        table.set_rows(rows(data))
        await pilot.pause()
        assert shown(table) == ["p", "q", "s", "r"]
        assert table.cursor_key() == "q"
        table.sort_by(None)
        table.set_rows(rows(dict(reversed(data.items()))))  # natural order: as given
        await pilot.pause()
        assert shown(table) == ["s", "r", "q", "p"]
        assert table.cursor_key() == "q"
        await pilot.press("G")
        assert table.cursor_key() == "p"
        await pilot.press("g")
        assert table.cursor_key() == "s"


class Sector(App[None]):
    def compose(self) -> ComposeResult:
        from widgets.constituents import ConstituentsTable

        yield ConstituentsTable()


async def test_constituents_tick_builds_and_repaints_the_rows_on_screen_only(monkeypatch) -> None:
    from widgets.constituents import ConstituentRow, ConstituentsTable

    app = Sector()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(ConstituentsTable)
        members = [
            ConstituentRow(f"S{i:03d}", f"Name {i}", 1.0 - i / 1000, 10.0 + i, 0.5)
            for i in range(300)
        ]
        table.set_rows(members)
        await pilot.pause()
        calls: Counter[bool] = Counter()
        original = Widget.refresh

        def counting(self: Widget, *regions: object, **kwargs: object) -> Widget:
            if self is table:
                calls[bool(regions)] += 1
            return original(self, *regions, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Widget, "refresh", counting)
        ticked = [r._replace(last=(r.last or 0) + 0.25) for r in members]  # every price moves
        table.set_rows(ticked)  # sorted by weight: the order stands
        assert calls[False] == 0 and calls[True] > 0  # cells on screen, not the table
        assert "S250" in table._stale  # off screen: not built yet...
        assert "S001" not in table._stale  # ...on screen: built
        assert table.get_cell("S250", "last").plain == "260.25"  # ...but built when read
        await pilot.pause()
        header = table.header_height
        line = "".join(segment.text for segment in table.render_line(header + 1))
        assert "11.25" in line and "S001" in line  # the screen shows the new price


async def test_constituents_rows_built_late_show_their_current_values() -> None:
    from widgets.constituents import ConstituentRow, ConstituentsTable

    app = Sector()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(ConstituentsTable)
        members = [
            ConstituentRow(f"S{i:03d}", f"Name {i}", 1.0 - i / 1000, 10.0 + i, 0.5)
            for i in range(300)
        ]
        table.set_rows(members)  # 300 rows, ~17 on screen: the rest are added unbuilt
        assert "S299" in table._stale
        table.set_filter(lambda r: r.symbol >= "S290")  # S299 leaves the table unbuilt
        await pilot.pause()
        ticked = [r._replace(last=(r.last or 0) + 0.5, chg=-1.0) for r in members]
        table.set_rows(ticked)
        table.set_filter(None)  # S000..S289 come back with their cells from before the tick
        await pilot.pause()
        assert table.row_count == 300
        assert [table.get_cell(k, "last").plain for k in ("S000", "S150", "S299")] == [
            "10.50",
            "160.50",
            "309.50",
        ]
        assert table.get_cell("S150", "chg").plain == "-1.00"
        assert table.get_cell("S150", "name").plain == "Name 150"
        table.move_cursor(row=150)
        await pilot.pause()
        lines = ["".join(s.text for s in table.render_line(y)) for y in range(table.size.height)]
        assert any("S150" in line and "160.50" in line for line in lines)
