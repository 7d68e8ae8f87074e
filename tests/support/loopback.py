"""A threaded HTTP server on 127.0.0.1 with scriptable faults (status, hang, truncation, drop,
a body streamed in chunks: a slow drip or one of any size)."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass
class Reply:
    """What the server answers. ``delay`` waits first (a hang when longer than the client's
    timeout); ``truncate`` sends only that many body bytes under the full Content-Length and
    closes; ``drop`` closes the connection without answering; ``chunks`` (called once per
    request) streams the body with chunked transfer encoding instead of ``body``, until the
    client goes away or the server stops - a slow drip sleeps between its chunks."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json;charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int | None = None
    drop: bool = False
    chunks: Callable[[], Iterable[bytes]] | None = None

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_path: str


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    reply: Reply
    remaining: int | None
    query: dict[str, str] | None = None

    def matches(self, request: Request) -> bool:
        if not self.pattern.search(request.path):
            return False
        if self.query and any(request.query.get(k) != v for k, v in self.query.items()):
            return False
        return self.remaining is None or self.remaining > 0


App = Callable[[Request], Reply]


class LoopbackServer:
    """``with LoopbackServer(app) as srv: srv.url`` - answers every request with ``app``'s
    reply unless a fault registered with ``fault(pattern, reply)`` matches the path first."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.requests: list[Request] = []
        self.sent = 0
        """Body bytes written by ``Reply.chunks`` streams (what a client made the server send)."""
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server._serve(self, "POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def fault(
        self,
        pattern: str,
        reply: Reply,
        times: int | None = None,
        query: dict[str, str] | None = None,
    ) -> None:
        """Answer requests whose path matches ``pattern`` (regex search) and whose query holds
        ``query`` with ``reply``, ``times`` times (None: until ``clear_faults``)."""
        with self._lock:
            self._faults.append(_Fault(re.compile(pattern), reply, times, query))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hits(self, pattern: str) -> int:
        """How many requests had a path matching ``pattern``."""
        rx = re.compile(pattern)
        with self._lock:
            return sum(1 for r in self.requests if rx.search(r.path))

    def _pick(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            for f in self._faults:
                if f.matches(request):
                    if f.remaining is not None:
                        f.remaining -= 1
                    return f.reply
        return self.app(request)

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        request = Request(
            method=method,
            path=unquote(parts.path),
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            raw_path=handler.path,
        )
        try:
            reply = self._pick(request)
        except Exception as exc:  # a bug in a test app answers 500 instead of hanging
            reply = Reply(500, f"test app error: {exc!r}", "text/plain")
        if reply.delay:
            self._stop.wait(reply.delay)
        if reply.drop:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.chunks is not None:
            self._stream(handler, reply, reply.chunks)
            return
        data = reply.data()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            if reply.truncate is not None:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(data if reply.truncate is None else data[: reply.truncate])
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        if reply.truncate is not None:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)

    def _stream(
        self,
        handler: BaseHTTPRequestHandler,
        reply: Reply,
        chunks: Callable[[], Iterable[bytes]],
    ) -> None:
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Transfer-Encoding", "chunked")
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            for chunk in chunks():
                if self._stop.is_set():
                    break
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
                with self._lock:
                    self.sent += len(chunk)
            else:
                handler.wfile.write(b"0\r\n\r\n")
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True


def refused_url() -> str:
    """A loopback URL on which nothing listens (connection refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
