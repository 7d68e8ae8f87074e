"""Where each key of a TOML text is defined (tomllib keeps no positions), for ``FILE:LINE``.

Dotted and quoted keys are followed and multi-line strings skipped; a key inside an inline
table has the line of that table (``line_of`` falls back to the nearest enclosing path). The
n-th table of an ``[[array]]`` is the path ``array.n`` (from 1), its keys ``array.n.key``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> tuple[list[str], str] | None:
    """Parse a dotted TOML key at the start of ``text``; returns (parts, rest) or None."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest[:1] == '"':
            m = re.match(r'"((?:[^"\\]|\\.)*)"', rest)
            if not m:
                return None
            try:
                parts.append(json.loads(m.group(0)))
            except ValueError:
                parts.append(m.group(1))
        elif rest[:1] == "'":
            m = re.match(r"'([^']*)'", rest)
            if not m:
                return None
            parts.append(m.group(1))
        else:
            m = _BARE.match(rest)
            if not m:
                return None
            parts.append(m.group(0))
        rest = rest[m.end() :].lstrip()
        if rest[:1] != ".":
            return parts, rest
        rest = rest[1:].lstrip()


def key_lines(text: str) -> dict[str, int]:
    """Dotted key path (tables and keys) -> the 1-based line that defines it (first one)."""
    lines: dict[str, int] = {}
    table: list[str] = []
    entries: dict[str, int] = {}  # [[array]] -> entries so far (an entry's path is "array.N")
    in_string: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            parsed = _split_key(line.lstrip("["))
            if parsed and parsed[1].startswith("]"):
                table = parsed[0]
                lines.setdefault(".".join(table), number)
                if line.startswith("[["):
                    name = ".".join(table)
                    entries[name] = entries.get(name, 0) + 1
                    table = [*table, str(entries[name])]
                    lines.setdefault(".".join(table), number)
            continue
        parsed = _split_key(line)
        if parsed and parsed[1].startswith("="):
            lines.setdefault(".".join([*table, *parsed[0]]), number)
            for quote in ('"""', "'''"):
                if parsed[1].count(quote) % 2 == 1:
                    in_string = quote
    return lines


def line_of(lines: Mapping[str, int], path: str) -> int:
    """The line of ``path``, else of its nearest enclosing key or table, else 1."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:n]))
        if found is not None:
            return found
    return 1
