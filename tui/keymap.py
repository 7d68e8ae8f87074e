"""The action ids a config file's ``[keys]`` table may remap, and the check of a keymap."""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
    "tui.screens.history",
    "tui.screens.jump",
    "tui.screens.series",
    "tui.screens.valuation",
    "tui.screens.cycle",
    "widgets.alert_list",
    "widgets.constituents",
    "widgets.heatmap",
    "widgets.keyed_table",
    "widgets.macro_panel",
    "widgets.spread_table",
)
"""Where rotmon's screens and widgets live (importing them all costs pandas: only called when a
keymap is given)."""


OWN = ("tui.", "widgets.")


@dataclass(frozen=True, slots=True)
class Scope:
    """The bindings one of rotmon's screens, widgets or the app declares (its own and those of
    rotmon's classes it inherits from)."""

    name: str
    bindings: tuple[Binding, ...]


def binding_scopes(modules: Iterable[str] = MODULES) -> tuple[Scope, ...]:
    """Every rotmon class with bindings and its bindings (its own and inherited)."""
    scopes: dict[str, Scope] = {}
    for name in modules:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if not (inspect.isclass(obj) and issubclass(obj, DOMNode)):
                continue
            found = tuple(
                binding
                for cls in reversed(obj.__mro__)
                if cls.__module__.startswith(OWN)  # Textual's own keys are not remappable
                for binding in cls.__dict__.get("BINDINGS", ())
                if isinstance(binding, Binding)
            )
            if found and obj.__module__.startswith(OWN):
                scopes.setdefault(obj.__qualname__, Scope(obj.__qualname__, found))
    return tuple(scopes.values())


def binding_ids(modules: Iterable[str] = MODULES) -> frozenset[str]:
    """The ids of every binding of rotmon's app, screens and widgets."""
    return frozenset(b.id for scope in binding_scopes(modules) for b in scope.bindings if b.id)


def _keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def keymap_issues(
    keymap: Mapping[str, str], scopes: Iterable[Scope] | None = None
) -> list[tuple[str, str]]:
    """(action id, problem) for each ``[keys]`` entry that names no action, or that gives a
    key which another action of the same screen or widget also has after the remap
    (``"pane.1" = "2"`` takes pane.2's key on the dashboard: one of the two would be dead)."""
    scopes = tuple(binding_scopes() if scopes is None else scopes)
    ids = sorted({b.id for scope in scopes for b in scope.bindings if b.id})
    issues: list[tuple[str, str]] = []
    for action in keymap:
        if action not in ids:
            close = difflib.get_close_matches(action, ids, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            issues.append((action, f"unknown action id{hint}; the README lists the ids"))
    reported: set[tuple[str, str, str]] = set()
    for scope in scopes:
        owner: dict[str, str] = {}  # key -> the first action holding it in this scope
        for binding in scope.bindings:
            action = binding.id or binding.action
            given = keymap.get(binding.id) if binding.id else None
            for key in _keys(given) if given is not None else _keys(binding.key):
                other = owner.setdefault(key, action)
                if other == action:
                    continue
                remapped = [a for a in (action, other) if a in keymap]
                if not remapped:
                    continue  # rotmon's own defaults: not the user's to fix
                mine, theirs = (action, other) if action in keymap else (other, action)
                if (mine, theirs, key) in reported or (theirs, mine, key) in reported:
                    continue
                reported.add((mine, theirs, key))
                issues.append(
                    (mine, f'key "{key}" is also the key of {theirs} on {scope.name};'
                           " give one of them another key")
                )  # fmt: skip
    return issues
