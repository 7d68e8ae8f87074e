"""Desk mode: N headless terminals (Textual apps, default 50) on one collector and one Redis.

Reports: upstream polls and bars fetches of the collector (the same whatever N is), the
publish-to-screen latency of every update in every terminal (from the collector's publish time
to the terminal's applying it to its widgets; target p99 <= 100 ms), and Redis' used memory
sampled over the run (target: bounded, flat once the streams reach their MAXLEN).

Run: .venv/bin/python bench/bench_desk.py [--terminals 50] [--minutes 10] [--interval 1]
The terminals run in worker processes (``--per-process`` each), the collector in its own
(`rotmon collect --demo`), so the figure is not one process' GIL. Needs redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


def _used_memory(port: int) -> int:
    import redis

    return int(redis.Redis(port=port).info("memory")["used_memory"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terminals", type=int, default=50)
    ap.add_argument("--per-process", type=int, default=5)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--interval", type=float, default=1.0, help="collector poll interval (s)")
    ap.add_argument("--worker", nargs=4, metavar=("URL", "COUNT", "SECONDS", "OUT"),
                    help=argparse.SUPPRESS)  # fmt: skip
    args = ap.parse_args()
    if args.worker:
        url, count, seconds, out = args.worker
        asyncio.run(_worker(url, int(count), float(seconds), Path(out)))
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
             "--interval", str(args.interval), "--db", str(home / "desk.sqlite3")],
            env=_env(home), stdout=log, stderr=log,
        ))  # fmt: skip
        time.sleep(3.0)
        workers = []
        left, i = args.terminals, 0
        while left > 0:
            n = min(args.per_process, left)
            out = home / f"worker{i}.json"
            workers.append((out, subprocess.Popen(
                [sys.executable, __file__, "--worker", url, str(n), str(seconds), str(out)],
                env=_env(home), stderr=(home / f"worker{i}.log").open("wb"),
            )))  # fmt: skip
            left -= n
            i += 1
        memory: list[int] = []
        started = time.monotonic()
        while any(p.poll() is None for _, p in workers):
            memory.append(_used_memory(port))
            time.sleep(min(10.0, max(1.0, seconds / 30)))
        memory.append(_used_memory(port))
        import redis

        client = redis.Redis(port=port)
        health = client.xrevrange("rotmon:desk:health", count=1)[0][1]
        h = json.loads(health[b"health"])
        latencies: list[float] = []
        bars_ok = 0
        for out, _p in workers:
            if out.exists():
                got = json.loads(out.read_text())
                latencies += got["latencies"]
                bars_ok += got["bars_ok"]
        elapsed = time.monotonic() - started
        lat = sorted(latencies)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")  # noqa: E731
        print(f"terminals {args.terminals} in {len(workers)} processes, {elapsed:.0f} s, "
              f"collector interval {args.interval:g} s")  # fmt: skip
        print(f"upstream: {h['polls']} polls, {h['bars_fetched']} bars fetches "
              f"(terminals got bars {bars_ok} times)")  # fmt: skip
        print(f"publish-to-screen: {len(lat)} updates applied; p50 {p(0.5):.1f} ms, "
              f"p99 {p(0.99):.1f} ms, max {max(lat, default=float('nan')):.1f} ms "
              f"(target p99 <= 100 ms)")  # fmt: skip
        mb = [m / 1e6 for m in memory]
        half = mb[len(mb) // 2 :]
        print(f"redis used_memory: first {mb[0]:.1f} MB, max {max(mb):.1f} MB, "
              f"last {mb[-1]:.1f} MB; second half {min(half):.1f}-{max(half):.1f} MB")  # fmt: skip
        if lat:
            print(f"mean {statistics.fmean(lat):.1f} ms")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)


if __name__ == "__main__":
    main()
