"""``rotmon config init|path|check``: the configuration file (no Textual)."""

from __future__ import annotations

import sys

from analytics.text import inert
from tui.cli.exits import EXIT_OK, EXIT_USAGE
from tui.cli.options import Options


def run_config(opts: Options, action: str, *, force: bool = False) -> int:
    from tui.config import check_config, config_path
    from tui.configtext import config_init

    path = opts.config
    if action == "path":
        sys.stdout.write(f"{path or config_path()}\n")
        return EXIT_OK
    if action == "init":
        written = config_init(path, force=force)
        sys.stdout.write(f"wrote {written}\n")
        return EXIT_OK
    problems = check_config(path)
    for problem in problems:
        sys.stderr.write(f"{inert(problem)}\n")
    if not problems:
        sys.stdout.write(f"{path or config_path()}: ok\n")
    return EXIT_USAGE if problems else EXIT_OK
