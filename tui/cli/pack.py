"""``rotmon pack check`` and ``rotmon pack download`` (no Textual)."""

from __future__ import annotations

import sys
from pathlib import Path

from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.cli.options import Options
from tui.cli.sources import settings_of


def run_pack_check(directory: Path) -> int:
    """Per file: rows, first/last date, gaps, problems; exit 1 when any file has a problem."""
    from data_sources.pack import check_pack, format_pack_check

    reports = check_pack(directory)
    sys.stdout.write(format_pack_check(reports).rstrip("\n") + "\n")
    return EXIT_DATA if any(r.problems for r in reports) else EXIT_OK


def run_pack_download(opts: Options, directory: Path, years: int) -> int:
    """Every spec symbol and series from Yahoo and FRED into the pack ``directory``."""
    from tui.live_cli import cmd_pack_download

    return cmd_pack_download(settings_of(opts), directory, years)
