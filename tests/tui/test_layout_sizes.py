"""Issue 16, Space: the dashboard grows with the terminal (80x24 to 300x80).

Pilot tests of layout facts, not pixels: every column of every pane visible from 120 columns
(stacked below 160: the spreads and the risk list span the terminal), the pair column fixed
where 80 columns scroll, sparklines that widen with their pane, names cut only without room,
and the ratio chart and alert log from 200x60.
"""

from __future__ import annotations

import pytest

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app
from tests.tui.hardening_helpers import painted, sideways
from tui.screens.dashboard import grid_columns
from widgets.spread_table import SpreadTable

SIZES = [(80, 24), (120, 40), (160, 48), (200, 60), (300, 80)]

SPREADS_LABELS = ("Pair", "1D", "1Y", "Z 1Y", "Tr", "Ratio 6M", "Ratio", "Small", "Large")
RISK_LABELS = ("Sev", "Rule", "Value vs threshold", "Since", "Ack")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_column_of_every_pane_fits_from_120_columns(size: tuple[int, int]) -> None:
    """One app a size: the layout, no sideways scrolling from 120 columns (every spreads and
    risk column shown, rule names whole), the pair column fixed when 80 columns scroll, the
    alert badge, and the ratio chart and alert log only from 200x60."""
    from tests.support.waiting import until
    from widgets.alert_list import AlertLog, AlertTable
    from widgets.chart import LineChart

    app = demo_app("hard-landing")
    async with app.run_test(size=size) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        dashboard = app.dashboard
        table = dashboard.query_one(SpreadTable)
        alerts = dashboard.query_one(AlertTable)
        crit = sum(a.severity == "critical" for a in snapshot.alerts)
        assert crit == len(snapshot.alerts) == 6
        assert table.fixed_columns == 1
        assert dashboard.stacked is (120 <= size[0] < 160)
        wide = size[0] >= 200 and size[1] >= 60
        assert dashboard.wide is wide
        for pane in ("#pane-chart", "#pane-log"):
            assert dashboard.query_one(pane).display is wide, (size, pane)
        text = painted(app)
        lines = text.split("\n")
        assert f"‼{crit} CRIT" in lines[0], lines[0]  # the header's badge at every size
        if size[0] < 120:  # one pane at a time: the spreads scroll, the pair stays
            assert [s.split(" ")[0] for s in sideways(app)] == ["SpreadTable#spreads"]
            table.scroll_to(x=table.max_scroll_x, animate=False)
            await pilot.pause()
            lines = painted(app).split("\n")
            assert any("IWM/SPY" in line and "Large" not in line for line in lines)
            assert "Large" in painted(app)
            return
        assert sideways(app) == [], size
        assert table.max_scroll_x == 0 and alerts.max_scroll_x == 0
        for label in SPREADS_LABELS + RISK_LABELS:
            assert label in text, (size, label)
        risk_title = next(line for line in lines if "3 Risk" in line)
        assert f"3 Risk · ‼{crit} CRIT" in risk_title
        # every alert in view and no rule name cut: the risk pane has the room
        for alert in snapshot.alerts:
            assert alert.label in text, (size, alert.label)
        assert "…" not in "".join(line for line in lines if "‼ CRIT" in line)
        if not wide:
            return
        chart = dashboard.query_one("#ratio-chart", LineChart)
        log = dashboard.query_one("#alert-log", AlertLog)
        assert chart.region.height >= 12 and chart.region.width >= 90, chart.region
        data = chart.data
        assert data is not None and data.title == "IWM/SPY ratio"
        assert [line.label for line in data.lines] == ["ratio", "50d", "200d"]
        assert len(data.x_labels) >= 200  # a year of sessions
        # without an alert store: the snapshot's active alerts, newest first
        await until(lambda: log.row_count == len(snapshot.alerts))
        text = painted(app)
        assert "IWM/SPY ratio · 1Y" in text and "Alert log" in text


def test_grid_columns_keep_the_spreads_table_whole_from_160() -> None:
    assert grid_columns(100) == "1fr"
    assert grid_columns(120) == "1fr 1fr"
    assert grid_columns(160) == "100 1fr"
    assert grid_columns(199) == "100 1fr"
    assert grid_columns(200) == "1fr 1fr"


def test_stacked_rows_fit_the_spreads_the_macro_table_and_the_alerts() -> None:
    from tui.screens.dashlayout import stacked_rows

    # 120x40: six pairs, six alerts (gauges, blank, header, rows: 10), 13 indicators
    assert stacked_rows(40, 6, 10, 13) == ("9 1fr 11", True)  # the blank goes, all fit
    assert stacked_rows(40, 6, 4, 13) == ("9 1fr 6", False)  # no alert: the quiet line
    # taller: the pair detail comes back once the macro table keeps its rows
    assert stacked_rows(48, 6, 10, 13) == ("15 1fr 12", False)
    # far too short: the middle row keeps two fifths, the risk pane its gauges and two
    # alerts, the spreads the rest; the lists scroll
    assert stacked_rows(30, 9, 12, 13) == ("10 1fr 7", True)  # middle 10 of 27
    assert stacked_rows(24, 6, 10, 13) == ("6 1fr 7", True)  # middle 8 of 21
    assert stacked_rows(30, 6, 10, 13) == ("9 1fr 8", True)


async def test_sparklines_bars_and_names_widen_with_the_terminal() -> None:
    """One app resized from 120 to 160 to 300 columns."""
    from widgets.alert_list import AlertTable
    from widgets.heatmap import SectorHeatmap
    from widgets.macro_panel import MacroTable
    from widgets.spread_table import SPARK_WIDTH

    app = demo_app("hard-landing")
    at: dict[tuple[int, int], dict[str, int]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await snapshot_on_screen(app)
        for size in [(120, 40), (160, 48), (300, 80)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            dashboard = app.dashboard
            heatmap = dashboard.query_one(SectorHeatmap)
            assert dashboard.query_one(MacroTable).max_scroll_x == 0, size
            at[size] = {
                "ratio": dashboard.query_one(SpreadTable).column_width("spark"),
                "recent": dashboard.query_one(MacroTable).column_width("spark"),
                "rule": dashboard.query_one(AlertTable).column_width("rule"),
                "spread": heatmap._layout(heatmap.size.width)[2],
            }
        # short terminals too: the stacked panes scroll down, never sideways
        for size in [(120, 24), (150, 30)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            assert app.dashboard.stacked and sideways(app) == [], (size, sideways(app))
    small, mid, big = at[(120, 40)], at[(160, 48)], at[(300, 80)]
    for key in ("recent", "spread"):
        assert small[key] <= mid[key] <= big[key], (key, at)
        assert small[key] < big[key], (key, at)
    # stacked at 120 columns, the spreads and the risk list span the terminal
    assert small["ratio"] > SPARK_WIDTH and mid["ratio"] < big["ratio"], at
    assert big["ratio"] >= 40 and big["recent"] >= 40, at
    assert small["rule"] <= big["rule"], at


def test_growing_columns_share_the_spare_width_up_to_their_limit() -> None:
    from widgets.keyed_table import Column, fit_widths

    cols = [Column("a", "A", 8), Column("b", "B", 10, grow_to=20), Column("c", "C", 5, grow_to=9)]
    assert fit_widths(cols, 10) == {"a": 8, "b": 10, "c": 5}  # too narrow: never below width
    assert fit_widths(cols, 28) == {"a": 8, "b": 15, "c": 5}
    assert fit_widths(cols, 40) == {"a": 8, "b": 20, "c": 9}
    assert fit_widths(cols, 100) == {"a": 8, "b": 20, "c": 9}


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
