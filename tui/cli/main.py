"""rotmon's command line (click): commands, their options and help (SPEC 2).

Each command parses its own options and calls one ``run_*`` function in a module of its own,
imported when the command runs, so ``rotmon snapshot`` never imports Textual. ``main`` is the
one place an exception becomes an exit code (``tui.cli.exits``).

To add a command (``rotmon collect``, say):
1. write ``tui/cli/collect.py`` with ``run_collect(opts: Options, ...) -> int`` (an exit code
   from ``tui.cli.exits``; raise ``UsageError`` for a usage mistake);
2. add a function here decorated with ``@cli.command("collect", help=...)``, then
   ``@shared(MARKET, COMMON)`` (the shared options it takes; they then work before or after
   the command name), its own ``@click.option``s, and ``@click.pass_context``; its body is
   ``from tui.cli.collect import run_collect`` and ``return run_collect(options(ctx), ...)``;
3. list it in the README's "Commands and options" (tests/e2e/test_cli_help.py checks).
A new shared option (``--redis URL``) is a field of ``Options`` and an entry in
``tui/cli/options.py``'s ``MARKET`` (see its docstring).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from analytics.text import inert
from tui import __version__
from tui.cli.exits import EXIT_INTERRUPTED, EXIT_USAGE, exit_code_of
from tui.cli.options import (
    COMMON,
    DESK,
    MARKET,
    SPEED,
    VIEW,
    Choice,
    Given,
    IsoDate,
    Positive,
    SectionOption,
    options,
    shared,
)

EPILOG = """\
\b
in the app: ? lists every key, ctrl+p the command palette, q quits.
every option may stand before or after the command: `rotmon --demo snapshot`.

\b
environment:
  NO_COLOR          no colour (as --no-color)
  FRED_API_KEY      use FRED's JSON API instead of the keyless graph CSV
  ROTMON_CONFIG     the config file (as --config)
  ROTMON_<KEY>      any setting, e.g. ROTMON_REFRESH=2, ROTMON_POLL_FRED=3600

\b
exit codes: 0 success; 1 data could not be obtained (the partial result is still
printed); 2 usage or configuration error; 70 internal error (a bug in rotmon: rerun
with --debug and report the traceback); 130 interrupted (Ctrl+C).
"""

SECTIONS = ("options", "market", "desk", "common options")
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _format_sections(
    cmd: click.Command, ctx: click.Context, formatter: click.HelpFormatter
) -> None:
    """The options in the sections of ``SECTIONS``: the command's own first, then the shared."""
    by_section: dict[str, list[tuple[str, str]]] = {}
    for param in cmd.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            if param is cmd.get_help_option(ctx):
                record = (record[0], "show this help and exit")
            section = getattr(param, "section", "options")
            by_section.setdefault(section, []).append(record)
    for section in SECTIONS:
        if by_section.get(section):
            with formatter.section(section):
                formatter.write_dl(by_section[section])


class RotmonCommand(click.Command):
    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _format_sections(self, ctx, formatter)


class RotmonGroup(click.Group):
    command_class = RotmonCommand
    group_class = type  # subgroups are RotmonGroups too

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _format_sections(self, ctx, formatter)
        rows = [
            (name, cmd.get_short_help_str(limit=formatter.width))
            for name, cmd in self.commands.items()
            if not cmd.hidden
        ]
        if rows:
            with formatter.section("commands"):
                formatter.write_dl(rows)


def _option(*decls: str, **kwargs: Any) -> Any:
    """A command's own option (listed under "options")."""
    return click.option(*decls, cls=SectionOption, **kwargs)


@click.group(
    "rotmon",
    cls=RotmonGroup,
    invoke_without_command=True,
    context_settings=CONTEXT,
    help="\b\nTerminal dashboard for the rotation from mega-cap tech into small caps.\n"
    "Without --demo or --data: live data (Yahoo, FRED, iShares holdings).",
    epilog=EPILOG,
    options_metavar="[OPTIONS]",
    subcommand_metavar="[COMMAND]",
)
@click.version_option(
    __version__, "--version", prog_name="rotmon", message="%(prog)s %(version)s",
    help="print the version and exit",
)  # fmt: skip
@shared(VIEW, MARKET, SPEED, DESK, COMMON)
@click.pass_context
def cli(ctx: click.Context) -> int | None:
    """The dashboard when no command is given."""
    if ctx.invoked_subcommand is not None:
        return None  # the command reads the options typed here through ``options``
    from tui.cli.app import run_app

    return run_app(options(ctx))


@cli.command("snapshot", help="print the dashboard's numbers once and exit")
@_option("--format", "fmt", type=Choice(("table", "json", "csv")), default="table",
         metavar="table|json|csv",
         help="output: table, json, csv (table)")  # fmt: skip
@shared(MARKET, DESK, COMMON)
@click.pass_context
def snapshot(ctx: click.Context, fmt: str) -> int:
    from tui.cli.snapshot import run_snapshot

    return run_snapshot(options(ctx), fmt)


@cli.command("backtest", help="replay every trading day under the risk rules")
@_option("--from", "first", type=IsoDate(), metavar="D", help="first day listed")
@_option("--to", "last", type=IsoDate(), metavar="D", help="last day replayed")
@_option("--format", "fmt", type=Choice(("table", "json")), default="table",
         metavar="table|json",
         help="output: table, json (table)")  # fmt: skip
@shared(MARKET, COMMON)
@click.pass_context
def backtest(ctx: click.Context, first: Any, last: Any, fmt: str) -> int:
    from tui.cli.backtest import run_backtest

    return run_backtest(options(ctx), first, last, fmt)


@cli.command("collect", help="desk mode: poll once, publish to Redis for many terminals")
@_option("--lease", type=Positive(float), default=5.0, metavar="SECONDS",
         help="leader lease; a standby collector takes over within it (5)")  # fmt: skip
@_option("--interval", type=Positive(float), metavar="SECONDS",
         help="seconds between polls (the source's own: demo 5, live 15)")  # fmt: skip
@_option("--id", "ident", metavar="NAME", help="collector id in the log (user@host:pid)")
@shared(MARKET, SPEED, DESK, COMMON)
@click.pass_context
def collect(ctx: click.Context, lease: float, interval: float | None, ident: str | None) -> int:
    from tui.cli.collect import run_collect

    return run_collect(options(ctx), lease=lease, interval=interval, ident=ident)


@cli.command("screenshots", help="regenerate the SVG screenshots (demo data)")
@click.argument("directory", metavar="[DIR]", required=False, default="screenshots",
                type=click.Path(path_type=Path))  # fmt: skip
@shared(MARKET, COMMON, only=("seed", *COMMON))
@click.pass_context
def screenshots(ctx: click.Context, directory: Path) -> int:
    from tui.cli.app import run_screenshots

    return run_screenshots(options(ctx), directory)


@cli.command("serve", help="the app in a browser (textual-serve, 127.0.0.1)")
@_option("--port", type=int, default=8000, help="port (8000)")
@_option("--host", default="127.0.0.1", metavar="ADDRESS", help="address to bind (127.0.0.1)")
@shared(MARKET, SPEED, COMMON)
@click.pass_context
def serve(ctx: click.Context, port: int, host: str) -> int:
    from tui.cli.serve import run_serve

    return run_serve(options(ctx), host, port)


@cli.group("pack", help="data pack tools", subcommand_metavar="ACTION")
@shared(COMMON)
def pack() -> None:
    """``pack check`` and ``pack download``."""


@pack.command("check", help="per file: rows, first/last date, gaps, problems")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@shared(COMMON)
@click.pass_context
def pack_check(ctx: click.Context, directory: Path) -> int:
    from tui.cli.pack import run_pack_check

    options(ctx)  # a stray option is an error here too
    return run_pack_check(directory)


@pack.command("download", help="build a pack of every spec symbol and series (Yahoo, FRED)")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@_option("--years", type=Positive(int), default=25, help="years (25)")
@shared(COMMON)
@click.pass_context
def pack_download(ctx: click.Context, directory: Path, years: int) -> int:
    from tui.cli.pack import run_pack_download

    return run_pack_download(options(ctx), directory, years)


@cli.command("record", help="save what live polling sees as a data pack")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@_option("--minutes", type=Positive(float), default=5.0, help="minutes (5)")
@shared(COMMON)
@click.pass_context
def record(ctx: click.Context, directory: Path, minutes: float) -> int:
    from tui.cli.record import run_record

    return run_record(options(ctx), directory, minutes)


@cli.command("doctor", help="one live fetch cycle; per-source diagnostics")
@shared(COMMON)
@click.pass_context
def doctor(ctx: click.Context) -> int:
    from tui.cli.doctor import run_doctor

    return run_doctor(options(ctx))


@cli.group("config", help="the configuration file", subcommand_metavar="ACTION")
@shared(COMMON)
def config() -> None:
    """``config init``, ``config path`` and ``config check``."""


@config.command("init", help="write a commented config file with every default")
@_option("--force", is_flag=True, help="overwrite an existing file")
@shared(COMMON)
@click.pass_context
def config_init(ctx: click.Context, force: bool) -> int:
    from tui.cli.configfile import run_config

    return run_config(options(ctx), "init", force=force)


@config.command("path", help="print where the config file is read from")
@shared(COMMON)
@click.pass_context
def config_path(ctx: click.Context) -> int:
    from tui.cli.configfile import run_config

    return run_config(options(ctx), "path")


@config.command("check", help="validate the config file")
@shared(COMMON)
@click.pass_context
def config_check(ctx: click.Context) -> int:
    from tui.cli.configfile import run_config

    return run_config(options(ctx), "check")


def usage_line(exc: click.ClickException) -> str:
    """A click error in one line: ``rotmon snapshot: error: --format: ... (see ... --help)``."""
    ctx = getattr(exc, "ctx", None)
    prog = ctx.command_path if ctx is not None else "rotmon"
    param = getattr(exc, "param", None)
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter):
        hint = param.opts[0] if param is not None and param.opts else exc.param_hint
        message = f"{hint}: {exc.message}" if hint else exc.message
    else:
        message = exc.format_message()
    return inert(f"{prog}: error: {message} (see {prog} --help)")  # may quote what was typed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    given = Given()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rv = cli.main(args, prog_name="rotmon", standalone_mode=False, obj=given)
    except click.ClickException as exc:
        sys.stderr.write(usage_line(exc) + "\n")
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except click.Abort:
        return EXIT_INTERRUPTED
    except Exception as exc:
        return exit_code_of(exc, debug=given.debug)
    except KeyboardInterrupt as exc:
        return exit_code_of(exc)
    return int(rv or 0)
