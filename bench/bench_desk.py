"""Desk mode: N headless terminals (default 50) on one collector and one Redis.

A headless terminal is the terminal's data path without a screen: the ``DeskSource`` of
``rotmon --redis`` woken by each publish, reading it and decoding the snapshot it hands to the
screen. ``--apps K`` adds K full Textual apps (headless) whose figure includes painting.

Reports: upstream polls and bars fetches of the collector (the same whatever N is: every
terminal also asks for one symbol's bars), the latency of every update in every terminal from
the collector's publish to the snapshot being ready for (or, for apps, applied to) the screen
(target p99 <= 100 ms), and Redis' used memory sampled over the run (target: bounded, flat once
the streams reach their MAXLEN).

Run: .venv/bin/python bench/bench_desk.py [--terminals 50] [--apps 1] [--minutes 10]
The headless terminals run as asyncio tasks in worker processes (``--per-process``, 25: two
processes on the 2-core box; five of 10 or one of 50 had a worse p99, bench/RESULTS.md), the
collector in its own (`rotmon collect --demo --speed 60`: a new minute bar, so new prices,
members and spreads, with every 1 s poll). Needs redis-server. bench/RESULTS.md has the history.

What a terminal does per publish (measured, not skipped): its blocked XREAD returns the update
entry (~34 KB during market hours since rotmon.desk/3: the snapshot 23.5 KB msgpack, the quotes
9 KB, the market change 1.5 KB, the heartbeat; the members, 126 KB more, are in their own stream,
read only while a screen lists members, which the dashboard never does); it decodes the
snapshot, applies the change (quotes typed, macro, health rows), merges the prices' and P/E
frames' changes into those waiting (applied with a pandas concat only when a screen reads a
series); then the DeskMarket the screen paints from. The dashboard paints from the snapshot
alone. An app (``--apps``) adds painting.

Figures, 2026-12-05 (commit e27632f), the 2-core box shared with other helpers:
- The full 10-minute run, 13:18-13:28, load 1.0-1.7 (quiet): 50 headless terminals (25 a
  process) + 1 Textual app, collector interval 1 s. Upstream: 613 polls in 610 s and 1 bars
  fetch for 51 terminals' bars requests (the same as with 1 terminal: 51 polls in 50 s).
  Publish-to-terminal: 29,200 updates, p50 50.1 ms, p99 143.1 ms, max 387 ms (target p99
  <= 100 ms: missed); the app, publish-to-screen: p50 29.4 ms, p99 79.1 ms. Terminal CPU:
  1.06 ms per terminal per update. Redis used_memory by minute (MB): 4.2, 15.8, 25.6, 35.4,
  37.1, 37.1, 32.5, 24.1, 15.8, 9.1, 9.1: the updates stream fills to its MAXLEN (200 entries
  of ~160 KB while the demo market is open), holds there, and shrinks to ~9 MB once the demo
  market closes (minute ~6: no more ticks, small entries). Bounded by MAXLEN, not by time.
- With hiredis (redis[hiredis], 6b29a5e), 3-minute runs (not 10: time), 50 terminals + 1 app:
  13:55-13:58, load 1.1-1.7: p50 53.3 ms, p99 142.3 ms (8,400 updates), CPU 1.06 ms per update,
  the app p50 37.0 / p99 69.9 ms; the 1-terminal floor at 14:00 (load 1.5): p50 3.2, p99 6.9 ms,
  CPU 1.34 ms: p99 21x the floor (19x before). 13:49-13:52, load 2.5-3.1 (busy): p50 66.3, p99
  247.4 ms, CPU 1.21 ms. hiredis saves ~0.10 ms CPU per 160 KB read (0.33 -> 0.23 ms, measured
  apart, bench/RESULTS.md) and does not move p99 beyond the noise: target still missed.
- Why p99 is not <= 100 ms at 50: the 25 terminals of one process are served one after the
  other when a publish wakes them all, at ~1.1-1.4 ms of CPU each (its floor: the XREAD of the
  160 KB entry through redis-py's Python parser ~0.35 ms, the snapshot decode ~0.12 ms, the
  rest asyncio, the kernel and the change), so the last of 25 waits ~30 ms of CPU on an idle
  core, and the 2 cores are shared with the collector's compute, the app's paint, Redis and
  the other helpers' jobs. Quiet box (load 1.0-1.2, 45 s each, no app): p99 7.5 ms with 1
  terminal, 23.4 with 10, 44.7 with 25 (one process), 128.7 with 50 (two processes of 25; CPU
  per update 1.06 -> 1.56 ms as the two contend with the collector and Redis for 2 cores):
  50 terminals' p99 is 17x the 1-terminal floor of the same minutes.
- The members out of the updates (rotmon.desk/3, 4b3f115), alternating 2-minute runs with 1 app
  (bench/RESULTS.md): quiet (load 1.1 -> 0.3) p50 23.1, p99 76.3 ms against 35.5 / 180.9 before
  (load 3.1 -> 1.1); busy (load 3-4) p99 173 ms against 232 before; CPU 0.88-1.00 ms per update
  (1.21 before); Redis max 18.6 MB (25-35 before). Target met on a quiet box.
- Before this work (same bench, 50 terminals at 10 a process): p50 146 ms, p99 810 ms at the
  demo's real-time speed (prices rarely changed); at --speed 60 the members alone were 570 KB
  of JSON per update, and the 36 pandas concats for the prices ~35 ms of a terminal's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHONPATH=str(ROOT),
    )
    return env


async def _worker(url: str, count: int, seconds: float, out: Path) -> None:
    """``count`` terminals in this process; latencies per applied update go to ``out``."""
    from tui.config import Settings
    from tui.desk import DeskOptions
    from tui.desk_app import build_desk_app

    latencies: list[float] = []
    bars_ok = 0
    apps = [build_desk_app(DeskOptions(url), Settings()) for _ in range(count)]
    seen: list[int] = [0] * count
    warm = [False]

    def listener_for(i: int):
        def listener(_snapshot, _market) -> None:
            source = apps[i].source
            seq = getattr(source, "_update_seq", 0)
            published = getattr(source, "_published_ms", None)
            if published and seq != seen[i]:
                seen[i] = seq
                if warm[0]:  # start-up (imports, first paint) is not the steady state
                    latencies.append(time.time() * 1000 - published)

        return listener

    async with contextlib.AsyncExitStack() as stack:
        for i, app in enumerate(apps):
            app.bell = lambda: None  # type: ignore[method-assign]
            app.snapshot_listeners.append(listener_for(i))
            await stack.enter_async_context(app.run_test(headless=True, size=(160, 48)))
        deadline = time.monotonic() + seconds
        asked = False
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            if not asked and all(app.snapshot is not None for app in apps):
                asked = True  # every terminal opens a symbol screen's bars once
                loop = asyncio.get_running_loop()
                loop.call_later(5.0, lambda: warm.__setitem__(0, True))
                for app in apps:
                    with contextlib.suppress(Exception):
                        got = await app.feed.run_on(0, app.source.bars("IWM"))  # type: ignore[union-attr]
                        bars_ok += got is not None
    out.write_text(json.dumps({"latencies": latencies, "bars_ok": bars_ok}))


async def _source_worker(url: str, count: int, seconds: float, out: Path) -> None:
    """``count`` headless terminals: each a DeskSource woken by every publish."""
    from datetime import UTC, datetime

    from data_sources.desk.terminal import DeskSource

    latencies: list[float] = []
    by_seq: list[tuple[int, float]] = []
    bars_ok = 0
    asks: list[asyncio.Task[None]] = []
    started: list[int] = []
    warm_after = [float("inf")]  # 5 s after every terminal here has its first update
    cpu_from: list[float | None] = [None]  # this process' CPU time when measuring began

    async def terminal() -> None:
        nonlocal bars_ok
        source = DeskSource(url)
        seen = 0
        deadline = time.monotonic() + seconds
        asked = False
        try:
            while time.monotonic() < deadline:
                with contextlib.suppress(Exception):
                    await source.wait_for_update(source.poll_interval)
                    await source.fetch(datetime.now(UTC))
                published = source._published_ms
                if published and source._update_seq != seen:
                    if not seen:
                        started.append(1)
                        if len(started) == count:
                            warm_after[0] = time.monotonic() + 5.0
                            # as the app does after its first snapshot (tui/app.py
                            # _freeze_heap): the loaded market leaves the collector's view
                            gc.collect()
                            gc.freeze()
                    seen = source._update_seq
                    if time.monotonic() > warm_after[0]:
                        if cpu_from[0] is None:
                            cpu_from[0] = time.process_time()
                        latencies.append(time.time() * 1000 - published)
                        by_seq.append((seen, latencies[-1]))
                if not asked and seen:
                    asked = True  # on the side, as the app's drill-down does: never in the way
                    asks.append(asyncio.create_task(ask_bars(source)))
        finally:
            await asyncio.gather(*asks, return_exceptions=True)
            await source.aclose()

    async def ask_bars(source: DeskSource) -> None:
        nonlocal bars_ok
        try:
            got = await source.bars("IWM")  # awaited first: += would race
            bars_ok += got is not None
        except Exception as exc:
            print(f"bars: {exc}", file=sys.stderr)

    await asyncio.gather(*(terminal() for _ in range(count)))
    cpu = time.process_time() - (cpu_from[0] or time.process_time())
    out.write_text(
        json.dumps({"latencies": latencies, "bars_ok": bars_ok, "cpu": cpu, "by_seq": by_seq})
    )


def _used_memory(port: int) -> int:
    import redis

    return int(redis.Redis(port=port).info("memory")["used_memory"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terminals", type=int, default=50, help="headless terminals (50)")
    ap.add_argument("--apps", type=int, default=0, help="full Textual apps besides (0)")
    ap.add_argument(
        "--per-process",
        type=int,
        default=25,
        help="headless terminals a worker process runs as asyncio tasks (25)",
    )
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--interval", type=float, default=1.0, help="collector poll interval (s)")
    ap.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="demo clock speed (60: a new minute bar, so new numbers, every poll)",
    )
    ap.add_argument("--worker", nargs=5, metavar=("KIND", "URL", "COUNT", "SECONDS", "OUT"),
                    help=argparse.SUPPRESS)  # fmt: skip
    args = ap.parse_args()
    if args.worker:
        kind, url, count, seconds, out = args.worker
        run = _worker if kind == "apps" else _source_worker
        asyncio.run(run(url, int(count), float(seconds), Path(out)))
        return
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("bench_desk: redis-server is not installed")
    home = Path(tempfile.mkdtemp(prefix="rotmon-bench-desk-"))
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    procs: list[subprocess.Popen[bytes]] = []
    seconds = args.minutes * 60
    try:
        procs.append(subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(home)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        time.sleep(0.5)
        log = (home / "collector.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tui", "collect", "--demo", "--redis", url,
             "--interval", str(args.interval), "--speed", str(args.speed),
             "--db", str(home / "desk.sqlite3")],
            env=_env(home), stdout=log, stderr=log,
        ))  # fmt: skip
        time.sleep(3.0)
        workers = []
        i = 0
        for kind, total, per in (
            ("sources", args.terminals, args.per_process),
            ("apps", args.apps, 2),
        ):
            left = total
            while left > 0:
                n = min(per, left)
                out = home / f"{kind}{i}.json"
                workers.append((kind, out, subprocess.Popen(
                    [sys.executable, __file__, "--worker", kind, url, str(n), str(seconds),
                     str(out)],
                    env=_env(home), stderr=(home / f"{kind}{i}.log").open("wb"),
                )))  # fmt: skip
                left -= n
                i += 1
        memory: list[int] = []
        series: list[tuple[float, int, str]] = []  # (minute, used_memory, load average)
        started = time.monotonic()
        while any(p.poll() is None for _, _, p in workers):
            memory.append(_used_memory(port))
            minute = (time.monotonic() - started) / 60
            if not series or minute - series[-1][0] >= 1.0:
                load = Path("/proc/loadavg").read_text().split()[0]
                series.append((minute, memory[-1], load))
            time.sleep(min(10.0, max(1.0, seconds / 30)))
        memory.append(_used_memory(port))
        import redis

        client = redis.Redis(port=port)
        health = client.xrevrange("rotmon:desk:health", count=1)[0][1]
        h = json.loads(health[b"health"])
        elapsed = time.monotonic() - started
        results: dict[str, list[float]] = {"sources": [], "apps": []}
        bars_ok = 0
        cpu = 0.0
        for kind, out, _p in workers:
            if out.exists():
                got = json.loads(out.read_text())
                results[kind] += got["latencies"]
                bars_ok += got["bars_ok"]
                cpu += got.get("cpu", 0.0) if kind == "sources" else 0.0
        print(
            f"{args.terminals} headless terminals ({args.per_process} a process) and "
            f"{args.apps} Textual apps, {elapsed:.0f} s, collector interval {args.interval:g} s"
        )
        print(f"upstream: {h['polls']} polls, {h['bars_fetched']} bars fetches "
              f"(terminals got bars {bars_ok} times)")  # fmt: skip
        for kind, what in (("sources", "publish-to-terminal"), ("apps", "publish-to-screen")):
            lat = sorted(results[kind])
            if not lat:
                continue

            def pct(q: float, lat: list[float] = lat) -> float:
                return lat[min(len(lat) - 1, int(q * len(lat)))]

            print(f"{what} ({kind}): {len(lat)} updates; p50 {pct(0.5):.1f} ms, "
                  f"p99 {pct(0.99):.1f} ms, max {lat[-1]:.1f} ms, "
                  f"mean {statistics.fmean(lat):.1f} ms (target p99 <= 100 ms)")  # fmt: skip
            if kind == "sources" and cpu:
                print(f"terminal CPU: {1000 * cpu / len(lat):.2f} ms per terminal per update "
                      f"(worker processes' CPU time while measuring)")  # fmt: skip
        mb = [m / 1e6 for m in memory]
        half = mb[len(mb) // 2 :]
        print(f"redis used_memory: first {mb[0]:.1f} MB, max {max(mb):.1f} MB, "
              f"last {mb[-1]:.1f} MB; second half {min(half):.1f}-{max(half):.1f} MB")  # fmt: skip
        print("by minute (MB, 1-min load): " + ", ".join(
            f"{m:.0f}: {b / 1e6:.1f} ({load})" for m, b, load in series))  # fmt: skip
    finally:
        for proc in reversed(procs):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)


if __name__ == "__main__":
    main()
