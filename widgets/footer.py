"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` removes and mounts all its keys again (~15 widgets, ~25 ms at 160x48) each
time the screen says its bindings were updated, and a newly opened screen says so three times
(mount, focus, resume) with the same keys: ~70 ms of the UI thread after a drill-down's first
paint, before its charts could be drawn. ``KeyFooter`` looks at what the footer would show and
rebuilds only when that differs from what it shows. Its keys are also made without
``data_bind(compact=Footer.compact)``: binding each key to the footer's ``compact`` ran each key's
watcher at mount, restyling it a second time (~2/3 of a rebuild); this footer is never compact,
so each key is made non-compact from the start (the same classes, the same picture).
``compose`` is Footer's own of the Textual version pinned in the test extra (it reads
``Footer._bindings_ready``), less the binding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from itertools import groupby

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup


def _key(
    key: str,
    key_display: str,
    description: str,
    action: str,
    *,
    disabled: bool,
    tooltip: str,
    classes: str = "",
) -> FooterKey:
    """A non-compact FooterKey (what ``data_bind(compact=False)`` would make it at mount)."""
    footer_key = FooterKey(
        key, key_display, description, action, disabled=disabled, tooltip=tooltip, classes=classes
    )
    footer_key.set_reactive(FooterKey.compact, False)
    return footer_key


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
        if not self._bindings_ready:
            return
        self._composed_keys = self.shown_keys()
        app = self.app
        active_bindings = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active_bindings.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(by_action)
        for group, grouped in groupby(by_action.values(), lambda multi: multi[0][0].group):
            multi_bindings = list(grouped)
            if group is not None and len(multi_bindings) > 1:
                with KeyGroup(classes="-compact" if group.compact else ""):
                    for multi in multi_bindings:
                        binding, enabled, tooltip = multi[0]
                        yield _key(
                            binding.key, app.get_key_display(binding), "", binding.action,
                            disabled=not enabled, tooltip=tooltip or binding.description,
                            classes="-grouped",
                        )  # fmt: skip
                yield FooterLabel(group.description)
            else:
                for multi in multi_bindings:
                    binding, enabled, tooltip = multi[0]
                    yield _key(
                        binding.key, app.get_key_display(binding), binding.description,
                        binding.action, disabled=not enabled, tooltip=tooltip,
                    )  # fmt: skip
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, tooltip = active_bindings[app.COMMAND_PALETTE_BINDING]
            except KeyError:
                pass
            else:
                yield FooterKey(
                    binding.key, app.get_key_display(binding), binding.description,
                    binding.action, classes="-command-palette", disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )  # fmt: skip

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
