"""Text that leaves rotmon made inert: one function for the screen, the CLI, exports and CSV.

Names, labels, file names and error bodies come from data packs and servers; any of them may
carry terminal escape sequences (OSC 52 writes the clipboard, OSC 8 makes links, ``ESC[2J``
clears the screen), bidi controls that reorder a line, line separators, or Rich markup. Every
text written anywhere goes through :func:`inert` (SPEC 10). Standard library only, so every
package may import it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]*+ [ -/]*+ [@-~]            # CSI: parameters, intermediates, final
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])           # OSC, DCS, SOS, PM, APC strings ...
      [^\x07\x1b\x9c]*+ (?:\x07|\x1b\\|\x9c)            # ... up to BEL or ST
    | \x1b [ -/]*+ [0-~]                               # any other escape (ESC c, ESC ( B, ESC ])
    """,
    re.VERBOSE,
)
"""A whole ECMA-48 control sequence. An unterminated OSC loses only its introducer: what
follows is plain text once the ESC is gone."""

LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")
"""Characters that break or move a line; each becomes one space."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with one of these as a formula (CSV injection)."""

_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
"""What Rich parses as a markup tag (the pattern of ``rich.markup.escape``)."""


_C1_INTRODUCER = re.compile("[\x90\x98\x9b\x9d-\x9f]")
"""C1 controls that open a sequence (DCS, SOS, CSI, OSC, PM, APC): with ESC, what makes the
sequence regex worth running."""


@functools.cache
def _table(keep_newlines: bool) -> dict[int, str | None]:
    """The ``str.translate`` table for what is left once sequences are gone: C0/C1 controls
    and format characters (Cf: bidi controls, zero-width, tag characters ...) dropped, line
    breaks to a space, lone surrogates to U+FFFD. A translate table, so that a 30 MB line
    costs a C loop. Made on first use: every Cf character lives in planes 0, 1 and 14, read
    from unicodedata once (~50 ms)."""
    planes = (range(0x20000), range(0xE0000, 0xE1000))
    table: dict[int, str | None] = {
        c: None for r in planes for c in r if unicodedata.category(chr(c)) == "Cf"
    }
    table.update(dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)]))  # Cc: C0, DEL, C1
    table.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
    table.update({ord(ch): " " for ch in LINE_BREAKS})
    if keep_newlines:
        table[ord("\n")] = "\n"
    return table


def escape_markup(text: str) -> str:
    """``text`` with every ``[`` that would open a Rich markup tag escaped (as
    ``rich.markup.escape`` does)."""

    def escaped(match: re.Match[str]) -> str:
        backslashes, tag = match.groups()
        return f"{backslashes}{backslashes}\\{tag}"

    text = _MARKUP_TAG.sub(escaped, text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        text += "\\"  # so that a tag written after it stays a tag
    return text


def inert(
    text: object, limit: int | None = None, *, markup: bool = False, keep_newlines: bool = False
) -> str:
    """``text`` harmless to show or write: escape sequences and control characters removed.

    Whole escape sequences (CSI, OSC up to BEL or ST, DCS ...) are dropped, then every C0/C1
    control and format character (bidi overrides and isolates, LRM/RLM, zero-width, BOM) is
    dropped; line breaks, tabs and U+2028/U+2029 become one space each (``keep_newlines``
    keeps ``\\n`` for multi-line output); a lone surrogate becomes U+FFFD. The result is cut
    to ``limit`` characters with an ellipsis. ``markup=True`` also escapes what Rich would
    parse as console markup, for text put into a markup string. On screen, data goes into a
    ``rich.text.Text`` (never parsed) or ``notify(..., markup=False)``: Textual's own markup
    parser is not safe with escaped text.
    """
    s = str(text)
    if not s.isprintable():  # other spaces, private use, unassigned: shown, never acted on
        if "\x1b" in s or _C1_INTRODUCER.search(s):
            s = ESCAPE_SEQUENCE.sub("", s)
        s = s.translate(_table(keep_newlines))
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    return escape_markup(s) if markup else s


def csv_text(value: object) -> str:
    """A text CSV cell: inert, and prefixed with ``'`` when a spreadsheet would run it as a
    formula (``= + - @``, tab or CR first, also after leading spaces). Numbers are not text:
    write them as numbers, not through this."""
    raw = str(value)
    s = inert(raw)
    if raw.startswith(FORMULA_START) or s.lstrip(" ").startswith(FORMULA_START):
        return "'" + s
    return s


def inert_json(doc: Any) -> Any:
    """``doc`` (a JSON document of dicts, lists and scalars) with every string, keys
    included, made inert."""
    if isinstance(doc, str):
        return inert(doc)
    if isinstance(doc, Mapping):
        return {inert_json(k): inert_json(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [inert_json(v) for v in doc]
    return doc
