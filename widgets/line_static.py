"""A one-line ``Static`` for text that ticks (the header clock, the status bar's ages).

Textual draws a ``Static`` by turning its Rich ``Text`` into ``Content`` and laying that out into
segments (~0.4 ms a line, every second). When a new text has the shape of the one last drawn --
the same length, the same spans and styles, only single-cell characters, nothing cropped -- and
the widget's size, style and selection are the same, the layout comes out the same and only the
characters differ: ``LineStatic`` then puts the new characters into the segments it last drew
and skips ``visualize`` and the layout. Anything else takes Textual's own path.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widgets import Static

try:  # Textual 8.2's private names; without them every line takes Textual's own path
    from textual.widget import _RenderCache
except ImportError:  # pragma: no cover - another Textual
    _RenderCache = None  # type: ignore[assignment,misc]


def text_shape(text: Text) -> tuple[object, ...]:
    """What, besides its characters, decides how a ``Text`` is laid out in one line."""
    return (
        len(text.plain),
        tuple(text.spans),
        text.style,
        text.justify,
        text.overflow,
        text.no_wrap,
        text.end,
        text.tab_size,
    )


def single_cells(plain: str) -> bool:
    """Every character one cell wide and printable on one line (so a position is a cell)."""
    return "\n" not in plain and "\t" not in plain and all(cell_len(ch) == 1 for ch in plain)


class _Drawn(NamedTuple):
    """The last line drawn through Textual's path and what it was drawn from."""

    shape: tuple[object, ...]
    plain: str
    size: tuple[int, int]
    style: VisualStyle
    styles_key: int
    strip: Strip


def substitute(strip: Strip, old: str, new: str) -> Strip:
    """``strip`` (which starts with ``old``, one character a cell) with ``new`` in its place."""
    if old == new:
        return strip
    segments: list[Segment] = []
    pos = 0
    size = len(new)
    for seg in strip:
        text = seg.text
        end = pos + len(text)
        if pos < size:
            text = new[pos : min(end, size)] + text[size - pos :] if end > size else new[pos:end]
        segments.append(Segment(text, seg.style, seg.control))
        pos = end
    return Strip(segments, strip.cell_length)


class LineStatic(Static):
    """A ``Static`` whose one line is redrawn by substitution when only characters change."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._drawn: _Drawn | None = None

    def _reusable(self, text: Text, shape: tuple[object, ...]) -> _Drawn | None:
        drawn = self._drawn
        size = (self.size.width, self.size.height)
        if drawn is None or drawn.shape != shape or drawn.size != size:
            return None
        if self.text_selection is not None or self.styles._cache_key != drawn.styles_key:
            return None
        if drawn.style != self.visual_style or not single_cells(text.plain):
            return None
        return drawn

    def _render_content(self) -> None:
        content = self.content
        if _FITS and isinstance(content, Text) and self.size.height == 1:
            shape = text_shape(content)
            drawn = self._reusable(content, shape)
            if drawn is not None:
                strip = substitute(drawn.strip, drawn.plain, content.plain)
                self._render_cache = _RenderCache(self.size, [strip])
                self._dirty_regions.clear()
                self._drawn = drawn._replace(plain=content.plain, strip=strip)
                return
        super()._render_content()
        self._drawn = None
        if not _FITS or not isinstance(content, Text) or self.size.height != 1:
            return
        lines = self._render_cache.lines
        plain = content.plain
        if len(lines) != 1 or len(plain) > self.size.width or not single_cells(plain):
            return
        strip = lines[0]
        if any(seg.control for seg in strip) or not single_cells(strip.text):
            return
        if not strip.text.startswith(plain):
            return
        self._drawn = _Drawn(
            text_shape(content),
            plain,
            (self.size.width, self.size.height),
            self.visual_style,
            self.styles._cache_key,
            strip,
        )

    def show(self, text: Text, *, layout: bool = True) -> None:
        """``update`` with a Rich ``Text``, leaving its conversion to when it is drawn by
        Textual's path (a substituted line never converts it); ``update`` itself on a
        Textual without the private names this relies on."""
        if not _FITS:
            self.update(text, layout=layout)
            return
        self._Static__content = text  # type: ignore[attr-defined]
        self._Static__visual = None  # type: ignore[attr-defined]
        self.refresh(layout=layout)


def _fits() -> bool:
    """Whether this Textual has the private names ``LineStatic`` relies on (8.2's): a newer one
    that ``textual>=8.2,<9`` allows draws every line its own way (never a frozen clock)."""
    probe = Static("x")
    return (
        _RenderCache is not None
        and callable(getattr(Static, "_render_content", None))
        and hasattr(probe, "_Static__content")
        and hasattr(probe, "_Static__visual")
        and hasattr(probe, "_render_cache")
    )


_FITS = _fits()
