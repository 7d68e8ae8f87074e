"""Every screen's compositor diffs a new layout against the layout it last painted.

Textual 8.2's ``Compositor.reflow`` finds what to repaint by comparing the new arrangement with
``_full_map``. But ``_full_map`` is also the lazily rebuilt map behind ``find_widget``: once a
refresh of a widget that is not on screen (a pane hidden at 80x24, say) has marked the map
stale, the next ``widget.region`` rebuilds it from the DOM as it is *then*. When that happens
between a change and its layout (removing a toast runs ``parent.refresh(layout=True)``, which
reads a region), the layout compares the new arrangement with itself: nothing is repainted,
and the removed toast's cells stay on the terminal over the rows beneath it (a stale screen,
found by tests/e2e/test_pty_sizes.py failing in about 1 run of 4 on a loaded box).

:class:`LaidOutCompositor` keeps the map of the last layout (a full one, with the scroll-only
layouts since merged in) and has ``reflow`` compare with that. It overrides two methods of
Textual 8.2; :func:`install` puts it under every screen only when their signatures are the ones
it was written against (a newer Textual that ``textual>=8.2,<9`` allows keeps its own).
tests/tui/test_compositor.py feeds every frame into a terminal emulator and compares it with
the screen.
"""

from __future__ import annotations

import inspect

import textual.screen
from textual._compositor import Compositor, CompositorMap, ReflowResult
from textual.geometry import Size
from textual.widget import Widget


class LaidOutCompositor(Compositor):
    """``Compositor`` whose layouts repaint what changed since the last one it laid out."""

    def __init__(self) -> None:
        super().__init__()
        self._laid_out: CompositorMap = {}

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        # Textual's reflow diffs against ``_full_map``: give it the last laid-out map, not one
        # ``find_widget`` may have rebuilt since from a DOM that had already changed.
        self._full_map = self._laid_out
        result = super().reflow(parent, size)
        self._laid_out = self._full_map
        return result

    def reflow_visible(self, parent: Widget, size: Size) -> set[Widget]:
        exposed = super().reflow_visible(parent, size)
        if self._visible_map:
            # Scrolled widgets are painted where the visible map has them now.
            self._laid_out = {**self._laid_out, **self._visible_map}
        return exposed


_EXPECTED = {
    "reflow": ["self", "parent", "size"],
    "reflow_visible": ["self", "parent", "size"],
}


def _fits(base: type[Compositor]) -> bool:
    """True when ``base`` has the methods and attributes this subclass relies on."""
    try:
        probe = base()
        return (
            all(
                list(inspect.signature(getattr(base, name)).parameters) == params
                for name, params in _EXPECTED.items()
            )
            and isinstance(probe._full_map, dict)
            and hasattr(probe, "_visible_map")
        )
    except (AttributeError, TypeError, ValueError):
        return False


def install() -> bool:
    """Screens made from now on lay out with :class:`LaidOutCompositor` (Textual's ``Screen``
    makes its compositor from the name ``Compositor`` in ``textual.screen``); returns whether
    it is installed."""
    current = textual.screen.Compositor
    if current is LaidOutCompositor:
        return True
    if current is not Compositor or not _fits(Compositor):
        return False
    textual.screen.Compositor = LaidOutCompositor  # type: ignore[misc]
    return True
