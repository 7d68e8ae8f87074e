"""The key list as data: help screen entries, status-bar hints and the command palette provider."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

GROUP_ORDER: tuple[str, ...] = ("Panes", "Move", "Data", "Alerts", "Time travel", "App")


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One action as the user sees it: the keys bound to it (after any keymap) and what it does."""

    group: str
    keys: tuple[str, ...]
    description: str
    action: str
    node: DOMNode
    enabled: bool
    show: bool
    hint: str = ""
    """Short label for the status bar (the binding's tooltip, else its description)."""

    @property
    def keys_text(self) -> str:
        return " ".join(self.keys)


def key_entries(screen: Screen[Any]) -> list[KeyEntry]:
    """Every described binding active on ``screen``, one entry per action, grouped and ordered.

    Built from ``Screen.active_bindings`` — the bindings Textual will really dispatch, with the
    user's keymap applied — so the help screen and the palette cannot drift from the keys.
    """
    app = screen.app
    merged: dict[tuple[int, str], KeyEntry] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        display = binding.key_display or app.get_key_display(binding.with_key(key))
        ident = (id(active.node), binding.action)
        old = merged.get(ident)
        if old is not None:
            if display not in old.keys:
                merged[ident] = KeyEntry(
                    old.group,
                    (*old.keys, display),
                    old.description,
                    old.action,
                    old.node,
                    old.enabled,
                    old.show or binding.show,
                    old.hint,
                )
            continue
        merged[ident] = KeyEntry(
            group=binding.group.description if binding.group else "Other",
            keys=(display,),
            description=binding.description,
            action=binding.action,
            node=active.node,
            enabled=active.enabled,
            show=binding.show,
            hint=binding.tooltip or binding.description.split(" /")[0].lower(),
        )

    def rank(entry: KeyEntry) -> int:
        return GROUP_ORDER.index(entry.group) if entry.group in GROUP_ORDER else len(GROUP_ORDER)

    return sorted(merged.values(), key=rank)


def grouped(entries: Iterable[KeyEntry]) -> dict[str, list[KeyEntry]]:
    """Entries by group, groups in display order."""
    out: dict[str, list[KeyEntry]] = {}
    for entry in entries:
        out.setdefault(entry.group, []).append(entry)
    return out


def status_hints(screen: Screen[Any]) -> tuple[tuple[str, str], ...]:
    """(keys, label) pairs for the status bar: enabled bindings marked ``show``; actions that
    share a hint (``[`` and ``]`` → window) are shown once with both keys."""
    hints: dict[str, list[str]] = {}
    for entry in key_entries(screen):
        if entry.show and entry.enabled:
            hints.setdefault(entry.hint, []).append(entry.keys[0])
    return tuple((" ".join(keys), hint) for hint, keys in hints.items())


class RotmonCommands(Provider):
    """Every dashboard action in the command palette, straight from the active bindings."""

    def _entries(self) -> list[KeyEntry]:
        return [e for e in key_entries(self.screen) if e.enabled]

    async def _run(self, entry: KeyEntry) -> None:
        await self.app.run_action(entry.action, entry.node)

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(
                entry.description,
                partial(self._run, entry),
                help=f"{entry.group} · key {entry.keys_text}",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(entry.description),
                    partial(self._run, entry),
                    help=f"{entry.group} · key {entry.keys_text}",
                )
