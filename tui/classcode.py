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
module has no ``__future__`` imports), so the classes are the ones the stdlib makes. An entry
is found by the text's CRC-32 and length and holds the full text, compared before its code is
used (no hash to collide); only the index stays in memory. The file is named after the
interpreter's bytecode (``sys.implementation.cache_tag`` and ``importlib.util.MAGIC_NUMBER``:
another Python
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
import zlib
from pathlib import Path
from types import CodeType
from typing import Any

MAX_BYTES = 8 * 1024 * 1024
"""A table beyond this is not written (it would only grow with classes no start creates)."""

_MAGIC = b"rotmon-classcode-1\n"
"""The table file starts with this, then the index's length (8 bytes, little-endian), the
index (marshal) and the entries."""

# The table is read entry by entry, when a text is asked: ~500 entries are kept (the union of
# the classes of every process that wrote them: the dashboard's, the first start's prefetch
# child's, the screens opened) and a start asks ~310. Kept as one dict of text -> code, the
# table held all ~500 code objects and every text for the life of the process: 1.4 MB traced,
# 0.5-0.8 MB of the dashboard's peak RSS. Now only the index stays: the texts' CRC-32 and
# length -> where their entry is (offset << 32 | size); an entry holds the texts and their code
# (so a lookup compares the whole text: no hash to collide).
_index: dict[int, int] = {}
_entries_at = 0
_file: int | None = None
_new: dict[str, CodeType] = {}
_added = 0
_lock = threading.Lock()


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) | len(text) << 32


def _lookup(text: str) -> CodeType | None:
    """The code of ``text`` from this process's new entries or the table's file."""
    code = _new.get(text)
    if code is not None or _file is None:
        return code
    where = _index.get(_key(text))
    if where is None:
        return None
    for stored, code in _entry(_file, where):
        if stored == text:
            return code
    return None


def _entry(fd: int, where: int) -> list[tuple[str, CodeType]]:
    """The (text, code) pairs of the entry ``where`` (its offset from the entries' start and
    its size, as the index has them); none when it cannot be read as one."""
    try:
        pairs = marshal.loads(os.pread(fd, where & 0xFFFFFFFF, _entries_at + (where >> 32)))
    except (OSError, ValueError, EOFError, TypeError):
        return []
    if not isinstance(pairs, tuple):
        return []
    return [
        pair
        for pair in pairs
        if isinstance(pair, tuple)
        and len(pair) == 2
        and type(pair[0]) is str
        and type(pair[1]) is CodeType
    ]


def _exec(source: Any, namespace: Any = None, local: Any = None, /) -> None:
    """``exec`` for the ``dataclasses`` module: source text compiled at most once."""
    global _added
    if type(source) is str:
        with _lock:
            code = _lookup(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            with _lock:
                _new[source] = code
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


def _open(path: Path) -> tuple[int, dict[int, int], int] | None:
    """The table file ``path`` opened: its descriptor, index and where its entries start;
    None when it is missing or not such a table."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        head = os.pread(fd, len(_MAGIC) + 8, 0)
        if head[: len(_MAGIC)] != _MAGIC or len(head) != len(_MAGIC) + 8:
            raise ValueError("not a table")
        size = int.from_bytes(head[len(_MAGIC) :], "little")
        index = marshal.loads(os.pread(fd, size, len(head)))
        if not isinstance(index, dict) or not all(
            type(k) is int and type(v) is int for k, v in index.items()
        ):
            raise ValueError("not an index")
    except Exception:  # unreadable or not marshal data: start a new table
        os.close(fd)
        return None
    return fd, index, len(head) + size


def _close() -> None:
    global _file, _index
    if _file is not None:
        with contextlib.suppress(OSError):
            os.close(_file)
    _file, _index = None, {}


def install(path: Path | None = None) -> None:
    """Open the table of ``path`` (default ``table_path()``) and have ``dataclasses`` use it.
    Call before the imports that create dataclasses; idempotent."""
    global _file, _index, _entries_at
    import dataclasses

    opened = _open(table_path() if path is None else path)
    with _lock:
        _close()
        if opened is not None:
            _file, _index, _entries_at = opened
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # the module-global it calls


def table() -> dict[str, CodeType]:
    """Every entry: the table file's and this process's new ones (for ``save`` and tests)."""
    with _lock:
        every: dict[str, CodeType] = {}
        if _file is not None:
            for where in sorted(set(_index.values())):
                every.update(_entry(_file, where))
        every.update(_new)
        return every


def _dumps(entries: dict[str, CodeType]) -> bytes:
    groups: dict[int, list[tuple[str, CodeType]]] = {}
    for text, code in entries.items():
        groups.setdefault(_key(text), []).append((text, code))
    index: dict[int, int] = {}
    blob = bytearray()
    for key, pairs in groups.items():
        data = marshal.dumps(tuple(pairs))
        index[key] = len(blob) << 32 | len(data)
        blob += data
    head = marshal.dumps(index)
    return _MAGIC + len(head).to_bytes(8, "little") + head + bytes(blob)


def save(path: Path | None = None) -> bool:
    """Write the table to ``path`` (default ``table_path()``) if it grew since it was read;
    True when written. Never raises: a cache that cannot be written is no error."""
    global _added
    if not _added:
        return False
    data = _dumps(table())
    with _lock:
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
