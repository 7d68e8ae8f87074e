"""Text from a data source reaches the screen inert: no Rich markup is interpreted and no
terminal control sequence, BEL or bidi override from the source is painted (SPEC 10).

The payloads travel through a source that hands them over raw (names, tickers, quote names,
status errors, problems, fetch and bars errors) and every screen that shows external text is
opened: the status bar, the notifications, the sector constituents, the symbol screen and
diagnostics. What is checked is the compositor's output, segment by segment: the text the
driver writes to the terminal between its own escape sequences.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.health import SourceHealth
from data_sources.base import SourceError
from data_sources.model import Constituent, MarketData, Quote
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import settled, wait_until
from tests.tui.hardening_helpers import open_screen, painted, painted_segments, wired_demo
from tui.app import RotmonApp

MARKUP = "[red]x[/] [/] [link=https://evil.example/]hi[/link] [bold]"
ESCAPES = (
    "\x1b[31mRED\x1b[0m\x1b[2J"  # SGR and erase-display
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard
    "\x1b]8;;https://evil.example/\x1b\\L\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x9b31m"  # C1 CSI
)
BIDI = "\u202eBIDI\u2066x\u2069"
PAYLOAD = f"{MARKUP} {ESCAPES} {BIDI}"
LONG = "W" * 5000
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069")

HOSTILE_SYMBOLS = ("[B]X", "E\x1b[2JV", "R\u202eTL")


def _hostile_constituents(real: tuple[Constituent, ...]) -> tuple[Constituent, ...]:
    """The demo's holdings with three Energy names on top carrying the payloads."""
    extra = (
        Constituent(HOSTILE_SYMBOLS[0], PAYLOAD, "Energy", 9.0, 10.0, 1.0),
        Constituent(HOSTILE_SYMBOLS[1], LONG, "Energy", 8.0, 11.0, -1.0),
        Constituent(HOSTILE_SYMBOLS[2], f"{BIDI} {MARKUP}", "Energy", 7.0, 12.0, 0.5),
    )
    return extra + real


class HostileSource:
    """The demo market with payloads where a real source carries outside text; the second and
    later fetches fail with a payload as their error (a body echoed back by a server)."""

    name = "demo"
    kind = "demo"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.clock = inner.clock
        self.fetches = 0

    async def fetch(self, now: datetime) -> MarketData:
        self.fetches += 1
        if self.fetches > 1:
            raise SourceError(f"HTTP 500: {PAYLOAD} {LONG}")
        market = await self.inner.fetch(now)
        quotes = dict(market.quotes)
        quotes[HOSTILE_SYMBOLS[0]] = Quote(HOSTILE_SYMBOLS[0], 10.0, market.asof, name=PAYLOAD)
        statuses = (
            *market.statuses,
            SourceHealth("holdings", "failing", error=f"{PAYLOAD} {LONG}", detail=PAYLOAD),
        )
        return dataclasses.replace(
            market,
            quotes=quotes,
            constituents=_hostile_constituents(market.constituents),
            statuses=statuses,
            problems=(f"holdings.csv:3: {PAYLOAD}",),
        )

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        if symbol in HOSTILE_SYMBOLS:
            raise SourceError(f"{PAYLOAD} {LONG}")
        return await self.inner.bars(symbol)

    def status(self) -> tuple[SourceHealth, ...]:
        return (
            SourceHealth("demo", "failing", error=f"{PAYLOAD} {LONG}", detail=PAYLOAD),
            SourceHealth("holdings", "stale", error=PAYLOAD, detail=BIDI),
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def assert_inert(app: RotmonApp, where: str) -> str:
    """No forbidden character in any painted segment; returns the painted text."""
    for y, line in enumerate(painted_segments(app)):
        for segment in line:
            if segment.control:
                continue  # the driver's own cursor moves, not text
            bad = [c for c in FORBIDDEN if c in segment.text]
            assert not bad, (where, y, bad, segment.text[:80])
    text = painted(app)
    assert "evil" not in "".join(
        str(s.style.link) for ln in painted_segments(app) for s in ln if s.style and s.style.link
    ), where
    return text


async def test_payloads_reach_every_screen_as_inert_text(tmp_path: Path) -> None:
    from tests.tui.conftest import demo_source

    source = HostileSource(demo_source())
    app = wired_demo(tmp_path, source=source)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        text = assert_inert(app, "dashboard")
        assert "holdings" in text and "[red]x[/]" in text  # the status bar, literally

        # Pairs and sectors named in a pack's pack.toml reach the spreads pane, its pair
        # detail and the heatmap: the same snapshot with payloads in every name.
        real = app.snapshot
        assert real is not None
        hostile = dataclasses.replace(
            real,
            spreads=tuple(
                dataclasses.replace(r, id=f"[B]X/{r.large}", small="[B]X", label=PAYLOAD)
                for r in real.spreads
            ),
            heatmap=tuple(
                dataclasses.replace(r, sector=f"{MARKUP} {ESCAPES}", large="E\x1b[2JV")
                for r in real.heatmap
            ),
            macro=tuple(dataclasses.replace(r, label=f"[red]m{BIDI}") for r in real.macro),
        )
        with app.batch_update():
            app.dashboard.show_snapshot(hostile)
        await pilot.pause()
        text = assert_inert(app, "dashboard, hostile names")
        assert "[B]X/SPY" in text and "[red]m" in text and "[red]x[/]" in text
        with app.batch_update():
            app.dashboard.show_snapshot(real)

        await pilot.press("r")  # the next fetch fails with a payload: a toast and the bar
        await wait_until(lambda: "failing" in painted(app) and "HTTP 500" in painted(app))
        text = assert_inert(app, "dashboard, failing")
        assert "HTTP 500: [red]x[/]" in text  # the notification shows the markup as text

        await open_screen(app, "sector", "Energy")
        await wait_until(lambda: "[B]X" in painted(app))
        text = assert_inert(app, "sector")
        assert "[red]x[/] [/] [link=" in text  # the name column, literally
        assert "WWWWWWWW" in text and "W" * 200 not in text  # a long name is cut to its column
        assert "EV" in text  # the ticker's whole escape sequence did not survive

        await pilot.press("enter")  # the first row: the payload ticker
        await wait_until(lambda: type(app.screen).__name__ == "SymbolScreen")
        await wait_until(lambda: app.screen.bars_loaded)  # type: ignore[attr-defined]
        text = assert_inert(app, "symbol")
        assert text.splitlines()[0].startswith(" [B]X  [red]x[/]")  # title: ticker and name

        await pilot.press("escape", "escape", "D")
        await wait_until(lambda: type(app.screen).__name__ == "DiagnosticsScreen")
        await wait_until(lambda: "[red]x[/]" in painted(app))
        assert_inert(app, "diagnostics")

        for symbol in HOSTILE_SYMBOLS[1:]:
            await pilot.press("escape")
            await open_screen(app, "symbol", symbol)
            await wait_until(lambda: app.screen.bars_loaded)  # type: ignore[attr-defined]
            assert_inert(app, f"symbol {symbol!r}")
            app.pop_screen()
            await pilot.pause()


async def test_a_pack_problem_reaches_the_status_bar_as_inert_text(tmp_path: Path) -> None:
    """The feed fetched the pack fine, but the pack reports a malformed file: the status bar
    says so (it said "ok"), with the file's name as text."""
    import shutil

    from data_sources.pack import PackSource
    from tui.config import Settings
    from tui.wiring import build_app

    pack = tmp_path / "pack"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "pack_small", pack)
    bad = pack / "prices" / "[red]B[bold].csv"
    bad.write_text(f"Date,Close\n2020-12-10,{ESCAPES}\n2020-12-11,1.0\n", encoding="utf-8")
    app = build_app(
        PackSource(pack), Settings(), kind="pack", db=tmp_path / "p.sqlite3", badge="PACK",
        live_polling=False,
    )  # fmt: skip
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)):
        await snapshot_on_screen(app)
        text = assert_inert(app, "pack status")
        status = text.splitlines()[-1]
        assert "pack ✖ failing: 1 problem in the pack; first: prices/[r…" in status


async def test_every_toast_is_inert(make_demo_app: Any) -> None:
    """RotmonApp.notify makes every toast inert, whoever calls it (screens call the app's)."""
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.notify(f"Export failed: {ESCAPES}\u2028x\nline 2", title="T\x1b[2J\u202e", markup=False)
        app.screen.notify(f"from a screen {ESCAPES}", markup=False)
        await pilot.pause()
        toasts = [(str(n.message), str(n.title)) for n in app._notifications]
        assert len(toasts) >= 2
        for message, title in toasts:
            for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\u2028"):
                assert bad not in message and bad not in title
        assert ("Export failed: REDL x\nline 2", "T") in toasts
        assert ("from a screen REDL", "") in toasts
