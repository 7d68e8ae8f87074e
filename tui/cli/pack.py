"""``rotmon pack check`` and ``rotmon pack download`` (no Textual)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.cli.live import _check_out_dir, _write, live_settings
from tui.cli.options import Options
from tui.cli.output import Progress, say
from tui.cli.sources import settings_of

if TYPE_CHECKING:
    from data_sources.model import Constituent
    from tui.config import Settings


def run_pack_check(directory: Path) -> int:
    """Per file: rows, first/last date, gaps, problems; exit 1 when any file has a problem."""
    from data_sources.pack import check_pack, format_pack_check

    reports = check_pack(directory)
    sys.stdout.write(format_pack_check(reports).rstrip("\n") + "\n")
    return EXIT_DATA if any(r.problems for r in reports) else EXIT_OK


def run_pack_download(opts: Options, directory: Path, years: int) -> int:
    """Every spec symbol and series from Yahoo and FRED into the pack ``directory``."""
    return cmd_pack_download(settings_of(opts), directory, years)


@dataclass
class DownloadResult:
    """What ``pack download`` got and what is missing (one line per symbol or series)."""

    prices: list[str] = field(default_factory=list)
    macro: list[str] = field(default_factory=list)
    constituents: int = 0
    missing: list[str] = field(default_factory=list)


def _chart_requests(exchanges: Iterable[Any]) -> set[str]:
    return {
        x.url.rsplit("/", 1)[-1]
        for x in exchanges
        if "/v8/finance/chart/" in x.url and x.status is not None
    }


async def download_pack(
    settings: Settings,
    out: Path,
    years: int,
    progress: Progress | None = None,
    *,
    symbols: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    **overrides: Any,
) -> DownloadResult:
    """Every spec symbol (Yahoo, ``years`` of daily bars, batches of at most 50) and every
    spec series (FRED) plus the IWM holdings, written to the pack ``out``."""
    from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS
    from data_sources.fred import FredSource
    from data_sources.holdings import HoldingsSource
    from data_sources.yahoo import MAX_BATCH, YahooSource

    live = live_settings(settings, **overrides)
    wanted = tuple(dict.fromkeys(symbols or MARKET_SYMBOLS))
    yahoo = YahooSource(
        wanted,
        routes=live.yahoo_routes,
        backend=live.yahoo_backend,
        stream_url=None,
        timeout=max(live.timeout, 30.0),
        history_timeout=1800.0,
        period=f"{years}y",
        batch_size=MAX_BATCH,
    )
    fred = FredSource(
        tuple(series or FRED_SERIES),
        api_key=live.fred_api_key,
        graph_url=live.fred_graph_url,
        api_url=live.fred_api_url,
        timeout=max(live.timeout, 60.0),
        years=years,
    )
    holdings = (
        HoldingsSource(live.holdings_url, timeout=max(live.timeout, 60.0))
        if live.holdings_url
        else None
    )
    result = DownloadResult()
    mark = yahoo.wiretap.mark()
    try:
        jobs: dict[str, asyncio.Task[Any]] = {
            "yahoo": asyncio.create_task(yahoo.refresh_history()),
            "fred": asyncio.create_task(fred.refresh()),
        }
        if holdings is not None:
            jobs["holdings"] = asyncio.create_task(holdings.refresh())
        pending = set(jobs.values())
        while pending:
            _, pending = await asyncio.wait(pending, timeout=0.25)
            if progress is not None:
                seen = len(_chart_requests(yahoo.wiretap.since(mark)))
                parts = [
                    f"downloading {years} y: yahoo {min(seen, len(wanted))}/{len(wanted)} symbols",
                    f"fred {'done' if jobs['fred'].done() else '…'} ({len(fred.series_ids)})",
                ]
                if "holdings" in jobs:
                    parts.append(f"holdings {'done' if jobs['holdings'].done() else '…'}")
                progress.update(" · ".join(parts))
    finally:
        await yahoo.aclose()
        await fred.aclose()
        if holdings is not None:
            await holdings.aclose()

    prices = {s: b.frame for s, b in yahoo.bars.items()}
    macro = {s: m.values for s, m in fred.data.items()}
    if not yahoo.bars:
        reason = yahoo.history_health.last_error or "no data"
        result.missing += [f"{s}: no daily history ({reason})" for s in wanted]
    else:
        for symbol in wanted:
            if symbol not in yahoo.bars:
                result.missing.append(yahoo.problems.get(symbol) or f"{symbol}: no daily history")
    for series_id in fred.series_ids:
        if series_id not in fred.data:
            why = fred.failed.get(series_id) or fred.health.last_error or "no data"
            result.missing.append(why if why.startswith(series_id) else f"{series_id}: {why}")
    constituents: tuple[Constituent, ...] = ()
    if holdings is not None:
        constituents = holdings.constituents
        if not constituents:
            result.missing.append(holdings.health.last_error or "holdings: no constituents")
    result.prices = sorted(prices)
    result.macro = sorted(macro)
    result.constituents = len(constituents)
    if prices or macro or constituents:
        asof = holdings.as_of if holdings is not None else None
        await asyncio.to_thread(_write, out, prices, macro, constituents, asof, result.missing)
    return result


def cmd_pack_download(settings: Settings, out: Path, years: int, err: TextIO | None = None) -> int:
    """``rotmon pack download DIR [--years N]``: exit 1 when anything is missing."""
    err = err if err is not None else sys.stderr
    _check_out_dir(out)
    progress = Progress(err)
    try:
        result = asyncio.run(download_pack(settings, out, years, progress))
    finally:
        progress.done()
    for line in result.missing:
        say(line, err)
    written = bool(result.prices or result.macro or result.constituents)
    holdings = f", holdings of {result.constituents} names" if result.constituents else ""
    if written:
        say(
            f"wrote {out}: {len(result.prices)} price files, {len(result.macro)} macro series"
            f"{holdings}" + (f"; {len(result.missing)} missing" if result.missing else ""),
            err,
        )
    else:
        say(f"nothing could be downloaded; {out} not written", err)
    return EXIT_DATA if result.missing else EXIT_OK
