"""Long-run soak of the real app: `rotmon --demo --speed 60` in a pty for N minutes of wall time
while keys switch panes and screens, sampling memory, file descriptors, asyncio tasks, threads
and the SQLite file (issue 9). Not part of the test suite.

    .venv/bin/python bench/soak.py [--minutes 30] [--speed 60] [--scenario hard-landing]

The process is started through a small runner around `tui.__main__.main` that adds one
sampling thread (asyncio tasks of the UI loop and of each source loop, Textual workers, threads
are only countable from inside); RSS, descriptors and the database are read from outside.

Targets after warm-up (the first fifth of the run, at most 5 minutes): RSS growth <= 10 %,
no growth in open descriptors, asyncio tasks or threads, and the SQLite file growing only with
the alert log (bytes per logged transition reported).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = r"""
import asyncio, json, sys, threading, time
stats_path, every = sys.argv.pop(1), float(sys.argv.pop(1))
import tui.app

apps = []
_init = tui.app.RotmonApp.__init__


def init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    apps.append(self)


tui.app.RotmonApp.__init__ = init
_on_market_updated = tui.app.RotmonApp.on_market_updated
snapshots = [0]  # the snapshots the feeds posted (before the refresh cap)


def on_market_updated(self, message):
    snapshots[0] += 1
    _on_market_updated(self, message)


tui.app.RotmonApp.on_market_updated = on_market_updated


async def count_tasks():
    return len(asyncio.all_tasks())


def task_names():
    # the UI loop's tasks by name, numbers and ids taken out ("message pump Toast()"): what a
    # growth in the count is made of
    import collections, re

    names = collections.Counter()
    for task in asyncio.all_tasks():
        names[re.sub(r"\d+", "N", re.sub(r"#[\w-]+", "", task.get_name()))] += 1
    return dict(names)


def sample(app):
    names = app.call_from_thread(task_names)
    ui_tasks = sum(names.values())
    workers = app.call_from_thread(lambda: len(app.workers))
    screens = app.call_from_thread(lambda: len(app.screen_stack))
    source_tasks = 0
    for slot in getattr(app.feed, "_slots", ()):
        loop = getattr(slot.loop, "_loop", None)
        if loop is not None and loop.is_running():
            source_tasks += asyncio.run_coroutine_threadsafe(count_tasks(), loop).result(5)
    return {
        "t": time.time(), "ui_tasks": ui_tasks, "source_tasks": source_tasks,
        "workers": workers, "threads": threading.active_count(), "screens": screens,
        "updates": app.updates_applied, "snapshots": snapshots[0], "task_names": names,
    }


def sampler():
    while True:
        time.sleep(every)
        if not apps or not apps[0].is_running:
            continue
        try:
            row = sample(apps[0])
        except Exception as exc:  # the app is closing
            row = {"t": time.time(), "error": repr(exc)}
        with open(stats_path, "a") as out:
            out.write(json.dumps(row) + "\n")


threading.Thread(target=sampler, daemon=True, name="soak-sampler").start()
sys.argv[0] = "rotmon"
from tui.__main__ import main
raise SystemExit(main())
"""

# Keys a user might press over a day: panes, windows, drill down and back, refresh, help,
# diagnostics, sort. Every key sequence ends where it started (the dashboard).
KEY_ROUNDS: list[list[bytes]] = [
    [b"1", b"j", b"\r", b"]", b"\x1b"],  # a pair, a longer chart window, back
    [b"2", b"]", b"[", b"j", b"\r", b"\r", b"\x1b", b"\x1b"],  # sector, a constituent, back
    [b"3", b"\r", b"\x1b"],  # an alert's screen
    [b"4", b"s", b"r"],  # macro, sort, refresh now
    [b"?", b"\x1b", b"D", b"\x1b"],  # help, diagnostics
    [b"2", b"s", b"s", b"1", b"\t", b"\t"],
]


@dataclass
class Sample:
    t: float
    rss_mb: float
    fds: int
    db_bytes: int
    log_rows: int
    inside: dict[str, float] = field(default_factory=dict)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


def _log_rows(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
        try:
            query = "select name from sqlite_master where type='table'"
            tables = [r[0] for r in con.execute(query)]
            table = next((t for t in tables if "log" in t), None)
            return int(con.execute(f"select count(*) from {table}").fetchone()[0]) if table else 0
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def _drain(master: int, stop: threading.Event, counter: list[int]) -> None:
    while not stop.is_set():
        if select.select([master], [], [], 0.2)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            counter[0] += len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="wall-clock minutes (30)")
    parser.add_argument("--speed", type=float, default=60.0, help="demo clock speed (60)")
    parser.add_argument("--scenario", default="hard-landing", help="demo scenario (alerts fire)")
    parser.add_argument("--size", default="160x48", help="terminal COLSxROWS (160x48)")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--keys", type=float, default=1.5, help="seconds between key presses")
    parser.add_argument("--out", type=Path, help="write the samples as JSON lines here")
    args = parser.parse_args()

    cols, rows = (int(x) for x in args.size.split("x"))
    home = Path(tempfile.mkdtemp(prefix="rotmon-soak-"))
    db, stats = home / "soak.sqlite3", home / "inside.jsonl"
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
    env.update(XDG_DATA_HOME=str(home / "d"), XDG_CACHE_HOME=str(home / "c"))
    env.update(XDG_CONFIG_HOME=str(home / "cfg"))
    # its keys move panes and open screens: remembered in its own state dir, not the user's
    # (a bench run started meanwhile restored the soak's last drill-down)
    env.update(XDG_STATE_HOME=str(home / "state"))
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-c", RUNNER, str(stats), str(args.every)]
    argv += ["--demo", "--scenario", args.scenario, "--speed", str(args.speed), "--db", str(db)]

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    stop, written = threading.Event(), [0]
    reader = threading.Thread(target=_drain, args=(master, stop, written), daemon=True)
    reader.start()

    duration = args.minutes * 60.0
    warmup = min(300.0, duration / 5)
    t0 = time.monotonic()
    samples: list[Sample] = []
    next_sample = t0 + args.every
    next_key = t0 + 5.0
    keys = [k for rnd in KEY_ROUNDS for k in rnd]
    k = presses = 0
    print(
        f"soak: {args.minutes:g} min, demo x{args.speed:g} {args.scenario}, {cols}x{rows}, "
        f"pid {proc.pid}, files in {home}",
        flush=True,
    )
    try:
        while time.monotonic() - t0 < duration and proc.poll() is None:
            now = time.monotonic()
            if now >= next_key:
                os.write(master, keys[k % len(keys)])
                k, presses, next_key = k + 1, presses + 1, now + args.keys
            if now >= next_sample:
                next_sample = now + args.every
                pid = proc.pid
                s = Sample(now - t0, _rss_mb(pid), _fds(pid), _db_bytes(db), _log_rows(db))
                samples.append(s)
                if len(samples) % max(1, int(60 / args.every)) == 0:
                    print(
                        f"  {s.t / 60:5.1f} min  RSS {s.rss_mb:6.1f} MB  fds {s.fds:3d}  "
                        f"db {s.db_bytes / 1024:7.1f} KB  log {s.log_rows}",
                        flush=True,
                    )
            time.sleep(0.05)
        alive = proc.poll() is None
        if alive:
            for key in (b"\x1b", b"\x1b", b"\x1b", b"q"):  # back to the dashboard, quit
                os.write(master, key)
                time.sleep(0.5)
            try:
                code = proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
                try:
                    code = proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    code = -9
        else:
            code = proc.returncode
    finally:
        stop.set()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        reader.join(2)
        os.close(master)

    inside = [json.loads(line) for line in stats.read_text().splitlines()] if stats.exists() else []
    inside = [row for row in inside if "error" not in row]
    if args.out:
        args.out.write_text(
            "".join(json.dumps(s.__dict__) + "\n" for s in samples)
            + "".join(json.dumps(r) + "\n" for r in inside)
        )
    return report(samples, inside, warmup, alive, code, presses, written[0], t0, db)


def _grown(first: list[dict], last: list[dict]) -> str:
    """The task names whose median count is higher in the last window than in the first."""
    names = {n for r in first + last for n in r.get("task_names", {})}
    grew = []
    for name in sorted(names):
        a = _window([r.get("task_names", {}).get(name, 0) for r in first])
        b = _window([r.get("task_names", {}).get(name, 0) for r in last])
        if b > a:
            grew.append(f"{name} {a:g} -> {b:g}")
    return "; ".join(grew) or "none by name (transient tasks at the samples)"


def _window(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(
    samples: list[Sample],
    inside: list[dict[str, float]],
    warmup: float,
    alive: bool,
    code: int,
    presses: int,
    written: int,
    t0: float,
    db: Path,
) -> int:
    end = samples[-1].t if samples else 0.0
    after = [s for s in samples if s.t >= warmup]
    if len(after) < 4:
        print("too few samples after warm-up: run longer (--minutes) or sample more often")
        return 1
    # compare the first and the last minute after warm-up (medians: one GC pause is noise)
    span = max(60.0, (end - warmup) / 10)
    first = [s for s in after if s.t < warmup + span]
    last = [s for s in after if s.t >= end - span]
    rss0, rss1 = _window([s.rss_mb for s in first]), _window([s.rss_mb for s in last])
    fd0, fd1 = max(s.fds for s in first), max(s.fds for s in last)
    db0, db1 = first[0].db_bytes, last[-1].db_bytes
    log0, log1 = first[0].log_rows, last[-1].log_rows
    start_wall = time.time() - (time.monotonic() - t0)
    in_after = [r for r in inside if r["t"] - start_wall >= warmup]
    in_first = [r for r in in_after if r["t"] - start_wall < warmup + span]
    in_last = [r for r in in_after if r["t"] - start_wall >= end - span]

    print()
    print(
        f"ran {end / 60:.1f} min (warm-up {warmup / 60:.1f} min), {presses} keys, "
        f"{written / max(end, 1):.0f} B/s to the terminal, exit {code}"
        + (" (ran to the end, then quit with q)" if alive else " (EXITED EARLY)")
    )
    growth = (rss1 - rss0) / rss0 * 100
    checks = [(f"RSS {rss0:.1f} -> {rss1:.1f} MB ({growth:+.1f} %, <= 10 %)", growth <= 10.0)]
    checks.append((f"open fds {fd0} -> {fd1} (no growth)", fd1 <= fd0))
    for key in ("ui_tasks", "source_tasks", "workers", "threads"):
        if in_first and in_last:
            # medians: a worker or a screen's tasks that happen to run at one sample are noise
            first_rows, last_rows = in_first, in_last
            if key == "ui_tasks":
                # every widget is a task: a drill-down open at a sample adds 20-50, so which
                # screens the keys happen to have open decides a mixed median (52 -> 55 in a
                # run whose dashboard-alone count was 52 in every window). Compare the
                # samples taken on the dashboard alone (the shortest screen stack).
                base = min(r["screens"] for r in in_first + in_last)
                first_rows = [r for r in in_first if r["screens"] == base] or in_first
                last_rows = [r for r in in_last if r["screens"] == base] or in_last
            a = _window([r[key] for r in first_rows])
            b = _window([r[key] for r in last_rows])
            what = " on the dashboard alone" if key == "ui_tasks" else ""
            checks.append((f"{key} {a:.0f} -> {b:.0f} (median{what}; no growth)", b <= a))
            if key == "ui_tasks" and b > a:
                grew = _grown(first_rows, last_rows)
                print(f"ui tasks that grew (median count, first -> last): {grew}")
    grown, rows = db1 - db0, log1 - log0
    per_row = f", {grown / rows:.0f} B per log row" if rows > 0 else ""
    checks.append(
        (
            f"SQLite {db0 / 1024:.1f} -> {db1 / 1024:.1f} KB with {rows} new log rows{per_row}"
            " (growth only with the log)",
            grown <= 0 or (rows > 0 and grown / rows <= 4096) or grown <= 64 * 1024,
        )
    )
    if in_last:
        r = in_last[-1]
        print(f"snapshots posted {r['snapshots']:.0f}, shown {r['updates']:.0f}; db {db}")
    ok = alive and code == 0
    for text, passed in checks:
        ok = ok and passed
        print(f"{'ok  ' if passed else 'MISS'} {text}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
