"""tui.classcode: the dataclasses' generated methods compiled once, then read from a table
(issue 19, later start). The classes must be the ones the stdlib makes."""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType
from typing import Any

import pytest

from tui import classcode

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """
import dataclasses
from typing import ClassVar

@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    id: str
    value: float | None
    spark: tuple[float, ...] = ()
    marks: dict[str, int] = dataclasses.field(default_factory=dict)
    kind: ClassVar[str] = "row"

@dataclasses.dataclass(order=True)
class Mutable:
    name: str
    count: int = 0
"""
"""Compiled without ``from __future__ import annotations`` in the text itself; this test
module has it, which must not leak into the generated methods (their ``-> None``)."""


@pytest.fixture
def fresh_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(classcode, "_new", {})
    monkeypatch.setattr(classcode, "_index", {})
    monkeypatch.setattr(classcode, "_file", None)
    monkeypatch.setattr(classcode, "_added", 0)
    # install() sets dataclasses.exec; monkeypatch removes it again after the test
    monkeypatch.setattr(dataclasses, "exec", builtins.exec, raising=False)
    yield
    classcode._close()


def _restart(path: Path) -> None:
    """As a new process would: nothing compiled yet, the table of ``path`` installed."""
    classcode._new.clear()
    classcode.install(path)


def _classes() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(TEMPLATE, "<template>", "exec", dont_inherit=True), namespace)
    return namespace


def _methods(cls: type) -> dict[str, FunctionType]:
    return {
        name: value
        for name, value in vars(cls).items()
        if isinstance(value, FunctionType) and name.startswith("__")
    }


@pytest.mark.usefixtures("fresh_table")
def test_the_methods_are_the_ones_the_stdlib_compiles(tmp_path: Path) -> None:
    plain = _classes()
    classcode.install(tmp_path / "table.bin")
    first = _classes()  # compiled, and added to the table
    assert classcode.save(tmp_path / "table.bin")
    _restart(tmp_path / "table.bin")
    read = _classes()  # every method's code from the table
    assert classcode._added == 0
    for name in ("Row", "Mutable"):
        stdlib = _methods(plain[name])
        assert set(stdlib) >= {"__init__", "__repr__", "__eq__"}
        for made in (first[name], read[name]):
            methods = _methods(made)
            assert methods.keys() == stdlib.keys()
            for method, function in methods.items():
                assert function.__code__ == stdlib[method].__code__, (name, method)
                assert function.__annotations__ == stdlib[method].__annotations__
                assert function.__defaults__ == stdlib[method].__defaults__
    assert read["Row"].__init__.__annotations__["return"] is None  # not the string "None"
    row = read["Row"]("a", 1.0)
    assert row == read["Row"]("a", 1.0) != read["Row"]("a", 2.0)
    assert dataclasses.astuple(row) == dataclasses.astuple(plain["Row"]("a", 1.0))
    assert repr(row) == "Row(id='a', value=1.0, spark=(), marks={})"
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.value = 2.0  # type: ignore[misc]
    assert "__hash__" in _methods(read["Row"])  # frozen and eq: a generated one
    assert read["Mutable"]("a") < read["Mutable"]("b")


@pytest.mark.usefixtures("fresh_table")
def test_an_unreadable_table_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "table.bin"
    junks = (b"", b"\x00garbage", b"\xe9\x02\x00\x00\x00", b"[\x00\x00\x00\x00")
    cut = classcode._MAGIC + (10**6).to_bytes(8, "little") + b"{"  # an index cut short
    old = marshal.dumps({"text": compile("x = 1", "<string>", "exec")})  # the old format
    for junk in (*junks, cut, old):
        path.write_bytes(junk)
        _restart(path)
        assert classcode.table() == {}
        assert _classes()["Row"]("a", 1.0).id == "a"
        assert classcode.save(path)
        _restart(path)
        assert classcode.table()  # a valid table now
    assert not classcode.save(path)  # nothing new: not written again


def test_another_interpreter_never_reads_the_table() -> None:
    import importlib.util

    name = classcode.table_path().name
    assert sys.implementation.cache_tag in name
    assert importlib.util.MAGIC_NUMBER.hex() in name


def test_a_later_start_compiles_no_dataclass_method(tmp_path: Path) -> None:
    """Two processes as two starts: the first writes the table, the second creates the same
    classes (rotmon's snapshot types, Textual's) compiling nothing."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tui import classcode\n"
        "path = Path(sys.argv[1])\n"
        "classcode.install(path)\n"
        "import analytics.types, tui.settings, textual.app\n"
        "print(classcode._added, len(classcode.table()), classcode.save(path))\n"
    )
    table = tmp_path / "table.bin"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", code, str(table)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=True,
        )
        return out.stdout.split()

    added, size, written = start()
    assert int(added) > 50 and int(size) == int(added) and written == "True"
    added, size2, written = start()
    assert (added, size2, written) == ("0", size, "False")


MANY = "\n".join(
    f"@dataclasses.dataclass(frozen=True)\nclass C{i}:\n    a{i}: int\n    b{i}: str = 'x'\n"
    for i in range(200)
)


@pytest.mark.usefixtures("fresh_table")
def test_installing_reads_the_index_only(tmp_path: Path) -> None:
    """A start asks for some of the table's entries: installing keeps the index, not every
    text and code object (the whole table was ~1.4 MB of a dashboard's memory)."""
    path = tmp_path / "table.bin"
    classcode.install(path)
    exec(compile("import dataclasses\n" + MANY, "<many>", "exec", dont_inherit=True), {})
    assert (
        classcode._added == 6 * 200
    )  # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__
    assert classcode.save(path)
    _restart(path)
    tracemalloc.start()
    try:
        classcode.install(path)
        installed = tracemalloc.get_traced_memory()[0]
        entries = classcode.table()
        whole = tracemalloc.get_traced_memory()[0] - installed
    finally:
        tracemalloc.stop()
    assert len(entries) == 6 * 200 and classcode._new == {}
    assert installed * 4 < whole, (installed, whole)
    namespace: dict[str, Any] = {}
    exec(compile("import dataclasses\n" + MANY, "<many>", "exec", dont_inherit=True), namespace)
    assert classcode._added == 0  # every method from the file
    assert namespace["C7"](3) == namespace["C7"](3, "x") != namespace["C7"](4)


@pytest.mark.usefixtures("fresh_table")
def test_texts_with_one_key_are_told_apart_by_their_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classcode, "_key", lambda text: 7)  # every text collides
    path = tmp_path / "table.bin"
    classcode.install(path)
    plain = _classes()
    assert classcode.save(path)
    _restart(path)
    read = _classes()
    assert classcode._added == 0
    assert len(classcode._index) == 1
    for name in ("Row", "Mutable"):
        for method, function in _methods(read[name]).items():
            assert function.__code__ == _methods(plain[name])[method].__code__, (name, method)
