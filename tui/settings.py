"""What rotmon lets a user configure, declared once: msgspec Structs whose fields carry their
type, bounds, default, the words of their error and their comment in ``config init``.

``tui.config`` reads the file, the environment and the command line into these; this module
only declares (no I/O, no Textual). The file's own shape (``[release_lags]``, ``[stale_after]``,
``[keys]``, ``[rules.<id>]``) is derived from the risk engine's defaults by ``file_schema``.
"""

import functools
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec
from msgspec import Meta, Struct, field

from analytics.catalog import Pair
from analytics.rules import RELEASE_LAGS, STALE_AFTER_DAYS, RuleSpec
from analytics.user_alerts import UserAlert, parse_alert
from data_sources.intervals import DEFAULT_INTERVALS, PollIntervals
from data_sources.paths import default_db_path, default_export_dir

_MAX = sys.float_info.max  # `le=_MAX` keeps inf out (nan fails every bound by itself)

# Fields of RuleSpec that a config file may set (where the rule's default is not None).
RULE_NUMBERS = ("warning", "critical", "hysteresis", "weight", "change_warning", "change_critical")
RULE_WHOLE = (
    "window",
    "long_window",
    "change_window",
    "min_inverted_days",
    "recovery_days",
    "inversion_window",
)
RULE_KEYS = RULE_NUMBERS + RULE_WHOLE


# -- the declarations ---------------------------------------------------------------------------


def _says(expected: str, **extra: object) -> Meta:
    """The words of a value's error: ``expected <expected>, got ...``."""
    return Meta(extra={"expected": expected, **extra})


def _doc(text: str) -> Meta:
    """The comment ``config init`` writes above the key."""
    return Meta(description=text)


Seconds = Annotated[float, Meta(gt=0, le=_MAX), _says("a number > 0 (seconds)")]
Url = Annotated[str, Meta(pattern=r"^https?://[^\s/]+"), _says("an http:// or https:// URL")]
Text = Annotated[str, Meta(min_length=1), _says("a non-empty string")]
PathText = Annotated[Path, _says("a path (a non-empty string)")]
KeyName = Annotated[str, Meta(min_length=1), _says('a key name such as "q" or "ctrl+q"')]
Day = Annotated[int, Meta(ge=1, le=28), _says("a day of the next month, 1-28")]
Days = Annotated[int, Meta(ge=0, le=366), _says("a whole number of days, 0-366")]
StaleDays = Annotated[int, Meta(ge=1, le=3660), _says("a whole number of days >= 1")]
Whole = Annotated[int, Meta(ge=1), _says("a whole number >= 1")]
NonNegative = Annotated[float, Meta(ge=0, le=_MAX), _says("a number >= 0")]
NonPositive = Annotated[float, Meta(ge=-_MAX, le=0), _says("a number <= 0")]
Number = Annotated[float, Meta(ge=-_MAX, le=_MAX), _says("a number")]
Symbol = Annotated[
    str, Meta(pattern=r"^[A-Za-z0-9^=._-]{1,24}$"), _says('a symbol such as "IWM"', case="upper")
]

_P = DEFAULT_INTERVALS


class _Table(Struct, frozen=True, forbid_unknown_fields=True):
    """A TOML table of scalars; ``repr`` leaves out the fields declared ``secret``."""

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name, tp in children(type(self)).items()
            if not extra_of(tp, "secret")
        )
        return f"{type(self).__name__}({shown})"


class PollSettings(_Table, frozen=True):
    """``[poll]``: how often the live sources are asked, and the retry ceiling (SPEC 8)."""

    quotes_open: Annotated[
        Seconds,
        _doc("Seconds between quote polls of the symbols on screen while the market is open."),
    ] = _P.quotes_open
    quotes_closed: Annotated[
        Seconds, _doc("Seconds between quote polls otherwise (closed, streaming, off screen).")
    ] = _P.quotes_closed
    fred: Annotated[Seconds, _doc("Seconds between FRED polls (6 h).")] = _P.fred
    holdings: Annotated[Seconds, _doc("Seconds between IWM holdings downloads (24 h).")] = (
        _P.holdings
    )
    backoff_max: Annotated[
        Seconds, _doc("Longest wait between retries of a failing source (exponential backoff).")
    ] = _P.backoff_max

    def intervals(self) -> PollIntervals:
        """The value the live sources take (``data_sources`` never imports ``tui``)."""
        return PollIntervals(**msgspec.structs.asdict(self))


class SourceSettings(_Table, frozen=True):
    """``[sources]``: where the live sources fetch from; the FRED key never shows in ``repr``."""

    fred_graph_url: Annotated[Url, _doc("FRED's keyless graph CSV.")] = (
        "https://fred.stlouisfed.org/graph/fredgraph.csv"
    )
    fred_api_url: Annotated[Url, _doc("FRED's JSON API (used when a key is set).")] = (
        "https://api.stlouisfed.org/fred"
    )
    yahoo_url: Annotated[Url, _doc("Yahoo Finance.")] = "https://query1.finance.yahoo.com"
    holdings_url: Annotated[Url, _doc("The IWM holdings CSV (iShares).")] = (
        "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/"
        "1467271812596.ajax?fileType=csv&fileName=IWM_holdings&dataType=fund"
    )
    stream_url: Annotated[
        str,
        Meta(pattern=r"(?i)^(?:wss?://\S+|off|)$"),
        _says("a ws:// or wss:// URL, or off"),
        _doc("Yahoo's pricing websocket; off polls quotes instead."),
    ] = "wss://streamer.finance.yahoo.com/?version=2"
    yahoo_backend: Annotated[
        Literal["curl", "requests"],
        _says("curl or requests"),
        _doc("How yfinance talks HTTP: curl (browser TLS, yfinance's own) or requests."),
    ] = "curl"
    fred_api_key: Annotated[
        str | None,
        _says("a string", secret=True),
        _doc("FRED API key (empty: none); better kept in the FRED_API_KEY environment variable."),
    ] = None


def default_rules() -> tuple[RuleSpec, ...]:
    from analytics.rules import DEFAULT_RULES

    return tuple(DEFAULT_RULES)


def frozen_map(source: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(source))


class RedisSettings(_Table, frozen=True):
    """``[redis]``: the desk's Redis user and password when the ``--redis`` URL has none."""

    username: Annotated[
        str | None, _says("a string"), _doc("Redis ACL user of desk mode (empty: none).")
    ] = None
    password: Annotated[
        str | None,
        _says("a string", secret=True),
        _doc("Its password (empty: none); better kept in ROTMON_REDIS_PASSWORD."),
    ] = None


class ExportSettings(_Table, frozen=True):
    """``[export]``: how exported files are written."""

    bom: Annotated[
        bool,
        _says("true or false"),
        _doc("Start CSV exports with a UTF-8 byte order mark (spreadsheets then read UTF-8)."),
    ] = False


class PairSettings(_Table, frozen=True):
    """``[[pairs]]``: a pair of the user's own, shaped as a pack's ``pack.toml`` pairs; added to
    the spreads pane after the source's pairs."""

    small: Annotated[Symbol, _doc("The small-cap side (a Yahoo symbol).")]
    large: Annotated[Symbol, _doc("The large-cap side.")]
    label: Annotated[str | None, _says("a string"), _doc('Default "SMALL vs LARGE".')] = None

    def pair(self) -> Pair:
        return Pair(self.small, self.large, self.label or f"{self.small} vs {self.large}")


class AlertSettings(_Table, frozen=True):
    """``[[alerts]]``: a threshold alert of the user's own on a pair of the spreads pane,
    logged like the rule alerts (``analytics.user_alerts``)."""

    rule: Annotated[
        str,
        _says("a string like 'IWM/SPY z >= 2'"),
        _doc("PAIR METRIC OP NUMBER: METRIC is z, ratio or a window (1D 1W 1M 3M YTD 1Y)."),
    ]
    severity: Annotated[
        Literal["warning", "critical"], _says("warning or critical"), _doc("Its severity.")
    ] = "warning"
    label: Annotated[str | None, _says("a string"), _doc("Its name in the risk list.")] = None

    def alert(self) -> UserAlert:
        """The parsed alert; ValueError (one line) for an expression that is not one."""
        return parse_alert(self.rule, self.severity, self.label)


class Settings(Struct, frozen=True, kw_only=True):
    """Everything configurable, validated. Build with ``load_settings``; ``Settings()`` is
    the defaults. Equality ignores ``config_file`` (where the values came from)."""

    refresh: Annotated[
        float,
        Meta(gt=0, le=_MAX),
        _says("a number > 0 (updates per second)"),
        _doc("Screen updates per second at most (--refresh)."),
    ] = 4.0
    bell: Annotated[
        bool, _says("true or false"), _doc("Ring the terminal bell on a new critical alert.")
    ] = True
    theme: Annotated[Text, _doc("Colour theme (t cycles themes).")] = "rotmon-dark"
    no_color: Annotated[
        bool,
        _says("true or false"),
        _doc("Keep every meaning without colour (--no-color; NO_COLOR set to anything does too)."),
    ] = False
    animations: Annotated[
        Literal["none", "basic", "full"],
        _says("none, basic or full"),
        _doc("Textual's animations: none is kind to SSH links (TEXTUAL_ANIMATIONS sets it too)."),
    ] = "none"
    export_dir: Annotated[
        PathText,
        _doc(
            "Where `e` and screenshots write (default: your downloads directory, else"
            " <data dir>/exports)."
        ),
    ] = field(default_factory=default_export_dir)
    db: Annotated[
        PathText, _doc("The SQLite store: cache and alert log (--db); the default is per platform.")
    ] = field(default_factory=default_db_path)
    export: ExportSettings = field(default_factory=ExportSettings)
    poll: PollSettings = field(default_factory=PollSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    # The rest is built from tables of their own shape (see file_schema), not set key by key.
    release_lags: Mapping[str, int] = field(default_factory=lambda: frozen_map(RELEASE_LAGS))
    """Merged over ``analytics.rules.RELEASE_LAGS``; pass to ``evaluate_risk(release_lags=)``."""
    stale_after: Mapping[str, int] = field(default_factory=lambda: frozen_map(STALE_AFTER_DAYS))
    """Merged over ``analytics.rules.STALE_AFTER_DAYS``; ``evaluate_risk(stale_after=)``."""
    keymap: Mapping[str, str] = field(default_factory=lambda: frozen_map({}))
    """Action id -> key(s), over the app's default bindings (``[keys]``; the app checks ids)."""
    rules: tuple[RuleSpec, ...] = field(default_factory=default_rules)
    pairs: tuple[Pair, ...] = ()
    """``[[pairs]]``: shown after the source's own pairs (``with_pairs``)."""
    alerts: tuple[UserAlert, ...] = ()
    """``[[alerts]]``: the user's threshold alerts, evaluated on each snapshot."""
    config_file: Path | None = None
    """The file these settings were read from, None when none was."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return all(
            getattr(self, name) == getattr(other, name)
            for name in self.__struct_fields__
            if name != "config_file"
        )

    __hash__ = None  # type: ignore[assignment]

    def with_pairs(self, shown: tuple[Pair, ...]) -> tuple[Pair, ...]:
        """``shown`` (the catalog's or a pack's pairs) and then the user's, each id once."""
        ids = {p.id for p in shown}
        return shown + tuple(p for p in self.pairs if p.id not in ids)

    def rule(self, rule_id: str) -> RuleSpec:
        for spec in self.rules:
            if spec.id == rule_id:
                return spec
        raise KeyError(rule_id)


DERIVED = (
    "release_lags",
    "stale_after",
    "keymap",
    "rules",
    "pairs",
    "alerts",
    "config_file",
)
"""Settings fields that the file does not set key by key."""


# -- the file's schema, derived from the declarations -------------------------------------------


def _table(name: str, fields: list[tuple[str, Any, Any]]) -> type[Struct]:
    """A TOML table's Struct: unknown keys are errors."""
    return msgspec.defstruct(name, fields, frozen=True, forbid_unknown_fields=True)


def _rule_struct(spec: RuleSpec) -> type[Struct]:
    """``[rules.<id>]``: the fields the rule has, typed by the sign of their defaults."""
    fields: list[tuple[str, Any, Any]] = []
    for name in RULE_KEYS:
        default = getattr(spec, name)
        if default is None:
            continue
        if name in RULE_WHOLE:
            tp: Any = Whole
        elif name in ("hysteresis", "weight", "change_warning", "change_critical") or default > 0:
            tp = NonNegative
        elif default < 0:
            tp = NonPositive
        else:
            tp = Number
        fields.append((name, tp, default))
    return _table(f"Rule_{spec.id}", fields)


_LAG_DOCS = {
    "monthly": "Monthly series are usable from this day of the next month.",
    "weekly": "Weekly series (claims): days after the week's date.",
    "daily": "Daily FRED series: days after the observation.",
}


@functools.cache
def file_schema() -> type[Struct]:
    """The whole file as one Struct: Settings' own fields, then ``[release_lags]``,
    ``[stale_after]``, ``[keys]`` and ``[rules.<id>]`` built from the risk engine's defaults.
    A field whose default is None is accepted but not listed by ``config init``."""
    from analytics.catalog import FRED_SERIES, MONTHLY_SERIES

    lags: list[tuple[str, Any, Any]] = []
    for key, value in RELEASE_LAGS.items():
        monthly = key == "monthly" or key in MONTHLY_SERIES
        lags.append((key, Annotated[Day if monthly else Days, _doc(_LAG_DOCS.get(key, ""))], value))
    lags += [
        (sid, Day if sid in MONTHLY_SERIES else Days, None)
        for sid in FRED_SERIES
        if sid not in RELEASE_LAGS
    ]
    stale = [
        (key, Annotated[StaleDays, _doc(f"A {key} value older than this many days is unknown.")], v)
        for key, v in STALE_AFTER_DAYS.items()
    ]
    rules = [(s.id, _rule_struct(s), None) for s in default_rules()]
    own = [
        (
            f.name,
            f.type,
            f.default
            if f.default is not msgspec.NODEFAULT
            else field(default_factory=f.default_factory),
        )
        for f in msgspec.structs.fields(Settings)
        if f.name not in DERIVED
    ]
    tables: list[tuple[str, Any, Any]] = [
        ("release_lags", _table("ReleaseLags", lags), None),
        ("stale_after", _table("StaleAfter", stale), None),
        ("keys", dict[str, KeyName], None),
        ("pairs", list[PairSettings], None),
        ("alerts", list[AlertSettings], None),
        ("rules", _table("Rules", rules), None),
    ]
    return _table("ConfigFile", own + tables)


# -- reading the declarations ------------------------------------------------------------------


def is_table(tp: Any) -> bool:
    """A declared TOML table (a Struct), as opposed to a value."""
    return isinstance(tp, type) and issubclass(tp, Struct)


def _metas(tp: Any) -> Iterator[Meta]:
    while get_origin(tp) is Annotated:
        tp, *metas = get_args(tp)
        yield from (m for m in metas if isinstance(m, Meta))


def bare(tp: Any) -> Any:
    """``tp`` without its ``Annotated`` layers."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def extra_of(tp: Any, key: str) -> Any:
    """``key`` of the ``Meta(extra=...)`` declared on ``tp`` (``expected``, ``secret``)."""
    for meta in _metas(tp):
        if meta.extra and key in meta.extra:
            return meta.extra[key]
    return None


def description_of(tp: Any) -> str:
    """The comment ``config init`` writes above the key."""
    return next((m.description for m in _metas(tp) if m.description), "")


@dataclass(frozen=True, slots=True)
class Key:
    """One scalar key of the file: its dotted path, declared type and default. A default made
    by a factory (the export directory follows the environment) is made when asked for, not
    once per process."""

    path: str
    type: Any
    fixed: Any
    factory: Callable[[], Any] | None = None

    @property
    def default(self) -> Any:
        return self.factory() if self.factory is not None else self.fixed

    @property
    def listed(self) -> bool:
        """Written by ``config init``: all but the optional per-series release lags (a default
        of None where None is no value of the type)."""
        return self.default is not None or type(None) in get_args(bare(self.type))


@functools.cache
def children(tp: type[Struct]) -> Mapping[str, Any]:
    """A table's keys and their declared types, in declaration order."""
    return MappingProxyType({f.name: f.type for f in msgspec.structs.fields(tp)})


@functools.cache
def scalar_keys() -> Mapping[str, Key]:
    """Every scalar key path of the file (tables, ``[keys]`` and ``[[pairs]]`` excluded), in
    file order."""
    out: dict[str, Key] = {}

    def walk(tp: type[Struct], prefix: str) -> None:
        for f in msgspec.structs.fields(tp):
            path = f"{prefix}.{f.name}" if prefix else f.name
            if is_table(f.type):
                walk(f.type, path)
            elif get_origin(f.type) not in (dict, list):
                if f.default is msgspec.NODEFAULT:
                    out[path] = Key(path, f.type, None, f.default_factory)
                else:
                    out[path] = Key(path, f.type, f.default)

    walk(file_schema(), "")
    return MappingProxyType(out)
