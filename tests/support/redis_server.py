"""A real ``redis-server`` (Debian's package) on a free loopback port, for desk-mode tests.

No persistence (``--save '' --appendonly no``): a restart is a Redis that lost its data, the
hardest case for the desk. ``restart`` keeps the port so clients reconnect by themselves.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BINARY = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int, tls: bool = False) -> bool:
    """The server answers (with TLS: accepts connections; with ACLs: says NOAUTH)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            if tls:
                return True
            s.sendall(b"PING\r\n")
            return s.recv(64)[:1] in (b"+", b"-")
    except OSError:
        return False


class RedisServer:
    """One server process; ``url`` is ``redis://127.0.0.1:PORT/0``."""

    def __init__(self, workdir: Path, *extra: str, tls: bool = False) -> None:
        if BINARY is None:
            raise RuntimeError("redis-server is not installed")
        self.port = _free_port()
        self.workdir = workdir
        self.extra = extra
        self.tls = tls
        """Listen with TLS only (``extra`` gives the certificate options)."""
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        ports = (
            ["--port", "0", "--tls-port", str(self.port)]
            if self.tls
            else ["--port", str(self.port)]
        )
        args = [
            str(BINARY),
            *ports,
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--loglevel", "warning",
            *self.extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not _ping(self.port, self.tls):
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING within {timeout}s")
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def used_memory(self) -> int:
        """``INFO memory`` used_memory in bytes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(b"INFO memory\r\n")
            data = b""
            while b"used_memory:" not in data or not data.endswith(b"\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        for line in data.decode().splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        raise RuntimeError("no used_memory in INFO")


@contextlib.contextmanager
def redis_server(workdir: Path, *extra: str, tls: bool = False) -> Iterator[RedisServer]:
    """A started server, stopped afterwards; the test is skipped when the binary is missing."""
    if BINARY is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    server = RedisServer(workdir, *extra, tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()
