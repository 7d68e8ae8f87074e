"""A first start's snapshot computed in a forked process (tui.prefetch, issue 19): written to the
snapshot cache when it succeeds, nothing when it fails or is stopped, never a byte to the
terminal, and the child always reaped. Each case runs in a fresh interpreter (a fork is only
made from a process with one thread; a test runner may have others)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from data_sources.demo import DEMO_START, DemoSource

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import os, sys, time, json
from pathlib import Path
from datetime import UTC, datetime
from analytics.types import Snapshot
from tui.prefetch import fork_snapshot
from tui.snapcache import read_cached
path = Path(sys.argv[1]) / "cache" / "snapshot.json"
"""

GOOD = (
    PRELUDE
    + """
from tui.cli.options import Options
def compute():
    print("LEAK to stdout"); print("LEAK to stderr", file=sys.stderr)
    from data_sources.demo import DemoSource, DEMO_START
    from tui.compute import snapshot_from_market
    return snapshot_from_market(DemoSource().market_data(DEMO_START))
p = fork_snapshot(compute, path)
ok = p.wait(60)
gone = True
try:
    os.kill(p.pid, 0)
    gone = False
except ProcessLookupError:
    pass
snap = read_cached(path)
print(json.dumps({"ok": ok, "gone": gone, "spreads": len(snap.spreads) if snap else 0}))
"""
)


def _run(code: str, tmp_path: Path) -> tuple[dict[str, object], str]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]), out.stdout + out.stderr


def test_the_child_writes_the_first_snapshot_and_is_reaped(tmp_path: Path) -> None:
    result, output = _run(GOOD, tmp_path)
    assert result == {"ok": True, "gone": True, "spreads": result["spreads"]}
    assert int(result["spreads"]) > 0  # type: ignore[call-overload]
    assert "LEAK" not in output  # the terminal belongs to the app
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["snapshot.json"]


def test_a_failing_child_writes_nothing(tmp_path: Path) -> None:
    code = (
        PRELUDE
        + """
def compute():
    raise RuntimeError("no market")
p = fork_snapshot(compute, path)
print(json.dumps({"ok": p.wait(30), "exists": path.exists()}))
"""
    )
    result, _ = _run(code, tmp_path)
    assert result == {"ok": False, "exists": False}


def test_a_slow_child_is_stopped_and_leaves_no_file(tmp_path: Path) -> None:
    code = (
        PRELUDE
        + """
def compute():
    time.sleep(30)
    raise AssertionError("never")
p = fork_snapshot(compute, path)
t0 = time.monotonic()
ok = p.wait(0.3)
waited = time.monotonic() - t0
try:
    os.kill(p.pid, 0)
    alive = True
except ProcessLookupError:
    alive = False
left = sorted(x.name for x in path.parent.iterdir()) if path.parent.exists() else []
print(json.dumps({"ok": ok, "alive": alive, "left": left, "quick": waited < 5}))
"""
    )
    result, _ = _run(code, tmp_path)
    assert result == {"ok": False, "alive": False, "left": [], "quick": True}


def test_no_fork_from_a_process_with_threads(tmp_path: Path) -> None:
    code = (
        PRELUDE
        + """
import threading
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
p = fork_snapshot(lambda: None, path)
stop.set()
print(json.dumps({"forked": p is not None}))
"""
    )
    result, _ = _run(code, tmp_path)
    assert result == {"forked": False}


@pytest.mark.parametrize("speed", [1.0, 60.0])
def test_two_demo_clocks_with_one_origin_read_the_same_time(speed: float) -> None:
    # The app's source and the forked child build their clocks at different moments; with
    # one origin (the command's start) they read the same demo time.
    now = [100.0]
    first = DemoSource(speed=speed, wall=lambda: now[0], origin=95.0)
    now[0] = 107.0
    second = DemoSource(speed=speed, wall=lambda: now[0], origin=95.0)
    now[0] = 130.0
    assert first.clock.now() == second.clock.now() == DEMO_START + timedelta(seconds=35 * speed)
    own = DemoSource(speed=speed, wall=lambda: now[0])  # no origin: from its own creation
    assert own.clock.now() == DEMO_START
