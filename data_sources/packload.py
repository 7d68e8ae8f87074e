"""Opening a data pack from the app without delaying its first paint (no pandas imported here).

``PackLoader`` is the factory the app builds its pack source with, on the source's own thread;
while it reads, ``progress`` says how far it is, and the status bar shows it (a large pack used
to leave the terminal blank for as long as it took to read).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from data_sources.packroot import root_problem

if TYPE_CHECKING:
    from data_sources.pack import LoadProgress, PackSource


class PackLoader:
    """A zero-argument factory of the PackSource at ``path``; raises SourceError at once when
    ``path`` is no pack directory, so that mistake is an error before the screen opens."""

    name = "pack"

    def __init__(self, path: Path | str, asof: date | None = None) -> None:
        self.path = Path(path).expanduser()
        self.asof = asof
        self.progress: str | None = None
        """What the loader is doing now, e.g. ``reading 3/40 files, 12,000 rows
        (prices/SPY.csv)``; None before and after."""
        problem = root_problem(self.path)
        if problem is not None:
            from data_sources.base import SourceError

            raise SourceError(problem)

    def _report(self, step: LoadProgress) -> None:
        self.progress = step.text()  # one attribute store: read from the UI thread as is

    def __call__(self) -> PackSource:
        from data_sources.pack import PackSource

        self.progress = f"opening {self.path.name or self.path}"
        try:
            return PackSource(self.path, self.asof, progress=self._report)
        finally:
            self.progress = None
