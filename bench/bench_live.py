"""Bench the live source on the UI loop: CPU per quote poll of every spec symbol (target
<= 20 ms of event-loop-thread time) and the delay of a streamed tick (target <= 100 ms).

Run: ``.venv/bin/python bench/bench_live.py [--rounds N] [--ticks N]``.
Everything runs against loopback servers (tests/support) answering with recorded payloads:
each spec symbol is served QQQ's recorded chart and v7 quote under its own name. The loop
thread's CPU is ``time.thread_time`` taken on that thread around ``fetch`` (the yfinance
request, JSON parsing and quote conversion run in the source's worker thread and are not
counted); wall time is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS
from data_sources.live import LiveSettings, LiveSource
from data_sources.yahoo import routes_to
from tests.support.data_servers import SMALL_HOLDINGS, FredApp, HoldingsApp
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.stream_server import StreamServer, pricing_frame
from tests.support.yahoo_server import YahooApp

TARGET_POLL_MS = 20.0
TARGET_TICK_MS = 100.0
NOW = datetime(2025, 2, 14, 20, 30, tzinfo=UTC)


class MovingQuotes:
    """The recorded v7 quote with the price and time moved on at every request, so that each
    poll changes every symbol's live row (as a real session does)."""

    def __init__(self, app: YahooApp) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, req: Request) -> Reply:
        reply = self.app(req)
        if not req.path.startswith("/v7/finance/quote"):
            return reply
        self.calls += 1
        body = json.loads(reply.data())
        for item in body["quoteResponse"]["result"]:
            item["regularMarketPrice"] = round(item["regularMarketPrice"] + 0.01 * self.calls, 2)
            item["regularMarketTime"] += self.calls
        return Reply(200, json.dumps(body))


def _settings(yahoo: str, fred: str, holdings: str, stream: str | None) -> LiveSettings:
    return LiveSettings(
        symbols=MARKET_SYMBOLS,
        fred_series=FRED_SERIES,
        yahoo_routes=routes_to(yahoo),
        yahoo_backend="requests",
        stream_url=stream,
        fred_api_key=None,
        fred_graph_url=f"{fred}/graph/fredgraph.csv",
        holdings_url=f"{holdings}/holdings.ajax",
        timeout=5.0,
    )


async def bench_poll(rounds: int, yahoo: str, fred: str, holdings: str) -> None:
    src = LiveSource(
        _settings(yahoo, fred, holdings, None), clock=lambda: NOW, market_state=lambda now: "open"
    )
    src.set_hot(MARKET_SYMBOLS)
    try:
        t0 = time.perf_counter()
        first = await src.fetch(NOW, wait=120)
        await src.settle()
        print(
            f"warm-up: {len(first.prices)} histories, {len(first.macro)} FRED series,"
            f" {len(first.quotes)} quotes in {time.perf_counter() - t0:.2f} s wall"
        )
        cpu, wall, idle = [], [], []
        for _ in range(rounds):
            for symbol in MARKET_SYMBOLS:
                src.yahoo._next_poll[symbol] = NOW  # every symbol due: one full poll cycle
            c0, w0 = time.thread_time(), time.perf_counter()
            data = await src.fetch(NOW, wait=30)
            cpu.append((time.thread_time() - c0) * 1e3)
            wall.append((time.perf_counter() - w0) * 1e3)
            assert len(data.quotes) >= len(MARKET_SYMBOLS), "poll did not complete"
            c0 = time.thread_time()
            await src.fetch(NOW)  # nothing due: compose only
            idle.append((time.thread_time() - c0) * 1e3)
    finally:
        await src.aclose()
    med, worst = statistics.median(cpu), max(cpu)
    print(
        f"poll cycle, {len(MARKET_SYMBOLS)} symbols, {rounds} rounds:"
        f" loop-thread CPU median {med:.2f} ms, max {worst:.2f} ms"
        f" (target <= {TARGET_POLL_MS:.0f} ms: {'OK' if worst <= TARGET_POLL_MS else 'MISSED'});"
        f" wall median {statistics.median(wall):.1f} ms"
    )
    print(
        f"fetch with nothing due: loop-thread CPU median {statistics.median(idle):.2f} ms,"
        f" max {max(idle):.2f} ms"
    )


async def bench_ticks(ticks: int, yahoo: str, fred: str, holdings: str) -> None:
    async with StreamServer() as server:
        src = LiveSource(
            _settings(yahoo, fred, holdings, server.url),
            clock=lambda: NOW,
            market_state=lambda now: "open",
        )
        try:
            await src.fetch(NOW, wait=120)
            for _ in range(500):
                if server.clients:
                    break
                await asyncio.sleep(0.01)
            delays = []
            # newer than the recorded v7 quote (21:00 UTC), or the merge keeps the poll
            base_ms = int(datetime(2025, 2, 14, 21, 30, tzinfo=UTC).timestamp() * 1000)
            for i in range(ticks):
                price = 200.0 + i * 0.25
                frame = pricing_frame("IWM", price, base_ms + i, previous_close=199.0)
                await src.wait_for_update(0)
                t0 = time.perf_counter()
                await server.send(frame)
                while src.yahoo.quotes.get("IWM") is None or src.yahoo.quotes["IWM"].price != price:
                    if time.perf_counter() - t0 > 5 or not await src.wait_for_update(5.0):
                        raise SystemExit("a streamed tick did not arrive within 5 s")
                delays.append((time.perf_counter() - t0) * 1e3)
                await src.fetch(NOW)
        finally:
            await src.aclose()
    worst = max(delays)
    print(
        f"streamed tick to source state, {ticks} ticks: median"
        f" {statistics.median(delays):.2f} ms, max {worst:.2f} ms"
        f" (target <= {TARGET_TICK_MS:.0f} ms: {'OK' if worst <= TARGET_TICK_MS else 'MISSED'})"
    )


async def bench_screen_ticks(ticks: int, yahoo: str, fred: str, holdings: str) -> None:
    """A streamed tick through the whole app: stream -> source -> feed -> analytics -> screen."""
    from tui.config import Settings
    from tui.wiring import build_app

    async with StreamServer() as server:

        def factory() -> LiveSource:
            return LiveSource(
                _settings(yahoo, fred, holdings, server.url),
                clock=lambda: NOW,
                market_state=lambda now: "open",
            )

        with tempfile.TemporaryDirectory() as tmp:
            app = build_app(
                factory, Settings(), kind="live", db=Path(tmp) / "a.sqlite3", clock=lambda: NOW
            )
            delays: list[float] = []
            async with app.run_test(size=(160, 48)) as pilot:
                deadline = time.perf_counter() + 60
                while not (app.snapshot and app.snapshot.spreads[0].small_last):
                    if time.perf_counter() > deadline:
                        raise SystemExit("the live app never showed IWM")
                    await asyncio.sleep(0.05)
                while not server.clients:
                    await asyncio.sleep(0.05)
                base_ms = int(datetime(2025, 2, 14, 21, 30, tzinfo=UTC).timestamp() * 1000)
                for i in range(ticks):
                    await asyncio.sleep(0.6)  # a quiet moment: ticks of 35 symbols, not a flood
                    price = 300.0 + i * 0.25
                    frame = pricing_frame("IWM", price, base_ms + i, previous_close=299.0)
                    t0 = time.perf_counter()
                    await server.send(frame)
                    while app.snapshot.spreads[0].small_last != price:  # type: ignore[union-attr]
                        if time.perf_counter() - t0 > 5:
                            raise SystemExit("a streamed tick did not reach the screen in 5 s")
                        await asyncio.sleep(0.002)
                    await pilot.pause(0)
                    delays.append((time.perf_counter() - t0) * 1e3)
    worst = max(delays)
    print(
        f"streamed tick to the screen, {ticks} ticks: median {statistics.median(delays):.0f} ms,"
        f" max {worst:.0f} ms (target <= {TARGET_TICK_MS:.0f} ms:"
        f" {'OK' if statistics.median(delays) <= TARGET_TICK_MS else 'MISSED'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--screen-ticks", type=int, default=20)
    args = parser.parse_args()
    import yfinance as yf

    yf.set_tz_cache_location(tempfile.mkdtemp(prefix="rotmon-bench-yf-"))
    aliases = {s: "QQQ" for s in MARKET_SYMBOLS}
    with (
        LoopbackServer(MovingQuotes(YahooApp(aliases))) as yahoo,
        LoopbackServer(FredApp()) as fred,
        LoopbackServer(HoldingsApp(SMALL_HOLDINGS)) as holdings,
    ):
        asyncio.run(bench_poll(args.rounds, yahoo.url, fred.url, holdings.url))
        asyncio.run(bench_ticks(args.ticks, yahoo.url, fred.url, holdings.url))
        asyncio.run(bench_screen_ticks(args.screen_ticks, yahoo.url, fred.url, holdings.url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
