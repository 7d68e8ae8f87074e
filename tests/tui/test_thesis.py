"""The thesis on screen (SPEC 11): the valuation/Fed line at every size, the cycle line of the
macro pane, and the valuation (`v`) and cycle (`c`) drill-downs at 80x24 and 160x48."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.types import PE, RateCycle, ValuationGap
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.hardening_helpers import painted, wired_demo
from tui.screens.cycle import CycleScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.valuation import ValuationScreen
from widgets.thesis import ThesisBar, cycle_variants, fit_line, valuation_variants

SIZES = [(80, 24), (160, 48)]


def _lines(app: object) -> list[str]:
    return painted(app).split("\n")  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_dashboard_line_and_macro_cycle_line(tmp_path: Path, size: tuple[int, int]) -> None:
    app = wired_demo(tmp_path, scenario="rotation")
    async with app.run_test(size=size) as pilot:
        snapshot = await snapshot_on_screen(app)
        await settled(app)
        v, c = snapshot.valuation, snapshot.cycle
        assert v is not None and c is not None and v.gap_turns is not None
        lines = _lines(app)
        assert (len(lines[0]), len(lines)) == size
        line = lines[1]  # right under the header, at every size
        assert "P/E" in line and f"SPY {v.large.forward_pe:.1f}" in line
        assert f"IJR {v.small[0].forward_pe:.1f}" in line
        assert f"gap {v.gap_turns:.1f}x ({v.gap_pct:.0f}%)" in line
        assert f"Fed {c.phase}" in line and f"−{c.cut_bp:.0f}" in line
        if size[0] >= 160:
            assert "Valuation" in line and "2Y−FF" in line and c.first_cut is not None
            assert c.first_cut.isoformat() in line
        # the four panes still fit: the narrow layout keeps its tab strip and the status bar
        text = painted(app)
        assert "q quit" in lines[-1] and "Terminal too small" not in text
        await pilot.press("4")
        await wait_until(lambda: "Fed cycle" in painted(app))
        cycle_line = next(x for x in _lines(app) if "Fed cycle" in x)
        assert f"{c.cuts} cuts" in cycle_line and "Fed funds" in painted(app)
        await pilot.press("q")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_v_opens_the_valuation_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    app = wired_demo(tmp_path, scenario="rotation")
    async with app.run_test(size=size) as pilot:
        snapshot = await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("v")
        await wait_until(lambda: isinstance(app.screen, ValuationScreen))
        screen = app.screen
        await wait_until(lambda: "Gap (forward P/E, SPY − IJR)" in painted(app))
        text = painted(app)
        lines = text.split("\n")
        assert (len(lines[0]), len(lines)) == size
        assert "Valuation gap" in lines[0]
        v = snapshot.valuation
        assert v is not None and v.gap_turns is not None
        assert f"{v.gap_turns:+.1f} turns" in text
        for p in (v.large, *v.small):
            assert p.symbol in text and f"{p.forward_pe:.1f}" in text
        assert "Gap SPY − IJR, turns of P/E" in text  # the demo's three years of P/E
        assert "needs 5 years" in text  # the z-score is n/a, never a shorter window
        assert isinstance(screen, ValuationScreen) and screen.history is not None
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, DashboardScreen))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_c_opens_the_cycle_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    app = wired_demo(tmp_path, scenario="hard-landing")
    async with app.run_test(size=size) as pilot:
        snapshot = await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("c")
        await wait_until(lambda: isinstance(app.screen, CycleScreen))
        await wait_until(lambda: "First cut" in painted(app))
        text = painted(app)
        lines = text.split("\n")
        assert (len(lines[0]), len(lines)) == size
        c = snapshot.cycle
        assert c is not None and c.first_cut is not None and c.phase == "cutting"
        assert "Fed rate cycle" in lines[0] and "DFEDTARU" in lines[0]
        flat = " ".join(text.split())
        assert "Phase: cutting" in flat and f"first cut {c.first_cut.isoformat()}" in flat
        assert "Fed funds target, upper bound" in text  # the chart's title
        assert "IWM − SPY" in text
        screen = app.screen
        assert isinstance(screen, CycleScreen)
        assert [r.first_cut for r in screen.rows] == [c.first_cut]
        await pilot.press("e")
        await wait_until(lambda: bool(screen.exported))
        assert any("cycle-after-first-cuts" in p.name for p in screen.exported)
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, DashboardScreen))


async def test_a_pack_without_valuation_files_says_n_a(tmp_path: Path) -> None:
    from data_sources.pack import PackSource
    from tui.config import Settings
    from tui.wiring import build_app

    pack = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
    app = build_app(
        PackSource(pack), Settings(export_dir=tmp_path), kind="pack", db=tmp_path / "a.sqlite3"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(app)
        assert snapshot.valuation is not None and snapshot.valuation.gap_turns is None
        line = _lines(app)[1]
        assert "P/E" in line and "n/a" in line and "Fed" in line
        await pilot.press("v")
        await wait_until(lambda: isinstance(app.screen, ValuationScreen))
        await wait_until(lambda: "Gap: n/a" in painted(app))
        text = painted(app)
        assert "SPY: no P/E in the data" in text and "valuation/<SYMBOL>.csv" in text


def test_fit_line_keeps_the_most_detail_that_fits() -> None:
    v = ValuationGap(
        PE("SPY", 27.5, 22.0, date(2026, 2, 13)),
        (PE("IJR", 18.5, 15.0, date(2026, 2, 13)), PE("IWM", 20.0, 16.5, date(2026, 2, 13))),
        7.0,
        31.8,
        "forward",
        "IJR",
    )
    c = RateCycle("on hold", date(2024, 9, 19), 6, 175.0, 15, -0.25, "DFEDTARU", rate=3.75)
    halves = [valuation_variants(v), cycle_variants(c)]
    for width in (40, 78, 100, 158, 300):
        text = "".join(t for t, _ in fit_line(halves, width))
        assert len(text) <= width and "gap 7.0x" in text and "Fed on hold" in text
    wide = "".join(t for t, _ in fit_line(halves, 300))
    assert "IWM 16.5" in wide and "2024-09-19 (15 mo)" in wide and "2Y−FF -0.25" in wide
    assert "5y z n/a" in wide
    unknown = "".join(t for t, _ in fit_line([valuation_variants(None), cycle_variants(None)], 78))
    assert unknown.count("n/a") == 2
    stale = RateCycle(None, None, None, None, None, None, None, reason="FEDFUNDS: data ends 2024")
    assert "data ends" in "".join(t for t, _ in cycle_variants(stale)[0])


async def test_thesis_line_is_escaped_data(tmp_path: Path) -> None:
    """A reason from a file is data: markup in it is printed, never interpreted."""
    app = wired_demo(tmp_path, scenario="rotation")
    async with app.run_test(size=(160, 48)):
        await snapshot_on_screen(app)
        bar = app.dashboard.query_one(ThesisBar)
        evil = RateCycle(None, None, None, None, None, None, None, reason="[bold]x[/] \x1b[2J")
        bar.update_thesis(None, evil)
        await wait_until(lambda: "[bold]x[/]" in painted(app))
        assert "\x1b" not in painted(app)


def _fit_line_by_joining(
    halves: list[list[list[tuple[str, str]]]], width: int, sep: tuple[str, str] = ("  │  ", "dim")
) -> list[tuple[str, str]]:
    """fit_line as it was (each combination joined and measured), the reference."""
    from itertools import product

    from rich.cells import cell_len

    seps = [sep, (" │ ", "dim")] if len(sep[0]) > 3 else [sep]
    best = None
    for s_i, separator in enumerate(seps):
        for choice in product(*(range(len(v)) for v in halves)):
            out: list[tuple[str, str]] = []
            for i, (variants, k) in enumerate(zip(halves, choice, strict=True)):
                if i:
                    out.append(separator)
                out += variants[k]
            if sum(cell_len(t) for t, _ in out) > width:
                continue
            rank = (sum(choice), max(choice, default=0), s_i)
            if best is None or rank < best[0]:
                best = (rank, out)
    if best is not None:
        return best[1]
    out = []
    for i, variants in enumerate(halves):
        if i:
            out.append(seps[-1])
        out += variants[-1]
    return out


def test_fit_line_measures_each_variant_once_and_picks_what_joining_picked() -> None:
    import random

    rng = random.Random(19)
    words = ["fwd P/E", "SPY 22.1", "IJR 15.0", "gap 7.1x", "(32%)", "Fed", "on hold", "株価", "·"]
    halves_seen = [
        [valuation_variants(None), cycle_variants(None)],
        [valuation_variants(None)],
    ]
    for _ in range(300):
        halves = [
            [
                [(" ".join(rng.sample(words, rng.randint(0, 4))), "") for _ in range(2)]
                for _ in range(rng.randint(1, 4))
            ]
            for _ in range(rng.randint(0, 3))
        ]
        halves_seen.append(halves)
    for halves in halves_seen:
        for width in (0, 1, 10, 25, 40, 60, 78, 120):
            for sep in (("  │  ", "dim"), (" | ", "dim")):
                assert fit_line(halves, width, sep) == _fit_line_by_joining(halves, width, sep)
