"""One health type for every layer: its forms on disk and on the wire are byte for byte the ones
the five types before it wrote (rotmon.snapshot/2, the cached view, rotmon.desk/1)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta

import msgspec

from analytics.health import ROW_KEYS, WIRE_KEYS, SourceHealth
from analytics.snapshot import snapshot_to_csv, snapshot_to_dict
from analytics.types import Snapshot
from data_sources.desk import codec
from data_sources.desk.collector import Health
from data_sources.intervals import Backoff
from data_sources.polling import HealthRecord
from tui.snapcache import snapshot_from_cache, snapshot_to_cache

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _SourceRowV1:
    """The snapshot's row type before SourceHealth (what a terminal of that version decodes)."""

    name: str
    ok: bool
    last_success: datetime | None
    stale: bool
    error: str | None
    state: str = "ok"
    next_retry: datetime | None = None


@dataclass(frozen=True, slots=True)
class _SourceStatusV1:
    """The status type before SourceHealth (the desk's JSON ``statuses``)."""

    name: str
    state: str
    last_success: datetime | None = None
    error: str | None = None
    next_retry: datetime | None = None
    detail: str | None = None


def _record() -> SourceHealth:
    """A failing source with a full request record (what the live sources report)."""
    h = HealthRecord("fred", timedelta(hours=6), backoff=Backoff(base=30.0))
    h.started(NOW - timedelta(hours=7))
    h.succeeded(NOW - timedelta(hours=7), latency_s=0.2)
    for _ in range(3):
        h.started(NOW)
        h.failed(NOW, "HTTP 503 Service Unavailable", latency_s=0.4)
    return h.at(NOW + timedelta(hours=12), detail="12/14 series via graph CSV")


HEALTHS = (
    SourceHealth("yahoo", "ok", NOW - timedelta(seconds=12), detail="3/4 histories"),
    SourceHealth("stream", "off", detail="streaming disabled"),
    _record(),
    SourceHealth("holdings", "stale", NOW - timedelta(days=4), "old <b>[red]x"),
    SourceHealth("desk", "loading", None, "no collector heartbeat yet", detail="no collector"),
)


def _v1_row(h: SourceHealth) -> _SourceRowV1:
    ok, stale = h.state in ("ok", "stale"), h.state == "stale"
    return _SourceRowV1(h.name, ok, h.last_success, stale, h.error, h.state, h.next_retry)


def _v1_status(h: SourceHealth) -> _SourceStatusV1:
    return _SourceStatusV1(h.name, h.state, h.last_success, h.error, h.next_retry, h.detail)


def _snapshot(sources: tuple[SourceHealth, ...]) -> Snapshot:
    return Snapshot(
        asof=NOW, source="live", spreads=(), heatmap=(), alerts=(), scores={}, macro=(),
        sources=sources,
    )  # fmt: skip


def test_the_record_is_one_value_with_the_state_and_the_counters() -> None:
    fred = HEALTHS[2]
    assert (fred.state, fred.failures, fred.requests, fred.errors) == ("failing", 3, 4, 3)
    assert fred.error == fred.recent_error == "HTTP 503 Service Unavailable"
    assert fred.ok is False and fred.next_retry is not None and fred.circuit == "open"
    assert fred.age_s == 19 * 3600.0 and fred.interval_s == 6 * 3600.0
    # a snapshot keeps only the public part: no detail, no counters
    assert fred.summary() == SourceHealth(
        "fred", "failing", fred.last_success, fred.error, fred.next_retry
    )


def test_at_sets_the_age_and_the_countdown_of_another_moment() -> None:
    h = SourceHealth("x", "failing", NOW, "down", NOW + timedelta(seconds=30))
    later = h.at(NOW + timedelta(seconds=10))
    assert (later.age_s, later.next_in_s) == (10.0, 20.0)
    assert h.at(NOW + timedelta(minutes=5)).next_in_s == 0.0  # overdue: never negative
    assert SourceHealth("y", "loading").at(NOW).age_s is None


def test_snapshot_json_rows_and_csv_are_the_rotmon_snapshot_2_layout() -> None:
    snap = _snapshot(tuple(h.summary() for h in HEALTHS))
    rows = snapshot_to_dict(snap)["sources"]
    assert [list(r) for r in rows] == [list(ROW_KEYS[:5])] * len(HEALTHS)
    fred = rows[2]
    assert fred["ok"] is False and fred["stale"] is False
    assert fred["last_success"] == (NOW - timedelta(hours=7)).isoformat()
    assert rows[3]["ok"] is True and rows[3]["stale"] is True
    csv_rows = [line for line in snapshot_to_csv(snap).splitlines() if line.startswith("source")]
    assert csv_rows[2].startswith("source,fred,") and "failing: HTTP 503" in csv_rows[2]


def test_the_cached_view_writes_and_reads_back_every_row() -> None:
    snap = _snapshot(tuple(h.summary() for h in HEALTHS))
    doc = json.loads(json.dumps(snapshot_to_cache(snap)))
    assert [list(r) for r in doc["sources"]] == [list(ROW_KEYS)] * len(HEALTHS)
    assert snapshot_from_cache(doc).sources == snap.sources


def test_desk_snapshot_msgpack_is_byte_for_byte_the_v1_rows() -> None:
    snap = _snapshot(HEALTHS)  # a full record in the snapshot still sends only the rows
    v1 = {f.name: getattr(snap, f.name) for f in fields(snap)}
    v1["sources"] = [_v1_row(h) for h in HEALTHS]
    packed = codec.pack(snap)
    assert packed == msgspec.msgpack.encode(v1)
    # a terminal of the version before decodes it, and this version reads it back
    old = msgspec.msgpack.decode(packed)["sources"]
    raw = msgspec.msgpack.encode(old)
    assert msgspec.msgpack.Decoder(list[_SourceRowV1]).decode(raw) == [_v1_row(h) for h in HEALTHS]
    assert codec.unpack(Snapshot, packed).sources == tuple(h.summary() for h in HEALTHS)


def test_desk_json_statuses_are_byte_for_byte_the_v1_statuses() -> None:
    health = Health(5.0, HEALTHS, None, 3, 1)
    v1 = replace(health, statuses=tuple(_v1_status(h) for h in HEALTHS))  # type: ignore[arg-type]
    text = codec.dumps(health)
    assert text == codec.dumps(v1)
    assert [list(s) for s in json.loads(text)["statuses"]] == [list(WIRE_KEYS)] * len(HEALTHS)
    back = codec.loads(Health, text).statuses
    assert back == tuple(replace(h.summary(), detail=h.detail) for h in HEALTHS)


def test_worst_state_ranks_old_data_above_data_still_coming() -> None:
    from analytics.health import worst_state

    assert worst_state(["ok", "loading", "stale"]) == "stale"
    assert worst_state(["ok", "connecting", "loading"]) == "connecting"
    assert worst_state(["stale", "failing"]) == "failing"
    assert worst_state(["off", "behind"]) == "ok"  # not ranked: skipped
    assert worst_state([]) == "ok"
