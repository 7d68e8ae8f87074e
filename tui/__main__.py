"""``python -m tui`` and the ``rotmon`` entry point: the command line (``tui.cli.main``)."""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Before its imports: the dataclasses' generated methods come compiled from the user's cache
    (``tui.classcode``, ~30 ms of a dashboard's start), and the cyclic collector is off while
    the command line's modules load (some 10^5 objects that live as long as the process; the
    collector walked them ~45 times). The table is written back when the command ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        from tui import classcode

        classcode.install()
        from tui.cli.main import main as run
    finally:
        if collecting:
            gc.enable()
    try:
        return run(argv)
    finally:
        classcode.save()


__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
