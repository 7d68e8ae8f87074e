"""Every screen from 80x24 to 300x80, the too-small notice below that, and a resize storm
(SPEC 10; issue 9). Resizing basics of the dashboard alone are in test_dashboard_keys."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from textual import events
from textual.containers import Grid
from textual.geometry import Size

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.hardening_helpers import (
    SCREEN_MARKERS,
    open_screen,
    painted,
    sideways,
    wired_demo,
)
from tui.app import RotmonApp
from tui.screens.dashboard import DashboardScreen, Pane

TOO_SMALL = [(79, 24), (80, 23), (40, 10)]


async def _resize(pilot: object, app: RotmonApp, width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)  # type: ignore[attr-defined]
    await wait_until(lambda: app.screen.size == Size(width, height))
    await pilot.pause()  # type: ignore[attr-defined]


def _check_usable(app: RotmonApp, size: tuple[int, int]) -> None:
    name = type(app.screen).__name__
    text = painted(app)
    lines = text.split("\n")
    assert (len(lines[0]), len(lines)) == size, (name, size)
    assert "Terminal too small" not in text, (name, size)
    for word in SCREEN_MARKERS[name]:
        assert word in text, (name, size, word, text)
    if size[0] >= 120:  # issue 16: from 120 columns nothing scrolls sideways
        assert sideways(app) == [], (name, size)


def _check_too_small(app: RotmonApp, size: tuple[int, int]) -> None:
    name = type(app.screen).__name__
    text = painted(app)
    flat = " ".join(text.split())
    assert f"Terminal too small ({size[0]}×{size[1]})" in flat, (name, size, text)
    notice = f"Terminal too small ({size[0]}×{size[1]}): rotmon needs 80×24 · q quits"
    assert notice in flat
    if size[0] >= len(notice) + 2:
        assert notice in text.split("\n")[0]  # one line, at the top
    # nothing of the broken layout shows next to the notice
    for word in SCREEN_MARKERS[name]:
        assert word not in flat.replace(notice, ""), (name, size, word)


async def test_every_screen_is_usable_from_80x24_to_300x80_and_says_too_small_below(
    tmp_path: Path,
) -> None:
    app = wired_demo(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        openers = [
            ("DashboardScreen", None),
            ("PairScreen", ("pair", "IWM/SPY")),
            ("SectorScreen", ("sector", "Energy")),
            ("SymbolScreen", ("symbol", "IWM")),
            ("AlertScreen", ("alert", "vix")),
            ("HelpScreen", "question_mark"),
            ("DiagnosticsScreen", "D"),
            ("ValuationScreen", "v"),
            ("CycleScreen", "c"),
            ("SeriesScreen", ("macro", "VIX")),
            ("HistoryScreen", "H"),
            ("SymbolJump", "colon"),
        ]
        seen: list[str] = []
        for name, how in openers:
            if isinstance(how, tuple):
                await open_screen(app, *how)
            elif isinstance(how, str):
                await pilot.press(how)
                await wait_until(lambda n=name: type(app.screen).__name__ == n)
            assert type(app.screen).__name__ == name
            # 80x24, 120x40, 160x48 and 300x80 on every screen; the too-small sizes in turn
            small = TOO_SMALL[len(seen) % len(TOO_SMALL)]
            seen.append(name)
            for size in [(300, 80), (160, 48), (120, 40), small, (80, 24)]:
                await _resize(pilot, app, *size)
                if size == small:
                    _check_too_small(app, size)
                else:
                    words = SCREEN_MARKERS[name]
                    await wait_until(lambda w=words: all(x in painted(app) for x in w))
                    _check_usable(app, size)
            if name != "DashboardScreen":
                await _resize(pilot, app, 80, 24)
                await pilot.press("escape")
                await wait_until(lambda: isinstance(app.screen, DashboardScreen))
        await _resize(pilot, app, 60, 20)
        await pilot.press("q")  # the notice says q quits: it does
    assert app.return_code == 0


def _expected_layout(width: int, height: int) -> str:
    if width < 80 or height < 24:
        return "tiny"
    if width >= 200 and height >= 60:
        return "wide"  # the grid plus the ratio chart and the alert log
    return "grid" if width >= 120 else "narrow"


def _check_dashboard(app: RotmonApp, size: tuple[int, int]) -> None:
    screen = app.dashboard
    layout = _expected_layout(*size)
    assert screen.has_class("-tiny") is (layout == "tiny"), size
    assert screen.has_class("-narrow") is (layout == "narrow"), size
    assert screen.query_one("#too-small").display is (layout == "tiny")
    assert screen.query_one(Grid).display is (layout != "tiny")
    shown = [p.id for p in screen.query(Pane) if p.display]
    expected = {
        "tiny": 4,  # the grid itself is hidden
        "narrow": 1,
        "grid": 4,
        "wide": 6,
    }[layout]
    assert len(shown) == expected, (size, shown)
    text = painted(app)
    lines = text.split("\n")
    assert (len(lines[0]), len(lines)) == size
    if layout == "tiny":
        flat = " ".join(text.split())
        assert f"Terminal too small ({size[0]}×{size[1]})" in flat and "IWM/SPY" not in text
    else:
        assert "Terminal too small" not in text and "RUT" in text and "q quit" in text
        titles = ["1 Spreads", "2 Sectors", "3 Risk", "4 Macro"]
        for i, title in enumerate(titles):
            # the pane's border title; the tab strip of the narrow layout names all four
            shown_all = layout in ("grid", "wide")
            assert (f"─ {title}" in text) is (shown_all or screen.active_pane == i)
        assert ("IWM/SPY" in text) is (layout in ("grid", "wide") or screen.active_pane == 0)
        assert [p.id for p in screen.query(Pane) if p.has_class("-active")] == [
            f"pane-{k}" for k in ("spreads", "sectors", "risk", "macro")
        ][screen.active_pane : screen.active_pane + 1]


async def test_a_resize_storm_on_a_live_feed_leaves_the_layout_of_the_last_size(
    tmp_path: Path,
) -> None:
    from data_sources.demo import DemoSource
    from tests.tui.conftest import START

    # A moving market (10 demo minutes a second, polled 5x a second) while the size changes.
    source = DemoSource(seed=7, scenario="hard-landing", speed=600.0, start=START)
    app = wired_demo(tmp_path, source=source, clock=None, live_polling=True, poll_interval=0.2)
    rng = random.Random(9)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        polls = app.feed.states()[0].requests
        sizes = [(rng.randint(30, 300), rng.randint(8, 80)) for _ in range(60)]
        sizes[10:14] = [(79, 24), (80, 23), (80, 24), (20, 5)]
        for i, (w, h) in enumerate(sizes):
            app.post_message(events.Resize(Size(w, h), Size(w, h)))
            if i % 10 == 5:
                await pilot.press(str(1 + i % 4))  # keys keep working in the storm
            await asyncio.sleep(rng.uniform(0.0, 0.02))  # as fast as the app takes them
        final = (97, 31)
        await _resize(pilot, app, *final)
        await wait_until(lambda: app.feed.states()[0].requests > polls + 3, 10)  # still polling
        _check_dashboard(app, final)
        for size in [(300, 80), (80, 24), (20, 5), (120, 24)]:
            await _resize(pilot, app, *size)
            _check_dashboard(app, size)
        await pilot.press("q")
    assert app.return_code == 0
