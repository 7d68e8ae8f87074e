"""The diagnostics screen: fields as doctor shows them, inert text, refresh, keys, providers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App

from analytics.health import SourceHealth
from data_sources.live import LiveSettings, LiveSource
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.tui.conftest import START, wait_until
from tui.screens.diagnostics import (
    DiagnosticsScreen,
    SourceCard,
    body_text,
    provider_for,
    title_text,
)

NOW = datetime(2025, 2, 14, 20, 30, 0, tzinfo=UTC)

FRED = SourceHealth(
    name="fred",
    state="failing",
    last_request=NOW - timedelta(seconds=12),
    last_success=NOW - timedelta(hours=7),
    last_failure=NOW - timedelta(seconds=11),
    last_latency_ms=412.4,
    mean_latency_ms=380.0,
    requests=9,
    errors=3,
    failures=2,
    # what a hostile error page could carry: markup and a terminal escape
    error="DGS10: HTTP 503 [bold red]Down[/] \x1b[2J now",
    next_retry=NOW + timedelta(seconds=150),
    next_due=NOW - timedelta(hours=1),
    cache_hits=14,
    circuit="half_open",
    interval_s=21600.0,
    age_s=7 * 3600.0,
)


def test_fields_one_per_line_when_narrow() -> None:
    assert body_text(FRED, NOW, 80).plain.splitlines() == [
        "last request  20:29:48Z (12s ago)",
        "last success  13:30:00Z (7h ago)",
        "last failure  20:29:49Z (11s ago)",
        "latency       412 ms, mean 380 ms",
        "requests      9",
        "errors        3 (2 in a row)",
        "cache hits    14",
        "circuit       half-open",
        "next retry    20:32:30Z (in 2m)",
        "next due      19:30:00Z (1h ago)",
        "interval      every 6h",
        "last error    DGS10: HTTP 503 [bold red]Down[/]  now",
    ]
    assert title_text(FRED).plain == "✖ fred  failing · age 7h"


def test_fields_two_per_line_when_wide_and_dates_when_not_today() -> None:
    old = replace(FRED, last_success=datetime(2025, 2, 13, 21, 0, tzinfo=UTC))
    lines = body_text(old, NOW, 120).plain.splitlines()
    assert len(lines) == 7
    # the left values are padded to the longest (19 characters) plus 3
    assert lines[0] == (
        "last request  20:29:48Z (12s ago)   last success  2025-02-13 21:00:00Z (23h ago)"
    )
    assert lines[4] == "next retry    20:32:30Z (in 2m)     next due      19:30:00Z (1h ago)"
    assert lines[5] == "interval      every 6h"
    assert lines[-1].startswith("last error    DGS10")


class _Plain:
    """A source without request records (demo, pack): only its ``status()``."""

    def status(self) -> tuple[SourceHealth, ...]:
        return (
            SourceHealth("demo", "ok", last_success=NOW - timedelta(seconds=5)),
            SourceHealth("pack", "failing", error="2 problems in the pack"),
        )


def test_a_plain_status_knows_only_what_it_says() -> None:
    demo, pack = provider_for(lambda: _Plain(), clock=lambda: NOW)()
    assert (demo.name, demo.state, demo.age_s, demo.requests) == ("demo", "ok", 5.0, None)
    lines = body_text(demo, NOW, 80).plain.splitlines()
    assert "requests      n/a" in lines and "circuit       n/a" in lines
    assert "latency       n/a" in lines and "interval      n/a" in lines
    assert "last request  never" in lines and "next retry    none" in lines
    assert pack.last_error == "2 problems in the pack" and pack.age_s is None
    assert title_text(pack).plain == "✖ pack  failing"


class Host(App[None]):
    """A bare app that opens the diagnostics screen at start."""

    def __init__(self, provider: Callable[[], Sequence[SourceHealth]]) -> None:
        super().__init__()
        self.provider = provider

    def on_mount(self) -> None:
        self.push_screen(DiagnosticsScreen(self.provider, clock=lambda: NOW, interval=0.05))


def card_text(screen: DiagnosticsScreen, name: str) -> str:
    """The card's title and body, or "" while a new card is still a blank str (not yet drawn)."""
    card = screen.cards[name]
    parts = [getattr(part.content, "plain", None) for part in (card.title, card.body)]
    return "" if None in parts else "\n".join(parts)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["escape", "backspace", "D"])
async def test_screen_refreshes_shows_inert_text_and_closes(key: str) -> None:
    calls = {"n": 0}

    def provider() -> list[SourceHealth]:
        calls["n"] += 1
        yahoo = replace(FRED, name="yahoo-quotes", state="ok", requests=calls["n"], errors=0)
        return [yahoo, FRED]

    app = Host(provider)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DiagnosticsScreen)
        assert list(screen.cards) == ["yahoo-quotes", "fred"]
        first = calls["n"]
        # the timer, not a key: asked twice more (each answer is painted in the same step)
        await wait_until(lambda: calls["n"] >= first + 2)
        text = card_text(screen, "yahoo-quotes")
        # the provider's latest answer is what is painted (asked and painted in one step)
        assert re.search(rf"^requests {{6}}{calls['n']} {{3,}}errors", text, re.M)
        fred = card_text(screen, "fred")
        assert "[bold red]Down[/]  now" in fred and "\x1b" not in fred
        assert screen.cards["fred"].has_class("-failing")
        assert screen.cards["yahoo-quotes"].has_class("-ok")
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, DiagnosticsScreen)


async def test_a_failing_provider_is_shown_not_fatal() -> None:
    state = {"fail": False}

    def provider() -> list[SourceHealth]:
        if state["fail"]:
            raise RuntimeError("source gone \x1b[31m")
        return [FRED]

    app = Host(provider)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DiagnosticsScreen)
        state["fail"] = True
        note = screen.note
        await wait_until(lambda: "unavailable" in note.content.plain)  # type: ignore[union-attr]
        assert note.content.plain == "diagnostics unavailable: source gone "  # type: ignore[union-attr]
        assert isinstance(app.screen, DiagnosticsScreen) and len(app.screen.query(SourceCard)) == 1


async def test_sources_appearing_later_get_their_card() -> None:
    rows: list[SourceHealth] = []
    app = Host(lambda: list(rows))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DiagnosticsScreen)
        assert screen.note.content.plain == "no source has reported yet"  # type: ignore[union-attr]
        rows.append(FRED)
        await wait_until(lambda: list(screen.cards) == ["fred"])
        await wait_until(lambda: "fred" in screen.cards and bool(card_text(screen, "fred")))


def test_provider_for_a_live_source_gives_its_diagnostics_without_any_request() -> None:
    live = LiveSource(
        LiveSettings(stream_url=None, holdings_url="http://127.0.0.1:9/h", fred_api_key=None),
        clock=lambda: NOW,
    )
    rows = provider_for(lambda: live)()
    assert [r.name for r in rows] == [
        "yahoo-history",
        "yahoo-quotes",
        "yahoo-details",
        "fred",
        "holdings",
    ]
    assert all(r.state == "loading" and r.requests == 0 for r in rows)
    assert provider_for(lambda: None)() == ()


async def test_on_the_demo_dashboard(make_demo_app: Callable[..., App]) -> None:
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.source is not None)
        provider = provider_for(lambda: app.source, app.now)  # type: ignore[attr-defined]
        await app.push_screen(DiagnosticsScreen(provider, clock=app.now))  # type: ignore[attr-defined]
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DiagnosticsScreen)
        names = [s.name for s in app.source.status()]  # type: ignore[attr-defined]
        assert list(screen.cards) == names
        assert app.now() == START  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DiagnosticsScreen)
