"""The action ids a config file's ``[keys]`` table may remap, and the check of a keymap."""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

MODULES = (
    "tui.app",
    "tui.screens.drillbase",
    "tui.screens.dashboard",
    "tui.screens.help",
    "tui.screens.diagnostics",
    "tui.screens.pair",
    "tui.screens.sector",
    "tui.screens.symbol",
    "tui.screens.alert",
    "widgets.alert_list",
    "widgets.constituents",
    "widgets.heatmap",
    "widgets.keyed_table",
    "widgets.macro_panel",
    "widgets.spread_table",
)
"""Where rotmon's screens and widgets live (importing them all costs pandas: only called when a
keymap is given)."""


def binding_ids(modules: Iterable[str] = MODULES) -> frozenset[str]:
    """The ids of every binding of rotmon's app, screens and widgets."""
    ids: set[str] = set()
    for name in modules:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if not (inspect.isclass(obj) and issubclass(obj, DOMNode)):
                continue
            for cls in obj.__mro__:
                for binding in cls.__dict__.get("BINDINGS", ()):
                    if isinstance(binding, Binding) and binding.id:
                        ids.add(binding.id)
    return frozenset(ids)


def keymap_problems(keymap: Mapping[str, str], known: Iterable[str] | None = None) -> list[str]:
    """One line per ``[keys]`` entry naming no action: ``[keys] window.nxt: unknown action id
    (did you mean window.next?)``."""
    ids = sorted(binding_ids() if known is None else known)
    problems = []
    for action in keymap:
        if action not in ids:
            close = difflib.get_close_matches(action, ids, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"[keys] {action}: unknown action id{hint}; the README lists the ids")
    return problems
