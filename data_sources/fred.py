"""FRED over httpx: the keyless graph CSV by default, the JSON API when an API key is given.

The API key never leaves this module except inside the request: errors, logs (httpx logs each
request URL at INFO; a filter on its logger scrubs ``api_key=``) and ``repr`` show ``***``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pandas as pd

from analytics.catalog import FRED_SERIES, MONTHLY_SERIES, WEEKLY_SERIES
from analytics.health import SourceHealth
from data_sources.clock import utc_now
from data_sources.fredcsv import parse_fred_csv
from data_sources.httpclient import LazyClient, Limits, RateLimited
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.model import MacroSeries
from data_sources.polling import (
    Backoff,
    Circuit,
    HealthRecord,
    describe_exception,
    http_error,
    one_line,
    parse_retry_after,
    scrub,
    summarize_body,
)

GRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred/series/observations"
USER_AGENT = "rotmon/0.1 (+https://github.com/rotmon)"
MAX_BODY = 4 << 20
"""Bytes one answer may have: the JSON API's whole daily history of a series (since 1962) is
~1.5 MB, the graph CSV's ~0.4 MB."""

Clock = Callable[[], datetime]


class _ScrubFilter(logging.Filter):
    """Rewrites a log record so that no ``api_key=...`` value reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is passed on untouched
            return True
        clean = scrub(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


_FILTER = _ScrubFilter()


def install_log_scrubber() -> None:
    """Scrub API keys from httpx's and httpcore's request logs (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class FetchError(Exception):
    """One series could not be fetched; the message is one line, key-free."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def frequency_of(series_id: str) -> str:
    if series_id in MONTHLY_SERIES:
        return "monthly"
    if series_id in WEEKLY_SERIES:
        return "weekly"
    return "daily"


def parse_observations(payload: Any, series_id: str) -> tuple[pd.Series, list[str]]:
    """The series in a ``fred/series/observations`` JSON answer and the problems found.

    Every field is a string; ``"."`` (or an empty value) is missing and dropped, never 0.
    """
    problems: list[str] = []
    if not isinstance(payload, Mapping) or not isinstance(payload.get("observations"), list):
        reason = summarize_body(str(payload)[:200]) if payload is not None else "empty"
        return _empty(series_id), [f"{series_id}: expected an observations list ({reason})"]
    dates: list[str] = []
    values: list[float] = []
    for i, obs in enumerate(payload["observations"]):
        if not isinstance(obs, Mapping):
            problems.append(f"{series_id}: observation {i + 1} is not an object")
            continue
        raw = obs.get("value")
        text = raw.strip() if isinstance(raw, str) else raw
        if text in (".", "", None):
            continue
        try:
            number = float(text)
        except (TypeError, ValueError):
            problems.append(f"{series_id}: observation {i + 1}: expected a number, found {raw!r}")
            continue
        if not np.isfinite(number):
            continue
        dates.append(str(obs.get("date")))
        values.append(number)
    index = pd.to_datetime(pd.Series(dates, dtype="str"), format="%Y-%m-%d", errors="coerce")
    series = pd.Series(values, index=pd.DatetimeIndex(index), dtype="float64", name=series_id)
    bad = series.index.isna()
    if bad.any():
        problems.append(f"{series_id}: {int(bad.sum())} observations with a bad date skipped")
        series = series[~bad]
    series = series[~series.index.duplicated(keep="last")].sort_index()
    series.index = series.index.normalize()
    series.index.name = None
    return series, problems


def _empty(series_id: str | None) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64", name=series_id)


@dataclass(frozen=True, slots=True)
class FredResult:
    series: dict[str, MacroSeries]
    failed: dict[str, str]
    problems: tuple[str, ...]


class FredSource:
    """The FRED series the rules read, refreshed every 6 hours with per-series retry."""

    def __init__(
        self,
        series: Iterable[str] = FRED_SERIES,
        *,
        api_key: str | None = None,
        graph_url: str = GRAPH_URL,
        api_url: str = API_URL,
        timeout: float = 20.0,
        deadline: float = 60.0,
        max_bytes: int = MAX_BODY,
        years: int | None = 6,
        concurrency: int = 4,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
        backoff: Backoff | None = None,
        circuit_threshold: int = 3,
        intervals: PollIntervals = DEFAULT_INTERVALS,
    ) -> None:
        """``api_key`` None or empty uses the keyless graph CSV (the config reads
        ``FRED_API_KEY``); ``years`` limits the history asked for (None = everything FRED
        has); ``intervals`` gives the poll interval and the retry ceiling. ``timeout`` bounds each
        read, ``deadline`` a whole request (connect + body), ``max_bytes`` its body."""
        self._backoff_max = intervals.backoff_max
        self._api_key = (api_key or "").strip() or None
        self.series_ids: tuple[str, ...] = tuple(dict.fromkeys(series))
        self.graph_url = graph_url
        self.api_url = api_url
        self.timeout = timeout
        self.years = years
        self.clock = clock
        self._sem = asyncio.Semaphore(max(1, concurrency))
        self._http = LazyClient(
            client,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            limits=Limits(deadline=deadline, max_bytes=max_bytes),
        )
        self.health = HealthRecord(
            "fred",
            timedelta(seconds=intervals.fred),
            backoff=backoff or Backoff.capped(30.0, intervals.backoff_max),
            circuit=Circuit("fred", threshold=circuit_threshold),
        )
        self.data: dict[str, MacroSeries] = {}
        self.failed: dict[str, str] = {}
        self.problems: tuple[str, ...] = ()
        self._series_due: dict[str, datetime] = {}
        install_log_scrubber()

    @property
    def mode(self) -> str:
        return "api" if self._api_key else "graph"

    def __repr__(self) -> str:
        key = "***" if self._api_key else None
        return f"FredSource(mode={self.mode!r}, series={len(self.series_ids)}, api_key={key})"

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._api_key])

    async def aclose(self) -> None:
        await self._http.aclose()

    def _partial_due(self, now: datetime) -> list[str]:
        """Series that failed in an otherwise good round and whose own retry time has come."""
        if self.health.consecutive_failures:
            return []
        return [s for s in self.failed if now >= self._series_due.get(s, now)]

    def due(self, now: datetime) -> bool:
        """Time for a round: the 6-hour interval, a backoff retry, or a failed series' retry."""
        if self.health.in_flight:
            return False
        if self.health.due(now):
            return True
        return bool(self._partial_due(now)) and self.health.circuit.allow(now)

    def _start_date(self, now: datetime) -> str | None:
        if self.years is None:
            return None
        return (now - timedelta(days=366 * self.years)).date().isoformat()

    async def _fetch_one(self, series_id: str, now: datetime) -> tuple[pd.Series, list[str]]:
        start = self._start_date(now)
        if self._api_key:
            url = self.api_url
            params = {"series_id": series_id, "api_key": self._api_key, "file_type": "json"}
            if start:
                params["observation_start"] = start
        else:
            url = self.graph_url
            params = {"id": series_id}
            if start:
                params["cosd"] = start
        async with self._sem:
            try:
                resp = await self._http.get(url, params=params)
                body = resp.text
            except RateLimited as exc:  # a 429 earlier in this round: nothing was sent
                raise FetchError(f"{series_id}: {exc}", retry_after=exc.retry_after) from None
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"{series_id}: {describe_exception(exc, [self._api_key])}"
                ) from None
        ctype = resp.headers.get("Content-Type")
        if resp.status_code != 200:
            retry = parse_retry_after(resp.headers.get("Retry-After"), self.clock())
            text = http_error(resp.status_code, body[:4000], ctype, what=series_id)
            raise FetchError(self._scrub(text), retry_after=retry)
        if (ctype and "html" in ctype.lower()) or body.lstrip()[:1] == "<":
            raise FetchError(
                self._scrub(f"{series_id}: {summarize_body(body[:4000], ctype)} instead of data")
            )
        if self._api_key:
            try:
                payload = json.loads(body)
            except ValueError:
                raise FetchError(f"{series_id}: truncated or malformed JSON") from None
            series, problems = await asyncio.to_thread(parse_observations, payload, series_id)
        else:
            series, problems = await asyncio.to_thread(parse_fred_csv, body, series_id)
        if series.empty:
            why = problems[0] if problems else "no observations"
            raise FetchError(self._scrub(one_line(f"{series_id}: no data ({why})")))
        return series, problems

    async def refresh(self, now: datetime | None = None) -> FredResult:
        """Fetch the series that are due; never raises. Failures go to ``health``/``failed``."""
        now = now or self.clock()
        h = self.health
        regular = h.consecutive_failures or h.next_due is None or now >= h.next_due
        wanted = list(self.series_ids) if regular else self._partial_due(now)
        wanted = wanted or list(self.series_ids)  # an explicit refresh asks for everything
        self.health.started(now)
        started = _time.perf_counter()
        results = await asyncio.gather(
            *(self._fetch_one(s, now) for s in wanted), return_exceptions=True
        )
        latency = _time.perf_counter() - started
        done = self.clock()
        got: dict[str, MacroSeries] = {}
        failed: dict[str, str] = {}
        retry_after: float | None = None
        problems: list[str] = []
        for series_id, outcome in zip(wanted, results, strict=True):
            if isinstance(outcome, BaseException):
                if isinstance(outcome, asyncio.CancelledError):
                    self.health.cancelled()
                    raise outcome
                if isinstance(outcome, FetchError):
                    failed[series_id] = str(outcome)
                    if outcome.retry_after is not None:
                        retry_after = max(retry_after or 0.0, outcome.retry_after)
                else:
                    text = f"{series_id}: {describe_exception(outcome, [self._api_key])}"
                    failed[series_id] = self._scrub(text)
                continue
            values, notes = outcome
            got[series_id] = MacroSeries(series_id, values, frequency_of(series_id))  # type: ignore[arg-type]
            problems.extend(self._scrub(n) for n in notes[:3])
        self.data.update(got)
        for series_id in got:
            self.failed.pop(series_id, None)
        self.failed.update(failed)
        self.problems = tuple(problems)
        if got:
            self.health.succeeded(done, latency)
            if failed:
                retry = Backoff.capped(60.0, self._backoff_max, rng=self.health.backoff.rng)
                delay = retry.failure(retry_after)
                for series_id in failed:
                    self._series_due[series_id] = done + timedelta(seconds=delay)
        else:
            reasons = list(failed.values())
            first = reasons[0] if reasons else "no series requested"
            more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
            self.health.failed(done, first + more, retry_after=retry_after, latency_s=latency)
        return FredResult(got, failed, tuple(problems))

    def status(self, now: datetime) -> SourceHealth:
        base = self.health.at(
            now,
            detail=f"{len(self.data)}/{len(self.series_ids)} series"
            f" via {'API' if self._api_key else 'graph CSV'}",
        )
        if self.failed and base.state in ("ok", "stale"):
            names = ", ".join(sorted(self.failed)[:3]) + ("…" if len(self.failed) > 3 else "")
            first = next(iter(self.failed.values()))
            return replace(
                base,
                error=one_line(f"{len(self.failed)} failed ({names}): {first}"),
                next_retry=min(
                    (self._series_due[s] for s in self.failed if s in self._series_due),
                    default=None,
                ),
            )
        return base
