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
