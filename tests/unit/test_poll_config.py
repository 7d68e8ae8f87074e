"""The config's ``[poll]`` reaches the live sources and the feed: a configured interval changes
when the next request is due (a fake clock, real loopback servers, no sleeps)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data_sources.intervals import PollIntervals
from data_sources.live import LiveSource
from tests.support.live_env import Servers, serve, write_config
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)
from tui.cli import live as live_cli
from tui.config import Settings, load_settings

T0 = datetime(2025, 2, 14, 15, 0, tzinfo=UTC)  # a Friday, 10:00 in New York
POLL = (
    "[poll]\nquotes_open = 30\nquotes_closed = 600\nfred = 60\nholdings = 120\nbackoff_max = 50\n"
)


@pytest.fixture
def servers() -> Iterator[Servers]:
    yield from serve()


def configured(tmp_path: Path, servers: Servers | None, text: str = POLL) -> Settings:
    path = write_config(tmp_path / "config.toml", servers)
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return load_settings(path, {}, {})


class Clock:
    def __init__(self) -> None:
        self.now = T0
        self.market = "open"

    def __call__(self) -> datetime:
        return self.now

    def state(self, _now: datetime) -> str:
        return self.market


def source_for(settings: Settings, clock: Clock) -> LiveSource:
    live = live_cli.live_settings(
        settings, stream_url=None, yahoo_backend="requests", symbols=("IWM", "QQQ")
    )
    return LiveSource(live, clock=clock, market_state=clock.state)


def test_poll_section_becomes_the_sources_intervals(tmp_path: Path) -> None:
    settings = configured(tmp_path, None)
    assert settings.poll.intervals() == PollIntervals(30.0, 600.0, 60.0, 120.0, 50.0)
    clock = Clock()
    source = source_for(settings, clock)
    assert source.settings.poll == settings.poll.intervals()
    assert source.fred.health.interval(T0) == timedelta(seconds=60)
    assert source.holdings is not None
    assert source.holdings.health.interval(T0) == timedelta(seconds=120)
    for health in (source.fred.health, source.holdings.health, source.yahoo.quote_health):
        assert health.backoff.ceiling(20) == 50.0  # the retry ceiling
    source.yahoo.set_hot(["IWM"])
    assert source.yahoo.quote_health.interval(T0) == timedelta(seconds=30)
    clock.market = "closed"
    assert source.yahoo.quote_health.interval(T0) == timedelta(seconds=600)
    assert source.poll_interval == 30.0  # the feed calls fetch() at least this often

    # Without [poll] the SPEC 8 defaults hold.
    plain = source_for(configured(tmp_path, None, ""), Clock())
    assert plain.fred.health.interval(T0) == timedelta(hours=6)
    assert plain.yahoo.quote_health.backoff.ceiling(20) == 600.0
    assert plain.poll_interval == 15.0


def test_environment_and_command_line_set_intervals_too(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", None)
    s = load_settings(path, {"ROTMON_POLL_QUOTES_OPEN": "20"}, {"poll.fred": 90})
    assert (s.poll.quotes_open, s.poll.fred) == (20.0, 90.0)
    assert live_cli.live_settings(s).poll.quotes_open == 20.0


async def test_a_configured_interval_moves_the_next_request(
    tmp_path: Path, servers: Servers
) -> None:
    clock = Clock()
    source = source_for(configured(tmp_path, servers), clock)
    yahoo, fred = source.yahoo, source.fred
    try:
        yahoo.set_hot(["IWM"])
        assert await yahoo.poll_quotes(symbols=["IWM", "QQQ"])
        # IWM is on screen: the configured 30 s while open, not the default 15 s.
        assert yahoo.quotes_due(T0 + timedelta(seconds=15)) == []
        assert yahoo.quotes_due(T0 + timedelta(seconds=30)) == ["IWM"]
        # QQQ is not: the configured 600 s, not the default 300 s.
        assert yahoo.quotes_due(T0 + timedelta(seconds=300)) == ["IWM"]
        assert "QQQ" in yahoo.quotes_due(T0 + timedelta(seconds=600))

        fred.series_ids = ("DGS10",)
        await fred.refresh(T0)
        assert fred.health.last_success == T0 and not fred.failed
        assert not fred.due(T0 + timedelta(seconds=59))
        assert fred.due(T0 + timedelta(seconds=60))  # 60 s, not 6 h
    finally:
        await source.aclose()


async def test_the_feed_takes_the_interval_and_the_retry_ceiling(tmp_path: Path) -> None:
    from tui.wiring import build_app

    settings = configured(tmp_path, None)
    source = source_for(settings, Clock())
    app = build_app(source, settings, kind="live", alerts=False)
    try:
        assert app.feed.interval == 30.0
        assert app.feed.max_backoff == 50.0
    finally:
        await source.aclose()
