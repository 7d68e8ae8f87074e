"""`rotmon screenshots`: SVGs of the dashboard for every demo scenario, deterministic for a seed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

SCENARIOS: tuple[str, ...] = ("rotation", "hard-landing", "oil-shock", "calm")
SIZES: tuple[tuple[int, int], ...] = ((160, 48), (80, 24))
FROZEN_AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
"""The demo's default start (Tuesday 24 November 2026, 10:30 in New York, market open)."""


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
        await app.wait_for_snapshot()
        await pilot.pause()
        svg = app.export_screenshot(title=f"rotmon · demo {scenario} · seed {seed}")
        await pilot.press("q")
    return svg


async def write_screenshots_async(
    directory: Path,
    seed: int = 7,
    scenarios: Sequence[str] = SCENARIOS,
    sizes: Sequence[tuple[int, int]] = SIZES,
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for scenario in scenarios:
        for size in sizes:
            svg = await render_dashboard(scenario, size, seed)
            path = directory / screenshot_name(scenario, size)
            path.write_text(svg, encoding="utf-8")
            written.append(path)
    return written


def write_screenshots(directory: Path, seed: int = 7) -> list[Path]:
    """Write the dashboard at 160x48 and 80x24 for each demo scenario; returns the files."""
    return asyncio.run(write_screenshots_async(Path(directory), seed))


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots")
    for written in write_screenshots(target):
        print(written)
