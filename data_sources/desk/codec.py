"""Wire formats of desk mode: frozen dataclasses (the Snapshot, alert transitions) to JSON and
back by their type hints, and market data as per-series changes a terminal applies in order.

The dataclass codec walks the type hints, so a field added to ``Snapshot`` later travels without
a change here. Floats keep NaN (our own readers; the public snapshot JSON is written elsewhere).
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

import msgspec
import numpy as np
import pandas as pd

from analytics.catalog import Pair, SectorPair
from analytics.health import SourceHealth
from analytics.types import Snapshot
from data_sources.model import Constituent, LazyConstituents, MacroSeries, MarketData, Quote

T = TypeVar("T")


class CodecError(ValueError):
    """A payload does not match the type it should decode to."""


# -- dataclasses by their type hints --------------------------------------------------------


def to_plain(value: Any) -> Any:
    """``value`` (dataclasses, mappings, sequences, dates, floats) as JSON-able data.

    A ``SourceHealth`` goes out in its wire form (``SourceHealth.wire``): its request record
    stays with the collector. It comes back by its type hints like any dataclass."""
    if isinstance(value, SourceHealth):
        return to_plain(value.wire())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from ``to_plain`` output (raises CodecError)."""
    try:
        return _from(tp, data)
    except CodecError:
        raise
    except (TypeError, ValueError, KeyError) as exc:
        raise CodecError(f"cannot decode {getattr(tp, '__name__', tp)}: {exc}") from exc


def _from(tp: Any, data: Any) -> Any:
    if tp is Any:
        return data
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        errors: list[str] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _from(arg, data)
            except (CodecError, TypeError, ValueError, KeyError) as exc:
                errors.append(str(exc))
        raise CodecError(f"no member of {tp} fits {data!r:.60}: {'; '.join(errors)}")
    if origin is typing.Literal:
        if data not in args:
            raise CodecError(f"{data!r:.40} is not one of {args}")
        return data
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from(args[0], v) for v in data)
        if not args:
            return tuple(data)
        return tuple(_from(a, v) for a, v in zip(args, data, strict=True))
    if origin in (list, Sequence):
        return [_from(args[0] if args else Any, v) for v in data]
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        kt, vt = args if args else (Any, Any)
        return {_from(kt, k): _from(vt, v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise CodecError(f"{tp.__name__}: expected an object, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {
            f.name: _from(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name in data
        }
        return tp(**kwargs)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise CodecError(f"expected a number, got {data!r:.40}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise CodecError(f"expected an integer, got {data!r:.40}")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise CodecError(f"expected text, got {data!r:.40}")
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise CodecError(f"expected true/false, got {data!r:.40}")
        return data
    return data


def _convert(tp: type[T], data: Any) -> T:
    """``from_plain`` by msgspec (~10x faster: every terminal does it with every update);
    the type-hint walk when msgspec refuses."""
    try:
        return msgspec.convert(data, tp)
    except msgspec.ValidationError:
        return from_plain(tp, data)  # type: ignore[no-any-return]


def dumps(value: Any) -> str:
    """Compact JSON of ``to_plain(value)`` (NaN allowed: our own readers only)."""
    return json.dumps(to_plain(value), separators=(",", ":"))


@cache
def _json_decoder(tp: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp)


def loads(tp: type[T], text: str | bytes) -> T:
    """The value of type ``tp`` that ``dumps`` wrote.

    msgspec's typed decoder first (a terminal decodes the heartbeat with every update: ~20 us
    instead of ~300); the type-hint walk when it refuses (a NaN, which JSON lacks)."""
    try:
        return _json_decoder(tp).decode(text)  # type: ignore[no-any-return,arg-type]
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CodecError(f"not JSON: {exc}") from exc
    return from_plain(tp, data)  # type: ignore[no-any-return]


# -- the snapshot: msgpack, typed (every terminal decodes every update: ~1 ms, not ~30) ------


def _enc_hook(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


_SNAPSHOT_ENCODER = msgspec.msgpack.Encoder(enc_hook=_enc_hook)


@cache
def _decoder(tp: type) -> msgspec.msgpack.Decoder[Any]:
    return msgspec.msgpack.Decoder(tp)


def pack(value: Any) -> bytes:
    """``value`` (a Snapshot or any frozen dataclass) as msgpack; NaN stays NaN.

    A Snapshot's ``sources`` go out as their rows (``SourceHealth.row``, the layout since
    rotmon.desk/1, unchanged in /2 and /3); a map in field order encodes exactly as the
    dataclass does. ``unpack`` reads them back into ``SourceHealth`` by their names."""
    if isinstance(value, Snapshot):
        plain = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        plain["sources"] = [s.row() for s in value.sources]
        return _SNAPSHOT_ENCODER.encode(plain)
    return _SNAPSHOT_ENCODER.encode(value)


def unpack(tp: type[T], raw: bytes) -> T:
    """The value of type ``tp`` that ``pack`` wrote (raises CodecError)."""
    try:
        return _decoder(tp).decode(raw)  # type: ignore[no-any-return,arg-type]
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(f"cannot decode {tp.__name__}: {exc}") from exc


_QUOTES = msgspec.msgpack.Decoder(dict[str, Quote])


def unpack_change(fields: Mapping[bytes, bytes]) -> tuple[dict[str, Any], dict[str, Quote]]:
    """A delta entry's market change (msgpack) and its changed quotes (typed); the JSON
    ``market`` field of an older collector too."""
    try:
        if b"change" not in fields:
            return json.loads(fields[b"market"]), {}
        change = msgspec.msgpack.decode(fields[b"change"])
        raw = fields.get(b"quotes")
        return change, ({} if raw is None else _QUOTES.decode(raw))
    except (ValueError, KeyError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(f"cannot decode a market change: {exc}") from exc


# -- market data as changes -----------------------------------------------------------------


def _series_rows(s: pd.Series) -> tuple[list[int], list[float | None]]:
    days = [int(d.toordinal()) for d in s.index]
    values = [None if not math.isfinite(v) else float(v) for v in s.to_numpy(dtype=float)]
    return days, values


def _series_from(days: list[int], values: list[float | None]) -> pd.Series:
    index = pd.DatetimeIndex([pd.Timestamp(date.fromordinal(d)) for d in days])
    return pd.Series(
        np.array([np.nan if v is None else v for v in values], dtype=float), index=index
    )


def _first_change(old: pd.Series | None, new: pd.Series) -> int:
    """The row of ``new`` from which it differs from ``old`` (len(new) when it does not)."""
    if old is None or old.empty:
        return 0
    n = min(len(old), len(new))
    same_day = old.index[:n] == new.index[:n]
    a, b = old.to_numpy(dtype=float)[:n], new.to_numpy(dtype=float)[:n]
    same_value = (a == b) | (np.isnan(a) & np.isnan(b))
    differ = np.flatnonzero(~(same_day & same_value))
    first = int(differ[0]) if differ.size else n
    if first == n and len(old) > n:  # ``new`` is shorter: rewrite from where it ends
        return max(0, n - 1) if n else 0
    return first


def series_change(old: pd.Series | None, new: pd.Series) -> dict[str, Any] | None:
    """What turns ``old`` into ``new``: keep the rows before day ``cut``, append the rows given;
    None when nothing changed. A live tick is one row, not the whole history."""
    first = _first_change(old, new)
    if old is not None and first >= len(new) and len(old) == len(new):
        return None
    tail = new.iloc[first:]
    days, values = _series_rows(tail)
    cut = days[0] if days else (int(new.index[-1].toordinal()) + 1 if len(new) else 0)
    return {"cut": cut, "d": days, "v": values}


def apply_series_change(old: pd.Series | None, change: Mapping[str, Any]) -> pd.Series:
    """``old`` with ``change`` applied (``series_change``'s inverse)."""
    tail = _series_from(change["d"], change["v"])
    if old is None or old.empty:
        return tail
    cut = pd.Timestamp(date.fromordinal(int(change["cut"])))
    head = old[old.index < cut]
    if tail.empty:
        return head.copy()
    return pd.concat([head, tail])


@dataclasses.dataclass(frozen=True, slots=True)
class MarketFrame:
    """The small, whole parts of a MarketData that are sent in full with every change."""

    source: str
    asof: datetime
    statuses: tuple[SourceHealth, ...]
    problems: tuple[str, ...]
    pairs: tuple[Pair, ...] | None
    sectors: tuple[SectorPair, ...] | None


PE_COLUMNS = ("pe", "forward_pe")


def valuations_change(old: MarketData | None, new: MarketData) -> dict[str, Any]:
    """The P/E frames (SPEC 11) column by column as series changes: a tick is one row."""
    out: dict[str, Any] = {}
    for sym, f in new.valuations.items():
        before = None if old is None else old.valuations.get(sym)
        cols = {
            col: series_change(None if before is None else before[col], f[col])
            for col in PE_COLUMNS
            if col in f
        }
        if any(ch is not None for ch in cols.values()):
            keep = {"cut": int(f.index[-1].toordinal()) + 1 if len(f) else 0, "d": [], "v": []}
            out[sym] = {col: ch if ch is not None else keep for col, ch in cols.items()}
    return out


def market_change(
    old: MarketData | None, new: MarketData, *, members: bool = True
) -> dict[str, Any]:
    """The change from ``old`` (None: nothing, i.e. a full image) to ``new`` as JSON-able data;
    without the members (``members_change`` carries them) unless ``members``."""
    prices: dict[str, Any] = {}
    for sym, s in new.prices.items():
        ch = series_change(None if old is None else old.prices.get(sym), s)
        if ch is not None:
            prices[sym] = ch
    macro: dict[str, Any] = {}
    for sid, m in new.macro.items():
        before = None if old is None else old.macro.get(sid)
        ch = series_change(None if before is None else before.values, m.values)
        if ch is not None or (before is not None and before.frequency != m.frequency):
            macro[sid] = {
                "f": m.frequency,
                **(ch or {"cut": 0, "d": [], "v": [], "keep": True}),
            }
    quotes = {
        sym: to_plain(q) for sym, q in new.quotes.items() if old is None or old.quotes.get(sym) != q
    }
    out: dict[str, Any] = {
        "frame": to_plain(
            MarketFrame(new.source, new.asof, new.statuses, new.problems, new.pairs, new.sectors)
        ),
        "prices": prices,
        "macro": macro,
        "quotes": quotes,
        "valuations": valuations_change(old, new),
        "gone": {
            "valuations": (
                [] if old is None else [s for s in old.valuations if s not in new.valuations]
            ),
            "prices": [] if old is None else [s for s in old.prices if s not in new.prices],
            "macro": [] if old is None else [s for s in old.macro if s not in new.macro],
            "quotes": [] if old is None else [s for s in old.quotes if s not in new.quotes],
        },
    }
    if members and (old is None or old.constituents != new.constituents):
        known = {} if old is None else {c.symbol: c for c in old.constituents}
        order = [c.symbol for c in new.constituents]
        same_members = old is not None and [c.symbol for c in old.constituents] == order
        changed = [to_plain(c) for c in new.constituents if known.get(c.symbol) != c]
        out["constituents"] = {"order": None if same_members else order, "changed": changed}
    return out


def apply_market_change(old: MarketData | None, change: Mapping[str, Any]) -> MarketData:
    """``old`` (None for a full image) with one ``market_change`` applied."""
    frame: MarketFrame = _convert(MarketFrame, change["frame"])
    prices = {} if old is None else dict(old.prices)
    macro = {} if old is None else dict(old.macro)
    quotes = {} if old is None else dict(old.quotes)
    gone = change.get("gone", {})
    for sym in gone.get("prices", ()):
        prices.pop(sym, None)
    for sid in gone.get("macro", ()):
        macro.pop(sid, None)
    for sym in gone.get("quotes", ()):
        quotes.pop(sym, None)
    valuations = {} if old is None else dict(old.valuations)
    for sym in gone.get("valuations", ()):
        valuations.pop(sym, None)
    for sym, cols in change.get("valuations", {}).items():
        before = valuations.get(sym)
        valuations[sym] = pd.DataFrame(
            {
                col: apply_series_change(None if before is None else before[col], ch)
                for col, ch in cols.items()
            }
        )
    for sym, ch in change["prices"].items():
        prices[sym] = apply_series_change(prices.get(sym), ch)
    for sid, ch in change["macro"].items():
        before = macro.get(sid)
        values = before.values if before is not None and ch.get("keep") else None
        if values is None:
            values = apply_series_change(None if before is None else before.values, ch)
        macro[sid] = MacroSeries(sid, values, ch["f"])
    for sym, q in change["quotes"].items():
        quotes[sym] = _convert(Quote, q)
    constituents: Sequence[Constituent] = () if old is None else old.constituents
    cons = change.get("constituents")
    if cons is not None:
        by_symbol = {c.symbol: c for c in constituents}
        for raw in cons["changed"]:
            c = _convert(Constituent, raw)
            by_symbol[c.symbol] = c
        order = cons["order"] if cons["order"] is not None else [c.symbol for c in constituents]
        constituents = tuple(by_symbol[s] for s in order if s in by_symbol)
    return MarketData(
        source=frame.source,  # type: ignore[arg-type]
        asof=frame.asof,
        prices=prices,
        macro=macro,
        quotes=quotes,
        constituents=constituents,
        statuses=frame.statuses,
        problems=frame.problems,
        pairs=frame.pairs,
        sectors=frame.sectors,
        valuations=valuations,
    )


def bars_to_plain(frame: pd.DataFrame | None) -> dict[str, Any] | None:
    """Daily OHLCV bars (a tz-naive DatetimeIndex) as columns of numbers."""
    if frame is None:
        return None
    out: dict[str, Any] = {"d": [int(pd.Timestamp(d).toordinal()) for d in frame.index]}
    for col in frame.columns:
        vals = frame[col].to_numpy(dtype=float)
        out[str(col)] = [None if not math.isfinite(v) else float(v) for v in vals]
    return out


def bars_from_plain(data: Mapping[str, Any] | None) -> pd.DataFrame | None:
    if data is None:
        return None
    index = pd.DatetimeIndex([pd.Timestamp(date.fromordinal(int(d))) for d in data["d"]])
    cols = {
        k: np.array([np.nan if v is None else v for v in vals], dtype=float)
        for k, vals in data.items()
        if k != "d"
    }
    return pd.DataFrame(cols, index=index)


# -- the universe's members: compact, and decoded only when a screen reads them ---------------

MEMBER_NUMBERS = ("weight", "last", "change_pct", "ret_1m", "ret_3m", "ret_6m", "ret_1y", "ret_2y")
"""The numeric columns of a ``Constituent``; a tick changes some of them for every member."""

_MEMBERS_RAW = msgspec.msgpack.Decoder(dict[str, msgspec.Raw])


def _same(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))


def members_change(old: Sequence[Constituent] | None, new: Sequence[Constituent]) -> bytes | None:
    """What turns ``old`` into ``new``, as msgpack; None when nothing changed.

    Columns, not objects: the numeric columns that changed, each in full; every member as a
    row (``full``) when the membership, a name or a sector changed, or ``old`` is None (what
    the members stream holds: ``RowMembers``)."""
    same_members = (
        old is not None
        and len(old) == len(new)
        and all(
            a.symbol == b.symbol and a.name == b.name and a.sector == b.sector
            for a, b in zip(old, new, strict=True)
        )
    )
    if old is None or not same_members:
        rows = [[c.symbol, c.name, c.sector, *(getattr(c, k) for k in MEMBER_NUMBERS)] for c in new]
        return pack({"full": rows})
    changed = {
        k: [getattr(c, k) for c in new]
        for k in MEMBER_NUMBERS
        if any(not _same(getattr(a, k), getattr(b, k)) for a, b in zip(old, new, strict=True))
    }
    return pack(changed) if changed else None


def members_columns(raw: bytes) -> dict[str, msgspec.Raw]:
    """The columns of one ``members_change`` without decoding their values (cheap)."""
    try:
        return _MEMBERS_RAW.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(f"cannot decode the members: {exc}") from exc


class RowMembers(LazyConstituents):
    """The members of one members entry (``members_change(None, ...)``, whole rows): the rows
    decoded as read from Redis, made into ``Constituent`` only for the rows a screen reads."""

    def __init__(self, raw: bytes) -> None:
        self._rows: list[list[Any]] = _full_rows(raw)
        super().__init__(len(self._rows))
        self._positions: dict[str, int] | None = None

    def _make(self, members: Sequence[int] | None) -> list[Constituent]:
        rows = self._rows
        picked = rows if members is None else [rows[i] for i in members]
        return [
            Constituent(
                symbol=r[0], name=r[1], sector=r[2], **dict(zip(MEMBER_NUMBERS, r[3:], strict=True))
            )
            for r in picked
        ]

    def pick(self, members: Sequence[int] | None) -> list[Constituent]:
        """The members at these positions (all: None), made now."""
        return self._make(members)

    def sector_names(self) -> Sequence[str]:
        return [r[2] for r in self._rows]

    def symbols_and_names(self) -> Sequence[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._rows]

    def position(self, symbol: str) -> int | None:
        if self._positions is None:
            self._positions = {r[0]: i for i, r in enumerate(self._rows)}
        return self._positions.get(symbol)


def _full_rows(raw: bytes) -> list[list[Any]]:
    columns = members_columns(raw)
    if "full" not in columns:
        raise CodecError("the members entry holds no rows")
    try:
        rows = msgspec.msgpack.decode(columns["full"], type=list[list[Any]])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(f"cannot decode the members: {exc}") from exc
    if any(len(r) != 3 + len(MEMBER_NUMBERS) for r in rows):
        raise CodecError("members: a row of the wrong length")
    return rows


# -- series: the changes since the last image, merged, applied when a screen reads them -------

V = TypeVar("V")


def merge_series_change(first: Mapping[str, Any], then: Mapping[str, Any]) -> dict[str, Any]:
    """One ``series_change`` that does what ``first`` and then ``then`` do (plain lists: no
    pandas). Ticks of one day rewrite its row, so the merge grows by a row a day at most."""
    if then["cut"] <= first["cut"]:
        return dict(then)
    n = bisect.bisect_left(first["d"], then["cut"])
    return {"cut": first["cut"], "d": first["d"][:n] + then["d"], "v": first["v"][:n] + then["v"]}


def merge_frame_change(
    first: Mapping[str, Mapping[str, Any]], then: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``merge_series_change`` column by column (the P/E frames' changes)."""
    out = dict(first)
    for col, ch in then.items():
        out[col] = merge_series_change(first[col], ch) if col in first else dict(ch)
    return out


def frame_from_change(before: pd.DataFrame | None, cols: Mapping[str, Any]) -> pd.DataFrame:
    """``before`` with one (merged) P/E frame change applied."""
    return pd.DataFrame(
        {
            col: apply_series_change(None if before is None else before[col], ch)
            for col, ch in cols.items()
        }
    )


class LazyChanges(Mapping[str, V]):
    """``base`` with the changes made since it (one merged change per key), each applied when
    its key is first read: the dashboard is painted from the collector's snapshot, so only a
    screen that charts a symbol pays for its series (one pandas concat), not every update for
    every symbol (~36 concats, ~50 ms a terminal at a tick a poll)."""

    def __init__(
        self,
        base: Mapping[str, V],
        pending: Mapping[str, Any],
        build: typing.Callable[[V | None, Any], V],
    ) -> None:
        self._base = base
        self._pending = dict(pending)
        self._build = build
        self._made: dict[str, V] = {}
        self._keys = [*base, *(k for k in self._pending if k not in base)]

    def __getitem__(self, key: str) -> V:
        made = self._made.get(key)
        if made is not None:
            return made
        if key in self._pending:
            value = self._build(self._base.get(key), self._pending[key])
            self._made[key] = value  # two threads at once build it twice: the same value
            return value
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._pending or key in self._base

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<LazyChanges of {len(self)}, {len(self._pending)} changed>"
