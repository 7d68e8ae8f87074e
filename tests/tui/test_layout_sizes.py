"""Issue 16, Space: the dashboard grows with the terminal (80x24 to 300x80).

Pilot tests of layout facts, not pixels: every spreads column visible from 160 columns with the
pair column fixed, sparklines that widen with their pane, names cut only without room, and the
ratio chart and alert log from 200x60.
"""

from __future__ import annotations

import pytest

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app
from tests.tui.hardening_helpers import painted
from tui.app import RotmonApp
from tui.screens.dashboard import grid_columns
from widgets.spread_table import SpreadTable

SIZES = [(80, 24), (120, 40), (160, 48), (200, 60), (300, 80)]


async def _settled(app: RotmonApp) -> None:
    await snapshot_on_screen(app)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_spreads_columns_fit_from_160_columns_and_the_pair_column_is_fixed(
    size: tuple[int, int],
) -> None:
    app = demo_app("hard-landing")
    async with app.run_test(size=size) as pilot:
        await _settled(app)
        await pilot.pause()
        table = app.dashboard.query_one(SpreadTable)
        assert table.fixed_columns == 1
        if size[0] >= 160:
            assert table.max_scroll_x == 0, (size, table.virtual_size, table.size)
            text = painted(app)
            for label in ("Pair", "1D", "1Y", "Z 1Y", "Ratio", "Small", "Large"):
                assert label in text, (size, label)
        else:
            assert table.max_scroll_x > 0  # the columns that do not fit scroll, the pair stays
            table.scroll_to(x=table.max_scroll_x, animate=False)
            await pilot.pause()
            lines = painted(app).split("\n")
            assert any("IWM/SPY" in line and "Large" not in line for line in lines)
            assert "Large" in painted(app)


def test_grid_columns_keep_the_spreads_table_whole_from_160() -> None:
    assert grid_columns(100) == "1fr"
    assert grid_columns(120) == "1fr 1fr"
    assert grid_columns(160) == "100 1fr"
    assert grid_columns(199) == "100 1fr"
    assert grid_columns(200) == "1fr 1fr"


async def _widths_at(size: tuple[int, int]) -> dict[str, int]:
    """Sparkline and name widths at one terminal size (every pane shown: from 120 columns)."""
    from widgets.alert_list import AlertTable
    from widgets.heatmap import SectorHeatmap
    from widgets.macro_panel import MacroTable

    app = demo_app("hard-landing")
    async with app.run_test(size=size) as pilot:
        await _settled(app)
        await pilot.pause()
        spreads = app.dashboard.query_one(SpreadTable)
        macro = app.dashboard.query_one(MacroTable)
        alerts = app.dashboard.query_one(AlertTable)
        heatmap = app.dashboard.query_one(SectorHeatmap)
        text = painted(app)
        assert macro.max_scroll_x == 0, size
        return {
            "ratio": spreads.column_width("spark"),
            "recent": macro.column_width("spark"),
            "rule": alerts.column_width("rule"),
            "spread": heatmap._layout(heatmap.size.width)[2],
            "claims_cut": int("Initial claims vs 52…" in text),
        }


async def test_sparklines_bars_and_names_widen_with_the_terminal() -> None:
    at = {size: await _widths_at(size) for size in [(120, 40), (160, 48), (300, 80)]}
    small, mid, big = at[(120, 40)], at[(160, 48)], at[(300, 80)]
    for key in ("ratio", "recent", "rule", "spread"):
        assert small[key] <= mid[key] <= big[key], (key, at)
        assert small[key] < big[key], (key, at)
    assert big["ratio"] >= 40 and big["recent"] >= 40, at
    # the rule name is cut only where the pane has no room for it (120 columns)
    assert mid["claims_cut"] == 0 and big["claims_cut"] == 0, at


def test_growing_columns_share_the_spare_width_up_to_their_limit() -> None:
    from widgets.keyed_table import Column, fit_widths

    cols = [Column("a", "A", 8), Column("b", "B", 10, grow_to=20), Column("c", "C", 5, grow_to=9)]
    assert fit_widths(cols, 10) == {"a": 8, "b": 10, "c": 5}  # too narrow: never below width
    assert fit_widths(cols, 28) == {"a": 8, "b": 15, "c": 5}
    assert fit_widths(cols, 40) == {"a": 8, "b": 20, "c": 9}
    assert fit_widths(cols, 100) == {"a": 8, "b": 20, "c": 9}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_ratio_chart_and_alert_log_appear_from_200x60(size: tuple[int, int]) -> None:
    from tests.support.waiting import until
    from widgets.alert_list import AlertLog
    from widgets.chart import LineChart

    app = demo_app("hard-landing")
    async with app.run_test(size=size) as pilot:
        await _settled(app)
        await pilot.pause()
        dashboard = app.dashboard
        chart = dashboard.query_one("#ratio-chart", LineChart)
        log = dashboard.query_one("#alert-log", AlertLog)
        wide = size[0] >= 200 and size[1] >= 60
        assert dashboard.wide is wide
        for pane in ("#pane-chart", "#pane-log"):
            shown = dashboard.query_one(pane).display
            assert shown is wide, (size, pane)
        if not wide:
            return
        assert chart.region.height >= 12 and chart.region.width >= 90, chart.region
        data = chart.data
        assert data is not None and data.title == "IWM/SPY ratio"
        assert [line.label for line in data.lines] == ["ratio", "50d", "200d"]
        assert len(data.x_labels) >= 200  # a year of sessions
        # without an alert store: the snapshot's active alerts, newest first
        snapshot = app.snapshot
        assert snapshot is not None and snapshot.alerts
        await until(lambda: log.row_count == len(snapshot.alerts))
        text = painted(app)
        assert "IWM/SPY ratio · 1Y" in text and "Alert log" in text
        assert "Initial claims vs 52-week low" in text


async def test_the_alert_log_pane_reads_the_alert_desk(tmp_path: object) -> None:
    from pathlib import Path

    from tests.support.waiting import until
    from tests.tui.hardening_helpers import wired_demo
    from widgets.alert_list import AlertLog

    assert isinstance(tmp_path, Path)
    app = wired_demo(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await snapshot_on_screen(app)
        await until(lambda: app.alerts is not None and len(app.alerts.log(None, 50)) > 0)
        log = app.dashboard.query_one("#alert-log", AlertLog)
        desk = app.alerts
        assert desk is not None

        def same() -> bool:  # newest first, one row per transition of the log
            return [str(k.value) for k in log.rows] == [str(e.id) for e in desk.log(None, 40)]

        await until(same, timeout=10)
        await pilot.pause()
        newest = desk.log(None, 1)[0]
        assert newest.event in painted(app)


async def test_the_pair_detail_repaints_what_changed_and_widens_with_the_pane() -> None:
    from dataclasses import replace

    from widgets.spread_table import PairDetail

    app = demo_app("hard-landing")
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        detail = app.dashboard.query_one(PairDetail)
        await pilot.press("down")  # the second pair (IJR/SPY)
        await pilot.pause()
        ijr = next(r for r in snapshot.spreads if r.id == "IJR/SPY")
        assert f"IJR/SPY  {ijr.label}" in painted(app)
        # a tick that moves only the correlation: the painted detail follows the row
        detail.show_pair(replace(ijr, corr_3m=0.123))
        await pilot.pause()
        text = painted(app)
        assert "corr 3M 0.12" in text and f"IJR/SPY  {ijr.label}" in text
        narrow_spark = len(detail.render().plain.split("\n")[-1].split()[-1])
        await pilot.resize_terminal(300, 80)
        await pilot.pause()
        await pilot.pause()
        wide_spark = len(detail.render().plain.split("\n")[-1].split()[-1])
        assert wide_spark > narrow_spark, (narrow_spark, wide_spark)


async def test_an_empty_alert_log_says_so() -> None:
    app = demo_app("rotation")  # a quiet market: no alert is active
    async with app.run_test(size=(200, 60)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        assert not snapshot.alerts
        assert "No active alerts (no alert log)." in painted(app)
