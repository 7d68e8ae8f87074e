"""The real CLI in a subprocess, on a pack with a hostile file name and formula labels: no byte
of an escape sequence, bidi control or separator reaches stdout or stderr, and no CSV cell
starts a formula (SPEC 9, SPEC 10; issue 14)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.ptyrun import isolated_env

ROOT = Path(__file__).resolve().parents[2]
PACK_SMALL = ROOT / "tests" / "fixtures" / "pack_small"

HOSTILE_NAME = "E\x1b]52;c;ZXZpbA==\x07X\x1b]8;;evil.example\x1b\\\x1b[2J\u202e\u2028.csv"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u2028", "\u2029")

PACK_TOML = """\
name = "hostile \\u001b]52;c;ZXZpbA==\\u0007 pack"
universe = "IWM"

[[pairs]]
small = "IWM"
large = "SPY"
label = "=HYPERLINK(\\"https://evil.example\\",\\"x\\")"

[[sectors]]
sector = "=HYPERLINK(\\"https://evil.example\\",\\"x\\")"
large = "XLK"
small = "PSCT"

[[sectors]]
sector = "@SUM(A1)"
large = "XLF"
small = "PSCF"

[[sectors]]
sector = "+cmd|' /C calc'!A0"
large = "XLE"
small = "PSCE"
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(PACK_SMALL, root)
    (root / "pack.toml").write_text(PACK_TOML, encoding="utf-8")
    # A malformed file, so that its name is printed in every problem list.
    (root / "prices" / HOSTILE_NAME).write_text(
        "Date,Close\n2020-12-10,abc\x1b[2J\n2020-12-11,1.0\n", encoding="utf-8"
    )
    return root


def rotmon(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m tui ARGV`` from this checkout, its config and data dirs under tmp_path."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        cwd=ROOT,
        env=isolated_env(tmp_path, NO_COLOR="1"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=120,
        check=False,
    )


def assert_inert(result: subprocess.CompletedProcess[str]) -> None:
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        for bad in FORBIDDEN:
            assert bad not in text, (stream, bad, text[-2000:])
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("pack", "check", "{pack}"),
        ("snapshot", "--data", "{pack}"),
        ("backtest", "--data", "{pack}"),
        ("snapshot", "--format", "json", "--data", "{pack}"),
        ("backtest", "--format", "json", "--data", "{pack}"),
    ],
    ids=lambda argv: " ".join(a for a in argv if a != "{pack}"),
)
def test_a_hostile_file_name_prints_inert(
    pack: Path, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    result = rotmon(tmp_path, *(a.replace("{pack}", str(pack)) for a in argv))
    assert result.returncode == 1, result.stderr  # the malformed file is a problem
    assert_inert(result)
    everything = result.stdout + result.stderr
    assert "prices/EX .csv:2:" in everything  # named, without its escape sequences


def test_snapshot_csv_cells_never_start_a_formula(pack: Path, tmp_path: Path) -> None:
    result = rotmon(tmp_path, "snapshot", "--format", "csv", "--data", str(pack))
    assert result.returncode == 1, result.stderr
    assert_inert(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    sectors = {r["id"] for r in rows if r["table"] == "heatmap"}
    assert sectors == {
        '\'=HYPERLINK("https://evil.example","x")',
        "'@SUM(A1)",
        "'+cmd|' /C calc'!A0",
    }
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), row
    # numbers stay numbers: a negative return is written as a number, not quoted text
    numbers = [row["spread_pp"] for row in rows if row["spread_pp"]]
    assert numbers and all(float(v) == float(v) for v in numbers)
    assert any(v.startswith("-") for row in rows for v in (row["small_return"],) if v)
