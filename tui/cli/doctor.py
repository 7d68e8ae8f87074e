"""``rotmon doctor``: one live fetch cycle and per-source diagnostics (no Textual)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from analytics.health import SourceHealth
from analytics.text import inert
from data_sources.aio import within
from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.cli.live import ONE_SHOT_WAIT, STREAM_WAIT, _open_store, live_source
from tui.cli.options import Options
from tui.cli.output import Progress
from tui.cli.sources import settings_of

if TYPE_CHECKING:
    from data_sources.live import LiveSource
    from tui.config import Settings


def run_doctor(opts: Options) -> int:
    return cmd_doctor(settings_of(opts))


def health_ok(snapshot: SourceHealth) -> bool:
    """Healthy for ``doctor``: it answered, and its last attempt did not fail."""
    return snapshot.ok and not snapshot.failures


async def diagnose(
    source: LiveSource, *, wait: float = ONE_SHOT_WAIT, stream_wait: float = STREAM_WAIT
) -> tuple[SourceHealth, ...]:
    """One fetch cycle of every part of ``source`` (history, quotes, details of one symbol,
    the stream's connection, FRED, holdings); then its diagnostics. Closes the source."""
    try:
        await source.fetch(source.clock(), wait=wait)
        symbols = source.settings.symbols
        probe = "IWM" if "IWM" in symbols else (symbols[0] if symbols else None)
        if probe is not None:
            # A failure is recorded in the details health, which is what is reported.
            with contextlib.suppress(Exception):
                await within(source.details(probe), wait)
        stream = source.yahoo.stream
        if stream is not None:
            loop = asyncio.get_running_loop()
            end = loop.time() + stream_wait
            while loop.time() < end:
                h = stream.health
                if stream.connected or (h.consecutive_failures and not h.in_flight):
                    break
                await asyncio.sleep(0.05)
        await source.settle(10.0)
        return source.diagnostics(source.clock())
    finally:
        await source.aclose()


OFFLINE = "offline: no source reachable — try `--demo` or `--data DIR`"
UNREACHABLE = ("connection refused", "cannot connect", "host not found", "timed out")
"""Reasons (``describe_exception``) that mean no answer came at all, not an answer that failed."""


def ny_time(moment: datetime) -> str:
    """``NY 2026-03-10 10:32:05``: New York time, as the app's header shows the clock."""
    from data_sources.market_calendar import NY

    return moment.astimezone(NY).strftime("NY %Y-%m-%d %H:%M:%S")


def offline(snapshots: Sequence[SourceHealth]) -> bool:
    """No source answered: none ever succeeded and every one that tried got no answer at all
    (refused, unreachable, unknown host, timed out) — an HTTP error is an answer."""
    tried = [s for s in snapshots if s.requests or s.last_error]
    if not tried or any(s.last_success is not None for s in snapshots):
        return False
    return all(any(r in (s.last_error or "").lower() for r in UNREACHABLE) for s in tried)


def doctor_report(snapshots: Sequence[SourceHealth], *, fred_mode: str) -> list[str]:
    """The lines ``rotmon doctor`` prints: "offline" first when no source answered, every
    source (times in New York), then a verdict."""
    lines = [OFFLINE] if offline(snapshots) else []
    lines += [f"rotmon doctor · FRED via {fred_mode}", ""]
    for snap in snapshots:
        lines += [inert(line) for line in snap.lines(ny_time)]
        lines.append("")
    bad = [s.name for s in snapshots if not health_ok(s)]
    if bad:
        lines.append(f"{len(bad)} of {len(snapshots)} sources not ok: {', '.join(bad)}")
    else:
        lines.append(f"all {len(snapshots)} sources ok")
    return lines


def cmd_doctor(settings: Settings, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``rotmon doctor``: exit 0 when every source is ok, else 1."""
    out = out if out is not None else sys.stdout
    store = _open_store(settings, err)
    try:
        source = live_source(settings, store)
        mode = "the JSON API (key set)" if source.fred.mode == "api" else "the keyless graph CSV"
        progress = Progress(err if err is not None else sys.stderr)
        progress.update("rotmon doctor: one fetch cycle of every source…", force=True)
        try:
            snapshots = asyncio.run(diagnose(source))
        finally:
            progress.done()
    finally:
        store.close()
    out.write("\n".join(doctor_report(snapshots, fred_mode=mode)) + "\n")
    return EXIT_OK if all(health_ok(s) for s in snapshots) else EXIT_DATA
