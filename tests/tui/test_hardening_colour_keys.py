"""Colour modes and keys (SPEC 5, 10): NO_COLOR keeps every meaning in signs, arrows, words and
bold; --ansi paints only the terminal's palette; keys remapped in the config file work and the
help shows the keys in force. Basic ANSI/NO_COLOR checks are in test_dashboard_keys."""

from __future__ import annotations

from pathlib import Path

from rich.color import ColorType

from analytics.catalog import WINDOWS
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.hardening_helpers import open_screen, painted, painted_segments, wired_demo
from tui.app import RotmonApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen
from widgets import formatting as fmt
from widgets.heatmap import SectorHeatmap


def _colours(app: RotmonApp) -> list[tuple[str, object]]:
    found = []
    for line in painted_segments(app):
        for segment in line:
            style = segment.style
            for colour in (style.color, style.bgcolor) if style else ():
                if colour is not None:
                    found.append((segment.text, colour))
    return found


def _row(text: str, start: str) -> str:
    """The first painted line with a pane row that starts with ``start`` (after a border)."""
    return next(line for line in text.splitlines() if f"│{start} " in line)


async def test_no_color_keeps_every_meaning_in_signs_arrows_words_and_bold(
    tmp_path: Path,
) -> None:
    app = wired_demo(tmp_path, "oil-shock", no_color=True)  # critical and warning alerts
    async with app.run_test(size=(160, 48)):
        snapshot = await snapshot_on_screen(app)
        await settled(app)
        # the alert rows come from the alert desk's book, a moment after the snapshot
        await wait_until(
            lambda: (
                painted(app).count("‼ CRIT") + painted(app).count("! WARN") >= len(snapshot.alerts)
            )
        )
        assert app.no_color
        assert {a.severity for a in snapshot.alerts} == {"critical", "warning"}
        # Alerts are shown once the alert log has them (log before show): wait for the rows.
        await wait_until(lambda: "‼ CRIT" in painted(app) and "! WARN" in painted(app))
        for text, colour in _colours(app):  # greys only: no hue is left to carry a meaning
            assert colour.type in (ColorType.TRUECOLOR, ColorType.DEFAULT), (text, colour)
            if colour.type == ColorType.TRUECOLOR:
                r, g, b = colour.triplet
                assert r == g == b, (text, colour)
        text = painted(app)
        for pair in snapshot.spreads:
            line = _row(text, pair.id)
            for window in WINDOWS:  # every spread with its sign
                assert fmt.signed(pair.returns[window].spread_pp) in line, (pair.id, window)
            arrow = {"up": "▲", "down": "▼", "flat": "→"}[pair.trend or "flat"]
            assert f" {arrow} " in line, pair.id
        assert snapshot.alerts
        for alert in snapshot.alerts:
            word = {"critical": "‼ CRIT", "warning": "! WARN"}[alert.severity]
            line = next(ln for ln in text.splitlines() if word in ln and alert.label[:20] in ln)
            assert line
        crit = [s for line in painted_segments(app) for s in line if "CRIT" in s.text]
        assert crit and all(s.style.bold for s in crit)  # severity in bold as well as words
        for row in snapshot.macro:
            if row.change is not None and row.change != 0:
                line = _row(text, row.label)
                assert ("▲" if row.change > 0 else "▼") in line, row.label
        assert "demo ● ok" in text  # source states are spelled out


async def test_ansi_mode_paints_only_the_terminal_palette(tmp_path: Path) -> None:
    app = wired_demo(tmp_path, ansi=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        assert app.ansi_color and app.theme == "rotmon-ansi-dark"
        screens = [("dashboard", None), ("pair", "IWM/SPY"), ("sector", "Energy")]
        for kind, key in screens:
            if key is not None:
                await open_screen(app, kind, key)
                await pilot.pause()
            palette = {ColorType.STANDARD, ColorType.DEFAULT}
            odd = [(t, c) for t, c in _colours(app) if c.type not in palette]
            assert not odd, (kind, odd[:5])  # 16 colours and the terminal's own fore/background
            if key is not None:
                await pilot.press("escape")
                await wait_until(lambda: isinstance(app.screen, DashboardScreen))


async def test_keys_remapped_in_the_config_file_work_and_help_shows_them(
    tmp_path: Path,
) -> None:
    from tui.config import check_config, load_settings

    config = tmp_path / "config.toml"
    config.write_text(
        '[keys]\n"window.next" = "w"\n"app.quit" = "x,ctrl+q"\n"pane.2" = "f2"\n',
        encoding="utf-8",
    )
    assert check_config(config) == []
    settings = load_settings(config, {}, {})
    app = wired_demo(tmp_path, settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        heatmap = app.dashboard.query_one(SectorHeatmap)
        await pilot.press("f2")
        assert app.dashboard.active_pane == 1
        await pilot.press("w")
        assert heatmap.window == "3M"
        await pilot.press("right_square_bracket")  # the old key is gone
        assert heatmap.window == "3M"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        entries = {e.description: e.keys for e in app.screen.entries}
        assert entries["Next window"] == ("w",)
        assert entries["Quit"] == ("x", "^q")
        assert entries["Sectors pane"] == ("f2",)
        assert entries["Previous window"] == ("[",)  # untouched keys stay
        shown = " ".join(painted(app).split())
        assert "w Next window" in shown and "f2 Sectors pane" in shown
        await pilot.press("escape", "q")  # q is no longer quit
        assert app.is_running and isinstance(app.screen, DashboardScreen)
        status = painted(app).splitlines()[-1]
        assert "x quit" in status and "q quit" not in status  # the hints follow the keymap
        await pilot.press("x")
    assert app.return_code == 0


def test_every_action_id_is_in_the_readme_and_an_unknown_one_is_an_error(
    tmp_path: Path,
) -> None:
    import pytest

    from tui.config import load_settings
    from tui.keymap import binding_ids

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    ids = binding_ids()
    assert {"app.quit", "window.next", "pane.2", "move.down", "asof.next_week"} <= ids
    missing = sorted(i for i in ids if f"`{i}`" not in readme)
    assert not missing, f"the README's key table lacks {missing}"
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"window.nxt" = "w"\n', encoding="utf-8")
    settings = load_settings(config, {}, {})
    with pytest.raises(
        ValueError, match=r"^config\.toml:2: keys\.window\.nxt: unknown action id \(did you"
    ):
        wired_demo(tmp_path, settings=settings)
