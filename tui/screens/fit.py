"""The one-line "terminal too small" notice every screen shows below 80x24 instead of a broken
layout (the dashboard has its own, with the same text)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Generic

from rich.text import Text
from textual.geometry import Size
from textual.screen import ScreenResultType
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.screen import Screen

    _MixinBase = Screen
else:
    # At run time a plain mixin, not a Screen: Textual takes a screen's CSS from the first
    # DOMNode among its bases only, so a Screen here would hide ModalScreen's own from the
    # modal screens that list this class first.
    _MixinBase = Generic

MIN_SIZE = Size(80, 24)
"""The smallest terminal rotmon lays out (SPEC 10)."""

TOO_SMALL_CLASS = "-too-small"


def is_too_small(size: Size) -> bool:
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height


def too_small_text(size: Size) -> Text:
    """``Terminal too small (60×20): rotmon needs 80×24 · q quits`` — one line down to about
    55 columns (it wraps below that rather than lose the words)."""
    return Text(
        f"Terminal too small ({size.width}×{size.height}): rotmon needs "
        f"{MIN_SIZE.width}×{MIN_SIZE.height} · q quits",
        no_wrap=False,
    )


class TooSmallNotice(Static):
    """The notice itself; shown (and everything else on its screen hidden) by the screen class."""

    # Unscoped: the rules below address the screen and its other children. ``!important``
    # because some children toggle their own display with classes (the sector filter input).
    SCOPED_CSS: ClassVar[bool] = False
    DEFAULT_CSS = """
    TooSmallNotice {
        display: none;
        width: 1fr;
        height: 1fr;
        padding: 0 1;
        color: $warning;
        text-style: bold;
    }
    .-too-small > * { display: none !important; }
    .-too-small > TooSmallNotice { display: block !important; }
    """


class FitsTerminal(_MixinBase[ScreenResultType]):
    """Mixin for a Screen (``FitsTerminal[None], ModalScreen[None]``): below ``MIN_SIZE`` only
    the too-small notice shows.

    Textual calls the handlers of every class in the MRO, so a screen's own ``on_mount`` or
    ``on_resize`` still runs (it needs this one's signature; an async one is an ``@on``).
    """

    def _fit_to(self, size: Size) -> None:
        small = is_too_small(size)
        notices = self.query_children(TooSmallNotice)
        if small and not notices:
            notice = TooSmallNotice(too_small_text(size))
            self.mount(notice)
        elif notices:
            notices.first().update(too_small_text(size))
        self.set_class(small, TOO_SMALL_CLASS)

    def on_mount(self) -> None:
        self._fit_to(self.app.size)

    def on_resize(self) -> None:
        self._fit_to(self.app.size)

    def on_screen_resume(self) -> None:
        self._fit_to(self.app.size)

    @property
    def too_small(self) -> bool:
        """True while the screen shows only the too-small notice."""
        return self.has_class(TOO_SMALL_CLASS)
