"""A pack is read on the source's own thread after the first paint, its progress in the
status bar (issue 14: a large pack left the terminal blank while it was read)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from data_sources.base import SourceError
from data_sources.pack import LoadProgress
from data_sources.packload import PackLoader
from tests.support.screen import snapshot_on_screen
from tests.support.waiting import until
from tui.config import Settings
from tui.wiring import build_app

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


class HeldLoader(PackLoader):
    """The real loader, held on its third file until the test has looked at the screen."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.held = threading.Event()
        self.release = threading.Event()

    def _report(self, step: LoadProgress) -> None:
        super()._report(step)
        if step.done == 2:
            self.held.set()
            self.release.wait(20)


async def test_the_status_bar_shows_progress_while_a_pack_is_read(tmp_path: Path) -> None:
    loader = HeldLoader(PACK)
    app = build_app(
        loader, Settings(), kind="pack", db=tmp_path / "p.sqlite3", badge="PACK",
        live_polling=False,
    )  # fmt: skip
    try:
        async with app.run_test(size=(160, 48)):
            await until(loader.held.is_set, timeout=20)
            (line,) = app.source_lines()[:1]
            assert (line.name, line.state) == ("pack", "loading")
            # the counts first: a narrow status bar cuts the file name, not how far it is
            assert line.detail == "reading 3/21 files, 1,018 rows (prices/IWM.csv)"
            assert app.dashboard.is_mounted  # the screen is up while the pack is read
            loader.release.set()
            await snapshot_on_screen(app)
            assert app.source is not None and app.source.name == "pack"
            assert app.source_lines()[0].detail is None
            assert loader.progress is None
    finally:
        loader.release.set()


def test_a_path_that_is_no_pack_fails_before_the_screen(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        PackLoader(tmp_path / "nope")
