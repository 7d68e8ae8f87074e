"""Issue 19: a poll that brings nothing new repaints nothing (bytes to the terminal on a live
market; the busy/idle figures of bench/bench_floor_ratios.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from textual.widget import Widget

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app, wait_until


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, bool]]]:
    """Widget.refresh calls by (widget id or class, layout) while the counter is on."""
    counts: Counter[tuple[str, bool]] = Counter()
    original = Widget.refresh

    def counting(self: Widget, *regions: object, **kwargs: object) -> Widget:
        counts[(self.id or type(self).__name__, bool(kwargs.get("layout")))] += 1
        return original(self, *regions, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Widget, "refresh", counting)
    yield counts


async def test_the_same_snapshot_again_repaints_nothing(
    refreshes: Counter[tuple[str, bool]],
) -> None:
    app = demo_app("hard-landing")  # alerts active: the risk pane's title carries the badge
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        snapshot = app.snapshot
        assert snapshot is not None and snapshot.alerts
        assert "CRIT" in str(app.dashboard.query_one("#pane-risk").border_title)
        refreshes.clear()
        app._render(snapshot, listeners=False)
        await pilot.pause()
        # Before: the risk pane's title (the whole pane repainted) and its quiet and unknown
        # lines (a layout pass of the screen) were set again with every poll.
        assert refreshes == Counter(), refreshes


async def test_a_changed_alert_count_still_retitles_the_risk_pane() -> None:
    from dataclasses import replace

    app = demo_app("hard-landing")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        snapshot = app.snapshot
        assert snapshot is not None and snapshot.alerts
        pane = app.dashboard.query_one("#pane-risk")
        assert "CRIT" in str(pane.border_title)
        app._render(replace(snapshot, alerts=()), listeners=False)
        await wait_until(lambda: str(pane.border_title) == "3 Risk", 2.0)


async def test_the_status_hints_are_walked_again_only_when_focus_or_screens_move(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tui.app
    from tui.commands import status_hints

    walks: list[object] = []

    def counting(screen: object) -> tuple[tuple[str, str], ...]:
        walks.append(screen)
        return status_hints(screen)  # type: ignore[arg-type]

    monkeypatch.setattr(tui.app, "status_hints", counting)
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        dashboard = app.dashboard
        walks.clear()
        for _ in range(5):  # the once-a-second status tick
            app._show_status()
        assert len(walks) <= 1
        assert app._status_hints(dashboard) == status_hints(dashboard)
        walks.clear()
        dashboard.query_one("#macro").focus()
        await pilot.pause()
        app._show_status()
        assert walks == [dashboard]
        await pilot.press("question_mark")  # help over the dashboard: "back" is enabled
        await pilot.pause()
        app._show_status()
        assert len(walks) == 2
        assert app._status_hints(dashboard) == status_hints(dashboard)


def test_changed_span_is_the_cells_that_read_differently() -> None:
    from widgets.thesis import changed_span

    line = [("fwd P/E ", "label"), ("SPY ", ""), ("22.1", ""), ("  IJR ", ""), ("14.9", "")]
    assert changed_span(line, list(line), 80) is None
    moved = [*line[:2], ("22.3", ""), *line[3:]]
    assert changed_span(line, moved, 80) == (15, 16)  # the one digit
    toned = [*line[:2], ("22.1", "gain"), *line[3:]]
    assert changed_span(line, toned, 80) == (12, 16)  # same text, another colour
    shorter = [*line[:4], ("9.9", "")]
    assert changed_span(line, shorter, 80) == (22, 26)  # the freed cell is blanked too
    # a line cut at the width: past its end nothing shown moved, before it the rest may
    assert changed_span(line, moved, 15) is None
    assert changed_span(line, moved, 20) == (15, 20)
    assert changed_span([("宽字", "")], [("宽宇", "")], 80) == (1, 80)  # wide: to the end


async def test_a_thesis_tick_repaints_only_the_numbers_that_moved(
    refreshes: Counter[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from textual.geometry import Region

    from widgets.thesis import ThesisBar

    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        bar = app.dashboard.query_one(ThesisBar)
        valuation = snapshot.valuation
        assert valuation is not None and valuation.large.forward_pe is not None
        before = bar.plain
        regions: list[tuple[Region, ...]] = []
        original = ThesisBar.refresh

        def keep(self: ThesisBar, *args: Region, **kwargs: object) -> ThesisBar:
            regions.append(args)
            return original(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(ThesisBar, "refresh", keep)
        large = replace(valuation.large, forward_pe=valuation.large.forward_pe + 0.2)
        bar.update_thesis(replace(valuation, large=large), snapshot.cycle)
        await pilot.pause()
        after = bar.plain
        assert after != before
        (region,) = regions[0]  # one region, not the whole line
        first = next(i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y)
        assert region.x <= first < region.right and region.width < 20
        assert str(bar.render()) == after  # and the line drawn is the new one


async def test_a_thesis_frame_draws_the_pieces_its_tick_fitted() -> None:
    """The frame after a tick draws the pieces the tick fitted (not fitted again): the same
    line, text and styles, as fitting the halves afresh, through ticks and resizes."""
    from dataclasses import replace

    from rich.text import Text

    from widgets.thesis import CycleLine, ThesisBar, _PieceLine

    def fresh(line: _PieceLine) -> Text:
        line._fitted = None
        return line.render()

    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        bar = app.dashboard.query_one(ThesisBar)
        cycle_line = app.dashboard.query_one(CycleLine)
        valuation = snapshot.valuation
        assert valuation is not None and valuation.large.forward_pe is not None
        for size, step in (((160, 48), 0.2), ((160, 48), -3.0), ((100, 30), 0.5), ((70, 24), 9)):
            if app.size != size:
                await pilot.resize_terminal(*size)
                await pilot.pause()
            large = replace(valuation.large, forward_pe=valuation.large.forward_pe + step)
            valuation = replace(valuation, large=large)
            bar.update_thesis(valuation, snapshot.cycle)
            for line in (bar, cycle_line):
                drawn = line.render()
                assert line._fitted == (line._key, line.size.width)
                want = fresh(line)
                assert drawn.plain == want.plain and drawn.spans == want.spans, size


async def test_a_pair_detail_tick_repaints_the_lines_a_fresh_drawing_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pair detail keeps the text lines it last worked out as the next tick's "before":
    each tick repaints exactly the lines in which two fresh drawings differ, through ticks
    of one window, of every figure, a pair with reasons, and a resize."""
    from dataclasses import replace

    from textual.geometry import Region

    from analytics.types import LegReturns
    from widgets.spread_table import PairDetail

    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await pilot.pause()
        detail = app.dashboard.query_one(PairDetail)
        row = detail._row
        assert row is not None
        painted: list[int] = []
        original = PairDetail.refresh

        def keep(self: PairDetail, *regions: Region, **kwargs: object) -> PairDetail:
            painted.extend(r.y for r in regions)
            return original(self, *regions, **kwargs)  # type: ignore[arg-type]

        def drawn(r: object) -> list[str]:
            shown = detail._row
            detail._row = r  # type: ignore[assignment]
            try:
                return detail.render().plain.split("\n")
            finally:
                detail._row = shown

        monkeypatch.setattr(PairDetail, "refresh", keep)
        window = next(iter(row.returns))
        ticks = [
            replace(row, returns={**row.returns, window: LegReturns(1.25, -0.5, 1.75)}),
            replace(row, corr_3m=0.12, beta_3m=1.7),
            replace(row, small_drawdown=-9.5, ratio_spark=(*row.ratio_spark[1:], 9.0)),
            replace(row, reasons=("IWM: data ends 2020-12-11",)),
            row,
        ]
        for i, new in enumerate(ticks):
            if i == 3:
                await pilot.resize_terminal(120, 40)
                await pilot.pause()
            want = [
                y
                for y, (a, b) in enumerate(zip(drawn(detail._row), drawn(new), strict=False))
                if a != b
            ]
            old = drawn(detail._row)
            painted.clear()
            detail.show_pair(new)
            if len(drawn(new)) != len(old):
                want += list(range(min(len(old), len(drawn(new))), max(len(old), len(drawn(new)))))
            assert painted == want, (i, painted, want)
            assert detail._lines is None or detail._lines[2] == drawn(detail._lines[0])
        assert snapshot.spreads
