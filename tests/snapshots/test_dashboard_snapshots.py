"""Snapshot tests of the dashboard (pytest-textual-snapshot): demo market, frozen clock, no polling.

Regenerate after an intended change with ``pytest tests/snapshots --snapshot-update`` and look at
the report before committing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.support.screen import snapshot_on_screen
from tui.app import RotmonApp
from tui.screenshots import OfflineLive

FROZEN_AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 10:30 in New York, market open


def _app(scenario: str) -> RotmonApp:
    from data_sources.demo import DemoSource

    return RotmonApp(
        DemoSource(seed=7, scenario=scenario, start=FROZEN_AT),
        clock=lambda: FROZEN_AT,
        live_polling=False,
        badge="DEMO",
    )


async def _settle(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, RotmonApp)
    await snapshot_on_screen(app)
    await pilot.pause()


@pytest.mark.parametrize("scenario", ["rotation", "hard-landing"])
@pytest.mark.parametrize(
    "size", [(80, 24), (160, 48), (200, 60)], ids=["80x24", "160x48", "200x60"]
)
def test_dashboard(snap_compare: Callable[..., bool], scenario: str, size: tuple[int, int]) -> None:
    assert snap_compare(_app(scenario), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(120, 40), (300, 80)], ids=["120x40", "300x80"])
def test_dashboard_stacked_and_largest(
    snap_compare: Callable[..., bool], size: tuple[int, int]
) -> None:
    """Issue 16's other layouts: stacked at 120x40 (the spreads and the risk list across the
    terminal, every column whole), and the wide one at its largest."""
    assert snap_compare(_app("hard-landing"), terminal_size=size, run_before=_settle)


# -- issue 13: never a confident picture without the data ----------------------------------


PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def _partial_pack(root: Path) -> Path:
    """pack_small broken on purpose: no VIX at all, and XLE cut at 2020-06-30 (stale at the
    pack's as-of, 2020-12-11): VIX is an unknown rule, Energy n/a with its reason."""
    pack = root / "pack"
    shutil.copytree(PACK, pack)
    (pack / "prices" / "^VIX.csv").unlink()
    (pack / "macro" / "VIXCLS.csv").unlink()
    xle = pack / "prices" / "XLE.csv"
    lines = xle.read_text().splitlines()
    kept = [ln for ln in lines if not ln[:1].isdigit() or ln[:10] <= "2020-06-30"]
    xle.write_text("\n".join(kept) + "\n")
    return pack


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_partial_pack(
    snap_compare: Callable[..., bool], size: tuple[int, int], tmp_path: Path
) -> None:
    from data_sources.pack import PackSource

    app = RotmonApp(
        PackSource(_partial_pack(tmp_path)),
        clock=lambda: FROZEN_AT,
        live_polling=False,
        badge="PACK",
    )
    assert snap_compare(app, terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_offline_start(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    app = RotmonApp(OfflineLive(), clock=lambda: FROZEN_AT, live_polling=False)
    assert snap_compare(app, terminal_size=size, run_before=_settle)
