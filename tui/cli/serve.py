"""``rotmon serve``: the app in a browser through textual-serve (no Textual in this process)."""

from __future__ import annotations

import sys

from tui.cli.exits import EXIT_OK, UsageError
from tui.cli.options import Options


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


def run_serve(opts: Options, host: str, port: int) -> int:
    import shlex

    from textual_serve.server import Server

    if not 0 < port < 65536:
        raise UsageError(f"--port: expected 1-65535, got {port}")
    command = shlex.join([sys.executable, "-m", "tui", *app_argv(opts)])
    sys.stderr.write(f"rotmon: serving on http://{host}:{port} (Ctrl+C stops)\n")
    Server(command, host=host, port=port, title="rotmon").serve()
    return EXIT_OK
