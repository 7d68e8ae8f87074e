"""``rotmon record``: what live polling sees, saved as a data pack (no Textual)."""

from __future__ import annotations

from pathlib import Path

from tui.cli.options import Options
from tui.cli.sources import settings_of


def run_record(opts: Options, directory: Path, minutes: float) -> int:
    from tui.live_cli import cmd_record

    return cmd_record(settings_of(opts), directory, minutes)
