"""``rotmon backtest``: every trading day replayed under the risk rules (no Textual)."""

from __future__ import annotations

import sys
from datetime import date

from tui.cli.exits import EXIT_DATA, EXIT_OK, UsageError
from tui.cli.options import Options
from tui.cli.output import problems_to_stderr, stdout_console
from tui.cli.sources import fetch_once, settings_of


def run_backtest(opts: Options, first: date | None, last: date | None, fmt: str) -> int:
    """Print the episodes from ``first`` to ``last`` (default: the data's last day)."""
    from analytics.backtest import backtest_json, episodes
    from tui.compute import risk_of_market

    settings = settings_of(opts)
    market = fetch_once(opts)
    known = market.asof.date()
    to = min(last, known) if last else known
    if first and first > to:
        raise UsageError(f"--from {first} is after the last day replayed ({to})")
    result = risk_of_market(market, settings, to)
    doc = backtest_json(result, episodes(result), first, to)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    else:
        from tui.report import print_backtest_table

        print_backtest_table(doc, stdout_console(opts.no_color))
    problems_to_stderr(market.problems)
    return EXIT_DATA if market.problems else EXIT_OK
