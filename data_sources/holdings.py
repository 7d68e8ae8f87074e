"""The IWM holdings CSV from iShares over httpx, fetched once a day for the constituents screen."""

from __future__ import annotations

import asyncio
import time as _time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx

from analytics.health import SourceHealth
from data_sources.clock import utc_now
from data_sources.httpclient import LazyClient, Limits, RateLimited
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.ishares import HoldingsParse, parse_holdings
from data_sources.model import Constituent
from data_sources.polling import (
    Backoff,
    Circuit,
    HealthRecord,
    describe_exception,
    http_error,
    one_line,
    parse_retry_after,
    summarize_body,
)

ISHARES_IWM_URL = (
    "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/"
    "1467271812596.ajax?fileType=csv&fileName=IWM_holdings&dataType=fund"
)
# iShares serves the file to browsers; a plain client name gets an HTML page more often.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36 rotmon/0.1"
)

MAX_BODY = 4 << 20
"""Bytes the holdings file may have (the IWM file is ~0.5 MB for ~2,000 rows)."""

Clock = Callable[[], datetime]


class HoldingsSource:
    """The fund's equity constituents; ``refresh`` never raises, failures go to ``health``."""

    def __init__(
        self,
        url: str = ISHARES_IWM_URL,
        *,
        timeout: float = 30.0,
        deadline: float = 120.0,
        max_bytes: int = MAX_BODY,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utc_now,
        backoff: Backoff | None = None,
        intervals: PollIntervals = DEFAULT_INTERVALS,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.clock = clock
        self._http = LazyClient(
            client,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "text/csv,*/*;q=0.5"},
            limits=Limits(deadline=deadline, max_bytes=max_bytes),
        )
        self.health = HealthRecord(
            "holdings",
            timedelta(seconds=intervals.holdings),
            backoff=backoff or Backoff.capped(60.0, intervals.backoff_max),
            circuit=Circuit("holdings", threshold=3),
        )
        self.constituents: tuple[Constituent, ...] = ()
        self.as_of: date | None = None
        self.problems: tuple[str, ...] = ()

    async def aclose(self) -> None:
        await self._http.aclose()

    def due(self, now: datetime) -> bool:
        return self.health.due(now)

    def adopt(self, constituents: tuple[Constituent, ...], as_of: date | None) -> None:
        """Constituents from elsewhere (a cache), kept until the first successful fetch."""
        if not self.constituents:
            self.constituents = constituents
            self.as_of = as_of

    async def refresh(self, now: datetime | None = None) -> HoldingsParse | None:
        """Download and parse the holdings file; None when it failed (see ``health``)."""
        now = now or self.clock()
        h = self.health
        h.started(now)
        started = _time.perf_counter()
        try:
            resp = await self._http.get(self.url)
            body = resp.text
        except asyncio.CancelledError:
            h.cancelled()
            raise
        except RateLimited as exc:  # still inside an earlier 429's Retry-After: nothing sent
            h.failed(
                self.clock(),
                f"holdings: {exc}",
                retry_after=exc.retry_after,
                latency_s=_time.perf_counter() - started,
            )
            return None
        except httpx.HTTPError as exc:
            h.failed(
                self.clock(),
                f"holdings: {describe_exception(exc)}",
                latency_s=_time.perf_counter() - started,
            )
            return None
        latency = _time.perf_counter() - started
        ctype = resp.headers.get("Content-Type")
        if resp.status_code != 200:
            retry = parse_retry_after(resp.headers.get("Retry-After"), self.clock())
            h.failed(
                self.clock(),
                http_error(resp.status_code, body[:4000], ctype, what="holdings"),
                retry_after=retry,
                latency_s=latency,
            )
            return None
        head = body.lstrip("\ufeff \r\n\t")[:200].lower()
        if (ctype and "html" in ctype.lower()) or head.startswith("<"):
            h.failed(
                self.clock(),
                f"holdings: {summarize_body(body[:4000], 'text/html')} instead of the CSV",
                latency_s=latency,
            )
            return None
        parsed: HoldingsParse = await asyncio.to_thread(parse_holdings, body, "IWM holdings")
        if not parsed.constituents:
            why = parsed.problems[0] if parsed.problems else "no equity rows"
            h.failed(
                self.clock(), one_line(f"holdings: no constituents ({why})"), latency_s=latency
            )
            return None
        self.constituents = parsed.constituents
        self.as_of = parsed.as_of
        self.problems = tuple(parsed.problems[:5])
        h.succeeded(self.clock(), latency)
        return parsed

    def status(self, now: datetime) -> SourceHealth:
        as_of = self.as_of.isoformat() if self.as_of else "n/a"
        return self.health.at(now, detail=f"{len(self.constituents)} constituents as of {as_of}")
