"""`rotmon serve`: the app in a browser through textual-serve, bound to loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def test_serve_binds_loopback_and_runs_the_dashboard(server: int) -> None:
    page = httpx.get(f"http://127.0.0.1:{server}/", timeout=10)
    assert page.status_code == 200
    assert f"ws://127.0.0.1:{server}/ws" in page.text

    async def drive() -> str:
        url = f"ws://127.0.0.1:{server}/ws?width=100&height=30"
        seen = b""
        async with websockets.connect(url, max_size=None) as ws:
            deadline = time.monotonic() + 40
            # The badge and the numbers can arrive in different frames: wait for both.
            while not (b"IWM/SPY" in seen and b"DEMO" in seen) and time.monotonic() < deadline:
                try:
                    msg = await asyncio.wait_for(ws.recv(), timeout=5)
                except TimeoutError:
                    continue
                seen += msg if isinstance(msg, bytes) else msg.encode()
            await ws.send(json.dumps(["stdin", "q"]))
        return seen.decode("utf-8", "replace")

    screen = asyncio.run(drive())
    assert "IWM/SPY" in screen
    assert "DEMO" in screen


def test_serve_rejects_a_bad_port() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--demo", "--port", "70000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--port: expected 1-65535" in out.stderr
