"""The Redis side of desk mode: key names, the versioned envelope, connecting (``redis://``,
``rediss://``, ACL user and password) and the atomic scripts the collector publishes with.

Every entry a collector writes carries the envelope: ``schema`` (``rotmon.desk/3``), ``collector``
(its id), ``seq`` (per stream, assigned inside Redis) and ``asof``. Streams are capped with
``XADD MAXLEN ~``; an entry's stream id is ``<seq>-0``, so Redis itself refuses a duplicate or
out-of-order sequence number and a reader can resume from the last seq it saw.

A reader checks ``schema`` on every entry (``schema_mismatch``): an entry of another schema is
never decoded (a terminal shows the mismatch instead of numbers; a collector will not publish
into streams another schema wrote). Bump SCHEMA whenever an entry's fields or encoding change.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import redis.asyncio as redis_async

from data_sources.whoami import who as who  # re-exported: the terminals' ``who``

SCHEMA = "rotmon.desk/3"
"""/3: the members left the update entries: an update names the seq of the members' last change
(``members_at``) and the members stream holds them (whole, read only by a terminal whose screen
lists members). /2: msgpack snapshot and market change, members as changed columns."""
DEFAULT_PREFIX = "rotmon:desk"

MAXLEN_UPDATES = 200
"""Market updates kept in the stream: a terminal that falls further behind reloads the image."""
MAXLEN_ALERTS = 10_000
"""Alert transitions kept for the terminals' log views (the collectors' SQLite keeps all)."""
MAXLEN_MEMBERS = 30
"""Members entries kept (exactly, not ``~``: each is ~200 KB): a terminal further behind than
30 changes of the members has newer updates waiting, which name newer members."""
MAXLEN_HEALTH = 100
MAXLEN_COMMANDS = 1_000
MAXLEN_REQUESTS = 1_000


class DeskError(Exception):
    """Redis cannot be used as asked; the message is one line and never holds the password."""


@dataclass(frozen=True, slots=True)
class Keys:
    """The key names of one desk (``prefix`` separates desks sharing one Redis)."""

    prefix: str = DEFAULT_PREFIX

    def _k(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    @property
    def lease(self) -> str:
        return self._k("lease")

    @property
    def updates(self) -> str:
        """Stream: one entry per poll: the snapshot and the market's changes."""
        return self._k("updates")

    @property
    def image(self) -> str:
        """String: the whole market as of one updates seq (for terminals that join or lag)."""
        return self._k("image")

    @property
    def members(self) -> str:
        """Stream: the members whole, one entry per change (id = the update's seq)."""
        return self._k("members")

    @property
    def health(self) -> str:
        """Stream: the sources' health and the collector's heartbeat."""
        return self._k("health")

    @property
    def alerts(self) -> str:
        """Stream: every alert transition, with who and when."""
        return self._k("alerts")

    @property
    def alert_state(self) -> str:
        """String: the active alerts (acknowledged or not) and muted rules after the last seq."""
        return self._k("alerts:state")

    @property
    def commands(self) -> str:
        """Stream: acknowledge / mute requests from the terminals."""
        return self._k("commands")

    @property
    def commands_done(self) -> str:
        """String: the id of the last command the collectors have applied."""
        return self._k("commands:done")

    @property
    def requests(self) -> str:
        """Stream: rarely used history a terminal asks the collector for (bars, details)."""
        return self._k("requests")

    def seq(self, stream: str) -> str:
        return f"{stream}:seq"

    def reply(self, request_id: str) -> str:
        return self._k(f"reply:{request_id}")

    def bars(self, symbol: str) -> str:
        return self._k(f"bars:{symbol}")


def collector_id() -> str:
    return f"{who()}:{os.getpid()}"


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print or log)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable redis URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{quote(user)}:***@{host}" if user else f":***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", parts.fragment))


def check_url(url: str) -> str:
    """The URL if it is a usable redis URL; else DeskError naming what was expected."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as exc:
        raise DeskError(f"--redis: {exc} in {redact(url)}") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise DeskError(
            f"--redis: expected redis://[user:password@]host[:port][/db] or rediss://..., "
            f"got {redact(url)}"
        )
    return url


def connect(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 5.0,
) -> redis_async.Redis:
    """A client for ``url`` (``rediss://`` for TLS); ``username`` / ``password`` (from the
    config) apply when the URL does not name them. Connects lazily, on first use."""
    check_url(url)
    kwargs: dict[str, Any] = {
        "socket_timeout": None,  # blocking XREADs wait longer than any fixed timeout
        "socket_connect_timeout": timeout,
        "health_check_interval": 15,
        "decode_responses": False,
        "retry_on_timeout": False,
    }
    kwargs.update(_credentials(url, username, password))
    return redis_async.Redis.from_url(url, **kwargs)  # type: ignore[no-any-return]


def _credentials(url: str, username: str | None, password: str | None) -> dict[str, str]:
    """The user and password a client takes: the config's where the URL names none, the
    URL's password unquoted."""
    parts = urlsplit(url)
    out: dict[str, str] = {}
    if parts.username is None and username:
        out["username"] = username
    if parts.password is None and password:
        out["password"] = password
    elif parts.password is not None:
        out["password"] = unquote(parts.password)
    return out


def connect_sync(
    url: str, *, username: str | None = None, password: str | None = None, timeout: float = 2.0
) -> Any:
    """A blocking client for ``url`` with the same credentials as ``connect`` and a short
    timeout: for the one read a screen waits on (the members when it first lists them)."""
    import redis

    check_url(url)
    kwargs: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "decode_responses": False,
    }
    kwargs.update(_credentials(url, username, password))
    return redis.Redis.from_url(url, **kwargs)


def describe_error(exc: BaseException, url: str) -> str:
    """One line for a Redis failure, with the URL redacted (redis-py may quote it)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    parts = urlsplit(url)
    if parts.password:
        text = text.replace(parts.password, "***").replace(unquote(parts.password), "***")
    return f"redis {redact(url)}: {text}"


def schema_mismatch(fields: Any, *, writer_prefix: str | None = None) -> str | None:
    """None when the entry ``fields`` (bytes keys, as read) speaks SCHEMA; else the one line to
    show: the entry's schema, this rotmon's and what to do. ``writer_prefix``: said by a
    collector about the desk of that key prefix (else by a terminal reading it)."""
    raw = fields.get(b"schema")
    if raw == _SCHEMA_BYTES:
        return None
    theirs = raw.decode("utf-8", "replace")[:40] if isinstance(raw, bytes) else "no schema"
    ident = fields.get(b"collector", b"")
    by = f" {ident.decode('utf-8', 'replace')[:80]}" if isinstance(ident, bytes) and ident else ""
    if writer_prefix is None:
        return f"collector{by} speaks {theirs}, this rotmon reads {SCHEMA}: upgrade one of them"
    return (
        f"the desk holds {theirs} entries (collector{by}), this rotmon writes {SCHEMA}: upgrade "
        f"one of them, or once no old collector runs, delete the desk's keys ({writer_prefix}:*)"
    )


_SCHEMA_BYTES = SCHEMA.encode()


def now_ms() -> int:
    return int(time.time() * 1000)


def envelope(collector: str, asof: str) -> dict[str, str]:
    """The fields every entry starts with (``seq`` is added inside Redis)."""
    return {"schema": SCHEMA, "collector": collector, "asof": asof, "published": str(now_ms())}


# Publish one entry to stream KEYS[2] as its next seq, only while ARGV[1] holds the lease KEYS[1].
# ARGV: [1] collector id, [2] the lowest acceptable seq - 1 (the publisher's own last seq: a Redis
# that lost its data never hands out a seq twice), [3] MAXLEN, [4] n = how many keys follow the
# stream in KEYS, [5 .. 4+n] their values (SET with the entry, each with ``<key>:at`` = the seq),
# then the entry's field / value pairs. Returns the seq, or -1 when the lease is not the caller's.
PUBLISH_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seqkey = KEYS[2] .. ':seq'
local cur = tonumber(redis.call('GET', seqkey) or '0')
local floor = tonumber(ARGV[2])
if floor > cur then cur = floor end
cur = cur + 1
redis.call('SET', seqkey, cur)
local n = tonumber(ARGV[4])
for i = 1, n do
  redis.call('SET', KEYS[2 + i], ARGV[4 + i])
  redis.call('SET', KEYS[2 + i] .. ':at', cur)
end
local args = {KEYS[2], 'MAXLEN', '~', ARGV[3], cur .. '-0', 'seq', cur}
for i = 5 + n, #ARGV do table.insert(args, ARGV[i]) end
redis.call('XADD', unpack(args))
return cur
"""

# Publish one market update to KEYS[2] (updates) as its next seq, only while ARGV[1] holds the
# lease KEYS[1], and, when the members changed (ARGV[5] not empty), them to KEYS[3] (members) with
# the same seq, first: a terminal woken by the update finds the members it names. ARGV: [1]
# collector id, [2] floor (as PUBLISH_SCRIPT), [3] MAXLEN ~ of updates, [4] MAXLEN (exact) of
# members, [5] the members or '', [6] the seq of the members' last change ('' = this update's:
# an image carries its members), [7] the schema, then the update's field / value pairs.
# The update gets ``seq`` and ``members_at``. Returns the seq, or -1 without the lease.
PUBLISH_UPDATE_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seqkey = KEYS[2] .. ':seq'
local cur = tonumber(redis.call('GET', seqkey) or '0')
local floor = tonumber(ARGV[2])
if floor > cur then cur = floor end
cur = cur + 1
redis.call('SET', seqkey, cur)
local at = ARGV[6]
if at == '' then at = cur end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[4], cur .. '-0', 'seq', cur, 'schema', ARGV[7],
             'collector', ARGV[1], 'members', ARGV[5])
  at = cur
end
local args = {KEYS[2], 'MAXLEN', '~', ARGV[3], cur .. '-0', 'seq', cur, 'members_at', at}
for i = 8, #ARGV do table.insert(args, ARGV[i]) end
redis.call('XADD', unpack(args))
return cur
"""

# Set KEYS[2] to ARGV[2] and ``KEYS[2]:at`` to ARGV[3] while ARGV[1] holds the lease KEYS[1]
# (a new leader restoring the alert state into a Redis that lost it; the market image and the
# public snapshot JSON, written after their update entry so terminals wake before they cross).
SET_STATE_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[2] .. ':at', ARGV[3])
return 1
"""

RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
