"""How a source is doing: the one frozen health value every layer passes on.

A source's own record (``data_sources.polling.HealthRecord``), the feed's view of each source,
a snapshot's ``sources``, the status bar, the diagnostics screen and ``rotmon doctor`` all speak
``SourceHealth``. It lives here, in the lowest layer, because every package may import
``analytics`` while ``analytics`` and ``widgets`` never import ``data_sources``.

Pure like the rest of ``analytics``: no clock. A value is taken at one moment; ``at(now)`` sets
its age and countdown for another. When a source is stale and how a failure backs off are
decided by its producer, with the one rule of ``data_sources.intervals``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

HealthState = Literal["loading", "connecting", "ok", "stale", "failing", "off", "behind"]
"""``loading``: never answered yet (the status bar says ``connecting`` for a live source);
``off``: disabled; ``behind``: the alert log with transitions not yet in its database."""
CircuitState = Literal["closed", "open", "half_open"]

WORST_FIRST: tuple[HealthState, ...] = ("failing", "stale", "connecting", "loading", "ok")
"""How states rank when parts make one source (SPEC 8): data known to be old (``stale``) is
worse than data still coming (``connecting``, ``loading``), which is worse than ``ok``."""


def worst_state(states: Iterable[HealthState]) -> HealthState:
    """The worst of ``states`` by ``WORST_FIRST`` (``off`` and ``behind`` are not ranked and
    are skipped); ``ok`` when none is ranked."""
    present = set(states)
    return next((s for s in WORST_FIRST if s in present), "ok")


ROW_KEYS = ("name", "ok", "last_success", "stale", "error", "state", "next_retry")
"""A snapshot's row of one source, in this order: the cached view and the desk's msgpack carry
all of it, ``rotmon snapshot`` JSON (rotmon.snapshot/2) the first five."""
WIRE_KEYS = ("name", "state", "last_success", "error", "next_retry", "detail")
"""One source as the desk's JSON frames carry it (rotmon.desk/1 ``statuses``)."""


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """Health of one source (or one part of a source) at one moment.

    The first six fields are what every producer knows; the rest are None where a producer
    keeps no record (a demo or a pack has no request counts): shown as n/a, never as 0.
    """

    name: str
    state: HealthState = "loading"
    last_success: datetime | None = None
    error: str | None = None
    """Why it is failing or stale now; None once it answers again."""
    next_retry: datetime | None = None
    """The next attempt after a failure; None while it succeeds."""
    detail: str | None = None
    """A short word on what it holds (``3/4 histories``) or on its progress."""
    age_s: float | None = None
    """Seconds since the last success, at the moment this was taken (None: unknown or not
    worth showing, e.g. a pack that is never polled for news)."""
    next_in_s: float | None = None
    """Seconds until the next attempt, at that moment: a retry while failing or stale, the
    next regular poll while ok."""
    failures: int | None = None
    """Consecutive failures (0 after a success)."""
    requests: int | None = None
    errors: int | None = None
    cache_hits: int | None = None
    last_request: datetime | None = None
    last_failure: datetime | None = None
    last_latency_ms: float | None = None
    mean_latency_ms: float | None = None
    recent_error: str | None = None
    """The latest error even after a recovery (``error`` clears on success)."""
    next_due: datetime | None = None
    """The next regular request."""
    circuit: CircuitState | None = None
    interval_s: float | None = None
    """Seconds between regular requests."""

    @property
    def ok(self) -> bool:
        """It has answered and its data is usable (stale included)."""
        return self.state in ("ok", "stale")

    @property
    def stale(self) -> bool:
        return self.state == "stale"

    @property
    def last_error(self) -> str | None:
        """The error to report: the current one, else the latest before a recovery."""
        return self.error or self.recent_error

    def at(self, now: datetime) -> SourceHealth:
        """This value seen at ``now``: its age since the last success and the seconds until
        its next retry (None where the times are unknown)."""
        age = None
        if self.last_success is not None:
            age = (_utc(now) - _utc(self.last_success)).total_seconds()
        next_in = None
        if self.next_retry is not None:
            next_in = max(0.0, (_utc(self.next_retry) - _utc(now)).total_seconds())
        return replace(self, age_s=age, next_in_s=next_in)

    def summary(self) -> SourceHealth:
        """What a snapshot keeps of it: name, state, last success, error and next retry
        (no detail, no request record: those are the live view's, not the data's)."""
        return SourceHealth(self.name, self.state, self.last_success, self.error, self.next_retry)

    # -- serialised forms (byte for byte what the types before this one wrote) ----------------

    def row(self) -> dict[str, Any]:
        """The snapshot's row of this source (``ROW_KEYS``), times as datetimes."""
        return {
            "name": self.name,
            "ok": self.ok,
            "last_success": self.last_success,
            "stale": self.stale,
            "error": self.error,
            "state": self.state,
            "next_retry": self.next_retry,
        }

    def json_row(self, *, full: bool = False) -> dict[str, Any]:
        """``row`` with times as ISO text: its first five keys (``rotmon snapshot`` JSON,
        schema rotmon.snapshot/2), or all of them (``full``: the cached view)."""
        row = self.row()
        row["last_success"] = _iso(self.last_success)
        row["next_retry"] = _iso(self.next_retry)
        return row if full else {k: row[k] for k in ROW_KEYS[:5]}

    def wire(self) -> dict[str, Any]:
        """The desk's JSON form (``WIRE_KEYS``), times as datetimes: the record stays local."""
        return {k: getattr(self, k) for k in WIRE_KEYS}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SourceHealth:
        """The value ``json_row(full=True)`` wrote (``ok`` and ``stale`` follow the state)."""
        return cls(
            name=row["name"],
            state=row["state"],
            last_success=_datetime(row["last_success"]),
            error=row["error"],
            next_retry=_datetime(row.get("next_retry")),
        )

    # -- text ---------------------------------------------------------------------------------

    def lines(self, when: Callable[[datetime], str] | None = None) -> list[str]:
        """Plain text lines (``rotmon doctor``); ``when`` writes a time (default UTC)."""

        def t(moment: datetime | None) -> str:
            if moment is None:
                return "never"
            if when is not None:
                return when(moment)
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")

        def n(value: float | None, unit: str) -> str:
            return "n/a" if value is None else f"{value:.0f}{unit}"

        circuit = "n/a" if self.circuit is None else self.circuit.replace("_", "-")
        return [
            f"{self.name}: {self.state} (circuit {circuit})",
            f"  last request {t(self.last_request)}, last success {t(self.last_success)}"
            f" (age {n(self.age_s, ' s')}), last failure {t(self.last_failure)}",
            f"  requests {n(self.requests, '')}, errors {n(self.errors, '')}"
            f" ({n(self.failures, '')} in a row), cache hits {n(self.cache_hits, '')}",
            f"  latency last {n(self.last_latency_ms, ' ms')},"
            f" mean {n(self.mean_latency_ms, ' ms')}; interval {n(self.interval_s, ' s')}",
            f"  next retry {t(self.next_retry)}, next due {t(self.next_due)}",
            f"  last error: {self.last_error or 'none'}",
        ]


def _datetime(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
