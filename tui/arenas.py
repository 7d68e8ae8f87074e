"""One glibc malloc arena for the dashboard's process (issue 19: peak memory).

glibc gives each thread that allocates its own malloc arena, up to eight per core; the
dashboard runs ~9 threads (Textual's input and output, the source's loop and its executor,
the app loop's executor, the alert log's writer), and each arena keeps its freed chunks and
its top pad for itself. Measured at 160x48 with ``--demo --speed 60``: 2-2.5 MB of the
dashboard's 107 MB peak RSS were those arenas; a second arena shared by the other threads
still kept 0.5-0.6 MB of its own (bench/RESULTS.md, 2026-12-06). Python objects come from
pymalloc anyway, and the GIL serialises nearly every allocation, so the threads gain nothing
from arenas of their own.

glibc reads the limit once, when a thread first needs an arena: ``limit_arenas`` must run
before the app starts any thread. Elsewhere (no glibc, or ``MALLOC_ARENA_MAX`` already set by
the user) it does nothing.
"""

from __future__ import annotations

import sys

ARENAS = 1
"""The limit: every thread allocates from the main arena. Two (the main arena and one shared by
the other threads) kept the second arena's own slack: 0.5-0.6 MB more peak RSS at 160x48 in
alternated runs (2026-12-06; a first measurement, 2026-12-05, saw 1 and 2 save the same)."""

_M_ARENA_MAX = -8  # malloc.h


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; True when it agreed."""
    from tui.config import malloc_arenas_set  # the one module that reads the environment

    if malloc_arenas_set() or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes  # numpy imports it later anyway

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):  # no C library with mallopt
        return False
    return bool(mallopt(_M_ARENA_MAX, int(arenas)))
