"""What the dashboard remembers between runs: one small JSON file in the user state directory.

Theme, pane, heatmap window, the sort of each table, the constituents filter and the last
drill-down are restored at the next start (``--fresh`` ignores them). The file is UI comfort,
never data: a missing, unreadable or foreign file gives the defaults and is replaced on the next
save; it is written atomically (a temporary file renamed over it), so a crash leaves the old
one whole. No Textual import here.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

VERSION = 1
MAX_TEXT = 200
"""Longest filter or key kept (a filter is typed by hand; anything longer is not ours)."""


def default_state_path() -> Path:
    """``<user state dir>/ui-state.json`` (platformdirs)."""
    import platformdirs

    return platformdirs.user_state_path("rotmon") / "ui-state.json"


@dataclass(frozen=True, slots=True)
class UiState:
    """The remembered view; every field optional (None = rotmon's default)."""

    theme: str | None = None
    pane: int | None = None
    window: str | None = None
    """The heatmap window (``1M``)."""
    sorts: dict[str, tuple[str | None, bool]] = field(default_factory=dict)
    """Table id -> (sort column or None for the natural order, descending)."""
    filters: dict[str, str] = field(default_factory=dict)
    """Table id -> the filter text as typed."""
    drill: tuple[str, str] | None = None
    """The drill-down on top at exit: (kind, key), e.g. ("pair", "IWM/SPY")."""

    def to_json(self) -> str:
        doc: dict[str, Any] = {"version": VERSION, **asdict(self)}
        doc["sorts"] = {k: [c, d] for k, (c, d) in self.sorts.items()}
        doc["drill"] = list(self.drill) if self.drill else None
        return json.dumps(doc, indent=1, sort_keys=True)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_TEXT else None


def parse_state(text: str) -> UiState:
    """The state in ``text``; fields of the wrong type are dropped one by one (ValueError only
    when the text is no JSON object at all)."""
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    pane = doc.get("pane")
    sorts: dict[str, tuple[str | None, bool]] = {}
    raw_sorts = doc.get("sorts")
    if isinstance(raw_sorts, dict):
        for table, value in raw_sorts.items():
            if (
                _text(table)
                and isinstance(value, list)
                and len(value) == 2
                and (value[0] is None or _text(value[0]))
                and isinstance(value[1], bool)
            ):
                sorts[table] = (value[0], value[1])
    filters: dict[str, str] = {}
    raw_filters = doc.get("filters")
    if isinstance(raw_filters, dict):
        filters = {k: v for k, v in raw_filters.items() if _text(k) and isinstance(v, str)}
        filters = {k: v for k, v in filters.items() if len(v) <= MAX_TEXT}
    drill = doc.get("drill")
    return UiState(
        theme=_text(doc.get("theme")),
        pane=pane if isinstance(pane, int) and not isinstance(pane, bool) else None,
        window=_text(doc.get("window")),
        sorts=sorts,
        filters=filters,
        drill=(drill[0], drill[1])
        if isinstance(drill, list) and len(drill) == 2 and all(_text(x) for x in drill)
        else None,
    )


def load_state(path: Path) -> UiState:
    """The state saved at ``path``; the defaults when there is none or it cannot be read."""
    try:
        return parse_state(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UiState()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        log.info("remembered state %s not used: %s", path, exc)
        return UiState()


def save_state(path: Path, state: UiState) -> None:
    """Write ``state`` to ``path`` atomically; errors are logged, never raised (UI comfort)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ui-state-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(state.to_json())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.info("remembered state not saved to %s: %s", path, exc)
