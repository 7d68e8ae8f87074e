"""``python -m tui`` and the ``rotmon`` entry point: the command line (``tui.cli.main``)."""

from __future__ import annotations

from tui.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
