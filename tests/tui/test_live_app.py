"""The live app on loopback Yahoo/FRED/iShares servers: data arrives without waiting a poll
interval, the symbols on screen are kept hot, a symbol screen asks for P/E lazily."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.catalog import MARKET_SYMBOLS
from data_sources.live import LiveSource
from tests.support.live_env import Servers, serve, write_config
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)
from tests.tui.conftest import wait_until
from tui.cli import live
from tui.config import env_name, load_settings
from tui.wiring import build_app

STREAM_ENV = env_name("sources.stream_url")


@pytest.fixture
def servers() -> Iterator[Servers]:
    yield from serve()


async def test_live_dashboard_hot_symbols_and_lazy_details(
    tmp_path: Path, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STREAM_ENV, "off")
    settings = load_settings(write_config(tmp_path / "c.toml", servers), env={})
    built: list[LiveSource] = []

    def factory() -> LiveSource:  # built on the source's own thread, as the CLI does
        source = live.live_source(settings, None, stream_url=None)
        built.append(source)
        return source

    app = build_app(factory, settings, kind="live", db=tmp_path / "a.sqlite3", alerts=False)
    async with app.run_test(size=(160, 48)) as pilot:
        # the first fetch answers at once with nothing; the downloads wake the feed
        # (the recorded bars end in 2020: stale at the live as-of, so the figures are n/a but
        # each leg's last date is known once its history is in)
        await wait_until(
            lambda: (
                app.snapshot is not None
                and app.snapshot.spreads[0].last_date.get("IWM") is not None
            ),
            30,
        )
        assert app.snapshot.source == "live"  # type: ignore[union-attr]
        # The served history is QQQ's 2020: long stale at the live clock (SPEC 8), so the row
        # shows n/a and names where its data ends instead of a years-old spread.
        head = app.snapshot.spreads[0]  # type: ignore[union-attr]
        assert head.stale == ("IWM", "SPY") and head.returns["1M"].spread_pp is None
        source = built[0]
        await wait_until(lambda: source.yahoo.hot == frozenset(MARKET_SYMBOLS), 10)
        before = servers.yahoo.hits(r"^/v10/finance/quoteSummary/")
        # Enter on the macro pane's VIX row opens its indicator history now (issue 16); a
        # symbol screen is what asks for details and makes its symbol hot.
        app.open_drill("symbol", "^VIX")
        await wait_until(lambda: type(app.screen).__name__ == "SymbolScreen", 10)
        assert app.screen.symbol == "^VIX"  # type: ignore[attr-defined]
        await wait_until(lambda: servers.yahoo.hits(r"^/v10/finance/quoteSummary/") > before, 15)
        await wait_until(lambda: "^VIX" in source.yahoo.hot, 10)
        await pilot.press("escape")
