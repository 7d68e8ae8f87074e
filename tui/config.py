"""Typed settings from the TOML config file, the environment and the command line (no Textual).

Precedence: command line > environment > file > defaults. The file lives in the platformdirs
config dir (``config_path()``); every key is validated into frozen dataclasses, and a bad value
is one line naming the file's line and the key: ``config.toml:12: poll.fred: expected a number
> 0 (seconds), got "six"``. Unknown keys are errors with a did-you-mean.

Environment: ``ROTMON_`` + the key path in capitals with ``_`` for ``.`` (``ROTMON_REFRESH``,
``ROTMON_POLL_FRED``, ``ROTMON_RULES_VIX_WARNING``), ``FRED_API_KEY`` for the FRED key and
``ROTMON_CONFIG`` for the file. Other ``ROTMON_*`` variables are ignored (they may belong to
tests or wrappers). Command-line overrides use the same dotted key paths (``{"refresh": 2.0}``).

The rule defaults come from ``analytics.rules.DEFAULT_RULES``; which keys a rule accepts is read
from its own defaults (a field that is None for that rule, such as ``window`` of ``vix``, does
not apply to it and is an unknown key), so the config cannot drift from the risk engine.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from data_sources.paths import default_db_path

if TYPE_CHECKING:
    from analytics.rules import RuleSpec

ENV_PREFIX = "ROTMON_"

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
FREQUENCIES = ("monthly", "weekly", "daily")
STALE_KINDS = ("daily", "weekly", "monthly")


class ConfigError(Exception):
    """Bad configuration: ``str()`` is the first problem in one line; ``problems`` all of them."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]


# -- the settings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollSettings:
    """Polling intervals and the retry ceiling, in seconds (SPEC 8)."""

    quotes_open: float = 15.0
    quotes_closed: float = 300.0
    fred: float = 6 * 3600.0
    holdings: float = 24 * 3600.0
    backoff_max: float = 600.0


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Where the live sources fetch from; the FRED key never shows in ``repr``."""

    fred_graph_url: str = "https://fred.stlouisfed.org/graph/fredgraph.csv"
    fred_api_url: str = "https://api.stlouisfed.org/fred"
    yahoo_url: str = "https://query1.finance.yahoo.com"
    holdings_url: str = (
        "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/"
        "1467271812596.ajax?fileType=csv&fileName=IWM_holdings&dataType=fund"
    )
    fred_api_key: str | None = field(default=None, repr=False)


def config_path() -> Path:
    """``<user config dir>/config.toml`` (platformdirs)."""
    import platformdirs

    return platformdirs.user_config_path("rotmon") / "config.toml"


def _default_rules() -> tuple[RuleSpec, ...]:
    from analytics.rules import DEFAULT_RULES

    return tuple(DEFAULT_RULES)


def _default_release_lags() -> Mapping[str, int]:
    from analytics.rules import RELEASE_LAGS

    return MappingProxyType(dict(RELEASE_LAGS))


def _default_stale_after() -> Mapping[str, int]:
    from analytics.rules import STALE_AFTER_DAYS

    return MappingProxyType(dict(STALE_AFTER_DAYS))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, validated. Build with ``load_settings``; ``Settings()`` is
    the defaults."""

    rules: tuple[RuleSpec, ...] = field(default_factory=_default_rules)
    release_lags: Mapping[str, int] = field(default_factory=_default_release_lags)
    """Merged over ``analytics.rules.RELEASE_LAGS``; pass to ``evaluate_risk(release_lags=)``."""
    stale_after: Mapping[str, int] = field(default_factory=_default_stale_after)
    """Merged over ``analytics.rules.STALE_AFTER_DAYS``; ``evaluate_risk(stale_after=)``."""
    refresh: float = 4.0
    bell: bool = True
    theme: str = "rotmon-dark"
    export_dir: Path = Path(".")
    db: Path = field(default_factory=default_db_path)
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Action id -> key(s), over the app's default bindings (the app checks the ids)."""
    poll: PollSettings = field(default_factory=PollSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    config_file: Path | None = field(default=None, compare=False)
    """The file these settings were read from, None when none was."""

    def rule(self, rule_id: str) -> RuleSpec:
        for spec in self.rules:
            if spec.id == rule_id:
                return spec
        raise KeyError(rule_id)


# -- the schema: one entry per scalar key path ---------------------------------------------------


class _Bad(Exception):
    """A value failed its check; the message is what was expected."""


@dataclass(frozen=True, slots=True)
class _Key:
    path: str
    default: object
    check: Callable[[object], object]  # typed value -> converted value, or raise _Bad
    parse: Callable[[str], object]  # environment / command-line text -> typed value
    doc: str = ""
    listed: bool = True  # False: an optional key the default file only mentions


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _number(expected: str, ok: Callable[[float], bool]) -> Callable[[object], object]:
    def check(x: object) -> object:
        if not _is_number(x) or not math.isfinite(float(x)) or not ok(float(x)):  # type: ignore[arg-type]
            raise _Bad(expected)
        return float(x)  # type: ignore[arg-type]

    return check


def _whole(lo: int, hi: int | None, expected: str) -> Callable[[object], object]:
    def check(x: object) -> object:
        if isinstance(x, bool) or not isinstance(x, int) or x < lo or (hi is not None and x > hi):
            raise _Bad(expected)
        return x

    return check


def _boolean(x: object) -> object:
    if not isinstance(x, bool):
        raise _Bad("true or false")
    return x


def _text(x: object) -> object:
    if not isinstance(x, str) or not x.strip():
        raise _Bad("a non-empty string")
    return x.strip()


def _path(x: object) -> object:
    if not isinstance(x, str) or not x.strip():
        raise _Bad("a path (a non-empty string)")
    return Path(x.strip()).expanduser()


def _url(x: object) -> object:
    if not isinstance(x, str) or not re.match(r"^https?://[^\s/]+", x.strip()):
        raise _Bad("an http:// or https:// URL")
    return x.strip()


def _secret(x: object) -> object:
    if not isinstance(x, str):
        raise _Bad("a string")
    return x.strip() or None


def _parse_float(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text  # the check then reports it


def _parse_int(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return text


def _parse_bool(text: str) -> object:
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    return text


def _parse_text(text: str) -> object:
    return text


_POSITIVE_S = _number("a number > 0 (seconds)", lambda v: v > 0)


def _base_keys() -> list[_Key]:
    """The keys outside ``[rules]`` and ``[keys]``, in the order the default file lists them."""
    from analytics.catalog import FRED_SERIES, MONTHLY_SERIES

    poll, sources = PollSettings(), SourceSettings()
    keys = [
        _Key("refresh", 4.0, _number("a number > 0 (updates per second)", lambda v: v > 0),
             _parse_float, "Screen updates per second at most (--refresh)."),
        _Key("bell", True, _boolean, _parse_bool,
             "Ring the terminal bell on a new critical alert."),
        _Key("theme", "rotmon-dark", _text, _parse_text, "Colour theme (t cycles themes)."),
        _Key("export_dir", ".", _path, _parse_text,
             "Where `e` writes snapshot exports (relative to the working directory)."),
        _Key("db", str(default_db_path()), _path, _parse_text,
             "The SQLite store: cache and alert log (--db); the default is per platform."),
        _Key("poll.quotes_open", poll.quotes_open, _POSITIVE_S, _parse_float,
             "Seconds between quote polls while the market is open."),
        _Key("poll.quotes_closed", poll.quotes_closed, _POSITIVE_S, _parse_float,
             "Seconds between quote polls while it is closed."),
        _Key("poll.fred", poll.fred, _POSITIVE_S, _parse_float,
             "Seconds between FRED polls (6 h)."),
        _Key("poll.holdings", poll.holdings, _POSITIVE_S, _parse_float,
             "Seconds between IWM holdings downloads (24 h)."),
        _Key("poll.backoff_max", poll.backoff_max, _POSITIVE_S, _parse_float,
             "Longest wait between retries of a failing source (exponential backoff)."),
        _Key("sources.fred_graph_url", sources.fred_graph_url, _url, _parse_text,
             "FRED's keyless graph CSV."),
        _Key("sources.fred_api_url", sources.fred_api_url, _url, _parse_text,
             "FRED's JSON API (used when a key is set)."),
        _Key("sources.yahoo_url", sources.yahoo_url, _url, _parse_text, "Yahoo Finance."),
        _Key("sources.holdings_url", sources.holdings_url, _url, _parse_text,
             "The IWM holdings CSV (iShares)."),
        _Key("sources.fred_api_key", None, _secret, _parse_text,
             "FRED API key (empty: none); better kept in the FRED_API_KEY environment variable."),
    ]  # fmt: skip
    lag_doc = {
        "monthly": "Monthly series are usable from this day of the next month.",
        "weekly": "Weekly series (claims): days after the week's date.",
        "daily": "Daily FRED series: days after the observation.",
    }
    for key, value in _default_release_lags().items():
        monthly = key == "monthly" or key in MONTHLY_SERIES
        check = (
            _whole(1, 28, "a day of the next month, 1-28")
            if monthly
            else _whole(0, 366, "a whole number of days, 0-366")
        )
        keys.append(_Key(f"release_lags.{key}", value, check, _parse_int, lag_doc.get(key, "")))
    # Per-series lags are optional keys: listed as a note, accepted when set.
    for series_id in FRED_SERIES:
        if f"release_lags.{series_id}" in {k.path for k in keys}:
            continue
        check = (
            _whole(1, 28, "a day of the next month, 1-28")
            if series_id in MONTHLY_SERIES
            else _whole(0, 366, "a whole number of days, 0-366")
        )
        keys.append(_Key(f"release_lags.{series_id}", None, check, _parse_int, listed=False))
    for key, value in _default_stale_after().items():
        keys.append(
            _Key(f"stale_after.{key}", value, _whole(1, 3660, "a whole number of days >= 1"),
                 _parse_int, f"A {key} value older than this many days counts as unknown.")
        )  # fmt: skip
    return keys


def _rule_keys(spec: RuleSpec) -> list[_Key]:
    keys = []
    for name in RULE_KEYS:
        default = getattr(spec, name)
        if default is None:
            continue
        if name in RULE_WHOLE:
            check = _whole(1, None, "a whole number >= 1")
            parse = _parse_int
        elif name in ("hysteresis", "weight", "change_warning", "change_critical") or default > 0:
            check = _number("a number >= 0", lambda v: v >= 0)
            parse = _parse_float
        elif default < 0:
            check = _number("a number <= 0", lambda v: v <= 0)
            parse = _parse_float
        else:
            check = _number("a number", lambda v: True)
            parse = _parse_float
        keys.append(_Key(f"rules.{spec.id}.{name}", default, check, parse))
    return keys


@dataclass(frozen=True, slots=True)
class _Schema:
    keys: Mapping[str, _Key]
    rules: tuple[RuleSpec, ...]

    @property
    def tables(self) -> set[str]:
        out = {"rules", "keys"}
        for path in self.keys:
            parts = path.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts)))
        return out

    def children(self, prefix: str) -> list[str]:
        """The names directly under ``prefix`` ("" for the top level)."""
        depth = 0 if not prefix else prefix.count(".") + 1
        names = [p.split(".")[depth] for p in [*self.keys, *self.tables]
                 if (p.startswith(prefix + ".") if prefix else True)]  # fmt: skip
        return list(dict.fromkeys(n for n in names))


def _schema() -> _Schema:
    keys = _base_keys()
    rules = _default_rules()
    for spec in rules:
        keys.extend(_rule_keys(spec))
    return _Schema(MappingProxyType({k.path: k for k in keys}), rules)


def env_name(path: str) -> str:
    """The environment variable of a key path: ``poll.fred`` -> ``ROTMON_POLL_FRED``."""
    return ENV_PREFIX + path.replace(".", "_").upper()


# -- finding a key's line in the TOML text ------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> tuple[list[str], str] | None:
    """Parse a dotted TOML key at the start of ``text``; returns (parts, rest) or None."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest[:1] == '"':
            m = re.match(r'"((?:[^"\\]|\\.)*)"', rest)
            if not m:
                return None
            try:
                parts.append(json.loads(m.group(0)))
            except ValueError:
                parts.append(m.group(1))
        elif rest[:1] == "'":
            m = re.match(r"'([^']*)'", rest)
            if not m:
                return None
            parts.append(m.group(1))
        else:
            m = _BARE.match(rest)
            if not m:
                return None
            parts.append(m.group(0))
        rest = rest[m.end() :].lstrip()
        if rest[:1] != ".":
            return parts, rest
        rest = rest[1:].lstrip()


def _key_lines(text: str) -> dict[str, int]:
    """Dotted key path (tables and keys) -> the 1-based line that defines it (first one)."""
    lines: dict[str, int] = {}
    table: list[str] = []
    in_string: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            header = line.lstrip("[")
            parsed = _split_key(header)
            if parsed and parsed[1].startswith("]"):
                table = parsed[0]
                lines.setdefault(".".join(table), number)
            continue
        parsed = _split_key(line)
        if parsed and parsed[1].startswith("="):
            lines.setdefault(".".join([*table, *parsed[0]]), number)
            for quote in ('"""', "'''"):
                if parsed[1].count(quote) % 2 == 1:
                    in_string = quote
    return lines


def _line_of(lines: Mapping[str, int], path: str) -> int:
    """The line of ``path``, else of its nearest enclosing key or table, else 1."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:n]))
        if found is not None:
            return found
    return 1


# -- reading the layers -------------------------------------------------------------------------


def _shown(x: object) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return json.dumps(x)
    if isinstance(x, dict):
        return "a table"
    if isinstance(x, list):
        return "an array"
    return str(x)


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


@dataclass(slots=True)
class _Layer:
    """Validated values of one source, and how to name a key of it in a message."""

    values: dict[str, object]
    label: Callable[[str], str]
    rank: int  # higher wins


def _read_file(path: Path, schema: _Schema, problems: list[str]) -> tuple[_Layer, dict[str, str]]:
    """Values from the TOML file (``problems`` gets every error) and its keymap."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{name}:{line}: expected UTF-8 text") from exc
    lines = _key_lines(text)
    layer = _Layer({}, lambda p: f"{name}:{_line_of(lines, p)}: {p}", rank=1)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if m:
            line, detail = int(m.group(1)), f"{message[: m.start()]} (column {m.group(2)})"
        else:
            line = max(1, len(text.splitlines()))
            detail = re.sub(r"\s*\(at end of document\)$", " (at end of file)", message)
        problems.append(f"{name}:{line}: invalid TOML: {detail}")
        return layer, {}

    keymap: dict[str, str] = {}

    def where(path_: str) -> str:
        return f"{name}:{_line_of(lines, path_)}: {path_}"

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            path_ = f"{prefix}.{key}" if prefix else key
            if prefix == "keys":
                if isinstance(value, str) and value.strip():
                    keymap[key] = value.strip()
                else:
                    problems.append(
                        f'{where(path_)}: expected a key name such as "q" or "ctrl+q",'
                        f" got {_shown(value)}"
                    )
            elif path_ in schema.keys:
                try:
                    layer.values[path_] = schema.keys[path_].check(value)
                except _Bad as bad:
                    problems.append(f"{where(path_)}: expected {bad}, got {_shown(value)}")
            elif path_ in schema.tables:
                if isinstance(value, dict):
                    walk(value, path_)
                else:
                    problems.append(f"{where(path_)}: expected a table, got {_shown(value)}")
            elif prefix == "rules":
                ids = [r.id for r in schema.rules]
                problems.append(
                    f"{where(path_)}: unknown rule{_did_you_mean(key, ids)};"
                    f" expected one of {', '.join(ids)}"
                )
            elif prefix.startswith("rules."):
                rule_id = prefix.split(".", 1)[1]
                allowed = schema.children(prefix)
                problems.append(
                    f"{where(path_)}: unknown setting of rule {rule_id}"
                    f"{_did_you_mean(key, allowed)}; expected one of {', '.join(allowed)}"
                )
            else:
                siblings = schema.children(prefix)
                problems.append(f"{where(path_)}: unknown setting{_did_you_mean(key, siblings)}")

    walk(doc, "")
    return layer, keymap


def _read_env(env: Mapping[str, str], schema: _Schema, problems: list[str]) -> _Layer:
    names = {env_name(p): p for p in schema.keys}
    layer = _Layer({}, env_name, rank=2)
    given = [(n, names[n]) for n in env if n in names]
    if "FRED_API_KEY" in env and env_name("sources.fred_api_key") not in env:
        given.append(("FRED_API_KEY", "sources.fred_api_key"))
    for var, path in given:
        key = schema.keys[path]
        text = env[var]
        try:
            layer.values[path] = key.check(key.parse(text))
        except _Bad as bad:
            shown = "(hidden)" if path == "sources.fred_api_key" else json.dumps(text)
            problems.append(f"{var}: expected {bad}, got {shown}")
    return layer


def _flag(path: str) -> str:
    return "--" + path.replace("_", "-")


def _read_overrides(
    overrides: Mapping[str, object], schema: _Schema, problems: list[str]
) -> _Layer:
    layer = _Layer({}, _flag, rank=3)
    for path, value in overrides.items():
        if value is None:
            continue  # an option that was not given
        key = schema.keys.get(path)
        if key is None:
            problems.append(
                f"{_flag(path)}: unknown setting{_did_you_mean(path, list(schema.keys))}"
            )
            continue
        typed = key.parse(value) if isinstance(value, str) else value
        if isinstance(value, Path):
            typed = str(value)
        try:
            layer.values[path] = key.check(typed)
        except _Bad as bad:
            problems.append(f"{_flag(path)}: expected {bad}, got {_shown(value)}")
    return layer


# -- building the settings ----------------------------------------------------------------------


def _rules_from(schema: _Schema, layers: list[_Layer], problems: list[str]) -> tuple[RuleSpec, ...]:
    def origin(path: str) -> _Layer | None:
        hits = [layer for layer in layers if path in layer.values]
        return max(hits, key=lambda layer: layer.rank) if hits else None

    def value(path: str) -> object:
        layer = origin(path)
        return layer.values[path] if layer else schema.keys[path].default

    out = []
    for spec in schema.rules:
        changes: dict[str, Any] = {}
        for name in RULE_KEYS:
            path = f"rules.{spec.id}.{name}"
            if path in schema.keys and origin(path) is not None:
                changes[name] = value(path)
        if not changes:
            out.append(spec)
            continue
        bad = False
        above = spec.direction == "above"
        for low, high in (("warning", "critical"), ("change_warning", "change_critical")):
            lo_path, hi_path = f"rules.{spec.id}.{low}", f"rules.{spec.id}.{high}"
            if lo_path not in schema.keys or hi_path not in schema.keys:
                continue
            w, c = value(lo_path), value(hi_path)
            ordered = (c >= w) if (above or low != "warning") else (c <= w)  # type: ignore[operator]
            if ordered:
                continue
            lo_layer, hi_layer = origin(lo_path), origin(hi_path)
            lo_rank = lo_layer.rank if lo_layer else 0
            hi_rank = hi_layer.rank if hi_layer else 0
            word_hi = "at or above" if (above or low != "warning") else "at or below"
            word_lo = "at or below" if (above or low != "warning") else "at or above"
            if hi_rank >= lo_rank and hi_layer is not None:
                problems.append(
                    f"{hi_layer.label(hi_path)}: expected a value {word_hi} {low} ({w:g}),"
                    f" got {c:g}"  # type: ignore[str-format]
                )
            elif lo_layer is not None:
                problems.append(
                    f"{lo_layer.label(lo_path)}: expected a value {word_lo} {high} ({c:g}),"
                    f" got {w:g}"  # type: ignore[str-format]
                )
            bad = True
        if bad:
            out.append(spec)
            continue
        try:
            out.append(replace(spec, **changes))
        except (ValueError, TypeError) as exc:
            first = next(iter(changes))
            layer = origin(f"rules.{spec.id}.{first}")
            label = layer.label(f"rules.{spec.id}") if layer else f"rules.{spec.id}"
            problems.append(f"{label}: {exc}")
            out.append(spec)
    return tuple(out)


def _build(
    schema: _Schema, layers: list[_Layer], keymap: Mapping[str, str], problems: list[str],
    config_file: Path | None,
) -> Settings:  # fmt: skip
    merged: dict[str, object] = {}
    for layer in sorted(layers, key=lambda layer: layer.rank):
        merged.update(layer.values)

    def get(path: str) -> Any:
        return merged.get(path, schema.keys[path].default)

    lags = dict(_default_release_lags())
    stale = dict(_default_stale_after())
    for path, value in merged.items():
        if path.startswith("release_lags."):
            lags[path.split(".", 1)[1]] = value  # type: ignore[assignment]
        elif path.startswith("stale_after."):
            stale[path.split(".", 1)[1]] = value  # type: ignore[assignment]
    db = merged.get("db")
    return Settings(
        rules=_rules_from(schema, layers, problems),
        release_lags=MappingProxyType(lags),
        stale_after=MappingProxyType(stale),
        refresh=get("refresh"),
        bell=get("bell"),
        theme=get("theme"),
        export_dir=Path(get("export_dir")),
        db=db if isinstance(db, Path) else default_db_path(),
        keymap=MappingProxyType(dict(keymap)),
        poll=PollSettings(**{f.name: get(f"poll.{f.name}") for f in fields(PollSettings)}),
        sources=SourceSettings(
            **{f.name: get(f"sources.{f.name}") for f in fields(SourceSettings)}
        ),
        config_file=config_file,
    )


def _resolve_path(path: Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file to read and whether it was asked for explicitly (then it must exist)."""
    if path is not None:
        return Path(path).expanduser(), True
    if env.get(ENV_PREFIX + "CONFIG"):
        return Path(env[ENV_PREFIX + "CONFIG"]).expanduser(), True
    return config_path(), False


def _load(
    path: Path | None, env: Mapping[str, str], overrides: Mapping[str, object]
) -> tuple[Settings, list[str]]:
    schema = _schema()
    problems: list[str] = []
    file, explicit = _resolve_path(path, env)
    layers: list[_Layer] = []
    keymap: dict[str, str] = {}
    config_file: Path | None = None
    if file.is_file():
        layer, keymap = _read_file(file, schema, problems)
        layers.append(layer)
        config_file = file
    elif explicit:
        problems.append(f"{file}: no such config file (create one with `rotmon config init`)")
    layers.append(_read_env(env, schema, problems))
    layers.append(_read_overrides(overrides, schema, problems))
    settings = _build(schema, layers, keymap, problems, config_file)
    return settings, problems


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Settings from defaults < file < environment < overrides; raises ``ConfigError``.

    ``path`` None reads ``ROTMON_CONFIG`` or else ``config_path()`` when that file exists.
    ``env`` defaults to ``os.environ``; ``overrides`` maps dotted key paths to values (None
    values are skipped, so argparse results can be passed as they are).
    """
    settings, problems = _load(path, os.environ if env is None else env, overrides or {})
    if problems:
        raise ConfigError(problems[0], problems)
    return settings


def check_config(path: Path | None = None) -> list[str]:
    """Every problem of the config file, one line each (empty: the file is fine or absent)."""
    file = Path(path).expanduser() if path is not None else config_path()
    if path is None and not file.exists():
        return []
    try:
        settings, problems = _load(file, {}, {})
    except ConfigError as exc:
        return exc.problems
    if settings.keymap and file.is_file():
        # The action ids live on the screens' bindings: importing them costs a second, so only
        # `config check` and the app's start pay it, never a plain settings load.
        from tui.keymap import keymap_problems

        lines = _key_lines(file.read_text(encoding="utf-8", errors="replace"))
        for action, key in settings.keymap.items():
            for problem in keymap_problems({action: key}):
                problems.append(f"{file.name}:{_line_of(lines, f'keys.{action}')}: {problem}")
    return problems


# -- the default file ---------------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def _comment(text: str, width: int = 96) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, width - 2)] if text else []


def default_config_text(keymap: Mapping[str, str] | None = None) -> str:
    """A commented TOML file listing every setting with its default, generated from the
    defaults. Uncomment a ``# key = value`` line to change it.

    ``keymap`` (action id -> default key) lists the app's bindings under ``[keys]``.
    """
    schema = _schema()
    out = [
        "# rotmon configuration (TOML). Every setting is listed with its default, commented out:",
        "# uncomment a line and change the value to override it. `rotmon config check` validates.",
        "# Precedence: command line > environment > this file > defaults. Environment variables:",
        "# ROTMON_ + the key path in capitals with _ for . (ROTMON_REFRESH, ROTMON_POLL_FRED,",
        "# ROTMON_RULES_VIX_WARNING), FRED_API_KEY for the FRED key, ROTMON_CONFIG for this file.",
        "",
    ]
    table = ""
    for key in schema.keys.values():
        prefix, _, name = key.path.rpartition(".")
        if not key.listed:
            continue  # optional per-series keys: described in the table's note
        if prefix.startswith("rules."):
            continue
        if prefix != table:
            table = prefix
            out += ["", f"[{table}]"]
            if table == "release_lags":
                out += _comment(
                    "When an observation becomes usable (no look-ahead). A FRED id may be "
                    "given too, e.g. ICSA = 6 (day of month for monthly series, else days)."
                )
        out += _comment(key.doc)
        out.append(f"# {name} = {_toml_value(key.default)}")
    out += [
        "",
        "[keys]",
        "# Remap keys: an action id (quoted: ids have dots) and its key(s), comma-separated;",
        "# `?` in the app lists what each key does, the README lists the ids.",
        '# For example:  "app.quit" = "q,ctrl+q"    "window.next" = "w"',
    ]
    for action, keys in (keymap or {}).items():
        out.append(f"# {action} = {_toml_value(keys)}")
    out += [
        "",
        "# Risk rules (SPEC 7): thresholds in the rule's unit, hysteresis in the same unit,",
        "# weight in its group's score; window lengths in rows of the rule's series.",
    ]
    for spec in schema.rules:
        out += ["", f"[rules.{spec.id}]"]
        out += _comment(f"{spec.label} ({spec.group}): {spec.explain()}")
        for name in RULE_KEYS:
            path = f"rules.{spec.id}.{name}"
            if path in schema.keys:
                out.append(f"# {name} = {_toml_value(schema.keys[path].default)}")
    return "\n".join(out) + "\n"


def config_init(path: Path | None = None, force: bool = False) -> Path:
    """Write ``default_config_text()`` to ``path`` (default ``config_path()``); refuses to
    overwrite an existing file unless ``force``. Returns the path written."""
    target = Path(path).expanduser() if path is not None else config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target}: already exists; use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(default_config_text(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the config file ({exc.strerror})") from exc
    return target
