"""What the one-shot commands write when their output is not a terminal (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "tests" / "fixtures" / "pack_small"


def test_backtest_redirected_to_a_file_keeps_every_cell_whole(tmp_path: Path) -> None:
    # Rich assumes 80 columns without a terminal: "energy_outperforman…", "2020-04-…"
    target = tmp_path / "backtest.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path)}
    env.pop("COLUMNS", None)
    with target.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            [sys.executable, "-m", "tui", "backtest", "--data", str(PACK)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    text = target.read_text(encoding="utf-8")
    assert "…" not in text
    assert "energy_outperformance " in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  energy_")]
    assert rows and all(
        len(row[3]) == len("2020-04-17") or row[3] == "open" or row[3:5] == ["data", "ends"]
        for row in rows
    )
    assert all(len(row[-1]) == len("2020-04-17") for row in rows)
    # as wide as the table needs, not padded to some huge width
    assert max(len(line) for line in text.splitlines()) < 120
