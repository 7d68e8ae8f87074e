"""Issue 19, later start: the dashboard is styled once as it starts, and styled right.

The start skips three rounds of Textual's styling that only repeated work: the ``refresh_css``
that setting the theme in ``RotmonApp.__init__`` queued (a re-parse and restyle of everything
mounted), the restyle of the whole screen on its first ``ScreenResume``, and the switch to the
terminal's layout (classes, pane order) once mounted. These tests check that nothing is left
styled stale by that: every node's styles after the start equal those a full restyle gives,
at every layout, and a theme set at start equals the same theme set while running.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.dom import DOMNode

from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import demo_app
from tui.screens.dashboard import DashboardScreen
from tui.themes import THEMES

SIZES = [(60, 20), (100, 30), (120, 24), (120, 40), (160, 48), (200, 60)]
"""Too small, narrow (one pane), stacked short of room (the risk pane tight) and not, the 2x2
grid, wide (chart and alert log)."""


def _styles(screen: DOMNode) -> dict[str, Any]:
    """Every node's computed (stylesheet) rules and classes, by its place in the tree."""
    found: dict[str, Any] = {}
    for node in screen.walk_children(with_self=True):
        path = "/".join(
            f"{type(n).__name__}#{n.id}" for n in reversed([node, *node.ancestors]) if n.id
        )
        key = f"{path}@{len(found)}"
        found[key] = (sorted(node.classes), node._css_styles.get_rules())
    return found


@pytest.mark.parametrize("scenario", ["rotation", "hard-landing"])  # quiet, and alerts
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_started_styles_equal_a_full_restyle(size: tuple[int, int], scenario: str) -> None:
    app = demo_app(scenario)
    async with app.run_test(size=size) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        started = _styles(screen)
        app.stylesheet.update(screen, animate=False)  # what Textual's resume restyle did
        await pilot.pause()
        assert _styles(screen) == started


async def test_the_start_queues_no_css_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    original = App.refresh_css

    def counting(self: App[Any], animate: bool = True) -> None:
        calls.append(self)
        original(self, animate)

    monkeypatch.setattr(App, "refresh_css", counting)
    app = demo_app("rotation", theme="rotmon-light")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        assert calls == []
        app.action_cycle_theme()  # a theme change while running still refreshes
        await pilot.pause()
        assert len(calls) == 1


@pytest.mark.parametrize("theme", [t.name for t in THEMES])
async def test_a_theme_set_at_start_equals_it_set_while_running(theme: str) -> None:
    """The variables, classes and the colours painted of a theme given to the app equal those
    of the same theme chosen while the app runs (Textual's own theme watcher)."""
    ansi = "ansi" in theme
    app = demo_app("rotation", theme=theme, ansi=ansi)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.pause()
        assert app.theme == theme
        assert app.stylesheet._variables == app.get_css_variables()
        at_start = (sorted(app.classes), _styles(app.screen), app.export_screenshot())
        other = next(t.name for t in THEMES if t.name != theme and ("ansi" in t.name) == ansi)
        app.theme = other
        await pilot.pause()
        app.theme = theme
        await pilot.pause()
        await pilot.pause()
        assert (sorted(app.classes), _styles(app.screen), app.export_screenshot()) == at_start
