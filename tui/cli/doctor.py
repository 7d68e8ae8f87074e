"""``rotmon doctor``: one live fetch cycle and per-source diagnostics (no Textual)."""

from __future__ import annotations

from tui.cli.options import Options
from tui.cli.sources import settings_of


def run_doctor(opts: Options) -> int:
    from tui.live_cli import cmd_doctor

    return cmd_doctor(settings_of(opts))
