"""The screens' compositors: every layout repaints what changed since the last one laid out,
and the dashboard's partial frames render only the lines they paint.

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

:class:`LineCropCompositor` (the dashboard's, issue 19, the idle tick): Textual's
``Compositor._get_renders`` gives every widget whose clip overlaps the frame's crop all of its
visible lines: a widget directly on the screen (the header, the status bar, the panes'
containers) has the whole screen as its clip, so a frame that repaints the one-line clock
re-rendered every line of ~9 widgets from their caches (most of an idle dashboard's CPU). Here
those widgets render only the lines the crop spans, and a frame renders each run of the lines
it paints on its own (the clock and the status line together are two lines, not the screen
between them): the same strips for those lines (a widget's lines do not depend on which others
are rendered with them). Columns are not cropped: the chops are cut at the widgets' edges,
which the crop's need not be. It overrides two more private methods of Textual 8.2;
:func:`compositor` gives the screen's usual compositor when their signatures differ. (It was
removed once, at 3456fc8, for the stale toast above, which it made more frequent: the cause
was the layout's diff, fixed here.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence

import textual.screen
from textual._compositor import ChopsUpdate, Compositor, CompositorMap, ReflowResult
from textual.geometry import Region, Size
from textual.strip import Strip
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


def _signatures_match(base: type[Compositor], expected: Mapping[str, list[str]]) -> bool:
    """True when ``base``'s methods named in ``expected`` take those parameters."""
    try:
        return all(
            list(inspect.signature(getattr(base, name)).parameters) == params
            for name, params in expected.items()
        )
    except (AttributeError, TypeError, ValueError):
        return False


def _fits(base: type[Compositor]) -> bool:
    """True when ``base`` has the methods and attributes this subclass relies on."""
    if not _signatures_match(base, _EXPECTED):
        return False
    try:
        probe = base()
    except TypeError:
        return False
    return isinstance(getattr(probe, "_full_map", None), dict) and hasattr(probe, "_visible_map")


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


class LineCropCompositor(LaidOutCompositor):
    """``Compositor`` whose partial frames render the crop's lines only, and of those lines
    only the widgets that reach a cell the frame paints."""

    _paints: tuple[Region, ...] | None = None
    """While a partial frame renders: the cells it paints, a region a span."""

    def render_partial_update(self) -> ChopsUpdate | None:
        """Textual's, with the widgets that reach none of the spans it paints left out.

        A partial frame writes only its spans (``ChopsUpdate``): a chop is written when it
        overlaps a span; one that starts exactly at a span's end is written as a bare cursor
        move, whatever strip fills it, and an empty chop (no widget covers it) not at all. A
        chop is filled by the first widget in painting order whose strips cover it, so a
        widget that reaches no span fills only chops whose text is not written. The screen
        reaches every span (it is as large as the frame), so it is always rendered and fills
        every chop no other widget does: none is left empty that Textual would have filled,
        and the bytes are the same. The once-a-second frame of the clock and the status ages
        no longer renders the header's indices, badge and market state or the status bar's
        key hints and gap from their caches (issue 19)."""
        screen_region = self.size.region
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(update_regions).intersection(screen_region)
        spans = list(self._regions_to_spans(update_regions))
        is_rendered_line = {y for y, _, _ in spans}.__contains__
        self._paints = tuple(Region(x1, y, x2 - x1, 1) for y, x1, x2 in spans)
        try:
            chops = self._render_chops(crop, is_rendered_line)
        finally:
            self._paints = None
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        """Each run of consecutive painted lines rendered on its own: a frame that repaints
        the clock and the status line, or rows of three panes, renders those lines only, not
        everything in the box around them."""
        lines = [y for y in range(crop.y, crop.bottom) if is_rendered_line(y)]
        if not lines or len(lines) == crop.height:
            return super()._render_chops(crop, is_rendered_line)
        runs: list[list[int]] = [[lines[0], lines[0] + 1]]
        for y in lines[1:]:
            if y == runs[-1][1]:
                runs[-1][1] = y + 1
            else:
                runs.append([y, y + 1])
        chops: list[Mapping[int, Strip]] | None = None
        for top, bottom in runs:
            part = super()._render_chops(
                Region(crop.x, top, crop.width, bottom - top), is_rendered_line
            )
            if chops is None:
                chops = list(part)
            else:
                chops[top:bottom] = part[top:bottom]
        assert chops is not None
        return chops

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        # The crop's lines across the whole screen (and any widget wider than it).
        left = min(0, crop.x)
        band = Region(left, crop.y, max(self.size.width, crop.right) - left, crop.height)
        overlaps = crop.overlaps
        paints = self._paints
        if paints is not None:
            # Only the spans of these lines: the frame may render its runs of lines apart.
            paints = tuple(p for p in paints if crop.y <= p.y < crop.bottom)
        for widget, (region, clip) in self.visible_widgets.items():
            if not overlaps(clip):
                continue
            clip = clip.intersection(band)
            shown = region.intersection(clip)
            x, y, width, height = shown
            if paints is not None and not any(map(shown.overlaps, paints)):
                continue
            if width and height:
                yield (
                    region,
                    clip,
                    widget.render_lines(Region(x - region.x, y - region.y, width, height)),
                )


_CROP_EXPECTED = {
    "render_partial_update": ["self"],
    "_render_chops": ["self", "crop", "is_rendered_line"],
    "_get_renders": ["self", "crop"],
}


def _crop_fits(base: type[Compositor]) -> bool:
    """True when ``base`` has the private methods the line-cropping subclass overrides, as
    written for."""
    return _signatures_match(base, _CROP_EXPECTED)


def compositor() -> Compositor:
    """The dashboard's compositor: line-cropping where Textual's internals are the ones it was
    written against, Textual's own otherwise."""
    if _crop_fits(Compositor) and _fits(Compositor):
        return LineCropCompositor()
    return textual.screen.Compositor()
