"""Issue 19: the sector map reads its style and component colours once per paint
(``SectorHeatmap.render_lines``); every line it paints is the line Textual's own
``render_lines`` draws reading them for each line, through ticks, focus and theme changes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from analytics.types import LegReturns
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app
from widgets.heatmap import SectorHeatmap


def _painted(heatmap: SectorHeatmap, *, memo: bool) -> list[Strip]:
    """The whole map painted from nothing (no line or style cache), with or without the
    once-per-paint reads."""
    heatmap._cache.clear()
    heatmap._styles_cache.clear()
    region = Region(0, 0, heatmap.outer_size.width, heatmap.outer_size.height)
    if memo:
        lines = heatmap.render_lines(region)
        assert heatmap._paint is None and heatmap._paint_base is None  # nothing kept after
        return lines
    return Widget.render_lines(heatmap, region)


def _same(heatmap: SectorHeatmap) -> None:
    mine = _painted(heatmap, memo=True)
    theirs = _painted(heatmap, memo=False)
    assert [list(s) for s in mine] == [list(s) for s in theirs]


def _moved(leg: LegReturns, factor: float, unknown: bool) -> LegReturns:
    if unknown:
        return LegReturns(None, leg.large, None)
    return LegReturns(
        *(None if v is None else (v or 0.3) * factor for v in (leg.small, leg.large, leg.spread_pp))
    )


@pytest.mark.parametrize("scenario", ["rotation", "hard-landing"])
async def test_a_paint_reads_styles_once_and_draws_what_each_line_would(scenario: str) -> None:
    app = demo_app(scenario)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        heatmap = app.dashboard.query_one(SectorHeatmap)
        assert heatmap.rows and heatmap.size.height > len(heatmap.rows)
        _same(heatmap)
        # ticks: every value moved, some to zero and to unknown (their own styles)
        for k, factor in enumerate((1.5, -2.0, 0.0)):
            rows = tuple(
                replace(r, returns={w: _moved(leg, factor, (i + k) % 5 == 0)
                                    for w, leg in r.returns.items()})
                for i, r in enumerate(heatmap.rows)
            )  # fmt: skip
            heatmap.update_sectors(rows)
            _same(heatmap)
        heatmap.focus()
        await pilot.pause()
        _same(heatmap)
        for theme in ("rotmon-light", "rotmon-ansi-dark"):  # blended tints, then two steps
            app.theme = theme
            await pilot.pause()
            _same(heatmap)
