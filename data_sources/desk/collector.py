"""The desk's collector: polls one source, computes the snapshot once, follows the alert rules
and publishes everything to Redis for any number of terminals (SPEC 12).

Two collectors may run. The one holding the lease (``SET key id NX PX``, renewed every third of
the lease) polls and publishes; the other waits and takes over within one lease period after
the leader stops. Every publish goes through a script that checks the lease and assigns the
stream's next sequence number inside Redis, so a collector that lost the lease can never
publish, and the alert stream's sequence has neither gaps nor duplicates across a handover: the
new leader adopts the alert state stored atomically with the last published transition.

Log before publish (as the app's alert desk): a change of the alert book is planned on a copy,
made durable by the alert-log writer (committed to the collector's SQLite, or fsynced into its
retry queue when another process holds the database's lock), and only then kept and published.
A write that fails is retried by the writer, in order, with its original time; while neither
the database nor the retry queue can take a transition, nothing of it is published.

No Textual here: the CLI wires a source, the snapshot computation and a store into ``Collector``.

Length: just over 600 lines because ``Collector`` is one state machine on purpose: polling,
logging, publishing and answering commands all hinge on the one lease and the one alert book
it holds (losing the lease must stop every one of them at once); the wire format is already
``desk.codec`` and the alert-log writer ``data_sources.alert_writer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as redis_async
from redis.exceptions import RedisError

from analytics.health import SourceHealth
from analytics.lifecycle import ActiveEntry, AlertBook, Transition
from analytics.types import Snapshot
from data_sources.aio import within
from data_sources.alert_queue import AlertQueue, queue_path_for
from data_sources.alert_writer import WRITER_BUSY_TIMEOUT, AlertLogWriter
from data_sources.base import DataSource, SourceError
from data_sources.capabilities import OwnInterval
from data_sources.desk import bus, codec
from data_sources.intervals import Backoff
from data_sources.model import MarketData
from data_sources.store import Store, StoreError

log = logging.getLogger(__name__)

Compute = Callable[[MarketData], Snapshot]

IMAGE_EVERY = 50
"""Updates between two whole-market images (a terminal joining late starts from the last one)."""
BARS_TTL_S = 3600
"""How long bars fetched for one terminal answer every other terminal's request."""
REPLY_TTL_S = 60
COMMAND_TTL_S = 60
"""An acknowledgement or mute older than this when a collector reads it is not applied."""
UNSAVED_RETRY_MAX_S = 5.0
"""While neither the database nor the retry queue takes a transition: longest wait between
two nudges of the writer (nothing of the change is published meanwhile)."""


def alert_log_writer(store: Store, **kwargs: Any) -> AlertLogWriter:
    """The collector's alert-log writer, as the app's: its own connection to ``store``'s file
    with a short busy timeout, and the durable retry queue next to it (none in memory)."""
    if str(store.path) == ":memory:":
        return AlertLogWriter(store, None, **kwargs)
    try:
        writer_store = Store(store.path, busy_timeout=WRITER_BUSY_TIMEOUT)
    except StoreError as exc:  # a race at creation: share the reader's connection
        log.warning("alert log writer shares the reader connection: %s", exc)
        writer_store = store
    return AlertLogWriter(writer_store, AlertQueue(queue_path_for(store.path)), **kwargs)


@dataclass(frozen=True, slots=True)
class AlertState:
    """What every terminal needs to show alerts: the active ones (acknowledged or not) and the
    muted rules, as of the alert stream's ``seq``."""

    active: tuple[ActiveEntry, ...]
    muted: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Health:
    """The heartbeat: the collector's poll interval and its sources' health."""

    interval: float
    statuses: tuple[SourceHealth, ...]
    error: str | None = None
    polls: int = 0
    """Upstream polls this collector has made (the same for 1 terminal or 50)."""
    bars_fetched: int = 0
    """Bars fetched upstream for terminals' drill-downs (once per symbol and hour)."""


class Collector:
    """Run with ``await collector.run(stop)``; ``stop`` is an ``asyncio.Event``."""

    def __init__(
        self,
        source: DataSource,
        *,
        client: redis_async.Redis,
        compute: Compute,
        store: Store,
        keys: bus.Keys | None = None,
        ident: str | None = None,
        interval: float | None = None,
        lease_ms: int = 5000,
        fetch_timeout: float = 20.0,
        public_json: Callable[[Snapshot], Mapping[str, Any]] | None = None,
        url: str = "redis://",
        writer: AlertLogWriter | None = None,
    ) -> None:
        self.source = source
        self.redis: Any = client  # redis-py's own annotations do not fit decode_responses=False
        self.compute = compute
        self.store = store
        self.keys = keys or bus.Keys()
        self.ident = ident or bus.collector_id()
        own = source.poll_interval if isinstance(source, OwnInterval) else None
        self.interval = float(interval or own or 15.0)
        self._backoff = Backoff.capped(self.interval, 600.0)
        self.lease_ms = int(lease_ms)
        self.fetch_timeout = fetch_timeout
        self.public_json = public_json
        self.url = url
        self.leader = False
        self.writer = writer if writer is not None else alert_log_writer(store)
        restored = self.writer.restore()  # the database's state and what is still queued
        self.book = AlertBook(restored.active, restored.muted)
        self.book.replay(t for _key, batch in restored.pending for t in batch)
        self.writer.start()
        self.log_error: str | None = None
        """Why the last change of the alert book is not durable yet (None: it is)."""
        self.alert_seq = 0
        """The last alert seq this collector knows (published or adopted)."""
        self.update_seq = 0
        self.members_seq = 0
        """The update seq of the members' last change (published whole in the members stream)."""
        self.updates_published = 0
        self.fetches = 0
        """Upstream polls made (the bench shows they do not grow with terminals)."""
        self.bars_fetched = 0
        self._published_market: MarketData | None = None
        self._statuses: tuple[SourceHealth, ...] = ()
        self._last_error: str | None = None
        self._alert_lock = asyncio.Lock()
        self._pending: list[_Queued] = []
        """Transitions kept in the book, to publish in order (only once they are durable)."""
        self._unsaved_task: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._bars_inflight: dict[str, asyncio.Task[None]] = {}
        self._scripts_loaded = False
        self.redis_error: str | None = None
        self.schema_error: str | None = None
        """Set while the desk's streams (or the lease holder) speak another ``bus.SCHEMA``."""

    # -- the lease ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Hold or wait for the lease until ``stop`` is set; publish while holding it."""
        publish = self.redis.register_script(bus.PUBLISH_SCRIPT)
        self._publish = publish
        self._renew = self.redis.register_script(bus.RENEW_SCRIPT)
        self._release = self.redis.register_script(bus.RELEASE_SCRIPT)
        self._set_state = self.redis.register_script(bus.SET_STATE_SCRIPT)
        self._publish_upd = self.redis.register_script(bus.PUBLISH_UPDATE_SCRIPT)
        try:
            while not stop.is_set():
                wait = self.lease_ms / 10_000
                try:
                    if not self.leader:
                        if await self.redis.set(
                            self.keys.lease, self.ident, nx=True, px=self.lease_ms
                        ):
                            if await self._schema_ok():
                                await self._become_leader()
                                wait = self.lease_ms / 3000
                            else:  # never publish into another schema's streams
                                await self._release(keys=[self.keys.lease], args=[self.ident])
                                wait = self.lease_ms / 1000
                        else:
                            await self._schema_ok(streams=(self.keys.health,))
                    elif await self._renew(
                        keys=[self.keys.lease], args=[self.ident, self.lease_ms]
                    ):
                        await self._heartbeat()
                        wait = self.lease_ms / 3000
                    else:
                        await self._step_down("the lease went to another collector")
                    self.redis_error = None
                except (RedisError, OSError) as exc:
                    if self.redis_error is None:
                        log.warning("%s", bus.describe_error(exc, self.url))
                    self.redis_error = bus.describe_error(exc, self.url)
                    # Redis down: a leader keeps polling and queues what it cannot publish; it
                    # steps down only once Redis says the lease is someone else's.
                    wait = min(1.0, self.lease_ms / 3000)
                with contextlib.suppress(TimeoutError):
                    await within(stop.wait(), wait)
        finally:
            await self._step_down("stopping")
            with contextlib.suppress(RedisError, OSError):
                await self._release(keys=[self.keys.lease], args=[self.ident])

    async def _schema_ok(self, streams: tuple[str, ...] | None = None) -> bool:
        """Whether the last entry of each of ``streams`` (default: all the collector writes)
        speaks ``bus.SCHEMA``; says so once (``schema_error``, the log) when one does not."""
        k = self.keys
        problem = None
        for stream in streams or (k.health, k.alerts, k.updates):
            latest = await self.redis.xrevrange(stream, count=1)
            if latest:
                problem = bus.schema_mismatch(latest[0][1], writer_prefix=k.prefix)
                if problem is not None:
                    break
        if problem is not None and problem != self.schema_error:
            log.error("collector %s: %s", self.ident, problem)
        elif problem is None and self.schema_error is not None:
            log.info("collector %s: the desk speaks %s again", self.ident, bus.SCHEMA)
        self.schema_error = problem
        return problem is None

    async def _become_leader(self) -> None:
        log.info("collector %s holds the lease", self.ident)
        await self._adopt_alert_state()
        self._published_market = None  # the first update is a whole image
        self.update_seq = max(self.update_seq, await self._seq_of(self.keys.updates))
        self.leader = True
        self._tasks = [
            asyncio.create_task(self._poll_loop(), name="desk-poll"),
            asyncio.create_task(self._command_loop(), name="desk-commands"),
        ]

    async def _step_down(self, why: str) -> None:
        if not self.leader:
            return
        log.info("collector %s steps down: %s", self.ident, why)
        self.leader = False
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for task in list(self._bars_inflight.values()):
            task.cancel()
        self._bars_inflight.clear()
        # What was logged here but never published is regenerated by the next leader from the
        # state it adopts; publishing it later would duplicate or reorder the desk's log.
        self._pending.clear()

    async def _seq_of(self, stream: str) -> int:
        raw = await self.redis.get(self.keys.seq(stream))
        return int(raw) if raw else 0

    async def _adopt_alert_state(self) -> None:
        """Take the desk's alert state as of its last published transition (when Redis has
        one at least as new as ours); otherwise keep ours (a Redis that lost its data)."""
        raw, at = await self.redis.mget(self.keys.alert_state, f"{self.keys.alert_state}:at")
        seq = await self._seq_of(self.keys.alerts)
        if raw is not None and at is not None and int(at) >= self.alert_seq:
            state = codec.loads(AlertState, raw)
            self.book = AlertBook(state.active, state.muted)
            self.alert_seq = int(at)
        self.alert_seq = max(self.alert_seq, seq)
        if raw is None:  # a Redis that lost its data: terminals joining now need the state
            state = AlertState(self.book.active(), tuple(sorted(self.book.muted)))
            await self._set_state(
                keys=[self.keys.lease, self.keys.alert_state],
                args=[self.ident, codec.dumps(state), self.alert_seq],
            )

    async def _heartbeat(self) -> None:
        await self._publish_health()

    # -- polling ------------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                ok = await self.poll_once()
            except (RedisError, OSError) as exc:  # the source was fine; Redis is down
                log.debug("publishing failed: %s", exc)
                ok = True
            failures = 0 if ok else failures + 1
            delay = self.interval if ok else self._backoff.delay(failures)
            wait = getattr(self.source, "wait_for_update", None)
            rest = max(0.0, delay - (time.monotonic() - started))
            if ok and callable(wait):
                with contextlib.suppress(Exception):
                    await wait(rest)
                await asyncio.sleep(0.25)
            else:
                await asyncio.sleep(rest)

    def _now(self) -> datetime:
        clock = getattr(getattr(self.source, "clock", None), "now", None)
        if callable(clock):
            return clock()  # type: ignore[no-any-return]
        return datetime.now(UTC)

    async def poll_once(self) -> bool:
        """Fetch, compute, follow the alerts and publish; False when the source failed."""
        self.fetches += 1
        try:
            market = await within(self.source.fetch(self._now()), self.fetch_timeout)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            return await self._source_failed(f"no answer after {self.fetch_timeout:g}s")
        except SourceError as exc:
            return await self._source_failed(str(exc) or type(exc).__name__)
        except Exception as exc:  # a bug in a source is a failing source, not a dead collector
            log.exception("source raised")
            return await self._source_failed(f"{type(exc).__name__}: {exc}")
        snapshot = await asyncio.to_thread(self.compute, market)
        self._statuses = tuple(market.statuses)
        self._last_error = None
        async with self._alert_lock:
            book = self.book.copy()
            transitions = book.update(
                snapshot.alerts, snapshot.asof, unknown=snapshot.unknown_rules
            )
            await self._log(book, transitions, self.ident, None)  # durable first, then shown
            await self._flush_alerts()
        await self._publish_health()  # first: a terminal reading the update sees it alive
        await self._publish_update(market, snapshot)
        return True

    async def _log(
        self, book: AlertBook, transitions: Sequence[Transition], who: str, done: str | None
    ) -> None:
        """Make ``transitions`` (planned on ``book``, a copy) durable, then keep ``book`` and
        queue them for publishing (inside the alert lock).

        Durable is committed to the alert log or fsynced into its retry queue (the writer
        commits them later, in order). When neither takes them (the database locked and the
        queue's disk full) they stay in the writer's memory, retried: the book is kept (the
        writer will log them) but nothing of them is published until they are durable.
        """
        saved = None
        if transitions:
            future = self.writer.submit(transitions)
            # The writer never drops a batch it was given: a step-down while waiting leaves it.
            saved = await asyncio.shield(asyncio.wrap_future(future))
        self.book = book
        state = AlertState(book.active(), tuple(sorted(book.muted)))
        durable = saved is None or saved.state != "unsaved"
        for i, t in enumerate(transitions):
            last = i == len(transitions) - 1
            self._pending.append(_Queued(t, who, state, durable, done if last else None))
        if not durable:
            error = f"alert log: {(saved and saved.error) or self.writer.last_error or '?'}"
            if self.log_error is None:
                log.warning("%s; alert changes are published once written", error)
            self.log_error = error[:200]
            if self._unsaved_task is None or self._unsaved_task.done():
                self._unsaved_task = asyncio.create_task(self._until_durable())
                self._tasks.append(self._unsaved_task)

    async def _until_durable(self) -> None:
        """Nudge the writer until nothing is only in its memory; then publish what waited."""
        wait = self.writer.retry_first
        while self.writer.unsaved:
            await asyncio.sleep(wait)
            wait = min(wait * 2, UNSAVED_RETRY_MAX_S)
            self.writer.nudge()
        async with self._alert_lock:
            # Every batch the writer held in memory is now in the database or the queue file
            # (it keeps them in order), so every queued entry is durable.
            self._pending = [replace(q, durable=True) for q in self._pending]
            log.info("alert log written again")
            self.log_error = None
            with contextlib.suppress(RedisError, OSError):
                await self._flush_alerts()

    async def _source_failed(self, error: str) -> bool:
        self._last_error = error.splitlines()[0][:200]
        with contextlib.suppress(RedisError, OSError):
            await self._publish_health()
        return False

    # -- publishing ---------------------------------------------------------------------------

    async def _run_publish(
        self,
        stream: str,
        floor: int,
        maxlen: int,
        extras: Mapping[str, str],
        fields: Mapping[str, Any],
    ) -> int:
        args: list[Any] = [self.ident, floor, maxlen, len(extras), *extras.values()]
        for k, v in fields.items():
            args += [k, v]
        seq = int(await self._publish(keys=[self.keys.lease, stream, *extras.keys()], args=args))
        if seq < 0:
            raise LeaseLost(f"{self.ident} no longer holds the lease")
        return seq

    async def _flush_alerts(self, done: str | None = None) -> None:
        """Publish the queued transitions in order, each with the alert state it left, as
        far as they are durable (kept queued while Redis is down). ``done``: a command that
        changed nothing, marked applied."""
        while self._pending and self._pending[0].durable:
            q = self._pending[0]
            extras = {self.keys.alert_state: codec.dumps(q.state)}
            if q.done is not None:
                extras[self.keys.commands_done] = q.done
            fields = {
                **bus.envelope(self.ident, q.transition.time.isoformat()),
                "transition": codec.dumps(q.transition),
                "who": q.who,
                "state": extras[self.keys.alert_state],  # a terminal needs no other read
            }
            try:
                seq = await self._run_publish(
                    self.keys.alerts, self.alert_seq, bus.MAXLEN_ALERTS, extras, fields
                )
            except LeaseLost:
                await self._lost_lease()
                return
            self.alert_seq = seq
            self._pending.pop(0)
        if done is not None and self._pending:
            # Marked done with the last waiting entry: a command before it is not done yet.
            self._pending[-1] = replace(self._pending[-1], done=done)
        elif done is not None and self.leader:
            await self.redis.set(self.keys.commands_done, done)

    async def _lost_lease(self) -> None:
        # Called from inside a leader task: stepping down cancels this very task, so hand it
        # to the lease loop instead.
        log.warning("collector %s lost the lease (renewal came too late); standing by", self.ident)
        self.leader = False
        self._pending.clear()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self._tasks = []
        raise asyncio.CancelledError

    async def _publish_update(self, market: MarketData, snapshot: Snapshot) -> None:
        base = self._published_market
        if base is not None and not await self.redis.exists(self.keys.image):
            base = None  # Redis lost its data (a restart): terminals joining now need an image
        # Encoding a whole image takes a while: off the loop, so the lease is renewed meanwhile.
        fields, extras, members = await asyncio.to_thread(
            self._encode_update, base, market, snapshot
        )
        fields["published"] = str(bus.now_ms())  # after the encoding: the moment it goes out
        args: list[Any] = [
            self.ident,
            self.update_seq,
            bus.MAXLEN_UPDATES,
            bus.MAXLEN_MEMBERS,
            members or b"",
            "" if base is None else self.members_seq,  # an image carries its members
            bus.SCHEMA,
        ]
        for name, value in fields.items():
            args += [name, value]
        # One update goes out whole or not at all: a stop (or a step-down) arriving while it is
        # on its way lets it finish, so Redis, the seq and the base of the next delta agree.
        send = asyncio.ensure_future(self._send_update(args, extras, base, members, market))
        try:
            await asyncio.shield(send)
        except asyncio.CancelledError:
            if not send.done():
                await asyncio.wait({send}, timeout=5.0)
            raise

    async def _send_update(
        self,
        args: list[Any],
        extras: dict[str, Any],
        base: MarketData | None,
        members: bytes | None,
        market: MarketData,
    ) -> None:
        k = self.keys
        try:
            # The entry alone first (its members, when they changed, in the same script): the
            # terminals wake now, not after a megabyte of image or the public snapshot JSON
            # has crossed to Redis (they never wait for either).
            seq = int(await self._publish_upd(keys=[k.lease, k.updates, k.members], args=args))
            if seq < 0:
                raise LeaseLost(f"{self.ident} no longer holds the lease")
            self.update_seq = seq  # in Redis now, whatever happens to the image after it
            if base is None or members is not None:
                self.members_seq = seq
            for key, value in extras.items():  # each with ``<key>:at`` = the entry's seq
                await self._set_state(keys=[self.keys.lease, key], args=[self.ident, value, seq])
        except LeaseLost:
            await self._lost_lease()
            return
        except (RedisError, OSError):
            # Terminals miss this update; the next one must be a whole image, since a delta
            # against what they never received would be wrong.
            self._published_market = None
            raise
        self._published_market = market
        self.updates_published += 1

    def _encode_update(
        self, base: MarketData | None, market: MarketData, snapshot: Snapshot
    ) -> tuple[dict[str, Any], dict[str, str], bytes | None]:
        kind = "image" if base is None else "delta"
        # A delta's members go apart, whole, to the members stream, and only when they changed:
        # a terminal reads them only when a screen lists members (a tick changes most members'
        # last price and returns: ~130 KB, 80 % of an update, that every terminal read).
        change = codec.market_change(base, market, members=base is None)
        members = None
        if base is not None and (
            codec.members_change(base.constituents, market.constituents) is not None
        ):
            members = codec.members_change(None, market.constituents)
        extras: dict[str, str] = {}
        fields: dict[str, Any] = {
            **bus.envelope(self.ident, snapshot.asof.isoformat()),
            "kind": kind,
            "snapshot": codec.pack(snapshot),
            "interval": repr(self.interval),
            "members_n": len(market.constituents),
            # the heartbeat too: a terminal woken by this entry needs no other read
            "health": codec.dumps(self._health()),
        }
        if base is None:  # an image: JSON, as the image key (read once, by a terminal joining)
            fields["market"] = json.dumps(change, separators=(",", ":"))
            extras[self.keys.image] = fields["market"]
        else:  # msgpack (~5x faster to decode, for every terminal), quotes typed
            quotes = {s: q for s, q in market.quotes.items() if base.quotes.get(s) != q}
            fields["change"] = codec.pack({**change, "quotes": {}})
            fields["quotes"] = codec.pack(quotes)
            if (self.update_seq + 1) % IMAGE_EVERY == 0:
                extras[self.keys.image] = json.dumps(
                    codec.market_change(None, market), separators=(",", ":")
                )
        if self.public_json is not None:
            extras[f"{self.keys.prefix}:snapshot.json"] = json.dumps(
                self.public_json(snapshot), separators=(",", ":")
            )
        return fields, extras, members

    def _health(self) -> Health:
        statuses = self._statuses or tuple(self.source.status())
        error = self._last_error or self.log_error
        return Health(self.interval, statuses, error, self.fetches, self.bars_fetched)

    async def _publish_health(self) -> None:
        fields = {
            **bus.envelope(self.ident, datetime.now(UTC).isoformat()),
            "health": codec.dumps(self._health()),
        }
        floor = await self._seq_of(self.keys.health)
        with contextlib.suppress(LeaseLost):
            await self._run_publish(self.keys.health, floor, bus.MAXLEN_HEALTH, {}, fields)

    # -- commands and requests from terminals -------------------------------------------------

    async def _command_loop(self) -> None:
        done = await self.redis.get(self.keys.commands_done)
        last_command = done.decode() if done else "0-0"
        # Requests older than a few seconds were made to a collector that is gone; their
        # terminals have given up.
        last_request = f"{bus.now_ms() - 5000}-0"
        while True:
            try:
                got = await self.redis.xread(
                    {self.keys.commands: last_command, self.keys.requests: last_request},
                    count=100,
                    block=1000,
                )
            except (RedisError, OSError) as exc:
                log.debug("reading commands: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for stream, entries in got or ():
                name = stream.decode() if isinstance(stream, bytes) else stream
                for entry_id, raw in entries:
                    eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    fields = {_text(k): _text(v) for k, v in raw.items()}
                    if name == self.keys.commands:
                        try:
                            await self._apply_command(fields, eid)
                        except (RedisError, OSError) as exc:
                            # Not marked done: read again, the book makes it a no-op, and the
                            # queued transition is published then.
                            log.debug("applying a command: %s", exc)
                            await asyncio.sleep(0.5)
                            break
                        last_command = eid
                    else:
                        self._answer(fields)
                        last_request = eid

    async def _apply_command(self, fields: Mapping[str, str], entry_id: str) -> None:
        op, rule, who = fields.get("op", ""), fields.get("rule", ""), fields.get("who", "?")
        now = self._now()
        sent = fields.get("at", "")
        if sent.isdigit() and bus.now_ms() - int(sent) > COMMAND_TTL_S * 1000:
            # Sent while no collector led: the alert it meant may have cleared and come back
            # since, so it is not applied to whatever is active now (its terminal showed it
            # for a few seconds only).
            log.info("ignoring a %s of %s by %s sent %s ms ago", op[:10], rule[:40], who[:60],
                     bus.now_ms() - int(sent))  # fmt: skip
            op = "expired"
        async with self._alert_lock:
            book = self.book.copy()
            t: Transition | None = None
            if op == "expired":
                pass
            elif op == "ack":
                t = book.ack(rule, now)
            elif op in ("mute", "unmute"):
                t = book.mute(rule, now, muted=op == "mute")
            else:
                log.info("ignoring unknown desk command %r", op[:20])
            if t is not None:
                t = replace(t, who=who[:200])  # the log's who column (SQLite and the stream)
            # durable first, then kept and published (with the command marked done)
            await self._log(book, () if t is None else (t,), who, entry_id)
            await self._flush_alerts(done=None if t is not None else entry_id)

    def _answer(self, fields: Mapping[str, str]) -> None:
        op, symbol, rid = fields.get("op"), fields.get("symbol", ""), fields.get("id", "")
        if not rid or not symbol or op not in ("bars", "details"):
            return
        key = f"{op}:{symbol}"
        task = self._bars_inflight.get(key)
        if task is None or task.done():
            task = asyncio.create_task(self._fetch_for(op, symbol))  # type: ignore[arg-type]
            self._bars_inflight[key] = task
        task.add_done_callback(lambda _t: asyncio.ensure_future(self._reply(op, symbol, rid)))

    async def _fetch_for(self, op: str, symbol: str) -> None:
        if op == "bars":
            if await self.redis.exists(self.keys.bars(symbol)):
                return
            try:
                frame = await within(self.source.bars(symbol), self.fetch_timeout)
                body: Any = {"ok": True, "bars": codec.bars_to_plain(frame)}
            except Exception as exc:
                body = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
            self.bars_fetched += 1
            ttl = BARS_TTL_S if body["ok"] else 10
            await self.redis.set(self.keys.bars(symbol), json.dumps(body), ex=ttl)
        else:
            details = getattr(self.source, "details", None)
            if callable(details):
                with contextlib.suppress(Exception):
                    await within(details(symbol), self.fetch_timeout)

    async def _reply(self, op: str, symbol: str, rid: str) -> None:
        try:
            if op == "bars":
                body = await self.redis.get(self.keys.bars(symbol)) or b'{"ok": false}'
            else:
                body = b'{"ok": true}'
            reply = self.keys.reply(rid)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lpush(reply, body)
                pipe.expire(reply, REPLY_TTL_S)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.debug("reply to %s failed: %s", rid, exc)

    def close(self) -> int:
        """Stop the alert-log writer (one last try of its queue); returns how many transitions
        only memory held (lost with the process; what is queued is written at the next start)."""
        lost = self.writer.close()
        if self.writer.store is not self.store:
            self.writer.store.close()
        return lost


@dataclass(frozen=True, slots=True)
class _Queued:
    """A transition waiting to be published: who caused it, the alert state it left, whether
    it is durable yet, and the command it applied (marked done when it is published)."""

    transition: Transition
    who: str
    state: AlertState
    durable: bool
    done: str | None = None


class LeaseLost(Exception):
    """A publish was refused: another collector holds the lease."""


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
