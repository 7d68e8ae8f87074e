"""`rotmon screenshots`: SVGs of the dashboard for every demo scenario and of each drill-down
screen, deterministic for a seed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.health import SourceHealth
from data_sources.aio import within
from data_sources.model import MarketData, SourceKind

if TYPE_CHECKING:
    import pandas as pd

    from analytics.types import Snapshot
    from tui.app import RotmonApp

SCENARIOS: tuple[str, ...] = ("rotation", "hard-landing", "oil-shock", "calm")
SIZES: tuple[tuple[int, int], ...] = ((160, 48), (80, 24))
DASHBOARD_SIZES: tuple[tuple[int, int], ...] = ((200, 60), (160, 48), (120, 40), (80, 24))
"""The dashboard also at 200x60, where it adds the headline ratio chart and the alert log, and
at 120x40, stacked (the spreads and the risk list across the terminal)."""
FROZEN_AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
"""The demo's default start (Tuesday 24 November 2026, 10:30 in New York, market open)."""


async def on_screen(app: RotmonApp, timeout: float = 30.0) -> Snapshot:
    """The snapshot on screen once the view has settled (``RotmonApp.is_settled``): it listens
    for the app's settled view rather than polling it. TimeoutError after ``timeout`` seconds."""
    snapshot = app.snapshot
    if app.is_settled and snapshot is not None:
        return snapshot
    settled: asyncio.Future[Snapshot] = asyncio.get_running_loop().create_future()

    def listener(snapshot: Snapshot) -> None:
        if not settled.done():
            settled.set_result(snapshot)

    app.settled_listeners.append(listener)
    try:
        return await within(settled, timeout)
    except TimeoutError:
        raise TimeoutError(f"no settled snapshot on screen after {timeout:g}s") from None
    finally:
        app.settled_listeners.remove(listener)


def screenshot_name(scenario: str, size: tuple[int, int]) -> str:
    return f"dashboard-{scenario}-{size[0]}x{size[1]}.svg"


async def render_dashboard(
    scenario: str, size: tuple[int, int], seed: int = 7, at: datetime = FROZEN_AT
) -> str:
    """The dashboard on the demo market at ``at`` as SVG text (polling once, clock frozen)."""
    from data_sources.demo import DemoSource
    from tui.app import RotmonApp

    app = RotmonApp(
        DemoSource(seed=seed, scenario=scenario, start=at),
        clock=lambda: at,
        live_polling=False,
        badge="DEMO",
    )
    async with app.run_test(size=size) as pilot:
        await on_screen(app)
        await pilot.pause()
        svg = app.export_screenshot(title=f"rotmon · demo {scenario} · seed {seed}")
        await pilot.press("q")
    return svg


SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (name, scenario, keys pressed on the dashboard to reach the screen)
    ("pair", "rotation", ("1", "enter")),
    ("sector", "rotation", ("2", "enter")),
    ("symbol", "rotation", ("2", "enter", "enter")),
    ("alert", "hard-landing", ("3", "enter")),
    ("help", "rotation", ("question_mark",)),
    ("diagnostics", "rotation", ("D",)),
    ("valuation", "rotation", ("v",)),
    ("cycle", "rotation", ("c",)),
    ("history", "hard-landing", ("H",)),
    ("series", "hard-landing", ("4", "G", "k", "k", "k", "k", "enter")),
    ("jump", "rotation", ("colon", "e", "n", "e", "r", "g", "y")),
)
"""The screens behind the dashboard, as a user reaches them."""


async def render_screen(
    name: str,
    scenario: str,
    keys: Sequence[str],
    size: tuple[int, int],
    seed: int = 7,
    at: datetime = FROZEN_AT,
) -> str:
    """A screen of the fully wired app (drill-downs, alert log in a scratch store) as SVG."""
    import tempfile

    from data_sources.demo import DemoSource
    from tui.config import Settings
    from tui.wiring import build_app

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            DemoSource(seed=seed, scenario=scenario, start=at),
            Settings(export_dir=Path(tmp), bell=False),
            kind="demo",
            db=Path(tmp) / "alerts.sqlite3",
            badge="DEMO",
            clock=lambda: at,
            live_polling=False,
        )
        async with app.run_test(size=size) as pilot:
            await on_screen(app)
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await _settle(app)
            app.clear_notifications()
            await pilot.pause()
            svg = app.export_screenshot(title=f"rotmon · {name} · demo {scenario} · seed {seed}")
            await pilot.press("escape")
    return svg


class OfflineLive:
    """What the live source answers with no network: no data, each sub-source failing (the
    LiveSource's own answer at the MarketData boundary, without its timing and port numbers),
    so the gallery shows an offline start on any machine, online or not."""

    name = "live"
    kind: SourceKind = "live"

    async def fetch(self, now: datetime) -> MarketData:
        return MarketData(source="live", asof=now, statuses=self.status())

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        return None

    def status(self) -> tuple[SourceHealth, ...]:
        down = "network is unreachable"
        return tuple(SourceHealth(n, "failing", error=down) for n in ("yahoo", "fred"))

    async def aclose(self) -> None:
        return None


async def render_offline(size: tuple[int, int], at: datetime = FROZEN_AT) -> str:
    """The dashboard of a live start with no network: n/a everywhere, "no data" gauges."""
    from tui.app import RotmonApp

    app = RotmonApp(OfflineLive(), clock=lambda: at, live_polling=False)
    return await _dashboard_svg(app, "rotmon · live, offline", size)


async def render_partial_pack(
    size: tuple[int, int], seed: int = 7, at: datetime = FROZEN_AT
) -> str:
    """A pack written from the demo market and broken on purpose, read by the real loader: no
    VIX at all (an unknown rule) and XLE ending three months early (Energy n/a, with why)."""
    import tempfile

    from data_sources.demo import DemoSource
    from data_sources.pack import PackSource
    from data_sources.packwrite import write_pack
    from tui.app import RotmonApp

    market = await DemoSource(seed=seed, scenario="rotation", start=at).fetch(at)
    prices = {s: p for s, p in market.prices.items() if s != "^VIX"}
    prices["XLE"] = prices["XLE"].iloc[:-63]
    macro = {k: m.values for k, m in market.macro.items() if k != "VIXCLS"}
    with tempfile.TemporaryDirectory() as tmp:
        write_pack(tmp, prices, macro)
        app = RotmonApp(PackSource(tmp), clock=lambda: at, live_polling=False, badge="PACK")
        return await _dashboard_svg(app, "rotmon · a partial pack (no VIX, XLE ends early)", size)


async def _dashboard_svg(app: RotmonApp, title: str, size: tuple[int, int] = (160, 48)) -> str:
    async with app.run_test(size=size) as pilot:
        await on_screen(app)
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        svg = app.export_screenshot(title=title)
        await pilot.press("q")
    return svg


async def _settle(app: RotmonApp, timeout: float = 10.0) -> None:
    """Wait for the screen's background work (bars, charts) to finish, then for the settled
    view (the charts' pictures are drawn a frame after the screen's first paint)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await asyncio.sleep(0.2)
        busy = [w for w in app.workers if w.is_running]
        if not busy:
            break
    await asyncio.sleep(0.3)
    await on_screen(app, max(deadline - loop.time(), 1.0))


async def write_screenshots_async(
    directory: Path,
    seed: int = 7,
    scenarios: Sequence[str] = SCENARIOS,
    sizes: Sequence[tuple[int, int]] = SIZES,
    drill: bool = True,
    dashboard_sizes: Sequence[tuple[int, int]] | None = None,
) -> list[Path]:
    """The dashboard at ``dashboard_sizes`` (default: DASHBOARD_SIZES when ``sizes`` is the
    default, else ``sizes``) and each drill-down screen at ``sizes``."""
    if dashboard_sizes is None:
        dashboard_sizes = DASHBOARD_SIZES if sizes == SIZES else sizes
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for scenario in scenarios:
        for size in dashboard_sizes:
            svg = await render_dashboard(scenario, size, seed)
            path = directory / screenshot_name(scenario, size)
            path.write_text(svg, encoding="utf-8")
            written.append(path)
    for size in sizes:  # what the user sees on a bad day: a broken pack, no network
        for name, render in (("partial-pack", render_partial_pack), ("offline", render_offline)):
            svg = await render(size)
            path = directory / f"dashboard-{name}-{size[0]}x{size[1]}.svg"
            path.write_text(svg, encoding="utf-8")
            written.append(path)
    if drill:
        for name, scenario, keys in SCREENS:
            for size in sizes:
                svg = await render_screen(name, scenario, keys, size, seed)
                path = directory / f"{name}-{size[0]}x{size[1]}.svg"
                path.write_text(svg, encoding="utf-8")
                written.append(path)
    return written


def write_screenshots(directory: Path, seed: int = 7) -> list[Path]:
    """Write the dashboard at 200x60, 160x48, 120x40 and 80x24 for each demo scenario (the
    drill-down screens at 160x48 and 80x24); returns the files."""
    return asyncio.run(write_screenshots_async(Path(directory), seed))


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots")
    for written in write_screenshots(target):
        print(written)
