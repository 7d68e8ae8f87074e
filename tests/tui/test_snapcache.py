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


async def test_a_first_start_paints_the_prefetched_snapshot_then_starts_its_sources(
    tmp_path: Path,
) -> None:
    # tui.prefetch: another process writes the first snapshot into the (missing) cache while
    # the screen starts; the sources start only once it is painted.
    import threading

    first = demo_app("hard-landing")
    async with first.run_test(size=(80, 24)) as pilot:
        expected = await snapshot_on_screen(first)
        await pilot.press("q")
    cache = tmp_path / "cache" / "snapshot.json"
    release = threading.Event()

    def other_process() -> bool:
        release.wait(10)
        write_cached(expected, cache)
        return True

    app = demo_app("hard-landing", snapshot_cache=cache, first_paint=other_process)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.snapshot is None
        assert not app.feed.busy and app.feed.states()[0].last_success is None  # not started
        release.set()
        await wait_until(lambda: app.snapshot is not None)
        assert app.snapshot == expected and "showing the cached view" in status_text(app)
        assert await snapshot_on_screen(app) == expected  # then its own source's, the same
        await pilot.press("q")


async def test_a_first_start_whose_prefetch_failed_starts_its_sources(tmp_path: Path) -> None:
    cache = tmp_path / "snapshot.json"
    app = demo_app("calm", snapshot_cache=cache, first_paint=lambda: False)
    async with app.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(app)
        assert snapshot.spreads
        await pilot.press("q")


async def test_acknowledging_on_the_cached_view_takes_once_the_alerts_are_logged(
    tmp_path: Path,
) -> None:
    # `A` on the cached view: its alerts are not in the alert log yet (the source has not
    # answered); the acknowledgements are kept and logged after the first real snapshot.
    import threading

    from data_sources.demo import DemoSource
    from tests.tui.conftest import START
    from tui.config import Settings
    from tui.wiring import build_app

    first = demo_app("hard-landing")
    async with first.run_test(size=(80, 24)) as pilot:
        expected = await snapshot_on_screen(first)
        await pilot.press("q")
    assert len(expected.alerts) >= 2
    cache = tmp_path / "snapshot.json"
    write_cached(expected, cache)
    gate = threading.Event()

    def source() -> DemoSource:
        gate.wait(10)
        return DemoSource(seed=7, scenario="hard-landing", start=START)

    app = build_app(
        source, Settings(), kind="demo", db=tmp_path / "alerts.sqlite3", badge="DEMO",
        snapshot_cache=cache, clock=lambda: START, live_polling=False,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.snapshot is not None)
        assert app._cached_view and app.unacknowledged()
        # Log before show holds for the cached view too: its alerts are not in this (new)
        # log, so no row shows them; the pane says they are on their way.
        from textual.widgets import Static

        from widgets.alert_list import AlertTable

        quiet = app.dashboard.query_one("#quiet", Static)
        await wait_until(lambda: "being written to the alert log" in str(quiet.render()))
        assert not app.dashboard.query_one(AlertTable).rows
        await pilot.press("A")
        gate.set()
        await snapshot_on_screen(app)
        await wait_until(lambda: app.alerts is not None and bool(app.alerts.active()))
        await wait_until(lambda: all(e.acked for e in app.alerts.active()))  # type: ignore[union-attr]
        assert app.unacknowledged() == []
        await pilot.press("q")
