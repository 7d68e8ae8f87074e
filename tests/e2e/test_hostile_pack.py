"""A data pack whose names, tickers and file contents carry markup, escape sequences, OSC 52 /
OSC 8 strings and bidi overrides, shown by the real process in a pty: every byte the app writes
is checked (SPEC 10; the pilot-level test of every pane is tests/tui/test_hardening_text.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from data_sources.model import Constituent
from data_sources.pack import PackConfig, load_pack, write_pack
from tests.e2e.ptyrun import PtyApp, isolated_env, rotmon

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="pty: Linux only")

PACK_SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"

MARKUP = "[red]x[/] [/] [link=https://evil.example/]hi[/link]"
ESCAPES = "\x1b[31mRED\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]8;;https://evil.example/\x1b\\L\x9b31m"
BIDI = "\u202eBIDI"
PAYLOAD = f"{MARKUP} {ESCAPES} {BIDI}"


def hostile_pack(root: Path) -> Path:
    """pack_small rewritten with write_pack, plus payloads in the holdings, a ticker with its
    own price file, the pack's name, and a malformed price file named with markup."""
    base = load_pack(PACK_SMALL)
    prices = {symbol: bars.frame for symbol, bars in base.prices.items()}
    prices["[B]X"] = base.prices["IWM"].frame  # a ticker that looks like markup, with prices
    extra = (
        Constituent("[B]X", PAYLOAD, "Energy", 9.0, 10.0, 1.0),
        Constituent(f"R{BIDI}", "W" * 3000, "Energy", 8.0, 11.0, -1.0),
        Constituent("E\x1b[2JV", f"{BIDI} {MARKUP}", "Energy", 7.0, 12.0, 0.5),
    )
    pack = root / "pack"
    write_pack(
        pack,
        prices,
        {series: m.values for series, m in base.macro.items()},
        extra + base.constituents,
        config=PackConfig(name=PAYLOAD, universe="IWM"),
        holdings_asof=base.holdings_asof,
    )
    bad = pack / "prices" / "[red]B[bold].csv"
    bad.write_text(f"Date,Close\n2020-12-10,{ESCAPES}\n2020-12-11,1.0\n", encoding="utf-8")
    return pack


def test_a_hostile_pack_paints_only_inert_text(tmp_path: Path) -> None:
    pack = hostile_pack(tmp_path)
    app = PtyApp(
        rotmon("--data", str(pack), "--db", str(tmp_path / "p.sqlite3")),
        isolated_env(tmp_path),
        size=(160, 48),
    )
    try:
        app.wait_for("PACK asof 2020-12-11")
        app.wait_for("pack ✖ failing")  # the malformed file is a problem, the rest loads
        # Focus moves after the key that asks for it is handled: on a busy machine a "j" sent
        # right behind "2" could still reach the spreads pane, so the pane gets a moment.
        app.press("2", gap=1.0)
        app.press("j", "j", "enter")  # sectors: Info Tech, Financials, Energy
        app.wait_for(
            lambda s: (
                "[red]x[/] [/] [link=https://evil.example/]hi[/link]" in s
                and "[B]X" in s
                and "WWWWWWWW" in s
            )
        )
        time.sleep(1.0)  # the new screen focuses its table after it mounts (busy machines)
        app.press("enter")  # the first constituent: the markup ticker has a price history
        app.wait_for(lambda s: s.startswith(" [B]X  [red]x[/]"))
        app.press("escape", "escape", "D")
        # the problem names the file, literally
        app.wait_for(lambda s: "rotmon · diagnostics" in s and "prices/[red]B[bold].csv" in s)
        app.press("escape")
        app.wait_for(lambda s: "rotmon · diagnostics" not in s)  # q on the dashboard, not D
        app.press("q")
        assert app.wait(20) == 0
    finally:
        app.close()
    out = bytes(app.output)
    for sequence in (b"\x1b]52", b"\x1b]8;", b"\x1b[2J", b"\x1b[31m"):
        assert sequence not in out, sequence  # Textual itself never writes these
    for char in ("\u202e", "\x9b"):
        assert char.encode() not in out, char
    assert b"Traceback" not in out


def broken_paths_pack(root: Path) -> Path:
    """pack_small plus a FIFO, a symlink loop, a dangling link, a link out of the pack, a
    200 KB field and a row dated 9999-12-31: each a named problem, none may block or crash."""
    import os
    import shutil

    pack = root / "pack"
    shutil.copytree(PACK_SMALL, pack)
    prices = pack / "prices"
    os.mkfifo(prices / "PIPE.csv")
    (prices / "LOOP.csv").symlink_to("LOOP.csv")
    (prices / "GONE.csv").symlink_to("nowhere.csv")
    (root / "secret.csv").write_text("Date,Close\n2020-12-11,1\n", encoding="utf-8")
    (prices / "OUT.csv").symlink_to(root / "secret.csv")
    spy = prices / "SPY.csv"
    spy.write_text(
        spy.read_text(encoding="utf-8") + f"2020-12-12,{'9' * 200_000}\n9999-12-31,1\n",
        encoding="utf-8",
    )
    return pack


def test_a_pack_with_a_fifo_and_broken_links_opens_and_names_them(tmp_path: Path) -> None:
    import subprocess

    pack = broken_paths_pack(tmp_path)
    check = subprocess.run(
        rotmon("pack", "check", str(pack)), env=isolated_env(tmp_path), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 1, check.stderr
    for problem in (
        "prices/PIPE.csv: a FIFO (named pipe), not a regular file; not opened",
        "prices/LOOP.csv: a symlink loop; not followed",
        "prices/GONE.csv: a dangling symlink (its target does not exist); not followed",
        "prices/OUT.csv: a symlink leading outside the pack",
        "prices/SPY.csv:513: a line of 200,011 characters",
        "prices/SPY.csv:514: date 9999-12-31 is after today",
    ):
        assert problem in check.stdout, problem
    app = PtyApp(
        rotmon("--data", str(pack), "--db", str(tmp_path / "p.sqlite3")),
        isolated_env(tmp_path),
        size=(160, 48),
    )
    try:
        app.wait_for("PACK asof 2020-12-11")  # not 9999, not 1816
        app.wait_for("pack ✖ failing")
        app.press("D")
        # D lists the pack as pack check reads it: the refused paths are rows of their own
        app.wait_for(lambda s: "prices/PIPE.csv" in s and "prices/LOOP.csv" in s)
        app.press("escape")
        app.wait_for(lambda s: "rotmon · diagnostics" not in s)
        app.press("q")
        assert app.wait(20) == 0
    finally:
        app.close()
    assert b"Traceback" not in bytes(app.output)
