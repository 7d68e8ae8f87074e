"""``rotmon record``: what live polling sees, saved as a data pack (no Textual)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeGuard

from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.cli.live import FINISH_GRACE, _check_out_dir, _clock, _write, failing_problems, live_source
from tui.cli.options import Options
from tui.cli.output import Progress, say
from tui.cli.sources import settings_of

if TYPE_CHECKING:
    import pandas as pd

    from data_sources.live import LiveSource
    from data_sources.model import Constituent, Quote
    from tui.config import Settings


def run_record(opts: Options, directory: Path, minutes: float) -> int:
    return cmd_record(settings_of(opts), directory, minutes)


def with_last(frame: pd.DataFrame, quote: Quote | None) -> pd.DataFrame:
    """Daily bars with ``quote`` as the row of its New York day: it replaces the close (and
    widens high/low, takes the volume) of a bar of that day, or is appended as a new day."""
    import pandas as pd

    from data_sources.yahoo import NY

    if quote is None or frame.empty:
        return frame
    day = pd.Timestamp(quote.time.astimezone(NY).date())
    last = frame.index[-1]
    if day < last:
        return frame
    out = frame.copy()
    if day > last:
        row = {c: float("nan") for c in out.columns}
        out.loc[day] = row
    price = float(quote.price)
    out.loc[day, "close"] = price
    if "high" in out.columns:
        highs = [v for v in (quote.day_high, price, out.at[day, "high"]) if _finite(v)]
        out.loc[day, "high"] = max(highs)
    if "low" in out.columns:
        lows = [v for v in (quote.day_low, price, out.at[day, "low"]) if _finite(v)]
        out.loc[day, "low"] = min(lows)
    if "volume" in out.columns and _finite(quote.volume):
        out.loc[day, "volume"] = float(quote.volume)
    return out


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and value == value and abs(value) != float("inf")


@dataclass
class RecordResult:
    """What ``record`` wrote (or would have written when nothing came)."""

    prices: list[str] = field(default_factory=list)
    macro: list[str] = field(default_factory=list)
    constituents: int = 0
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.prices and not self.macro


def _record_line(elapsed: float, total: float, source: LiveSource, updates: int) -> str:
    y = source.yahoo
    parts = [f"recording {_clock(elapsed)} of {_clock(total)}"]
    status = {s.name: s for s in source.status()}
    yahoo = status.get("yahoo")
    parts.append(
        f"yahoo {yahoo.state if yahoo else '?'} {len(y.bars)}/{len(y.symbols)} histories,"
        f" {len(y.quotes)} quotes"
    )
    stream = status.get("stream")
    if stream is not None and stream.state != "off":
        ticks = y.stream.messages if y.stream is not None else 0
        parts.append(f"stream {stream.state} {ticks} ticks")
    fred = status.get("fred")
    parts.append(
        f"fred {fred.state if fred else '?'} {len(source.fred.data)}/{len(source.fred.series_ids)}"
    )
    holdings = status.get("holdings")
    if holdings is not None and holdings.state != "off" and source.holdings is not None:
        parts.append(f"holdings {holdings.state} {len(source.holdings.constituents)}")
    parts.append(f"{updates} updates")
    return " · ".join(parts)


async def record_pack(
    source: LiveSource,
    out: Path,
    seconds: float,
    progress: Progress | None = None,
    *,
    grace: float = FINISH_GRACE,
) -> RecordResult:
    """Poll ``source`` for ``seconds`` and write what it saw to the pack ``out``.

    Cancelling the task (Ctrl+C) stops the polling and writes what is there at once. The
    source is closed at the end.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = RecordResult()
    updates = 0
    source.set_hot(source.settings.symbols)  # every symbol at the fast rate while open
    try:
        try:
            while True:
                await source.fetch(source.clock())
                elapsed = loop.time() - started
                if progress is not None:
                    progress.update(_record_line(elapsed, seconds, source, updates))
                remaining = seconds - elapsed
                if remaining <= 0:
                    break
                if await source.wait_for_update(min(1.0, remaining)):
                    updates += 1
            # A refresh still running at the deadline (the first download on a slow line)
            # is worth waiting for: it is what the user asked to record.
            if progress is not None:
                progress.update("recording: finishing the refreshes in flight…", force=True)
            await source.settle(grace)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            result.interrupted = True
        market = await source.fetch(source.clock())
        result.seconds = loop.time() - started
        result.problems = list(dict.fromkeys((*market.problems, *failing_problems(market))))
        prices = {
            symbol: with_last(bars.frame, source.yahoo.quotes.get(symbol))
            for symbol, bars in source.yahoo.bars.items()
        }
        macro = {sid: series.values for sid, series in source.fred.data.items()}
        constituents: Sequence[Constituent] = market.constituents
        holdings_asof = source.holdings.as_of if source.holdings is not None else None
        result.prices = sorted(prices)
        result.macro = sorted(macro)
        result.constituents = len(constituents)
        if not result.empty:
            await asyncio.to_thread(
                _write,
                out,
                prices,
                macro,
                constituents,
                holdings_asof,
                result.problems,
                market.valuations,  # the P/E seen live (SPEC 11), read back as valuation/*.csv
            )
    finally:
        await source.aclose()
    return result


def cmd_record(settings: Settings, out: Path, minutes: float, err: TextIO | None = None) -> int:
    """``rotmon record DIR [--minutes N]``: exit 0 when something was written, else 1.

    No cache: the pack holds only what was fetched during the recording."""
    err = err if err is not None else sys.stderr
    _check_out_dir(out)
    source = live_source(settings, None)
    progress = Progress(err)
    try:
        result = asyncio.run(record_pack(source, out, minutes * 60.0, progress))
    finally:
        progress.done()
    for problem in result.problems:
        say(problem, err)
    if result.empty:
        say(f"nothing could be fetched in {_clock(result.seconds)}; {out} not written", err)
        return EXIT_DATA
    how = "interrupted; " if result.interrupted else ""
    holdings = f", holdings of {result.constituents} names" if result.constituents else ""
    say(
        f"{how}wrote {out}: {len(result.prices)} price files, {len(result.macro)} macro series"
        f"{holdings} ({_clock(result.seconds)} recorded)",
        err,
    )
    return EXIT_OK
