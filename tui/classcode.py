"""The dataclasses' generated methods compiled once per interpreter, not at every start (issue 19).

``dataclasses`` writes the ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` ... of each class as source text and compiles it with ``exec`` when the class
is created: ~310 small compilations for the classes a dashboard start creates (Textual's,
Rich's and rotmon's), ~30 ms of its ~0.45 s of CPU before the first row, and the same text at
every start. ``install`` gives the ``dataclasses`` module an ``exec`` that takes the code of a
text it has compiled before from a table kept in the user's cache directory, and compiles (and
adds) only text it has not seen; ``save`` writes the table back when it grew.

What runs is what ``exec`` would have compiled from the same text: the same file name
(``<string>``), no compiler flags inherited (``exec`` in ``dataclasses`` inherits none: that
module has no ``__future__`` imports), so the classes are the ones the stdlib makes. The table
is keyed by the full text (no hash to collide), its file is named after the interpreter's
bytecode (``sys.implementation.cache_tag`` and ``importlib.util.MAGIC_NUMBER``: another Python
never reads it), and a file that cannot be read as such a table is ignored and replaced. The
file is as trusted as ``__pycache__``: code in the user's own directory.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
import threading
from pathlib import Path
from types import CodeType
from typing import Any

MAX_BYTES = 8 * 1024 * 1024
"""A table beyond this is not written (it would only grow with classes no start creates)."""

_table: dict[str, CodeType] = {}
_added = 0
_lock = threading.Lock()


def _exec(source: Any, namespace: Any = None, local: Any = None, /) -> None:
    """``exec`` for the ``dataclasses`` module: source text compiled at most once."""
    global _added
    if type(source) is str:
        code = _table.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            with _lock:
                _table[source] = code
                _added += 1
        source = code
    builtins.exec(source, namespace, local)


def table_path() -> Path:
    """The table's file in the user's cache directory, named after this interpreter."""
    import importlib.util

    import platformdirs

    magic = importlib.util.MAGIC_NUMBER.hex()
    tag = sys.implementation.cache_tag or "python"
    return platformdirs.user_cache_path("rotmon") / f"dataclass-code-{tag}-{magic}.bin"


def _read(path: Path) -> dict[str, CodeType]:
    try:
        table = marshal.loads(path.read_bytes())
    except Exception:  # missing, unreadable or not marshal data: start a new table
        return {}
    if not isinstance(table, dict) or not all(
        type(k) is str and type(v) is CodeType for k, v in table.items()
    ):
        return {}
    return table


def install(path: Path | None = None) -> None:
    """Load the table of ``path`` (default ``table_path()``) and have ``dataclasses`` use it.
    Call before the imports that create dataclasses; idempotent."""
    import dataclasses

    table = _read(table_path() if path is None else path)
    with _lock:
        for text, code in table.items():
            _table.setdefault(text, code)
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # the module-global it calls


def save(path: Path | None = None) -> bool:
    """Write the table to ``path`` (default ``table_path()``) if it grew since it was read;
    True when written. Never raises: a cache that cannot be written is no error."""
    global _added
    with _lock:
        if not _added:
            return False
        data = marshal.dumps(_table)
        _added = 0
    if len(data) > MAX_BYTES:
        return False
    target = table_path() if path is None else path
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True
