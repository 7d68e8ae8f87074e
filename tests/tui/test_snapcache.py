"""The snapshot cache: exact round trip, bad files ignored, the next start paints from it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import START, demo_app, status_text, wait_until
from tests.tui.test_feed_failures import SleepingSource
from tui.app import RotmonApp
from tui.snapcache import read_cached, snapshot_from_cache, snapshot_to_cache, write_cached
from widgets.spread_table import SpreadTable


async def test_round_trip_is_exact_and_the_next_start_paints_from_the_cache(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache" / "snapshot.json"
    first = demo_app("hard-landing", snapshot_cache=cache)
    async with first.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(first)
        await wait_until(cache.exists)
        await pilot.press("q")

    assert read_cached(cache) == snapshot  # every field, sparklines and alerts included

    # A source that never answers: what is on screen can only come from the cache.
    source = SleepingSource()
    second = RotmonApp(source, clock=lambda: START, snapshot_cache=cache, live_polling=False)
    async with second.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: second.snapshot is not None)
        table = second.dashboard.query_one(SpreadTable)
        iwm = next(r for r in snapshot.spreads if r.id == "IWM/SPY")
        assert table.get_cell("IWM/SPY", "1M").plain == f"{iwm.returns['1M'].spread_pp:+.2f}"
        # live (no badge): never answered, so connecting -- never "ok" (SPEC 8)
        assert "slow … connecting (showing the cached view)" in status_text(second)
        await pilot.press("q")


def test_unreadable_or_foreign_files_are_ignored(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    assert read_cached(missing) is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert read_cached(broken) is None
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"schema": "rotmon.snapshot/1", "spreads": []}))
    assert read_cached(foreign) is None


def test_write_is_atomic_and_json_has_no_nan(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from analytics.types import MacroRow, Snapshot

    snapshot = Snapshot(
        asof=datetime(2026, 11, 24, 15, 30, tzinfo=UTC),
        source="demo",
        spreads=(),
        heatmap=(),
        alerts=(),
        scores={"hard_landing": float("nan")},
        macro=(MacroRow("VIX", "VIX", None, None, unit="idx", spark=(1.0, float("nan"), 2.0)),),
    )
    path = tmp_path / "s.json"
    write_cached(snapshot, path)
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp file left behind
    doc = json.loads(path.read_text())
    assert doc["scores"] == {"hard_landing": None}  # unknown stays unknown, never NaN
    back = snapshot_from_cache(doc)
    assert back.macro[0].spark == (1.0, 2.0)
    assert snapshot_to_cache(back)["macro"][0]["value"] is None
