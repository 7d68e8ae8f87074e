"""``rotmon serve``: the app in a browser through textual-serve, behind a token (SPEC 10).

No Textual in this process: each browser tab gets its own ``python -m tui ...`` child, run
with the options of the command line that started ``serve``. Access control: a random token
in the one URL printed (a request without it gets 403; the index page sets it as an HttpOnly,
SameSite=Strict cookie so the page's own assets and websocket carry it), a websocket whose
``Origin`` is not the served host gets 403, and so does a request naming a host the server
was not bound to (DNS rebinding). A bind to a non-loopback address prints a warning.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from analytics.text import inert
from tui.cli.exits import EXIT_OK, UsageError
from tui.cli.options import Options

if TYPE_CHECKING:
    from aiohttp import web

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def app_argv(opts: Options) -> list[str]:
    """The command line that starts the same app in a child process: every option of the
    command line that started ``serve`` (SPEC 10)."""
    argv: list[str] = []
    if opts.demo:
        argv += ["--demo", "--scenario", opts.scenario, "--seed", str(opts.seed)]
        argv += ["--speed", repr(opts.speed)]
    if opts.data is not None:
        argv += ["--data", str(opts.data.resolve())]
    if opts.asof is not None:
        argv += ["--asof", opts.asof.isoformat()]
    if opts.config is not None:
        argv += ["--config", str(opts.config.expanduser().resolve())]
    if opts.db is not None:
        argv += ["--db", str(opts.db.expanduser().resolve())]
    if opts.refresh is not None:
        argv += ["--refresh", repr(opts.refresh)]
    flags = (("--ansi", opts.ansi), ("--no-color", opts.no_color), ("--debug", opts.debug))
    argv += [flag for flag, on in flags if on]
    return argv


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def bind_warning(host: str) -> str | None:
    """The warning for a bind other machines can reach, else None."""
    if is_loopback(host):
        return None
    where = "every address of this machine" if host.strip("[]") in WILDCARDS else host
    return (
        f"warning: serving on {where}, not loopback: anyone who can reach it and has the URL "
        "can see and drive the dashboard (its alert log, mutes and exports)"
    )


def served_url(host: str, port: int, token: str) -> str:
    """The one URL ``serve`` prints: ``http://127.0.0.1:8000/?token=…``."""
    name = host.strip("[]")
    shown = f"[{name}]" if ":" in name else name
    return f"http://{shown}:{port}/?token={token}"


def _hostname(netloc: str) -> tuple[str, int | None]:
    parts = urlsplit(f"//{netloc}")
    return (parts.hostname or "").lower(), parts.port


class Guard:
    """The aiohttp middleware that lets in only requests that carry the token, name a host
    this server answers for and, for a websocket, come from this server's own page."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host = host.strip("[]").lower()
        self.port = port
        self.token = token
        self.cookie = f"rotmon_token_{port}"  # cookies ignore ports: one per served port

    def host_ok(self, netloc: str) -> bool:
        name, port = _hostname(netloc)
        if port is not None and port != self.port:
            return False
        if self.host in WILDCARDS:
            return True
        if name == self.host:
            return True
        return is_loopback(self.host) and is_loopback(name)

    def token_ok(self, request: web.Request) -> bool:
        given = request.query.get("token") or request.cookies.get(self.cookie) or ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser: the token alone decides
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()

    def refuse(self, request: web.Request) -> str | None:
        """Why ``request`` is refused (a 403), or None to let it in."""
        if not self.host_ok(request.host):
            return "unknown host"
        if not self.token_ok(request):
            return "a token is needed: open the URL `rotmon serve` printed"
        is_ws = request.headers.get("Upgrade", "").lower() == "websocket"
        if (is_ws or request.path == "/ws") and not self.origin_ok(request):
            return "websocket from another origin"
        return None

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        from aiohttp import web

        @web.middleware
        async def guard(
            request: web.Request,
            handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ) -> web.StreamResponse:
            why = self.refuse(request)
            if why is not None:
                return web.Response(status=403, text=f"403 forbidden: {why}\n")
            response = await handler(request)
            if "token" in request.query and not response.prepared:
                response.set_cookie(
                    self.cookie, self.token, httponly=True, samesite="Strict", path="/"
                )
            return response

        return guard


def guarded_server(command: str, host: str, port: int, token: str) -> object:
    """A textual-serve ``Server`` for ``command`` behind a ``Guard``."""
    from textual_serve.server import Server

    class GuardedServer(Server):
        guard = Guard(host, port, token)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self.guard.middleware())
            return app

        async def on_startup(self, app: web.Application) -> None:
            # The URL with its token is printed by run_serve; textual-serve's banner would
            # print a second one without it.
            return None

    from rich.console import Console

    public = served_url(host, port, token).split("/?", 1)[0]  # an IPv6 address in brackets
    server = GuardedServer(command, host=host, port=port, title="rotmon", public_url=public)
    server.console = Console(stderr=True)  # its log on stderr: stdout is the URL alone
    return server


def run_serve(opts: Options, host: str, port: int) -> int:
    """Serve the app on ``host:port`` until Ctrl+C or SIGTERM."""
    import shlex

    warning = bind_warning(host)
    if warning is not None:
        sys.stderr.write(f"rotmon: {inert(warning)}\n")
    if not 0 < port < 65536:
        raise UsageError(f"--port: expected 1-65535, got {port}")
    token = secrets.token_urlsafe(24)
    command = shlex.join([sys.executable, "-m", "tui", *app_argv(opts)])
    server = guarded_server(command, host, port, token)
    sys.stdout.write(served_url(host, port, token) + "\n")
    sys.stdout.flush()
    sys.stderr.write("rotmon: open that URL in a browser; Ctrl+C stops\n")
    server.serve()  # type: ignore[attr-defined]
    return EXIT_OK
