"""RotmonApp's exports: the snapshot as JSON, the screen as SVG, the palette's system commands.

Files are written in a thread, each a new file beside the exports (``[export] dir``), never
overwriting an earlier one; the toast gives the full path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

    from analytics.types import Snapshot

    _AppBase = App[int]
else:
    _AppBase = object


class Exports(_AppBase):
    """RotmonApp's export actions (a mixin of the app)."""

    if TYPE_CHECKING:  # given by RotmonApp
        snapshot: Snapshot | None
        export_dir: Path | None

        def now(self) -> datetime: ...

    async def action_export_snapshot(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            self.notify("Nothing to export yet", timeout=2)
            return
        from tui.export import export_snapshot_json

        directory = self.export_dir or Path.cwd()
        try:  # a new file each time, never overwriting an earlier export
            path = await asyncio.to_thread(
                export_snapshot_json, snapshot, directory, now=self.now()
            )
        except Exception as exc:
            self.notify(f"Export failed: {exc}", severity="error", timeout=5, markup=False)
            return
        self.notify(f"Snapshot written to {path}", timeout=5, markup=False)

    async def action_save_screenshot(self) -> None:
        """Save what the screen shows as SVG beside the exports, the full path in the toast."""
        from tui.export import export_screenshot_svg

        svg = self.export_screenshot()
        directory = self.export_dir or Path.cwd()
        try:
            path = await asyncio.to_thread(export_screenshot_svg, svg, directory, now=self.now())
        except Exception as exc:
            self.notify(f"Screenshot failed: {exc}", severity="error", timeout=5, markup=False)
            return
        self.notify(f"Screenshot written to {path}", timeout=5, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette entries less the ones our bindings already offer (Quit, Theme),
        with a screenshot that is written where exports go and says where."""
        for command in super().get_system_commands(screen):
            if command.title in ("Quit", "Theme"):
                continue
            if command.title == "Screenshot":
                command = SystemCommand(
                    "Screenshot",
                    "Save an SVG screenshot of the screen beside the exports",
                    lambda: self.run_worker(self.action_save_screenshot(), group="export"),
                )
            yield command
