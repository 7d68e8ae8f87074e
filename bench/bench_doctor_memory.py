"""Bench the memory of ``rotmon doctor`` when every server answers a 100 MB body (issue 14;
target: peak RSS <= 200 MB). Before the bounded client a FRED body was read whole (13.6 GB RSS
was seen); now each source stops at its cap (4 MB for FRED and holdings, 8 MB for Yahoo).

Run: ``.venv/bin/python bench/bench_doctor_memory.py [--mb 100]``.
Loopback servers (tests/support) stream the body in 1 MB chunks (chunked encoding, no
Content-Length, so only the running count can stop it) on every Yahoo, FRED and iShares path;
``python -m tui doctor`` runs in a child process and its peak RSS is read from ``getrusage``.
Figures go in notes, not in assertions.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.live_env import serve, write_config  # noqa: E402
from tests.support.loopback import Reply  # noqa: E402

TARGET_MB = 200.0
MB = 1024 * 1024


def body(total_mb: int) -> Iterator[bytes]:
    block = b"2020-01-01,1.0\n" * (MB // 15)
    sent = 0
    while sent < total_mb * MB:
        yield block
        sent += len(block)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="body size in MB (100)")
    parser.add_argument(
        "--only", default="yahoo,fred,holdings", help="servers that send the body (all three)"
    )
    args = parser.parse_args()
    huge = Reply(200, content_type="text/csv", chunks=lambda: body(args.mb))
    servers_gen = serve()
    servers = next(servers_gen)
    try:
        for name in args.only.split(","):
            getattr(servers, name.strip()).fault(r".", huge)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            cfg = write_config(home / "config.toml", servers)
            env = {k: v for k, v in os.environ.items() if not k.startswith("ROTMON_")}
            env.update(
                XDG_CONFIG_HOME=str(home / "config"),
                XDG_DATA_HOME=str(home / "data"),
                XDG_CACHE_HOME=str(home / "cache"),
                XDG_STATE_HOME=str(home / "state"),
                PYTHONPATH=str(ROOT),
                ROTMON_SOURCES_STREAM_URL="off",
            )
            db = str(home / "rotmon.sqlite3")
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "tui", "doctor", "--config", str(cfg), "--db", db],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
        sent = {name: getattr(servers, name).sent / MB for name in ("yahoo", "fred", "holdings")}
    finally:
        servers_gen.close()
    print(proc.stdout.rstrip())
    print(f"\nexit {proc.returncode}; wall {wall:.1f} s")
    print(
        "body MB streamed by the servers before the client stopped: "
        + ", ".join(f"{k} {v:.0f}" for k, v in sent.items())
    )
    verdict = "ok" if peak_mb <= TARGET_MB else "OVER"
    print(f"rotmon doctor peak RSS: {peak_mb:.0f} MB (target <= {TARGET_MB:.0f} MB): {verdict}")
    return 0 if peak_mb <= TARGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
