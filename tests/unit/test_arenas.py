"""tui.arenas: the dashboard's process keeps one glibc malloc arena (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.terminal import python_on_a_terminal

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import ctypes, sys, threading
from tui.arenas import limit_arenas
agreed = limit_arenas() if sys.argv[1] == "limit" else None
barrier = threading.Barrier(7)
keep = []
def work():
    keep.append([bytes(2000) for _ in range(200)])  # malloc'd (beyond pymalloc's 512 bytes)
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads:
    t.start()
barrier.wait()
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" block per arena, on stderr
print(agreed)
"""

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc only",
)


def _arenas(mode: str, **env: str) -> tuple[int, str]:
    full = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    full.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, env=full, check=True
    )
    arenas = sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))
    return arenas, done.stdout.strip()


@glibc
def test_six_threads_share_one_arena() -> None:
    limited, agreed = _arenas("limit")
    assert agreed == "True"
    assert limited == 1
    unlimited, _ = _arenas("none")  # the same threads without the limit: one arena each
    assert unlimited > 2


@glibc
def test_a_users_malloc_arena_max_wins() -> None:
    arenas, agreed = _arenas("limit", MALLOC_ARENA_MAX="4")
    assert agreed == "False"
    assert arenas > 2


def test_the_dashboard_limits_the_arenas_before_any_thread(tmp_path: Path) -> None:
    code = (
        "import sys, threading\n"
        "sys.argv = ['rotmon', '--demo']\n"
        "import tui.arenas, tui.app\n"
        "calls = []\n"
        "real = tui.arenas.limit_arenas\n"
        "def spy(*a):\n"
        "    calls.append(threading.active_count())\n"
        "    return real(*a)\n"
        "tui.arenas.limit_arenas = spy\n"
        "tui.app.RotmonApp.run = lambda self, *a, **k: calls.append('run')\n"
        "import tui.__main__ as m\n"
        "m.main()\n"
        "print(calls, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    env.update(
        XDG_CACHE_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path)
    )
    out = python_on_a_terminal(code, env)
    assert out.stderr.strip().splitlines()[-1:] == ["[1, 'run']"], out.stderr
