"""``rotmon snapshot``: the dashboard's numbers once, as a table, JSON or CSV (no Textual)."""

from __future__ import annotations

import sys

from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.cli.options import Options
from tui.cli.output import problems_to_stderr, stdout_console
from tui.cli.sources import fetch_once, settings_of


def run_snapshot(opts: Options, fmt: str) -> int:
    """Print the snapshot in ``fmt``; exit 1 when a problem or a failing source remains."""
    from analytics.snapshot import snapshot_to_csv, snapshot_to_dict
    from tui.compute import snapshot_from_market

    settings = settings_of(opts)
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
