"""rotmon's command line: arguments → settings → a command or the Textual app (SPEC 2)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tui import __version__
from tui.config import ConfigError

if TYPE_CHECKING:
    from data_sources.base import DataSource
    from data_sources.model import MarketData
    from tui.config import Settings

SCENARIOS = ("rotation", "hard-landing", "oil-shock", "calm")
EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in the command line or configuration: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports mistakes in one line and exits 2 (SPEC 2)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _positive(kind: type):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return value

    return parse


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("common options")
    g.add_argument("--config", type=Path, metavar="PATH", help="config file (TOML)")
    g.add_argument("--db", type=Path, metavar="PATH", help="SQLite store (cache and alert log)")
    g.add_argument("--ansi", action="store_true", help="use the terminal's 16-colour palette")
    g.add_argument("--no-color", action="store_true", help="no colour; meaning kept by signs")
    g.add_argument("--refresh", type=_positive(float), metavar="N", help="screen updates/s (4)")
    g.add_argument("--debug", action="store_true", help="show tracebacks")


def _market(p: argparse.ArgumentParser, *, demo_only_speed: bool = False) -> None:
    g = p.add_argument_group("market")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--demo", action="store_true", help="the embedded demo market (no network)")
    src.add_argument("--data", type=Path, metavar="DIR", help="an offline data pack")
    g.add_argument("--scenario", choices=SCENARIOS, default="rotation", help="demo scenario")
    g.add_argument("--seed", type=int, default=7, help="demo seed (7)")
    g.add_argument("--asof", type=_iso_date, metavar="YYYY-MM-DD", help="as-of date (packs)")
    if demo_only_speed:
        g.add_argument(
            "--speed", type=_positive(float), default=1.0, help="demo clock speed (1 = real time)"
        )


EPILOG = """\
in the app: ? lists every key, ctrl+p the command palette, q quits.

environment:
  NO_COLOR          no colour (as --no-color)
  FRED_API_KEY      use FRED's JSON API instead of the keyless graph CSV
  ROTMON_CONFIG     the config file (as --config)
  ROTMON_<KEY>      any setting, e.g. ROTMON_REFRESH=2, ROTMON_POLL_FRED=3600

exit codes: 0 success; 1 data could not be obtained (the partial result is still
printed); 2 usage or configuration error.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rotmon",
        description="Terminal dashboard for the rotation from mega-cap tech into small caps.\n"
        "Without --demo or --data: live data (Yahoo, FRED, iShares holdings).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rotmon {__version__}")
    _market(parser, demo_only_speed=True)
    _common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    snap = sub.add_parser("snapshot", help="print the dashboard's numbers once and exit")
    _market(snap)
    snap.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="output (table)"
    )
    _common(snap)

    bt = sub.add_parser("backtest", help="replay every trading day under the risk rules")
    _market(bt)
    bt.add_argument("--from", dest="from_", type=_iso_date, metavar="D", help="first day listed")
    bt.add_argument("--to", type=_iso_date, metavar="D", help="last day replayed")
    bt.add_argument("--format", choices=("table", "json"), default="table", help="output (table)")
    _common(bt)

    shots = sub.add_parser("screenshots", help="regenerate the SVG screenshots (demo data)")
    shots.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=Path("screenshots"),
        metavar="DIR",
        help="where the SVGs go (screenshots)",
    )
    shots.add_argument("--seed", type=int, default=7, help="demo seed (7)")
    _common(shots)

    serve = sub.add_parser("serve", help="the app in a browser (textual-serve, 127.0.0.1)")
    _market(serve, demo_only_speed=True)
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    _common(serve)

    pack = sub.add_parser("pack", help="data pack tools")
    pack_sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", parser_class=_Parser)
    pack_sub.required = True
    check = pack_sub.add_parser("check", help="per file: rows, first/last date, gaps, problems")
    check.add_argument("dir", type=Path, metavar="DIR", help="the pack directory")
    _common(check)
    download = pack_sub.add_parser(
        "download", help="build a pack of every spec symbol and series (Yahoo, FRED)"
    )
    download.add_argument("dir", type=Path, metavar="DIR", help="the pack directory to write")
    download.add_argument("--years", type=_positive(int), default=25, help="years (25)")
    _common(download)

    record = sub.add_parser("record", help="save what live polling sees as a data pack")
    record.add_argument("dir", type=Path, metavar="DIR", help="the pack directory to write")
    record.add_argument("--minutes", type=_positive(float), default=5.0, help="minutes (5)")
    _common(record)

    _common(sub.add_parser("doctor", help="one live fetch cycle; per-source diagnostics"))

    cfg = sub.add_parser("config", help="the configuration file")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", parser_class=_Parser)
    cfg_sub.required = True
    init = cfg_sub.add_parser("init", help="write a commented config file with every default")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    _common(init)
    _common(cfg_sub.add_parser("path", help="print where the config file is read from"))
    _common(cfg_sub.add_parser("check", help="validate the config file"))
    for group in (sub, pack_sub, cfg_sub):  # each subcommand's --help starts with what it does
        for action in group._choices_actions:
            group.choices[action.dest].description = action.help
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """Defaults < config file < environment < command line."""
    from tui.config import load_settings

    overrides = {"refresh": getattr(args, "refresh", None), "db": getattr(args, "db", None)}
    return load_settings(getattr(args, "config", None), os.environ, overrides)


def _load_source(args: argparse.Namespace, *, frozen: bool = False) -> DataSource:
    """The data source the arguments ask for; ``frozen`` stops the demo clock at its start so
    one-shot commands give the same numbers in every process."""
    if args.data is not None:
        from data_sources.pack import PackSource

        return PackSource(args.data, asof=args.asof)
    if args.demo:
        from data_sources.demo import DemoSource

        speed = getattr(args, "speed", 1.0)
        try:
            if frozen:
                return DemoSource(args.seed, args.scenario, speed, wall=lambda: 0.0)
            return DemoSource(args.seed, args.scenario, speed)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    from tui.live_cli import app_source

    return app_source(_settings(args))  # type: ignore[return-value]  # a factory: the app builds it


def _fetch_once(args: argparse.Namespace) -> MarketData:
    """What the chosen source knows now (the demo clock's start, the pack's as-of date,
    or live: the network, waiting up to a minute)."""
    if args.data is None and not args.demo:
        from tui.live_cli import fetch_once

        return fetch_once(_settings(args))
    source = _load_source(args, frozen=True)

    async def fetch() -> MarketData:
        try:
            clock = getattr(source, "clock", None)
            return await source.fetch(clock.now() if clock else datetime.now(UTC))
        finally:
            await source.aclose()

    return asyncio.run(fetch())


def cmd_snapshot(args: argparse.Namespace) -> int:
    from analytics.snapshot import snapshot_to_csv, snapshot_to_dict
    from tui.compute import snapshot_from_market

    settings = _settings(args)
    snap = snapshot_from_market(_fetch_once(args), settings)
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(snapshot_to_dict(snap), indent=2, allow_nan=False) + "\n")
    elif args.format == "csv":
        sys.stdout.write(snapshot_to_csv(snap))
    else:
        from rich.console import Console

        from tui.report import print_snapshot_table

        print_snapshot_table(snap, Console(no_color=args.no_color or None))
    for problem in snap.problems:
        sys.stderr.write(f"rotmon: {problem}\n")
    failing = [s for s in snap.sources if not s.ok]
    return EXIT_DATA if snap.problems or failing else EXIT_OK


def cmd_backtest(args: argparse.Namespace) -> int:
    from analytics.backtest import backtest_json, episodes
    from tui.compute import risk_of_market

    settings = _settings(args)
    market = _fetch_once(args)
    last = market.asof.date()
    to = min(args.to, last) if args.to else last
    if args.from_ and args.from_ > to:
        raise UsageError(f"--from {args.from_} is after the last day replayed ({to})")
    result = risk_of_market(market, settings, to)
    doc = backtest_json(result, episodes(result), args.from_, to)
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    else:
        from rich.console import Console

        from tui.report import print_backtest_table

        print_backtest_table(doc, Console(no_color=args.no_color or None))
    for problem in market.problems:
        sys.stderr.write(f"rotmon: {problem}\n")
    return EXIT_DATA if market.problems else EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    from data_sources.pack import check_pack, format_pack_check

    if args.pack_command == "download":
        return _live(args, "download")
    reports = check_pack(args.dir)
    sys.stdout.write(format_pack_check(reports).rstrip("\n") + "\n")
    return EXIT_DATA if any(r.problems for r in reports) else EXIT_OK


def _live(args: argparse.Namespace, what: str) -> int:
    """``record``, ``pack download`` and ``doctor`` (tui/live_cli.py)."""
    from tui import live_cli

    settings = _settings(args)  # live_cli raises ConfigError (exit 2) for a bad setting
    if what == "record":
        return live_cli.cmd_record(settings, args.dir, args.minutes)
    if what == "download":
        return live_cli.cmd_pack_download(settings, args.dir, args.years)
    return live_cli.cmd_doctor(settings)


def cmd_record(args: argparse.Namespace) -> int:
    return _live(args, "record")


def cmd_doctor(args: argparse.Namespace) -> int:
    return _live(args, "doctor")


def cmd_config(args: argparse.Namespace) -> int:
    from tui.config import check_config, config_init, config_path

    path = args.config
    if args.config_command == "path":
        sys.stdout.write(f"{path or config_path()}\n")
        return EXIT_OK
    if args.config_command == "init":
        written = config_init(path, force=args.force)
        sys.stdout.write(f"wrote {written}\n")
        return EXIT_OK
    problems = check_config(path)
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    if not problems:
        sys.stdout.write(f"{path or config_path()}: ok\n")
    return EXIT_USAGE if problems else EXIT_OK


def _app_argv(args: argparse.Namespace) -> list[str]:
    """The command line that starts the same app in a child process (for `serve`)."""
    argv: list[str] = []
    if args.demo:
        argv += ["--demo", "--scenario", args.scenario, "--seed", str(args.seed)]
        argv += ["--speed", str(args.speed)]
    if args.data is not None:
        argv += ["--data", str(args.data.resolve())]
    if args.asof is not None:
        argv += ["--asof", args.asof.isoformat()]
    for flag in ("config", "db"):
        if getattr(args, flag) is not None:
            argv += [f"--{flag}", str(getattr(args, flag).resolve())]
    if args.refresh is not None:
        argv += ["--refresh", str(args.refresh)]
    argv += [f for f, on in (("--ansi", args.ansi), ("--no-color", args.no_color)) if on]
    return argv


def cmd_screenshots(args: argparse.Namespace) -> int:
    from tui.screenshots import write_screenshots

    if args.seed < 0:
        raise UsageError(f"--seed: expected a whole number >= 0, got {args.seed}")
    for path in write_screenshots(args.dir, seed=args.seed):
        sys.stdout.write(f"{path}\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import shlex

    from textual_serve.server import Server

    if not 0 < args.port < 65536:
        raise UsageError(f"--port: expected 1-65535, got {args.port}")
    command = shlex.join([sys.executable, "-m", "tui", *_app_argv(args)])
    sys.stderr.write(f"rotmon: serving on http://{args.host}:{args.port} (Ctrl+C stops)\n")
    Server(command, host=args.host, port=args.port, title="rotmon").serve()
    return EXIT_OK


def _snapshot_cache(args: argparse.Namespace) -> Path:
    """Where the last snapshot of this market is kept for an instant first paint."""
    import platformdirs

    if args.demo:
        name = f"demo-{args.scenario}-{args.seed}"
    elif args.data is not None:
        import hashlib

        digest = hashlib.sha1(str(args.data.resolve()).encode()).hexdigest()[:12]
        name = f"pack-{digest}"
    else:
        name = "live"
    return platformdirs.user_cache_path("rotmon") / f"snapshot-{name}.json"


def _app_source(args: argparse.Namespace, settings: Settings) -> object:
    """A factory the app calls on the source's own thread (pandas never delays the first
    paint); packs are read here so a bad pack is an error before the screen opens."""
    if args.data is not None:
        return _load_source(args)
    if args.demo:
        if args.seed < 0:  # checked here: the source itself is built inside the app
            raise UsageError(f"--seed: expected a whole number >= 0, got {args.seed}")
        seed, scenario, speed = args.seed, args.scenario, args.speed

        def demo() -> DataSource:
            from data_sources.demo import DemoSource

            return DemoSource(seed, scenario, speed)

        return demo
    from tui.live_cli import app_source

    return app_source(settings)


def cmd_app(args: argparse.Namespace) -> int:
    from tui.wiring import build_app

    settings = _settings(args)
    kind = "demo" if args.demo else "pack" if args.data is not None else "live"
    source = _app_source(args, settings)
    try:
        app = build_app(
            source,  # type: ignore[arg-type]
            settings,
            kind=kind,
            db=args.db,
            badge={"demo": "DEMO", "pack": "PACK"}.get(kind),
            ansi=args.ansi,
            no_color=args.no_color or "NO_COLOR" in os.environ,
            snapshot_cache=_snapshot_cache(args),
        )
    except ValueError as exc:  # an unknown theme or key in the config
        raise UsageError(str(exc)) from None
    app.run()
    for warning in getattr(source, "warnings", ()):  # the live store's, kept until the app exits
        sys.stderr.write(f"rotmon: {warning}\n")
    return app.return_code or EXIT_OK


COMMANDS = {
    "snapshot": cmd_snapshot,
    "backtest": cmd_backtest,
    "pack": cmd_pack,
    "serve": cmd_serve,
    "screenshots": cmd_screenshots,
    "config": cmd_config,
    "record": cmd_record,
    "doctor": cmd_doctor,
    None: cmd_app,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        sys.stderr.write(f"rotmon: {exc}\n")
        return EXIT_USAGE
    except ConfigError as exc:
        sys.stderr.write("".join(f"{p}\n" for p in exc.problems[:2]))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a last resort: one line, never a traceback unless --debug
        if args.debug:
            raise
        from data_sources.base import SourceError

        if isinstance(exc, SourceError):
            sys.stderr.write(f"rotmon: {exc}\n")
            return EXIT_DATA
        sys.stderr.write(
            f"rotmon: internal error: {type(exc).__name__}: {exc} (rerun with --debug)\n"
        )
        return EXIT_DATA


if __name__ == "__main__":
    raise SystemExit(main())
