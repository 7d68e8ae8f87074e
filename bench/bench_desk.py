"""Desk mode: N headless terminals (default 50) on one collector and one Redis.

A headless terminal is the terminal's data path without a screen: the ``DeskSource`` of
``rotmon --redis`` woken by each publish, reading it and decoding the snapshot it hands to the
screen. ``--apps K`` adds K full Textual apps (headless) whose figure includes painting.

Reports: upstream polls and bars fetches of the collector (the same whatever N is: every
terminal also asks for one symbol's bars), the latency of every update in every terminal from
the collector's publish to the snapshot being ready for (or, for apps, applied to) the screen
(target p99 <= 100 ms), and Redis' used memory sampled over the run (target: bounded, flat once
the streams reach their MAXLEN).

Run: .venv/bin/python bench/bench_desk.py [--terminals 50] [--apps 2] [--minutes 10]
The terminals run in worker processes (``--per-process`` each), the collector in its own
(`rotmon collect --demo`). Needs redis-server.

Figures (2026-12-05, the 2-core dev box shared with other jobs; runs of 1.5-3 minutes, not 10):
- 1 headless terminal, interval 0.5 s, load 1.7: p50 4 ms, p99 16 ms.
- 50 headless terminals (10 a process) + 1 app, interval 2 s, 1.5 min, load 4-6: 53 polls and
  1 bars fetch for 51 bars requests; Redis used_memory 3.0 -> 4.8-7.0 MB, flat;
  publish-to-terminal p50 146 ms, p99 810 ms; the app p50 76 ms, p99 804 ms. Missed: the 55
  processes all wake on every publish and share 2 (busy) cores, so the last waits for the
  others' turns. (Before the collector froze its heap after the first publish, a full garbage
  collection in it delayed one publish by ~2 s for every terminal.)
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
    out.write_text(json.dumps({"latencies": latencies, "bars_ok": bars_ok, "cpu": cpu}))


def _used_memory(port: int) -> int:
    import redis

    return int(redis.Redis(port=port).info("memory")["used_memory"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terminals", type=int, default=50, help="headless terminals (50)")
    ap.add_argument("--apps", type=int, default=0, help="full Textual apps besides (0)")
    ap.add_argument("--per-process", type=int, default=10)
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
        started = time.monotonic()
        while any(p.poll() is None for _, _, p in workers):
            memory.append(_used_memory(port))
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
    finally:
        for proc in reversed(procs):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)


if __name__ == "__main__":
    main()
