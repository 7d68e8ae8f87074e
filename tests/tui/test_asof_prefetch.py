"""As-of steps on a pack: after each step the app makes the next one the same way ahead (the
market and its snapshot, ``Feed.prefetch``), so the next key press only repaints. What is shown
is what computing the step's market gives; a step the other way, or a second source, computes
as before."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from analytics.snapshot import snapshot_to_dict
from analytics.types import Snapshot
from data_sources.model import MarketData
from data_sources.pack import PackSource
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import wait_until
from tui.app import RotmonApp
from tui.compute import snapshot_from_market
from tui.config import Settings
from tui.wiring import build_app

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def counted(app: RotmonApp) -> list[date]:
    """The days the feed computes snapshots of, in order."""
    days: list[date] = []
    compute = app.feed._compute

    def counting(market: MarketData) -> Snapshot:
        days.append(market.asof.date())
        return compute(market)

    app.feed._compute = counting
    return days


def shown(app: RotmonApp) -> dict[str, Any]:
    assert app.snapshot is not None
    doc = snapshot_to_dict(app.snapshot)
    doc.pop("sources")  # the health line's ages move with the clock
    return doc


def fresh(day: date) -> dict[str, Any]:
    doc = snapshot_to_dict(snapshot_from_market(PackSource(PACK, asof=day).market_data()))
    doc.pop("sources")
    return doc


def ahead_done(app: RotmonApp) -> bool:
    ahead = app.feed._slots[0].ahead
    return ahead is not None and ahead[1].done()


async def test_the_next_step_is_computed_ahead_and_shows_what_computing_it_gives(
    tmp_path: Path,
) -> None:
    app = build_app(
        PackSource(PACK, asof=date(2020, 3, 24)), Settings(), kind="pack",
        db=tmp_path / "p.sqlite3", badge="PACK", live_polling=False,
    )  # fmt: skip
    days = counted(app)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("less_than_sign")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 23)
        await wait_until(lambda: ahead_done(app))  # 2020-03-20 made while the user looks
        assert days[-1] == date(2020, 3, 20)
        made = len(days)
        applied = app.updates_applied
        await pilot.press("less_than_sign")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 20)
        assert app.updates_applied == applied + 1
        assert date(2020, 3, 20) not in days[made:]  # not computed again: taken over
        assert shown(app) == fresh(date(2020, 3, 20))
        # back to the day shown before: its snapshot is known, not computed again
        await wait_until(lambda: ahead_done(app))
        assert days[-1] == date(2020, 3, 19)
        await pilot.press("greater_than_sign")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 23)
        assert days.count(date(2020, 3, 23)) == 1
        assert shown(app) == fresh(date(2020, 3, 23))
        await wait_until(lambda: ahead_done(app))  # 2020-03-24 made ahead
        await pilot.press("less_than_sign")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 20)
        assert days.count(date(2020, 3, 20)) == 1
        assert shown(app) == fresh(date(2020, 3, 20))
        # a week at once, made ahead too; a step to a day neither made ahead nor shown before
        # is computed as before
        await pilot.press("right_curly_bracket")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 27)
        assert days.count(date(2020, 3, 27)) == 1
        assert shown(app) == fresh(date(2020, 3, 27))
        await wait_until(lambda: ahead_done(app))
        await pilot.press("right_curly_bracket")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 3)
        assert days.count(date(2020, 4, 3)) == 1
        assert shown(app) == fresh(date(2020, 4, 3))


async def test_quick_steps_show_each_day_as_computing_it_gives(tmp_path: Path) -> None:
    """Keys faster than the wait before a step is made ahead: nothing is made ahead, and a
    step during a compute made ahead takes it over or computes its own."""
    app = build_app(
        PackSource(PACK, asof=date(2020, 3, 24)), Settings(), kind="pack",
        db=tmp_path / "p.sqlite3", badge="PACK", live_polling=False,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        for _ in range(4):
            await pilot.press("less_than_sign")
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 18)
        await wait_until(lambda: not app.feed.busy)
        assert shown(app) == fresh(date(2020, 3, 18))
        for wait in (0.05, 0.09, 0.1, 0.12):
            await pilot.press("less_than_sign")
            await pilot.pause(wait)
        await wait_until(lambda: app.snapshot is not None and app.snapshot.asof.day == 12)
        await wait_until(lambda: not app.feed.busy)
        assert shown(app) == fresh(date(2020, 3, 12))
