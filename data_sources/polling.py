"""Retry policy and health bookkeeping of the live sources: backoff, circuit, staleness, errors.

Everything here is pure: the time is always an argument, randomness comes from an injectable
``random.Random``. The same objects feed the status bar, the diagnostics screen and
``rotmon doctor``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from analytics.health import CircuitState, HealthState, SourceHealth
from analytics.text import inert
from data_sources.intervals import (
    DEFAULT_INTERVALS,
    MAX_RETRY_AFTER_S,
    STALE_FACTOR,
    Backoff,
    PollIntervals,
    is_stale,
)

QUOTES_OPEN = DEFAULT_INTERVALS.quotes(market_open=True)
QUOTES_CLOSED = DEFAULT_INTERVALS.quotes(market_open=False)
FRED_INTERVAL = timedelta(seconds=DEFAULT_INTERVALS.fred)
HOLDINGS_INTERVAL = timedelta(seconds=DEFAULT_INTERVALS.holdings)
HISTORY_INTERVAL = timedelta(days=1)

MarketStateFn = Callable[[datetime], str]
Interval = timedelta | Callable[[datetime], timedelta]


def default_market_state(now: datetime) -> str:
    """The NYSE state from the market calendar (imported lazily: exchange_calendars is slow)."""
    from data_sources.market_calendar import market_state

    return market_state(now)


def quote_interval(
    now: datetime,
    market_state: MarketStateFn = default_market_state,
    intervals: PollIntervals = DEFAULT_INTERVALS,
) -> timedelta:
    """How often quotes are polled: every 15 s in the regular session, else every 5 minutes
    (``intervals`` says otherwise when the config does)."""
    return intervals.quotes(market_state(now) == "open")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- error text ------------------------------------------------------------------------------

_SECRET_PARAM = re.compile(r"((?:api_key|apikey|token|crumb)=)[^&\s'\"<>]+", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def one_line(text: object, limit: int = 160) -> str:
    """``text`` as one inert line (escape sequences and controls gone, line breaks become
    spaces), runs of spaces collapsed, cut at ``limit``."""
    s = re.sub(r" {2,}", " ", inert(text)).strip()
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret and every ``api_key=``/``crumb=`` query value replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SECRET_PARAM.sub(r"\1***", text)


def _looks_html(body: str, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = body.lstrip()[:200].lower()
    return head.startswith("<!doctype") or head.startswith("<html") or "<body" in head


def _json_reason(data: object) -> str | None:
    """Yahoo's and FRED's error descriptions in their JSON envelopes."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("error_message"), str):  # FRED API
        return data["error_message"]
    for key in ("chart", "quoteResponse", "quoteSummary", "finance", "spark"):
        inner = data.get(key)
        if isinstance(inner, Mapping) and isinstance(inner.get("error"), Mapping):
            err = inner["error"]
            parts = [str(err.get(k)) for k in ("code", "description") if err.get(k)]
            if parts:
                return ": ".join(parts)
    err = data.get("error")
    if isinstance(err, Mapping):
        for key in ("description", "message"):
            if isinstance(err.get(key), str):
                return err[key]
    if isinstance(err, str):
        return err
    if isinstance(data.get("message"), str):
        return data["message"]
    return None


def summarize_body(body: str | bytes | None, content_type: str | None = None) -> str:
    """A short description of an error response's body; an HTML page is summarised by its
    title, never dumped."""
    if body is None:
        return "empty body"
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body.strip():
        return "empty body"
    if _looks_html(body, content_type):
        match = _TITLE.search(body) or _H1.search(body)
        title = html.unescape(_TAG.sub(" ", match.group(1))) if match else ""
        title = one_line(title, 80)
        return f"HTML page ({title})" if title else "HTML page"
    stripped = body.strip()
    if stripped[:1] in "{[":
        try:
            reason = _json_reason(json.loads(stripped))
        except ValueError:
            return "truncated or malformed JSON"
        if reason:
            return one_line(reason, 120)
    return one_line(stripped.splitlines()[0] if stripped else stripped, 80)


def http_error(
    status: int,
    body: str | bytes | None = None,
    content_type: str | None = None,
    *,
    what: str | None = None,
) -> str:
    """One line: ``[what: ]HTTP 503 Service Unavailable: <short reason>``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    head = f"HTTP {status} {phrase}".rstrip()
    reason = summarize_body(body, content_type)
    text = f"{head}: {reason}" if reason and reason != "empty body" else head
    return f"{what}: {text}" if what else text


def describe_exception(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """One plain line for a transport or parsing failure, with secrets scrubbed."""
    name = type(exc).__name__
    text = scrub(str(exc), secrets)
    if getattr(exc, "plain_reason", False):  # the bounded client's own errors say it all
        return one_line(text)
    # Clients wrap the OS error ("All connection attempts failed" around ECONNREFUSED):
    # the reason is classified on the whole chain, the message shown is the outer one.
    chain: list[str] = [name, text]
    inner = exc.__cause__ or exc.__context__
    for _ in range(4):
        if inner is None:
            break
        chain += [type(inner).__name__, str(inner)]
        inner = inner.__cause__ or inner.__context__
    low = scrub(" ".join(chain), secrets).lower()
    if "timeout" in low or "timed out" in low:
        reason = "timed out"
    elif "refused" in low:
        reason = "connection refused"
    elif "name or service not known" in low or "nodename nor servname" in low or "dns" in low:
        reason = "host not found"
    elif isinstance(exc, ValueError) and ("json" in low or "expecting" in low):
        reason = "truncated or malformed JSON"
    elif "connectionclosed" in name.lower():
        reason = f"connection closed ({one_line(text, 80)})" if text else "connection closed"
    elif "incomplete" in low or "peer closed" in low or "chunked" in low:
        reason = "connection closed mid-response"
    elif "connect" in low:
        reason = f"cannot connect ({one_line(text, 80)})" if text else "cannot connect"
    else:
        reason = f"{name}: {one_line(text, 120)}" if text else name
    return one_line(scrub(reason, secrets))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    seconds = (_utc(when) - _utc(now)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


# -- policies --------------------------------------------------------------------------------


class Circuit:
    """A per-host circuit breaker: after ``threshold`` consecutive failures it opens and every
    request to that host is refused until ``open_until``; then one probe goes through
    (half-open): its success closes the circuit, its failure opens it again."""

    def __init__(self, name: str, threshold: int = 3) -> None:
        if threshold < 1:
            raise ValueError("Circuit threshold must be at least 1")
        self.name = name
        self.threshold = threshold
        self.state: CircuitState = "closed"
        self.failures = 0
        self.open_until: datetime | None = None
        self._probing = False

    def allow(self, now: datetime) -> bool:
        """May a request go to the host now? Claims the single probe when half-open."""
        if self.state == "closed":
            return True
        if self.state == "open":
            assert self.open_until is not None
            # A clock that jumped backwards would otherwise keep the circuit open for hours.
            too_far = self.open_until - _utc(now) > timedelta(seconds=MAX_RETRY_AFTER_S)
            if _utc(now) >= self.open_until or too_far:
                self.state = "half_open"
                self._probing = True
                return True
            return False
        # half-open: only the one probe is in flight
        if not self._probing:
            self._probing = True
            return True
        return False

    def success(self) -> None:
        self.state = "closed"
        self.failures = 0
        self.open_until = None
        self._probing = False

    def failure(self, now: datetime, delay_s: float) -> None:
        self.failures += 1
        self._probing = False
        if self.state == "half_open" or self.failures >= self.threshold:
            self.state = "open"
            self.open_until = _utc(now) + timedelta(seconds=delay_s)


class HealthRecord:
    """The schedule and the record of one source (or one request kind of a source).

    ``due(now)`` says whether to request now; ``started``/``succeeded``/``failed`` record the
    outcome and reschedule: the regular interval after a success, the backoff after a failure.
    ``at(now)`` is the record as the frozen ``SourceHealth`` every layer reads.
    """

    def __init__(
        self,
        name: str,
        interval: Interval,
        *,
        backoff: Backoff | None = None,
        circuit: Circuit | None = None,
        stale_factor: float = STALE_FACTOR,
    ) -> None:
        self.name = name
        self._interval = interval
        self.backoff = backoff if backoff is not None else Backoff()
        self.circuit = circuit if circuit is not None else Circuit(name)
        self.stale_factor = stale_factor
        self.last_request: datetime | None = None
        self.last_success: datetime | None = None
        self.last_failure: datetime | None = None
        self.last_latency_s: float | None = None
        self._latency_total = 0.0
        self._latency_count = 0
        self.requests = 0
        self.errors = 0
        self.consecutive_failures = 0
        self.last_error: str | None = None
        self.recent_error: str | None = None
        """The latest error even after a recovery (``last_error`` clears on success)."""
        self.next_retry: datetime | None = None
        self.next_due: datetime | None = None
        self.cache_hits = 0
        self.in_flight = False

    def interval(self, now: datetime) -> timedelta:
        return self._interval(now) if callable(self._interval) else self._interval

    def due(self, now: datetime) -> bool:
        """True when a request should be made at ``now`` (and the host's circuit allows it)."""
        if self.in_flight:
            return False
        now = _utc(now)
        target = self.next_retry if self.next_retry is not None else self.next_due
        if target is not None and now < target:
            # A clock that jumped backwards leaves a target far in the future: do not wait it out.
            limit = max(self.interval(now), timedelta(seconds=MAX_RETRY_AFTER_S))
            if target - now <= limit:
                return False
        return self.circuit.allow(now)

    def started(self, now: datetime) -> None:
        self.in_flight = True
        self.last_request = _utc(now)
        self.requests += 1

    def succeeded(self, now: datetime, latency_s: float | None = None) -> None:
        now = _utc(now)
        self.in_flight = False
        self.last_success = now
        self.consecutive_failures = 0
        self.last_error = None
        self.next_retry = None
        self.next_due = now + self.interval(now)
        self.backoff.reset()
        self.circuit.success()
        self._note_latency(latency_s)

    def failed(
        self,
        now: datetime,
        error: str,
        *,
        retry_after: float | None = None,
        latency_s: float | None = None,
    ) -> float:
        """Record a failure; returns the seconds until the next attempt."""
        now = _utc(now)
        self.in_flight = False
        self.last_failure = now
        self.errors += 1
        self.consecutive_failures += 1
        self.last_error = one_line(error)
        self.recent_error = self.last_error
        delay = self.backoff.failure(retry_after)
        self.next_retry = now + timedelta(seconds=delay)
        self.circuit.failure(now, delay)
        self._note_latency(latency_s)
        return delay

    def cancelled(self) -> None:
        """The attempt was abandoned without an outcome (e.g. at shutdown)."""
        self.in_flight = False

    def schedule(self, when: datetime) -> None:
        """Ask for the next regular request no later than ``when`` (e.g. after the close)."""
        when = _utc(when)
        if self.next_due is None or when < self.next_due:
            self.next_due = when

    def restore(self, last_success: datetime) -> None:
        """Adopt the fetch time of cached data, so that its age shows until the first fetch."""
        last_success = _utc(last_success)
        if self.last_success is None or last_success > self.last_success:
            self.last_success = last_success

    def cache_hit(self, count: int = 1) -> None:
        self.cache_hits += count

    def _note_latency(self, latency_s: float | None) -> None:
        if latency_s is None:
            return
        self.last_latency_s = latency_s
        self._latency_total += latency_s
        self._latency_count += 1

    def age(self, now: datetime) -> timedelta | None:
        return None if self.last_success is None else _utc(now) - self.last_success

    def is_stale(self, now: datetime) -> bool:
        """Older than ``stale_factor`` times the expected interval at ``now``."""
        age = self.age(now)
        return age is not None and is_stale(
            age.total_seconds(), self.interval(now).total_seconds(), self.stale_factor
        )

    def state(self, now: datetime) -> HealthState:
        if self.circuit.state == "open":
            return "failing"
        if self.consecutive_failures and (self.last_success is None or self.is_stale(now)):
            return "failing"
        if self.last_success is None:
            return "loading"
        return "stale" if self.is_stale(now) else "ok"

    def at(
        self, now: datetime, *, name: str | None = None, detail: str | None = None
    ) -> SourceHealth:
        """The record at ``now``: state, times, errors, schedule, latency and counters."""
        age = self.age(now)
        return SourceHealth(
            name=name or self.name,
            state=self.state(now),
            last_success=self.last_success,
            error=self.last_error,
            next_retry=self.next_retry if self.consecutive_failures else None,
            detail=detail,
            age_s=None if age is None else age.total_seconds(),
            failures=self.consecutive_failures,
            requests=self.requests,
            errors=self.errors,
            cache_hits=self.cache_hits,
            last_request=self.last_request,
            last_failure=self.last_failure,
            last_latency_ms=None if self.last_latency_s is None else self.last_latency_s * 1e3,
            mean_latency_ms=(
                self._latency_total / self._latency_count * 1e3 if self._latency_count else None
            ),
            recent_error=self.recent_error,
            next_due=self.next_due,
            circuit=self.circuit.state,
            interval_s=self.interval(now).total_seconds(),
        )
