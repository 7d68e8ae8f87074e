"""Bench the 2,000-row constituents table: load, live refresh, filter, sort (target: a live
refresh <= 50 ms of CPU, cursor kept on its row).

Run: ``.venv/bin/python bench/bench_constituents.py [--synthetic] [--rows N] [--rounds N]``.
The rows are the demo market's 2,000-name universe (seed 7), a live refresh being the universe
one demo minute later; ``--synthetic`` uses a seeded random universe of ``--rows`` names where
every price moves on each refresh. Prints CPU milliseconds (``time.process_time``) per step,
measured from the call until the table has repainted (the pilot waits for the screen to be
idle), so layout and render are included.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult

from tui.filter_expr import parse_filter
from widgets.constituents import ConstituentRow, ConstituentsTable

TARGET_MS = 50.0


def universe(n: int, seed: int = 7) -> list[ConstituentRow]:
    rng = random.Random(seed)
    words = ["Alpha", "Beta", "Bank", "Energy", "Health", "Tech", "Realty", "Foods", "Metals"]
    rows = []
    for i in range(n):
        name = f"{rng.choice(words)} {rng.choice(words)} {'Corp' if i % 3 else 'Inc'}"
        rows.append(
            ConstituentRow(
                symbol=f"S{i:04d}",
                name=name,
                weight=round(rng.uniform(0.001, 0.6), 4),
                last=round(rng.uniform(2, 300), 2),
                chg=round(rng.gauss(0, 2.5), 2),
            )
        )
    return rows


def demo_ticks(rounds: int) -> list[list[ConstituentRow]]:
    """The demo universe at 11:30 New York and then one demo minute later, ``rounds`` times."""
    from datetime import UTC, datetime, timedelta

    from data_sources.demo import DemoSource

    start = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    source = DemoSource(seed=7, scenario="rotation", start=start, wall=lambda: 0.0)
    out = []
    for minute in range(rounds + 2):
        market = source.market_data(start + timedelta(minutes=minute))
        total = sum(c.weight for c in market.constituents)
        out.append(
            [
                # 1M/3M returns and the contribution over 1Y move with every price, as live.
                ConstituentRow(
                    c.symbol,
                    c.name,
                    c.weight,
                    c.last,
                    c.change_pct,
                    c.ret_1m,
                    c.ret_3m,
                    None if c.ret_1y is None else c.weight / total * c.ret_1y,
                )
                for c in market.constituents
            ]
        )
    return out


def tick(rows: list[ConstituentRow], rng: random.Random) -> list[ConstituentRow]:
    """Every price moves, as in a demo tick (the worst case for a live refresh)."""
    out = []
    for r in rows:
        move = rng.gauss(0, 0.002)
        last = round((r.last or 1) * (1 + move), 2)
        chg = round((r.chg or 0) + move * 100, 2)
        r1m = round((r.r1m or 0) + move * 100, 2)
        r3m = round((r.r3m or 0) + move * 100, 2)
        contrib = round((r.contrib or 0) + move * (r.weight or 0), 4)
        out.append(r._replace(last=last, chg=chg, r1m=r1m, r3m=r3m, contrib=contrib))
    return out


class BenchApp(App):
    def compose(self) -> ComposeResult:
        yield ConstituentsTable()


async def measure(pilot, fn) -> float:
    t0 = time.process_time()
    fn()
    await pilot.pause()
    await pilot.pause()
    return (time.process_time() - t0) * 1000.0


async def main(n: int, rounds: int, synthetic: bool) -> None:
    rng = random.Random(1)
    if synthetic:
        rows = universe(n)
        ticks = None
    else:
        ticks = demo_ticks(rounds)
        rows = ticks[0]
        n = len(rows)
    app = BenchApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ConstituentsTable)
        load = await measure(pilot, lambda: table.set_rows(rows))
        print(f"rows: {n} ({'synthetic' if synthetic else 'demo universe, seed 7'})")
        print(f"initial load:                   {load:7.1f} ms")
        table.move_cursor(row=n // 2)
        await pilot.pause()
        key = table.cursor_key()
        live: list[float] = []
        moved = []
        for i in range(rounds):
            before = rows
            rows = tick(rows, rng) if ticks is None else ticks[i + 1]
            moved.append(sum(1 for a, b in zip(before, rows, strict=False) if a != b))
            current = rows
            live.append(await measure(pilot, lambda current=current: table.set_rows(current)))
        same = table.cursor_key() == key
        print(
            f"live refresh (all prices move): median {statistics.median(live):6.1f} ms, "
            f"max {max(live):6.1f} ms over {rounds}  target <= {TARGET_MS:.0f} ms  "
            f"{'OK' if statistics.median(live) <= TARGET_MS else 'OVER'}"
        )
        print(f"rows changed per refresh:       median {statistics.median(moved):.0f}")
        unchanged = await measure(pilot, lambda: table.set_rows(rows))
        print(f"refresh with nothing changed:   {unchanged:7.1f} ms")
        print(f"cursor stayed on {key}: {same}")
        steps = [
            ("filter 'bank' (substring)", lambda: table.set_filter(parse_filter("bank"))),
            ("filter 'chg < -3 and weight > 0.05'", lambda: table.set_filter(
                parse_filter("chg < -3 and weight > 0.05"))),
            ("clear filter", lambda: table.set_filter(None)),
            ("sort by chg", lambda: table.set_sort("chg")),
            ("sort by symbol", lambda: table.set_sort("symbol")),
            ("sort by weight", lambda: table.set_sort("weight")),
        ]  # fmt: skip
        for label, fn in steps:
            ms = await measure(pilot, fn)
            print(f"{label + ':':36s}{ms:7.1f} ms  ({table.row_count} rows shown)")
        table.set_sort("chg")
        await pilot.pause()
        resorted = tick(rows, rng) if ticks is None else ticks[-1]
        resort = await measure(pilot, lambda: table.set_rows(resorted))
        print(f"live refresh sorted by chg:     {resort:7.1f} ms  (rows re-ordered)")


async def screens(rounds: int) -> None:
    """CPU per live refresh of each drill-down screen at 160x48 (demo, one demo minute apart);
    charts redraw at most once a second, so most refreshes here skip the plotext redraw."""
    from datetime import UTC, datetime, timedelta

    from data_sources.demo import DemoSource
    from tui.compute import snapshot_from_market
    from tui.drill import DrillData
    from tui.screens.alert import AlertScreen
    from tui.screens.drillbase import refresh_visible
    from tui.screens.pair import PairScreen
    from tui.screens.sector import SectorScreen
    from tui.screens.symbol import SymbolScreen

    start = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    demo = DemoSource(seed=7, start=start, wall=lambda: 0.0)
    first = demo.market_data(start)
    ctx = DrillData(first, snapshot_from_market(first), bars=demo.bars)
    later = [demo.market_data(start + timedelta(minutes=i + 1)) for i in range(rounds)]
    snaps = [snapshot_from_market(m) for m in later]
    makers = {
        "pair IWM/SPY": lambda: PairScreen("IWM/SPY", ctx),
        "sector Financials": lambda: SectorScreen("Financials", ctx),
        "symbol IWM": lambda: SymbolScreen("IWM", ctx),
        "alert vix (risk replay)": lambda: AlertScreen("vix", ctx),
    }
    for label, make in makers.items():
        app = App()
        async with app.run_test(size=(160, 48)) as pilot:
            await app.push_screen(make())
            await app.workers.wait_for_complete()
            await pilot.pause()
            times = []
            for market, snap in zip(later, snaps, strict=True):
                ctx.update(market, snap)
                times.append(await measure(pilot, lambda app=app: refresh_visible(app, ctx)))
            print(
                f"screen refresh {label + ':':26s} first {times[0]:6.1f} ms, "
                f"median {statistics.median(times):6.1f} ms"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--synthetic", action="store_true", help="random rows, all moving")
    parser.add_argument("--screens", action="store_true", help="also time each drill screen")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.rounds, args.synthetic))
    if args.screens:
        asyncio.run(screens(args.rounds))
