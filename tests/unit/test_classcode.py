"""tui.classcode: the dataclasses' generated methods compiled once, then read from a table
(issue 19, later start). The classes must be the ones the stdlib makes."""

from __future__ import annotations

import builtins
import dataclasses
import os
import subprocess
import sys
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
def fresh_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classcode, "_table", {})
    monkeypatch.setattr(classcode, "_added", 0)
    # install() sets dataclasses.exec; monkeypatch removes it again after the test
    monkeypatch.setattr(dataclasses, "exec", builtins.exec, raising=False)


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
    classcode._table.clear()
    classcode.install(tmp_path / "table.bin")
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
    for junk in (b"", b"\x00garbage", b"\xe9\x02\x00\x00\x00", b"[\x00\x00\x00\x00"):
        path.write_bytes(junk)
        classcode._table.clear()
        classcode.install(path)
        assert classcode._table == {}
        assert _classes()["Row"]("a", 1.0).id == "a"
        assert classcode.save(path)
        classcode._table.clear()
        classcode.install(path)
        assert classcode._table  # a valid table now
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
        "print(classcode._added, len(classcode._table), classcode.save(path))\n"
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
