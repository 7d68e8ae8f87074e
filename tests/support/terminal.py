"""Python code run in a child process whose stdin and stdout are a pseudo-terminal (the app
refuses to start without one); its stderr is captured for the test to read."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_on_a_terminal(code: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` from the project root with ``env``, on a pty; stderr as text."""
    master, slave = pty.openpty()
    try:
        return subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, stdin=slave, stdout=slave,
            stderr=subprocess.PIPE, text=True, timeout=120, env=dict(env), check=False,
        )  # fmt: skip
    finally:
        os.close(slave)
        os.close(master)
