"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` removes and mounts all its keys again (~15 widgets, ~25 ms at 160x48) each
time the screen says its bindings were updated, and a newly opened screen says so three times
(mount, focus, resume) with the same keys: ~70 ms of the UI thread after a drill-down's first
paint, before its charts could be drawn. ``KeyFooter`` looks at what the footer would show and
rebuilds only when that differs from what it shows. It reads ``Footer._bindings_ready`` of the
Textual version pinned in the test extra.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that recomposes only when its keys (binding, enabled, tooltip) change."""

    _composed_keys: Hashable = None
    _rebuild_scheduled = False

    def shown_keys(self) -> Hashable:
        """Everything of the screen's bindings the footer's compose reads."""
        app = self.app
        return (
            tuple(
                (binding, enabled, tooltip, app.get_key_display(binding))
                for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
                if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
            ),
            self.show_command_palette and app.ENABLE_COMMAND_PALETTE,
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed_keys = self.shown_keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_scheduled:
            self._rebuild_scheduled = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_scheduled = False
        if self.is_attached and self.shown_keys() != self._composed_keys:
            await self.recompose()
