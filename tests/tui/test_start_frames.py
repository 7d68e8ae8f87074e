"""Issue 19, later start: no frame of the dashboard is rendered only to be dropped.

The app's start runs ``on_mount`` inside a batch update and pushes the dashboard from there;
Textual rendered the screen's first frame in full while that batch held and ``App._display``
then dropped it (~35 ms at 160x48 before the first row). The screen now keeps its dirty
regions until the batch is over, and the first frame it renders is the one the terminal gets,
drawn as soon as the batch is over (not at the screen's update timer's next tick, up to 1/60 s
later), and drawn once (a second full frame after it was ~28 KB more to the terminal).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual._compositor import Compositor, LayoutUpdate

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app
from tui.screens.dashboard import DashboardScreen


@pytest.mark.parametrize("size", [(160, 48), (200, 60), (100, 30)])
async def test_no_frame_is_rendered_inside_the_start_batch(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    app = demo_app("rotation")
    frames: list[tuple[int, bool]] = []  # (the app's batch depth, a full frame)
    original = Compositor.render_update

    def recording(self: Compositor, *args: Any, **kwargs: Any) -> Any:
        update = original(self, *args, **kwargs)
        if isinstance(app.screen, DashboardScreen):
            frames.append((app._batch_count, isinstance(update, LayoutUpdate)))
        return update

    monkeypatch.setattr(Compositor, "render_update", recording)
    async with app.run_test(size=size) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        assert frames, "the dashboard was never rendered"
        assert all(depth == 0 for depth, _full in frames), frames
        # The regions dirtied inside the batch are not lost: the first frame is a full one.
        assert frames[0][1], frames


async def test_the_held_frame_is_drawn_once_when_the_batch_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = demo_app("rotation")
    drawing: list[bool] = [False]
    frames: list[tuple[bool, bool]] = []  # (drawn by the batch's end, a full frame)
    original = Compositor.render_update
    held = DashboardScreen._draw_held_frame

    def recording(self: Compositor, *args: Any, **kwargs: Any) -> Any:
        update = original(self, *args, **kwargs)
        if isinstance(app.screen, DashboardScreen) and update is not None:
            frames.append((drawing[0], isinstance(update, LayoutUpdate)))
        return update

    def draw_held(screen: DashboardScreen) -> None:
        drawing[0] = True
        try:
            held(screen)
        finally:
            drawing[0] = False

    monkeypatch.setattr(Compositor, "render_update", recording)
    monkeypatch.setattr(DashboardScreen, "_draw_held_frame", draw_held)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        assert frames[0] == (True, True), frames  # full, and at the batch's end
        assert sum(by_end for by_end, _full in frames) == 1, frames


async def test_without_the_private_names_the_first_frame_is_textuals_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another Textual (other private names): nothing is held, the dashboard paints as
    Textual paints it."""
    import tui.screens.dashboard as dashboard

    held: list[bool] = []
    monkeypatch.setattr(dashboard, "_has_held_frame_internals", lambda screen: False)
    monkeypatch.setattr(DashboardScreen, "_draw_held_frame", lambda screen: held.append(True))
    app = demo_app("rotation")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        assert not held
        assert "IWM/SPY" in "\n".join(line.text for line in app.screen._compositor.render_strips())
