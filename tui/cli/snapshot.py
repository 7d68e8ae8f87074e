"""``rotmon snapshot``: the dashboard's numbers once, as a table, JSON or CSV (no Textual)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tui.cli.exits import EXIT_DATA, EXIT_OK, UsageError
from tui.cli.options import Options
from tui.cli.output import problems_to_stderr, stdout_console
from tui.cli.sources import fetch_once, settings_of

if TYPE_CHECKING:
    from analytics.types import Snapshot


def desk_snapshot(opts: Options) -> Snapshot:
    """The snapshot the desk's collector published last, with the desk's health row."""
    import asyncio

    from data_sources.desk.terminal import read_latest
    from tui.cli.collect import desk_options

    if opts.demo or opts.data is not None:
        raise UsageError("--redis: the snapshot is the collector's; drop --demo / --data")
    desk = desk_options(opts, settings_of(opts))
    market = asyncio.run(read_latest(desk.url, username=desk.username, password=desk.password))
    assert market.snapshot is not None
    return market.snapshot


def run_snapshot(opts: Options, fmt: str) -> int:
    """Print the snapshot in ``fmt``; exit 1 when a problem or a failing source remains."""
    from analytics.snapshot import snapshot_to_csv, snapshot_to_dict
    from tui.compute import snapshot_from_market

    settings = settings_of(opts)
    if opts.redis is not None:
        snap = desk_snapshot(opts)
    else:
        snap = snapshot_from_market(fetch_once(opts), settings)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(snapshot_to_dict(snap), indent=2, allow_nan=False) + "\n")
    elif fmt == "csv":
        sys.stdout.write(snapshot_to_csv(snap))
    else:
        from tui.report import print_snapshot_table

        print_snapshot_table(snap, stdout_console(opts.no_color))
    problems_to_stderr(snap.problems)
    failing = [s for s in snap.sources if not s.ok]
    return EXIT_DATA if snap.problems or failing else EXIT_OK
