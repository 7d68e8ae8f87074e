"""Issue 16 end to end: the real process in a pseudo-terminal at 80x24, 160x48 and 300x80 (one
process, resized), through the main flows at each size: the alert badge, `A`, `H` and its
filter, the `:` symbol jump, Enter and Esc. Waits on what the screen shows, never on time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.ptyrun import PtyApp, isolated_env, rotmon

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="pty: Linux only")

SIZES = [(80, 24), (160, 48), (300, 80)]
BADGE = "‼6 CRIT"
"""The hard-landing demo raises six critical alerts at start."""


def _first_line(app: PtyApp) -> str:
    return app.text().split("\n")[0]


def _on_dashboard(shown: str) -> bool:
    return "q quit" in shown and "1 Spreads" in shown


def test_the_main_flows_at_three_sizes(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    argv = rotmon("--demo", "--scenario", "hard-landing", "--db", str(db), "--fresh")
    app = PtyApp(argv, isolated_env(tmp_path), size=SIZES[0])
    try:
        app.wait_for(lambda s: BADGE in s.split("\n")[0] and _on_dashboard(s), timeout=60)
        for i, (cols, rows) in enumerate(SIZES):
            if i:
                app.resize(cols, rows)
            where = f"{cols}x{rows}"
            # The badge stays in the header, whatever pane and size (the toasts fade).
            shown = app.wait_for(lambda s, c=cols: len(s.split("\n")[0]) == c and _on_dashboard(s))
            assert BADGE in _first_line(app), where
            assert len(shown.split("\n")) == rows
            # The risk pane lists the alerts: new until `A` (pressed at the first size, where
            # `3` shows the pane) acknowledges every one; acknowledged, they stay listed and the
            # badge stays. Every pane is in view from 120 columns.
            if i == 0:
                app.press("3", gap=0)
                app.wait_for(lambda s: s.count(" new") >= 6)
                app.press("A", gap=0)
            app.wait_for(lambda s: s.count(" ack") >= 6 and " new " not in s)
            assert BADGE in _first_line(app), where
            if i == 0:
                app.press("1", gap=0)  # the spreads again, focused: Enter opens a pair
                app.wait_for(lambda s: "IWM/SPY" in s and " ack" not in s)
            # Enter on a spread row opens its pair, Esc comes back.
            app.press("enter", gap=0)
            app.wait_for(
                lambda s: "Russell 2000 vs S&P 500" in s and "Back" in s and not _on_dashboard(s)
            )
            app.press("escape", gap=0)
            app.wait_for(_on_dashboard)
            # H: every transition; `/` filters by rule as it is typed.
            app.press("H", gap=0)
            app.wait_for(lambda s: "Alert history" in s and "Sahm rule" in s and "VIX" in s)
            app.press("/", gap=0)
            app.wait_for("rule id or name")  # the open box's placeholder: typing goes there
            app.press(*"vix", gap=0)
            app.wait_for(lambda s: " vix" in s and "Sahm rule" not in s and "VIX" in s)
            app.press("enter", gap=0)  # closes the box, keeps the filter
            app.wait_for(lambda s: "esc Back" in s and "Sahm rule" not in s)
            app.press("escape", gap=0)
            app.wait_for(_on_dashboard)
            # `:` jumps to any symbol by ticker; Enter opens it, Esc comes back.
            app.press(":", gap=0)
            app.wait_for("ticker or name")
            app.press(*"iwn", gap=0)
            app.wait_for(lambda s: " iwn" in s and "IWN" in s)
            app.press("enter", gap=0)
            app.wait_for(lambda s: "52-week range" in s and "IWN" in s)
            app.press("escape", gap=0)
            app.wait_for(_on_dashboard)
        app.press("q", gap=0)
        assert app.wait(15) == 0
    finally:
        app.close()
