"""Live data on the command line: the app's source, one-shot fetches, record, pack download, doctor.

Everything here runs outside Textual; ``tui.__main__`` parses the arguments and calls in.
Text that came from the network (error bodies, names) goes through ``plain`` before it is
written, so no terminal control sequence from a server reaches the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.exits import EXIT_DATA, EXIT_OK
from tui.config import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from data_sources.live import LiveCache, LiveSettings, LiveSource
    from data_sources.model import Constituent, MarketData, Quote
    from data_sources.polling import HealthSnapshot
    from data_sources.store import Store
    from tui.config import Settings


DEFAULT_YAHOO_URL = "https://query1.finance.yahoo.com"
STREAM_ENV = "ROTMON_SOURCES_STREAM_URL"
"""Yahoo's pricing websocket (a proxy, a test server); ``off`` or empty turns streaming off."""
BACKEND_ENV = "ROTMON_SOURCES_YAHOO_BACKEND"
"""``curl`` (default: browser TLS, what yfinance itself uses) or ``requests``."""

ONE_SHOT_WAIT = 60.0
"""Seconds a one-shot command (snapshot, backtest, doctor) waits for the network."""
STREAM_WAIT = 10.0
"""Seconds ``doctor`` waits for the stream to connect or fail."""
FINISH_GRACE = 60.0
"""Seconds ``record`` lets a refresh in flight at the deadline finish (Ctrl+C skips this)."""


class LiveConfigError(ConfigError):
    """A live setting outside the config file (an environment variable) or a bad output
    directory: one line, exit 2 like every configuration error."""


# -- plain text ---------------------------------------------------------------------------------


def plain(text: object, limit: int | None = None) -> str:
    """``text`` safe for a terminal: line breaks become spaces, every other control character
    (ESC, C1, bidi overrides ...) is dropped; cut at ``limit`` characters."""
    out = "".join(
        " " if ch in "\t\n\r\v\f" else ch
        for ch in str(text)
        if ch in "\t\n\r\v\f" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + "…"
    return out


class Progress:
    """One status line on stderr: rewritten in place on a terminal, else a line now and then."""

    def __init__(
        self, stream: TextIO | None = None, *, every: float = 0.25, plain_every: float = 5.0
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self.every = every if self.tty else plain_every
        self._last = -1e9
        self._shown = False
        self._text = ""

    def update(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        text = plain(text)
        if text == self._text and not force:
            return
        if not force and now - self._last < self.every:
            return
        self._last = now
        self._text = text
        if self.tty:
            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            self.stream.write("\r\x1b[K" + plain(text, width))
            self._shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self, text: str | None = None) -> None:
        """Leave the line (and optionally a last word) and move on."""
        if text is not None:
            self.update(text, force=True)
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()
        self._shown = False


def say(text: str, stream: TextIO | None = None) -> None:
    """One ``rotmon: ...`` line on stderr."""
    out = stream if stream is not None else sys.stderr
    out.write(f"rotmon: {plain(text)}\n")


# -- settings -----------------------------------------------------------------------------------


def fred_api_endpoint(base: str) -> str:
    """The observations endpoint under the configured API base (``.../fred``)."""
    base = base.rstrip("/")
    return base if base.endswith("/series/observations") else f"{base}/series/observations"


def _stream_url(settings: Settings, env: Mapping[str, str]) -> tuple[bool, str | None]:
    """(given, url): whether a stream URL is configured and what it is (None = off)."""
    value = getattr(settings.sources, "stream_url", None)
    if value is None:
        value = env.get(STREAM_ENV)
    if value is None:
        return False, None
    value = value.strip()
    return True, None if value.lower() in ("", "off", "none") else value


def _backend(settings: Settings, env: Mapping[str, str]) -> str | None:
    backend = getattr(settings.sources, "yahoo_backend", None) or env.get(BACKEND_ENV)
    if not backend:
        return None
    backend = backend.strip().lower()
    if backend not in ("curl", "requests"):
        raise LiveConfigError(
            f"{BACKEND_ENV}: expected curl or requests, got {plain(backend, 40)!r}"
        )
    return backend


def live_settings(
    settings: Settings, env: Mapping[str, str] | None = None, **overrides: Any
) -> LiveSettings:
    """The live source's settings from rotmon's (``[sources]`` URLs and the FRED key), the
    environment (``ROTMON_SOURCES_STREAM_URL``, ``ROTMON_SOURCES_YAHOO_BACKEND``,
    ``FRED_API_KEY``) and ``overrides`` (LiveSettings fields), in that order of precedence."""
    from data_sources.live import LiveSettings
    from data_sources.yahoo import routes_to

    env = os.environ if env is None else env
    src = settings.sources
    values: dict[str, Any] = {
        "fred_graph_url": src.fred_graph_url,
        "fred_api_url": fred_api_endpoint(src.fred_api_url),
        "holdings_url": src.holdings_url or None,
    }
    if src.yahoo_url.rstrip("/") != DEFAULT_YAHOO_URL:
        values["yahoo_routes"] = routes_to(src.yahoo_url)
    if src.fred_api_key:
        values["fred_api_key"] = src.fred_api_key
    given, stream = _stream_url(settings, env)
    if given:
        values["stream_url"] = stream
    backend = _backend(settings, env)
    if backend:
        values["yahoo_backend"] = backend
    values.update(overrides)
    if "fred_api_key" not in values:
        return LiveSettings.from_env(**values)
    return LiveSettings(**values)


def live_source(settings: Settings, store: LiveCache | None = None, **overrides: Any) -> LiveSource:
    """The live ``DataSource`` for ``settings`` with ``store`` as its cache."""
    from data_sources.live import LiveSource

    return LiveSource(live_settings(settings, **overrides), cache=store)


def app_source(settings: Settings) -> Callable[[], LiveSource]:
    """A factory of the app's live source (the app builds it on the source's own thread, so
    pandas and the store never delay the first paint). The store opens inside the factory;
    its warning, if any, is kept on ``factory.warnings`` for after the app has exited."""
    _backend(settings, os.environ)  # a bad setting is a usage error now, not in the app
    warnings: list[str] = []

    def build() -> LiveSource:
        from data_sources.store import open_store

        store, warning = open_store(settings.db)
        if warning:
            warnings.append(warning)
        return live_source(settings, store)

    build.warnings = warnings  # type: ignore[attr-defined]
    return build


def _open_store(settings: Settings, err: TextIO | None = None) -> Store:
    from data_sources.store import open_store

    store, warning = open_store(settings.db)
    if warning:
        say(warning, err)
    return store


# -- one-shot fetch (snapshot, backtest) --------------------------------------------------------


def failing_problems(market: MarketData) -> list[str]:
    """One line per source that could not deliver (for stderr and the exit code)."""
    lines = []
    for s in market.statuses:
        if s.ok or s.state == "off":
            continue
        why = s.error or ("no answer in time" if s.state == "loading" else s.state)
        lines.append(f"{s.name}: {s.state}: {why}")
    return lines


def fetch_once(settings: Settings, *, wait: float = ONE_SHOT_WAIT, **overrides: Any) -> MarketData:
    """What live data gives now, waiting up to ``wait`` seconds for the network.

    No stream and no holdings (a one-shot needs neither); the cache is read and updated.
    Sources that failed appear as problems, so the caller exits 1 with the partial result.
    """
    store = _open_store(settings)
    try:
        opts: dict[str, Any] = {"stream_url": None, "holdings_url": None}
        opts.update(overrides)
        source = live_source(settings, store, **opts)

        async def run() -> MarketData:
            try:
                market = await source.fetch(source.clock(), wait=wait)
                await source.settle(10.0)
                return market
            finally:
                await source.aclose()

        market = asyncio.run(run())
    finally:
        store.close()
    statuses = tuple(s for s in market.statuses if s.state != "off")
    problems = tuple(dict.fromkeys((*market.problems, *failing_problems(market))))
    return replace(market, statuses=statuses, problems=problems)


# -- record -------------------------------------------------------------------------------------


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
        out.loc[day, "volume"] = float(quote.volume)  # type: ignore[arg-type]
    return out


def _finite(value: object) -> bool:
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


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


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
                _write, out, prices, macro, constituents, holdings_asof, result.problems
            )
    finally:
        await source.aclose()
    return result


def _write(
    out: Path,
    prices: Mapping[str, pd.DataFrame],
    macro: Mapping[str, pd.Series],
    constituents: Sequence[Constituent],
    holdings_asof: date | None,
    problems: list[str],
) -> None:
    """``write_pack`` file by file, so that one unwritable name never loses the rest."""
    from data_sources.pack import write_pack

    for symbol, frame in prices.items():
        try:
            write_pack(out, {symbol: frame}, {})
        except ValueError as exc:
            problems.append(f"{symbol}: not written ({exc})")
    for series_id, values in macro.items():
        try:
            write_pack(out, {}, {series_id: values})
        except ValueError as exc:
            problems.append(f"{series_id}: not written ({exc})")
    if constituents:
        write_pack(out, {}, {}, constituents, holdings_asof=holdings_asof)


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


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LiveConfigError(f"{out}: expected a directory for the data pack, found a file")


# -- pack download ------------------------------------------------------------------------------


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


# -- doctor -------------------------------------------------------------------------------------


def health_ok(snapshot: HealthSnapshot) -> bool:
    """Healthy for ``doctor``: it answered, and its last attempt did not fail."""
    return snapshot.state in ("ok", "stale") and not snapshot.consecutive_failures


async def diagnose(
    source: LiveSource, *, wait: float = ONE_SHOT_WAIT, stream_wait: float = STREAM_WAIT
) -> tuple[HealthSnapshot, ...]:
    """One fetch cycle of every part of ``source`` (history, quotes, details of one symbol,
    the stream's connection, FRED, holdings); then its diagnostics. Closes the source."""
    try:
        await source.fetch(source.clock(), wait=wait)
        symbols = source.settings.symbols
        probe = "IWM" if "IWM" in symbols else (symbols[0] if symbols else None)
        if probe is not None:
            # A failure is recorded in the details health, which is what is reported.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(source.details(probe), wait)
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


def doctor_report(snapshots: Sequence[HealthSnapshot], *, fred_mode: str) -> list[str]:
    """The lines ``rotmon doctor`` prints: every source, then a verdict."""
    lines = [f"rotmon doctor · FRED via {fred_mode}", ""]
    for snap in snapshots:
        lines += [plain(line) for line in snap.lines()]
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
