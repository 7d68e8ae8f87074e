"""Every option means the same before or after its subcommand (SPEC 2; issue 15), errors are
one line with one exit code each, and the commands that need no Textual never import it."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.netguard import no_network  # noqa: F401  (autouse: the demo is offline)
from tui.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "tests" / "fixtures" / "pack_small"


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in ("ROTMON_CONFIG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize(
    ("market", "cut"),
    [
        (["--demo", "--scenario", "oil-shock", "--seed", "3"], 1),
        (["--data", str(PACK), "--asof", "2020-03-20"], 2),
    ],
)
def test_market_options_before_the_subcommand_are_the_same_as_after(
    capsys: pytest.CaptureFixture[str], market: list[str], cut: int
) -> None:
    after = run(capsys, "snapshot", *market, "--format", "json")
    before = run(capsys, *market, "snapshot", "--format", "json")
    split = run(capsys, *market[:cut], "snapshot", *market[cut:], "--format", "json")
    assert after[0] in (0, 1) and after[1], after[2]  # the small pack lacks some series: 1
    assert before == after == split
    doc = json.loads(before[1])
    assert doc["source"] == ("demo" if market[0] == "--demo" else "pack")  # never live


def test_demo_before_snapshot_runs_offline_in_a_fresh_process(tmp_path: Path) -> None:
    # A fresh process has no netguard: an attempt to go live would need the network, and the
    # document would say "live"; nor may `snapshot` import Textual (issue 15).
    code = (
        "import io, sys, contextlib, json\n"
        "from tui.__main__ import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['--demo', 'snapshot', '--format', 'json'])\n"
        "bad = [m for m in ('textual', 'yfinance', 'httpx') if m in sys.modules]\n"
        "print(rc, json.loads(buf.getvalue())['source'], bad)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert out.stdout.strip() == "0 demo []", out.stdout + out.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_path_is_the_config_given_wherever_it_stands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    cfg = tmp_path / "mine.toml"
    argv = ["--config", str(cfg)]
    rc, out, err = run(capsys, *(argv if where == "before" else []), "config", "path",
                       *(argv if where == "after" else []))  # fmt: skip
    assert (rc, out, err) == (0, f"{cfg}\n", "")
    # between the group and its action too
    assert run(capsys, "config", *argv, "path") == (0, f"{cfg}\n", "")


def test_a_later_option_wins_over_an_earlier_one(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "--demo", "--scenario", "calm", "snapshot", "--format", "json")
    second = run(
        capsys, "--demo", "--scenario", "oil-shock", "snapshot", "--scenario", "calm",
        "--format", "json",
    )  # fmt: skip
    assert first == second and first[0] == 0


def test_debug_before_the_subcommand_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    where = str(target / "shots")  # a directory under a file: cannot be made
    rc, out, err = run(capsys, "screenshots", where)
    assert (rc, out) == (70, ""), err  # an internal error is not "data could not be obtained"
    assert err.startswith("rotmon: internal error: ") and "--debug" in err
    assert len(err.splitlines()) == 1
    for argv in (["--debug", "screenshots", where], ["screenshots", where, "--debug"]):
        with pytest.raises(OSError):
            main(argv)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--demo", "doctor"], "--demo: does not apply to `rotmon doctor`"),
        (["--speed", "2", "snapshot", "--demo"], "--speed: does not apply to `rotmon snapshot`"),
        (["--demo", "config", "path"], "--demo: does not apply to `rotmon config path`"),
        (["--data", str(PACK), "snapshot", "--demo"], "--data: not allowed with --demo"),
        (["--seed", "-1", "snapshot"], "--seed: expected a whole number >= 0, got '-1'"),
        (["--refresh", "0", "snapshot"], "--refresh: expected a number > 0, got '0'"),
        (["--asof", "2024-01-05", "snapshot"], "--asof: needs --data DIR"),
        (["--demo", "snapshot", "--asof", "2024-01-05"], "--asof: needs --data DIR"),
        (["--seed", "3", "snapshot"], "--seed: applies to the demo market only (add --demo)"),
        (["snapshot", "--data", str(PACK), "--scenario", "calm"], "--scenario: applies to the"),
        (["snapshot", "--bogus"], "No such option '--bogus'"),
        (["record"], "Missing argument 'DIR'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    rc, out, err = run(capsys, *argv)
    assert (rc, out) == (2, "")
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_demo_serve_serves_the_demo_with_every_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual_serve.server import Server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(Server, "serve", lambda self, debug=False: seen.update(cmd=self.command))
    db, cfg = tmp_path / "d.sqlite3", tmp_path / "c.toml"
    argv = ["--demo", "--scenario", "calm", "--seed", "5", "--speed", "60", "--db", str(db),
            "--refresh", "2", "--no-color", "--debug"]  # fmt: skip
    assert run(capsys, *argv, "serve", "--port", "8123", "--config", str(cfg))[0] == 0
    served = seen["cmd"].split()
    assert served[1:3] == ["-m", "tui"]
    assert served[3:] == [
        "--demo", "--scenario", "calm", "--seed", "5", "--speed", "60.0",
        "--config", str(cfg.resolve()), "--db", str(db.resolve()), "--refresh", "2.0",
        "--no-color", "--debug",
    ]  # fmt: skip


@pytest.mark.parametrize("stdin_tty", [False, True])
def test_without_a_terminal_the_dashboard_does_not_start(tmp_path: Path, stdin_tty: bool) -> None:
    # `rotmon --demo </dev/null >file` wrote escape codes into the file forever (issue 14)
    master, slave = pty.openpty()
    out_file = tmp_path / "out.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path)}
    env.pop("TEXTUAL_DRIVER", None)
    try:
        with out_file.open("wb") as out, open(os.devnull, "rb") as devnull:
            done = subprocess.run(
                [sys.executable, "-m", "tui", "--demo"], cwd=ROOT, env=env,
                stdin=slave if stdin_tty else devnull, stdout=out, stderr=subprocess.PIPE,
                text=True, timeout=60, check=False,
            )  # fmt: skip
    finally:
        os.close(slave)
        os.close(master)
    assert done.returncode == 2
    assert done.stderr == "rotmon needs a terminal; try `rotmon snapshot`\n"
    assert out_file.read_bytes() == b""
