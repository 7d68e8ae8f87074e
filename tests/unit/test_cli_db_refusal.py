"""``--db`` naming a file that is not rotmon's to use: one plain line, exit 2, the file byte for
byte as it was and nothing created beside it (issue 14), before any screen opens."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from data_sources.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[2]


def _rotmon(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def _newer(db: Path) -> None:
    with Store(db) as store:
        store.append_transitions([])
    raw = sqlite3.connect(db)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("notes.txt", lambda p: p.write_text("buy IWM\n"), "not an SQLite database file"),
        ("newer.sqlite3", _newer, f"schema version {SCHEMA_VERSION + 1} is newer"),
    ],
)
@pytest.mark.parametrize("market", [("--demo",), ("--demo", "--scenario", "calm")])
def test_the_app_refuses_a_db_that_is_not_its_own(
    tmp_path: Path, name: str, make: object, reason: str, market: tuple[str, ...]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = work / name
    make(db)  # type: ignore[operator]
    before = db.read_bytes()
    done = _rotmon(*market, "--db", str(db), home=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"rotmon: {db}: ") and reason in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert db.read_bytes() == before
    assert sorted(p.name for p in work.iterdir()) == [name]
