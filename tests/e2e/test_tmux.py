"""rotmon inside tmux under TERM=screen-256color and TERM=xterm: start, keys, help, quit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.ptyrun import ROOT, isolated_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """A private tmux server (its own socket and config) with one session."""

    def __init__(self, home: Path, term: str) -> None:
        self.socket = home / "tmux.sock"
        conf = home / "tmux.conf"
        conf.write_text(
            f'set -g default-terminal "{term}"\n'
            "set -sg escape-time 0\n"  # escape reaches the app at once
        )
        self.conf = conf
        self.env = isolated_env(home)
        self.env.pop("TERM")  # tmux sets it from default-terminal

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", str(self.conf), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def pane(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_for(self, test: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.pane()
            if test(shown):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"waited for {what}; pane:\n{shown}")
            time.sleep(0.1)


@pytest.mark.parametrize("term", ["screen-256color", "xterm"])
def test_rotmon_in_tmux(tmp_path: Path, term: str) -> None:
    tmux = Tmux(tmp_path, term)
    seen_term, exit_code = tmp_path / "term.txt", tmp_path / "exit.txt"
    command = (
        f"echo $TERM > {seen_term}; cd {ROOT} && "
        f"{sys.executable} -m tui --demo --db {tmp_path / 'a.sqlite3'}; echo $? > {exit_code}"
    )
    tmux.run("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command)
    try:
        # 100 columns: one pane, the tab strip
        tmux.wait_for(lambda s: "IWM/SPY" in s and "[1 Spreads]" in s, "the spreads")
        tmux.run("send-keys", "-t", "t", "2")
        # one condition, not a wait then asserts: a capture can fall between two frames
        tmux.wait_for(
            lambda s: "[2 Sectors]" in s and "Energy" in s and "IWM/SPY" not in s,
            "the sectors pane alone",
        )
        tmux.run("send-keys", "-t", "t", "?")
        tmux.wait_for(lambda s: "rotmon · keys" in s and "Next pane" in s, "the help screen")
        tmux.run("send-keys", "-t", "t", "Escape")
        tmux.wait_for(lambda s: "rotmon · keys" not in s and "Energy" in s, "help closed")
        tmux.run("send-keys", "-t", "t", "q")
        deadline = time.monotonic() + 10
        # the shell creates the file, then writes to it: wait for the text
        while time.monotonic() < deadline and not (
            exit_code.exists() and exit_code.read_text().strip()
        ):
            time.sleep(0.1)
        assert exit_code.read_text().strip() == "0"
        assert seen_term.read_text().strip() == term  # what the app ran under
    finally:
        subprocess.run(
            ["tmux", "-S", str(tmux.socket), "kill-server"], env=tmux.env, capture_output=True
        )
