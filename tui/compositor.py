"""A compositor that renders only the lines a partial frame paints (issue 19, the idle tick).

Textual's ``Compositor._get_renders`` gives every widget whose clip overlaps the frame's crop
all of its visible lines: a widget directly on the screen (the header, the status bar, the
panes' containers) has the whole screen as its clip, so a frame that repaints the one-line
clock re-rendered every line of ~9 widgets from their caches (most of an idle dashboard's CPU:
two such frames a second). Here those widgets render only the lines the crop spans, and a frame
renders each run of the lines it paints on its own (the clock and the status line together are
two lines, not the screen between them): the same strips for those lines (a widget's lines do
not depend on which others are rendered with them). Columns are not cropped: the chops are cut
at the widgets' edges, which the crop's need not be.

tests/tui/test_compositor.py compares the frames with Textual's own, region by region.
It overrides two private methods of Textual 8.2: :func:`compositor` gives Textual's own
compositor when their signatures are not the ones it was written against (a newer Textual
that ``textual>=8.2,<9`` allows), so the dashboard only loses the saving, never its frames.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class LineCropCompositor(Compositor):
    """``Compositor`` whose partial frames render the crop's lines only."""

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
        for widget, (region, clip) in self.visible_widgets.items():
            if not overlaps(clip):
                continue
            clip = clip.intersection(band)
            x, y, width, height = region.intersection(clip)
            if width and height:
                yield (
                    region,
                    clip,
                    widget.render_lines(Region(x - region.x, y - region.y, width, height)),
                )


_EXPECTED = {
    "_render_chops": ["self", "crop", "is_rendered_line"],
    "_get_renders": ["self", "crop"],
}


def _fits(base: type[Compositor]) -> bool:
    """True when ``base`` has the private methods this subclass overrides, as written for."""
    try:
        return all(
            list(inspect.signature(getattr(base, name)).parameters) == params
            for name, params in _EXPECTED.items()
        )
    except (AttributeError, TypeError, ValueError):
        return False


def compositor() -> Compositor:
    """The dashboard's compositor: line-cropping where Textual's internals are the ones it was
    written against, Textual's own otherwise."""
    return LineCropCompositor() if _fits(Compositor) else Compositor()
