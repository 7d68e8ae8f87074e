"""A desk terminal's DataSource: what the collector published in Redis, never a request upstream.

``fetch`` applies the market changes published since the last call (starting from the last
whole image), hands the collector's snapshot on as it was computed, and adds a ``desk`` health
row: ``stale`` with the age once the collector has been silent for three of its intervals.
History that terminals rarely need (a symbol's bars, P/E details) is asked of the collector
through the requests stream; the collector fetches it once for every terminal that asks.

The members (~2,000 rows, most of which tick with every update) are not in the updates: each
update names the seq of their last change, and a terminal reads them from the members stream
only while a screen lists members (the dashboard never does). The first read after a while
without one is made when the screen reads them (one blocking read); while screens keep reading
them, each ``fetch`` brings them with the update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import redis.asyncio as redis_async
from redis.exceptions import RedisError

from analytics.health import SourceHealth
from analytics.lifecycle import Transition
from analytics.types import Snapshot
from data_sources.base import SourceError
from data_sources.desk import bus, codec
from data_sources.desk.collector import AlertState, Health
from data_sources.intervals import is_stale
from data_sources.model import Constituent, LazyConstituents, MarketData, Quote, SourceKind
from data_sources.store import LogEntry

log = logging.getLogger(__name__)

WHO_EVENTS = ("acknowledged", "muted", "unmuted")
"""The events a person causes (the stream's ``who`` of the others is the collector's id)."""
STATE_EVERY_S = 5.0
"""While publishes keep waking a terminal, it still reads the desk's whole state this often."""
LOG_KEEP = 2000
"""Alert transitions a terminal keeps for the alert screens' log view."""
REQUEST_TIMEOUT_S = 20.0
MEMBERS_INTEREST_S = 30.0
"""A screen read the members this recently: ``fetch`` keeps them current (else left in Redis)."""


@dataclass(frozen=True, slots=True, eq=False)
class DeskMarket(MarketData):
    """The market as the collector published it, with the snapshot it computed from it."""

    snapshot: Snapshot | None = None


@dataclass(frozen=True, slots=True)
class DeskEntry:
    """One transition of the desk's alert log, with its seq and who caused it."""

    seq: int
    transition: Transition
    who: str
    collector: str


class DeskSource:
    """The DataSource of ``rotmon --redis URL``. Methods run on the feed's source loop."""

    name = "desk"
    kind: SourceKind = "live"
    poll_interval = 2.0
    """Seconds between reads when nothing is published (the stale check runs as often)."""
    min_poll_gap = 0.0
    """Each wake-up is a publish of the collector (bounded by its rate): read it at once."""
    max_backoff = 5.0
    """Redis down: try again at least this often (the terminal reconnects by itself)."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        keys: bus.Keys | None = None,
        clock: Callable[[], datetime] | None = None,
        client: redis_async.Redis | None = None,
    ) -> None:
        bus.check_url(url)
        self.url = url
        self.keys = keys or bus.Keys()
        self._username = username
        self._password = password
        self._clock = clock or (lambda: datetime.now(UTC))
        self._client = client
        self._market: MarketData | None = None
        self._snapshot: Snapshot | None = None
        self._snapshot_raw: bytes | None = None
        self._update_seq = 0
        self._update_id = "0-0"
        self._published_ms: int | None = None
        self._health: Health | None = None
        self._health_ms: int | None = None
        self._collector: str | None = None
        self._alert_id: str | None = None
        self.alert_state: AlertState = AlertState((), ())
        self.alert_state_seq = 0
        self.log_entries: list[DeskEntry] = []
        """Newest last, at most LOG_KEEP."""
        self._new_transitions: list[DeskEntry] = []
        self.redis_error: str | None = None
        self.schema_error: str | None = None
        """Set while the collector publishes another ``bus.SCHEMA``: nothing of it is shown."""
        self.last_read: float | None = None
        """Monotonic time of the last successful read from Redis."""
        self.updates_applied = 0
        self.received: list[tuple[int, int, float]] = []
        """(seq, published ms, received wall ms) of each update applied (the bench reads it)."""
        self.record_latency = False
        self._last: tuple[tuple[Any, ...], DeskMarket] | None = None
        self._fresh = False
        """``wait_for_update`` has just read what was published: ``fetch`` needs no read."""
        self._members_held: Sequence[Constituent] = ()
        self._members_have = 0
        """The update seq as of which ``_members_held`` are the members (from an image or the
        members stream); they are current while no later update names a later change."""
        self._members_at = 0
        """The seq of the members' last change, as the last update applied names it."""
        self._members_n = 0
        self._members_view: _DeskMembers | None = None
        self._members_wanted = float("-inf")
        """Monotonic time until which ``fetch`` keeps the members current (a screen read them)."""
        self._sync_client: Any = None
        self.members_reads = 0
        """Members entries read from Redis (the tests and the bench read it)."""
        self._series: dict[str, _Pending] = {"prices": _Pending(), "valuations": _Pending()}
        """Prices and P/E frames: the image's, and the changes since it (applied on read)."""
        self._state_read = float("-inf")
        """Monotonic time of the last full read of the desk's state."""

    # -- connection ---------------------------------------------------------------------------

    @property
    def redis(self) -> Any:  # redis-py's own annotations do not fit decode_responses=False
        if self._client is None:
            self._client = bus.connect(self.url, username=self._username, password=self._password)
        return self._client

    def _fail(self, exc: BaseException) -> SourceError:
        self.redis_error = bus.describe_error(exc, self.url)
        return SourceError(self.redis_error)

    # -- DataSource ---------------------------------------------------------------------------

    async def fetch(self, now: datetime) -> DeskMarket:
        fresh, self._fresh = self._fresh, False
        try:
            if not fresh or time.monotonic() - self._state_read > STATE_EVERY_S:
                # Woken by a publish, everything is in hand (the entries carry the health and
                # the alert state): no other round trip. Otherwise (a periodic read, after an
                # error, now and then anyway) read the state and the streams.
                await self._read_state()
                await self._pull(block_ms=None)
            if self._members_at > self._members_have and time.monotonic() < self._members_wanted:
                await self._read_members()  # a screen lists members: bring them along
        except (RedisError, OSError) as exc:
            raise self._fail(exc) from None
        self.redis_error = None
        self.last_read = time.monotonic()
        market, snapshot = self._market, self._snapshot
        if market is None or snapshot is None:
            raise SourceError(
                f"no collector has published to {bus.redact(self.url)} yet "
                "(start one with: rotmon collect --redis URL)"
            )
        statuses = (*self._collector_statuses(), self._desk_status())
        seen = (
            self._update_seq,
            self.log_entries[-1].seq if self.log_entries else 0,
            self.alert_state_seq,
            self._members_have,
            tuple((s.name, s.state, s.error) for s in statuses),
        )
        if self._last is not None and self._last[0] == seen:
            # Nothing new: the same object, so the feed skips computing and repainting (a
            # periodic read must not hold the next real update behind the refresh cap).
            return self._last[1]
        sources = tuple(s.summary() for s in statuses)
        desk_market = DeskMarket(
            source=market.source,
            asof=market.asof,
            prices=self._series["prices"].view(_build_series),
            macro=market.macro,
            quotes=market.quotes,
            constituents=self._members(),
            statuses=statuses,
            problems=market.problems,
            pairs=market.pairs,
            sectors=market.sectors,
            valuations=self._series["valuations"].view(codec.frame_from_change),
            snapshot=replace(snapshot, sources=sources),
        )
        self._last = (seen, desk_market)
        return desk_market

    async def wait_for_update(self, timeout: float) -> bool:
        """Block until the collector publishes an update or an alert transition."""
        try:
            self._fresh = await self._pull(block_ms=max(1, int(timeout * 1000)))
        except (RedisError, OSError) as exc:
            self._fresh = False
            raise self._fail(exc) from None
        return self._fresh

    async def bars(self, symbol: str) -> pd.DataFrame | None:
        """Bars from the collector's cache in Redis, asked for when nobody has yet."""
        try:
            raw = await self.redis.get(self.keys.bars(symbol))
            if raw is None:
                raw = await self._request("bars", symbol)
        except (RedisError, OSError) as exc:
            raise self._fail(exc) from None
        body = json.loads(raw)
        if not body.get("ok"):
            raise SourceError(f"{symbol}: {body.get('error') or 'the collector has no bars'}")
        return codec.bars_from_plain(body.get("bars"))

    async def details(self, symbol: str) -> None:
        """Ask the collector for ``symbol``'s quote details; they arrive with the next update."""
        try:
            await self._request("details", symbol)
        except (RedisError, OSError) as exc:
            raise self._fail(exc) from None

    def status(self) -> tuple[SourceHealth, ...]:
        return (*self._collector_statuses(), self._desk_status())

    async def aclose(self) -> None:
        if self._sync_client is not None:
            with contextlib.suppress(Exception):
                self._sync_client.close()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()

    # -- for the terminal's alert desk and header ---------------------------------------------

    async def send_command(self, op: str, rule: str, who: str | None = None) -> None:
        """Ask the collector to acknowledge / mute / unmute ``rule`` (logged with ``who``)."""
        fields = {
            "op": op,
            "rule": rule,
            "who": who or bus.who(),
            "at": str(bus.now_ms()),
            "id": uuid.uuid4().hex,
        }
        try:
            await self.redis.xadd(
                self.keys.commands, fields, maxlen=bus.MAXLEN_COMMANDS, approximate=True
            )
        except (RedisError, OSError) as exc:
            raise self._fail(exc) from None

    def take_transitions(self) -> list[DeskEntry]:
        """The transitions received since the last call (to announce them once)."""
        out, self._new_transitions = self._new_transitions, []
        return out

    def collector_age(self) -> float | None:
        """Seconds since the collector's last heartbeat (None before the first)."""
        last = self._last_beat()
        return None if last is None else max(0.0, (bus.now_ms() - last) / 1000)

    def _last_beat(self) -> int | None:
        """Wall ms of the collector's last sign of life: a heartbeat or an update."""
        beats = [t for t in (self._health_ms, self._published_ms) if t is not None]
        return max(beats) if beats else None

    def is_stale(self) -> bool:
        age = self.collector_age()
        interval = self._health.interval if self._health is not None else 15.0
        return age is None or is_stale(age, interval)

    def badge_text(self) -> str:
        if self.redis_error is not None:
            return "DESK redis down"
        age = self.collector_age()
        if age is not None and self.is_stale():
            return f"DESK stale {_age(age)}"
        return "DESK"

    # -- reading ------------------------------------------------------------------------------

    async def _pull(self, block_ms: int | None) -> bool:
        """Read new updates and alert transitions (waiting up to ``block_ms`` for one)."""
        if self.schema_error is not None:
            # Reading the streams again would re-read every foreign entry: the last heartbeat
            # says whether a collector of this schema has taken over.
            latest = await self.redis.xrevrange(self.keys.health, count=1)
            if latest:
                self._check_schema(latest[0][1])
            self.schema_error = None
        if self._market is None:
            await self._load_image()
        if self._alert_id is None:
            await self._load_log()
        streams = {self.keys.updates: self._update_id, self.keys.alerts: self._alert_id or "0-0"}
        got = await self.redis.xread(streams, count=bus.MAXLEN_UPDATES, block=block_ms)
        if not got:
            return False
        for stream, entries in got:
            if _text(stream) == self.keys.updates:
                await self._apply_updates(entries)
            else:
                self._apply_alerts(entries, announce=True)
        return True

    async def _read_state(self) -> None:
        """Health, alert state and the sequence counters in one round trip."""
        k = self.keys
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.mget(k.seq(k.updates), k.seq(k.alerts), k.alert_state, f"{k.alert_state}:at")
            pipe.xrevrange(k.health, count=1)
            (upd, alerts, state, state_at), health = await pipe.execute()
        self._state_read = time.monotonic()
        # Redis lost its data and a fresh collector counts from 1 again: start over.
        if upd is not None and int(upd) < self._update_seq:
            log.info("desk updates restarted at %s (had %d)", _text(upd), self._update_seq)
            self._market, self._snapshot, self._snapshot_raw = None, None, None
            self._update_seq, self._update_id = 0, "0-0"
        last = self.log_entries[-1].seq if self.log_entries else 0
        if alerts is not None and int(alerts) < last:
            self.log_entries.clear()
            self._alert_id = None
        if health:
            fields = health[0][1]
            self._check_schema(fields)
            published = int(fields.get(b"published", b"0"))
            if published > (self._health_ms or 0):  # an update may have brought a newer one
                self._take_health(fields, published)
        if state is not None and state_at is not None and int(state_at) != self.alert_state_seq:
            self.alert_state = codec.loads(AlertState, state)
            self.alert_state_seq = int(state_at)

    async def _load_image(self) -> None:
        """Start from the last whole image and the updates after it."""
        raw, at = await self.redis.mget(self.keys.image, f"{self.keys.image}:at")
        if raw is None or at is None:
            latest = await self.redis.xrevrange(self.keys.updates, count=1)
            if latest and _text(latest[0][1].get(b"kind", b"")) == "image":
                await self._apply_updates(latest)
            return
        # The image's own entry and those after it: their schema is the image's.
        entries = await self.redis.xrange(self.keys.updates, min=f"{int(at)}-0", max="+")
        for _, fields in entries:
            self._check_schema(fields)
        self._market = codec.apply_market_change(None, json.loads(raw))
        self._set_image(self._market, int(at))
        self._update_seq = int(at)
        self._update_id = f"{int(at)}-0"
        own = entries[:1] if entries and int(entries[0][1][b"seq"]) == int(at) else []
        rest = entries[len(own) :]
        if rest:
            await self._apply_updates(rest, after_image=True)
        if self._snapshot_raw is None and own:  # no update after the image: its own has one
            self._take_snapshot(own[0][1])

    async def _apply_updates(self, entries: list[Any], *, after_image: bool = False) -> None:
        last_fields: Mapping[bytes, bytes] | None = None
        for entry_id, fields in entries:
            self._check_schema(fields)
            seq = int(fields[b"seq"])
            if seq <= self._update_seq and self._market is not None:
                continue
            kind = _text(fields.get(b"kind", b""))
            if kind == "image":
                self._market = codec.apply_market_change(None, json.loads(fields[b"market"]))
                self._set_image(self._market, seq)
            elif self._market is None or seq != self._update_seq + 1:
                # A gap (this terminal fell behind the stream's cap): start again from the image.
                log.info(
                    "desk updates: gap before seq %d (had %d); reloading", seq, self._update_seq
                )
                had, self._market, self._update_seq = self._update_seq, None, 0
                if after_image:  # never applied to the wrong base: wait for the next image
                    raise SourceError(
                        f"desk updates {had + 1}..{seq - 1} after the last whole image are gone "
                        "from Redis; waiting for the next image"
                    )
                await self._load_image()
                return
            else:
                change, quotes = codec.unpack_change(fields)
                self._market = self._apply_change(self._market, change, quotes)
            if kind != "image":
                self._members_at = int(fields.get(b"members_at", b"0"))
                self._members_n = int(fields.get(b"members_n", b"0"))
            self._update_seq = seq
            self._update_id = _text(entry_id)
            last_fields = fields
            if self.record_latency:
                published = int(fields.get(b"published", b"0"))
                self.received.append((seq, published, time.time() * 1000))
        if last_fields is not None:
            self._take_snapshot(last_fields)

    def _set_image(self, market: MarketData, seq: int) -> None:
        self._set_members(market.constituents, seq)
        self._members_at, self._members_n = seq, len(market.constituents)
        self._series["prices"] = _Pending(market.prices)
        self._series["valuations"] = _Pending(market.valuations)

    def _apply_change(
        self, market: MarketData, change: Mapping[str, Any], quotes: Mapping[str, Quote]
    ) -> MarketData:
        """One delta: the prices' and P/E frames' changes are merged into those waiting (plain
        lists), the rest (quotes, macro, health rows) applied at once."""
        gone = change.get("gone", {})
        self._series["prices"].add(
            change["prices"], gone.get("prices", ()), codec.merge_series_change
        )
        self._series["valuations"].add(
            change.get("valuations", {}), gone.get("valuations", ()), codec.merge_frame_change
        )
        rest = {
            **change,
            "prices": {},
            "valuations": {},
            "gone": {**gone, "prices": [], "valuations": []},
        }
        applied = codec.apply_market_change(market, rest)
        return replace(applied, quotes={**applied.quotes, **quotes}) if quotes else applied

    def _set_members(self, members: Sequence[Constituent], seq: int) -> None:
        self._members_held, self._members_have, self._members_view = members, seq, None

    def _members(self) -> Sequence[Constituent]:
        """The members the update names: those held when current, else read when a screen
        first reads them (never the held ones of an earlier seq shown as current)."""
        at = self._members_at
        view = self._members_view
        if view is None or view.seq != at:
            held = self._members_held if self._members_have >= at else None
            view = _DeskMembers(self, at, len(held) if held is not None else self._members_n, held)
            self._members_view = view
        return view

    def _members_read(self) -> None:
        self._members_wanted = time.monotonic() + MEMBERS_INTEREST_S

    async def _read_members(self) -> None:
        """The members the last update names, from the members stream (on the source loop)."""
        at = self._members_at
        got = await self.redis.xrange(self.keys.members, min=f"{at}-0", max=f"{at}-0")
        members = self._members_entry(got, at)
        if members is not None and at == self._members_at:
            self._set_members(members, at)

    def _members_entry(self, got: Sequence[Any], at: int) -> codec.RowMembers | None:
        if not got:
            # Trimmed (30 changes since): this terminal is far behind and the updates it has
            # still to read name later members. None: not shown, rather than wrong ones.
            log.info("desk members of seq %d are gone from the stream", at)
            return None
        fields = got[0][1]
        self._check_schema(fields)
        self.members_reads += 1
        try:
            return codec.RowMembers(fields[b"members"])
        except (KeyError, codec.CodecError) as exc:
            raise SourceError(f"the members of collector {self._collector}: {exc}") from None

    def _members_for(self, at: int) -> Sequence[Constituent]:
        """The members of seq ``at`` for a screen reading them now (any thread): one blocking
        read with a short timeout; nothing (not old numbers) when Redis cannot give them."""
        if self._members_have == at:
            return self._members_held
        try:
            if self._sync_client is None:
                self._sync_client = bus.connect_sync(
                    self.url, username=self._username, password=self._password
                )
            got = self._sync_client.xrange(self.keys.members, min=f"{at}-0", max=f"{at}-0")
            return self._members_entry(got, at) or ()
        except (RedisError, OSError, SourceError) as exc:
            log.info("desk members of seq %d: %s", at, exc)
            return ()

    def _check_schema(self, fields: Mapping[bytes, bytes]) -> None:
        """SourceError (and nothing shown) when ``fields`` is an entry of another schema."""
        problem = bus.schema_mismatch(fields)
        if problem is None:
            return
        if self.schema_error is None:
            log.warning("desk: %s", problem)
        # Forget what was shown: numbers from the other collector would be misread, and those
        # from before it are no longer the desk's (read again from the image once it speaks ours).
        self._market, self._snapshot, self._snapshot_raw, self._last = None, None, None, None
        self._set_members((), 0)
        self._members_at = 0
        self._health, self._health_ms = None, None
        self._update_seq, self._update_id = 0, "0-0"
        self.schema_error = problem
        raise SourceError(problem)

    def _take_health(self, fields: Mapping[bytes, bytes], published: int) -> None:
        self._health = codec.loads(Health, fields[b"health"])
        self._health_ms = published
        self._collector = _text(fields.get(b"collector", b""))

    def _take_snapshot(self, fields: Mapping[bytes, bytes]) -> None:
        raw = fields[b"snapshot"]
        if raw != self._snapshot_raw:
            try:
                self._snapshot = codec.unpack(Snapshot, raw)
            except codec.CodecError as exc:  # a collector of another rotmon version
                collector = _text(fields.get(b"collector", b"?"))
                raise SourceError(f"the snapshot of collector {collector}: {exc}") from None
            self._snapshot_raw = raw
        self._published_ms = int(fields.get(b"published", b"0"))
        self._collector = _text(fields.get(b"collector", b""))
        if b"health" in fields and self._published_ms > (self._health_ms or 0):
            self._take_health(fields, self._published_ms)
        self.updates_applied += 1

    async def _load_log(self) -> None:
        entries = await self.redis.xrevrange(self.keys.alerts, count=LOG_KEEP)
        self._alert_id = "0-0"
        self._apply_alerts(list(reversed(entries)), announce=False)

    def _apply_alerts(self, entries: list[Any], *, announce: bool) -> None:
        for entry_id, fields in entries:
            self._check_schema(fields)
            try:
                item = DeskEntry(
                    seq=int(fields[b"seq"]),
                    transition=codec.loads(Transition, fields[b"transition"]),
                    who=_text(fields.get(b"who", b"")),
                    collector=_text(fields.get(b"collector", b"")),
                )
            except (KeyError, ValueError) as exc:
                log.info("skipping a malformed alert entry %s: %s", _text(entry_id), exc)
                continue
            finally:
                self._alert_id = _text(entry_id)
            if self.log_entries and item.seq <= self.log_entries[-1].seq:
                continue  # already seen (a reconnect re-reads nothing twice)
            state = fields.get(b"state")
            if state is not None and item.seq > self.alert_state_seq:
                with contextlib.suppress(ValueError):
                    self.alert_state = codec.loads(AlertState, state)
                    self.alert_state_seq = item.seq
            self.log_entries.append(item)
            if announce:
                self._new_transitions.append(item)
        if len(self.log_entries) > LOG_KEEP:
            del self.log_entries[: len(self.log_entries) - LOG_KEEP]

    async def _request(self, op: str, symbol: str) -> bytes:
        rid = uuid.uuid4().hex
        fields = {"op": op, "symbol": symbol, "id": rid, "who": bus.who()}
        await self.redis.xadd(
            self.keys.requests, fields, maxlen=bus.MAXLEN_REQUESTS, approximate=True
        )
        got = await self.redis.blpop([self.keys.reply(rid)], timeout=REQUEST_TIMEOUT_S)
        if got is None:
            raise SourceError(
                f"{symbol}: the collector did not answer within {REQUEST_TIMEOUT_S:g}s"
            )
        return got[1]  # type: ignore[no-any-return]

    # -- health rows ---------------------------------------------------------------------------

    def _collector_statuses(self) -> tuple[SourceHealth, ...]:
        return () if self._health is None else self._health.statuses

    def _desk_status(self) -> SourceHealth:
        age = self.collector_age()
        beat = self._last_beat()
        last = None if beat is None else datetime.fromtimestamp(beat / 1000, UTC)
        who = self._collector or "no collector"
        if self.schema_error is not None:
            return SourceHealth("desk", "failing", last, self.schema_error, detail=who)
        if age is None:
            return SourceHealth("desk", "loading", None, "no collector heartbeat yet", detail=who)
        if self.is_stale():
            shown = ""
            if self._published_ms is not None:
                shown = ", numbers as of " + datetime.fromtimestamp(
                    self._published_ms / 1000, UTC
                ).strftime("%H:%M:%S UTC")
            return SourceHealth(
                "desk", "stale", last, f"collector silent for {_age(age)}{shown}", detail=who
            )
        error = self._health.error if self._health is not None else None
        return SourceHealth("desk", "failing" if error else "ok", last, error, detail=who)


class _DeskMembers(LazyConstituents):
    """The members of one update seq as a screen reads them: those the terminal held, or read
    from Redis on the first read (each read keeps the terminal bringing them along)."""

    def __init__(
        self, source: DeskSource, seq: int, count: int, held: Sequence[Constituent] | None
    ) -> None:
        super().__init__(count)
        self.seq = seq
        self._source = source
        self._got = held

    def _members(self) -> Sequence[Constituent]:
        self._source._members_read()
        got = self._got
        if got is None:
            got = self._got = self._source._members_for(self.seq)
        return got

    def _make(self, members: Sequence[int] | None) -> list[Constituent]:
        got = self._members()
        if isinstance(got, codec.RowMembers):
            return got.pick(members)
        return list(got) if members is None else [got[i] for i in members]

    def __len__(self) -> int:
        return self._count if self._got is None else len(self._got)

    def sector_names(self) -> Sequence[str]:
        got = self._members()
        if isinstance(got, LazyConstituents):
            return got.sector_names()
        return [c.sector for c in got]

    def symbols_and_names(self) -> Sequence[tuple[str, str]]:
        got = self._members()
        if isinstance(got, LazyConstituents):
            return got.symbols_and_names()
        return [(c.symbol, c.name) for c in got]

    def position(self, symbol: str) -> int | None:
        got = self._members()
        if isinstance(got, LazyConstituents):
            return got.position(symbol)
        return next((i for i, c in enumerate(got) if c.symbol == symbol), None)


class _Pending:
    """What a terminal holds of the prices (or P/E frames): the last image's, and one merged
    change per symbol since it. A view of them is made once per change, its values on read."""

    def __init__(self, base: Mapping[str, Any] | None = None) -> None:
        self.base: Mapping[str, Any] = base if base is not None else {}
        self.changes: dict[str, Any] = {}
        self._view: Mapping[str, Any] | None = None

    def add(
        self,
        changes: Mapping[str, Any],
        gone: Iterable[str],
        merge: Callable[[Any, Any], Any],
    ) -> None:
        for key, ch in changes.items():
            before = self.changes.get(key)
            self.changes[key] = ch if before is None else merge(before, ch)
        for key in gone:
            if key in self.base:
                self.base = {k: v for k, v in self.base.items() if k != key}
            self.changes.pop(key, None)
        if changes or gone:
            self._view = None

    def view(self, build: Callable[[Any, Any], Any]) -> Mapping[str, Any]:
        if self._view is None:
            self._view = (
                codec.LazyChanges(self.base, self.changes, build) if self.changes else self.base
            )
        return self._view


def _build_series(before: pd.Series | None, change: Mapping[str, Any]) -> pd.Series:
    return codec.apply_series_change(before, change)


def log_entry(item: DeskEntry) -> LogEntry:
    """A desk transition as the alert screens' log shows it (the seq is its id)."""
    t = item.transition
    return LogEntry(
        id=item.seq,
        time=t.time,
        rule=t.rule,
        group=t.group,
        severity=t.severity,
        event=t.event,
        value=t.value,
        threshold=t.threshold,
        message=t.message,
        who=t.who if t.who or t.event not in WHO_EVENTS else (item.who or None),
    )


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


async def read_latest(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    keys: bus.Keys | None = None,
    timeout: float = 10.0,
) -> DeskMarket:
    """One read of the desk (``rotmon snapshot --redis URL``): the latest published market and
    snapshot, waiting up to ``timeout`` for a first publish."""
    source = DeskSource(url, username=username, password=password, keys=keys)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                return await source.fetch(datetime.now(UTC))
            except SourceError:
                if source.redis_error is not None or time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await source.aclose()
