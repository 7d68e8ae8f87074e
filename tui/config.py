"""Typed settings from the TOML config file, the environment and the command line (no Textual).

What is configurable is declared once, in ``tui.settings`` (msgspec Structs: a field's type,
bounds, default, the words of its error and its comment in ``config init`` sit on the field);
this module walks those declarations. Precedence: command line > environment > file >
defaults. The file lives in the platformdirs config dir (``config_path()``); a bad value is one
line naming the file's line and the key: ``config.toml:12: poll.fred: expected a number > 0
(seconds), got "six"``. Unknown keys are errors with a did-you-mean.

Environment: read here and nowhere else. ``ROTMON_`` + the key path in capitals with ``_`` for
``.`` (``ROTMON_REFRESH``, ``ROTMON_POLL_FRED``, ``ROTMON_SOURCES_STREAM_URL``), ``ROTMON_CONFIG``
for the file, and the wider conventions ``FRED_API_KEY``, ``NO_COLOR`` and ``TEXTUAL_ANIMATIONS``
(``_ALIASES``). Other ``ROTMON_*`` variables are ignored (they may belong to tests or wrappers).
Command-line overrides use the dotted key paths (``{"refresh": 2.0}``).

The rule defaults come from ``analytics.rules.DEFAULT_RULES``; which keys a rule accepts is read
from its own defaults (a field that is None for that rule, such as ``window`` of ``vix``, does
not apply to it and is an unknown key), so the config cannot drift from the risk engine.

Why msgspec and not pydantic-settings: measured on this machine (2 shared cores; median of 9
fresh processes; importing the library and declaring the same ~60-key schema, then converting
one parsed file): msgspec 0.23 **12.7 ms** + 0.3 ms, pydantic-settings 2.16 on pydantic 2.14
**158 ms** + 1.3 ms. ``rotmon snapshot`` and the app's first paint read the config before
anything else, so 145 ms more on every start decided it (harlequin made the same choice).
Import and one load of this module, CPU, median of 9 (hand-written schema -> msgspec): 72 ->
82 ms in a bare process (``rotmon snapshot``: msgspec pulls in typing_extensions), 37 -> 40 ms
once Textual is loaded (the app).
Validating a leaf at a time (rather than the whole file in one ``convert``) is what lets
``config check`` list every problem with its line, not only the first. The file ``config init``
writes is made in ``tui.configtext``.
"""

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import msgspec
from msgspec import Struct

from analytics.rules import RELEASE_LAGS, STALE_AFTER_DAYS, RuleSpec
from tui.settings import (
    DERIVED,
    RULE_KEYS,
    AlertSettings,
    ExportSettings,
    PairSettings,
    PollSettings,
    RedisSettings,
    Settings,
    SourceSettings,
    bare,
    children,
    default_rules,
    extra_of,
    file_schema,
    frozen_map,
    is_table,
    scalar_keys,
)
from tui.tomllines import key_lines, line_of

__all__ = [
    "ENV_PREFIX",
    "ConfigError",
    "ExportSettings",
    "PollSettings",
    "RedisSettings",
    "Settings",
    "SourceSettings",
    "check_config",
    "config_path",
    "env_name",
    "keymap_problems",
    "load_settings",
    "textual_serve_driver",
]

ENV_PREFIX = "ROTMON_"


class ConfigError(Exception):
    """Bad configuration: ``str()`` is the first problem in one line; ``problems`` all of them."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]


def config_path() -> Path:
    """``<user config dir>/config.toml`` (platformdirs)."""
    import platformdirs

    return platformdirs.user_config_path("rotmon") / "config.toml"


def env_name(path: str) -> str:
    """The environment variable of a key path: ``poll.fred`` -> ``ROTMON_POLL_FRED``."""
    return ENV_PREFIX + path.replace(".", "_").upper()


# -- one value through its declaration -----------------------------------------------------------


class _Bad(Exception):
    """A value failed its declaration; the message is what was expected."""


def _to_path(tp: type, value: Any) -> Any:
    if tp is Path and isinstance(value, str) and value:
        return Path(value).expanduser()
    raise TypeError


_WORDS = {"1": True, "true": True, "yes": True, "on": True,
          "0": False, "false": False, "no": False, "off": False}  # fmt: skip


def _convert(tp: Any, value: Any, *, text: bool = False) -> Any:
    """``value`` (from TOML, or ``text`` from the environment / command line) as ``tp``."""
    plain = bare(tp)
    if isinstance(value, str):
        value = value.strip()
        if get_origin(plain) is Literal:
            value = value.lower()
        elif extra_of(tp, "case") == "upper":
            value = value.upper()
        if text and plain is bool:
            value = _WORDS.get(value.lower(), value)
    try:
        out = msgspec.convert(value, tp, strict=not text, dec_hook=_to_path)
    except msgspec.ValidationError:
        raise _Bad(extra_of(tp, "expected") or "a valid value") from None
    return None if out == "" and type(None) in get_args(plain) else out


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
    import difflib  # only on an error

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


# -- reading the layers -------------------------------------------------------------------------


@dataclass(slots=True)
class _Layer:
    """Validated values of one source, and how to name a key of it in a message."""

    values: dict[str, object]
    label: Callable[[str], str]
    rank: int  # higher wins


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path.name}:{line}: expected UTF-8 text") from exc


@dataclass(slots=True)
class _Lists:
    """What the file alone gives, not key by key: the keymap and the user's pairs."""

    keymap: dict[str, str] = field(default_factory=dict)
    pairs: list[PairSettings] = field(default_factory=list)
    alerts: list[tuple[str, AlertSettings]] = field(default_factory=list)
    """(key path, entry) of each ``[[alerts]]`` table, for its FILE:LINE."""


def _read_file(path: Path, problems: list[str]) -> tuple[_Layer, _Lists]:
    """Values from the TOML file (``problems`` gets every error), its keymap and pairs."""
    name = path.name
    text = _read_text(path)
    lines = key_lines(text)
    layer = _Layer({}, lambda p: f"{name}:{line_of(lines, p)}: {p}", rank=1)
    import tomllib  # only with a config file (~2 ms of a start without one)

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
        return layer, _Lists()

    lists = _Lists()

    def where(path_: str) -> str:
        return f"{name}:{line_of(lines, path_)}: {path_}"

    def unknown(prefix: str, key: str, known: list[str]) -> str:
        if prefix == "rules":
            return f"unknown rule{_did_you_mean(key, known)}; expected one of {', '.join(known)}"
        if prefix.startswith("rules."):
            rule_id = prefix.split(".", 1)[1]
            return (
                f"unknown setting of rule {rule_id}{_did_you_mean(key, known)};"
                f" expected one of {', '.join(known)}"
            )
        return f"unknown setting{_did_you_mean(key, known)}"

    def entry(value: object, schema: type[Struct], path_: str) -> Any:
        """One table of an ``[[array]]``, or None (its problems said)."""
        if not isinstance(value, dict):
            problems.append(f"{where(path_)}: expected a table, got {_shown(value)}")
            return None
        got: dict[str, Any] = {}
        before = len(problems)
        walk(value, schema, path_, got)
        missing = [
            f.name for f in msgspec.structs.fields(schema) if f.required and f.name not in value
        ]
        if missing:
            problems.append(f"{where(path_)}: expected {' and '.join(missing)}")
        if missing or len(problems) > before:
            return None
        return schema(**{k.rsplit(".", 1)[1]: v for k, v in got.items()})

    def walk(
        table: Mapping[str, Any], schema: type[Struct], prefix: str, out: dict[str, Any]
    ) -> None:
        known = children(schema)
        for key, value in table.items():
            path_ = f"{prefix}.{key}" if prefix else key
            tp = known.get(key)
            if tp is None:
                problems.append(f"{where(path_)}: {unknown(prefix, key, list(known))}")
            elif get_origin(tp) is list:  # [[pairs]]
                if not isinstance(value, list):
                    problems.append(
                        f"{where(path_)}: expected [[{path_}]] tables, got {_shown(value)}"
                    )
                    continue
                for n, item in enumerate(value, start=1):
                    built = entry(item, get_args(tp)[0], f"{path_}.{n}")
                    if isinstance(built, AlertSettings):
                        try:
                            built.alert()
                        except ValueError as exc:
                            problems.append(f"{where(f'{path_}.{n}.rule')}: {exc}")
                            continue
                        lists.alerts.append((f"{path_}.{n}", built))
                    elif built is not None:
                        lists.pairs.append(built)
            elif is_table(tp) or get_origin(tp) is dict:
                if not isinstance(value, dict):
                    problems.append(f"{where(path_)}: expected a table, got {_shown(value)}")
                elif is_table(tp):
                    walk(value, tp, path_, out)
                else:  # [keys]: action id -> key name
                    for action, keys in value.items():
                        try:
                            lists.keymap[action] = _convert(get_args(tp)[1], keys)
                        except _Bad as bad:
                            problems.append(
                                f"{where(f'{path_}.{action}')}: expected {bad}, got {_shown(keys)}"
                            )
            else:
                try:
                    out[path_] = _convert(tp, value)
                except _Bad as bad:
                    problems.append(f"{where(path_)}: expected {bad}, got {_shown(value)}")

    walk(doc, file_schema(), "", layer.values)
    return layer, lists


_ALIASES: Mapping[str, tuple[str, Callable[[str], str | None]]] = {
    "FRED_API_KEY": ("sources.fred_api_key", str),
    "NO_COLOR": ("no_color", lambda text: "true" if text else None),  # no-color.org: non-empty
    "TEXTUAL_ANIMATIONS": ("animations", str),
}
"""Variables of wider conventions that set a key unless its own ``ROTMON_`` variable does."""


def _read_env(env: Mapping[str, str], problems: list[str]) -> _Layer:
    layer = _Layer({}, env_name, rank=2)
    if not any(n.startswith(ENV_PREFIX) or n in _ALIASES for n in env):
        return layer  # nothing to read: the schema (~10-20 ms to build) is not needed to start
    keys = scalar_keys()
    names = {env_name(p): p for p in keys}
    given = [(n, names[n], env[n]) for n in env if n in names]
    for var, (path, read) in _ALIASES.items():
        text = read(env[var]) if var in env and env_name(path) not in env else None
        if text is not None:
            given.append((var, path, text))
    for var, path, text in given:
        key = keys[path]
        try:
            layer.values[path] = _convert(key.type, text, text=True)
        except _Bad as bad:
            shown = "(hidden)" if extra_of(key.type, "secret") else json.dumps(text)
            problems.append(f"{var}: expected {bad}, got {shown}")
    return layer


def _flag(path: str) -> str:
    return "--" + path.replace("_", "-")


def _read_overrides(overrides: Mapping[str, object], problems: list[str]) -> _Layer:
    layer = _Layer({}, _flag, rank=3)
    if all(value is None for value in overrides.values()):
        return layer  # no option given: the schema is not needed
    keys = scalar_keys()
    for path, value in overrides.items():
        if value is None:
            continue  # an option that was not given
        key = keys.get(path)
        if key is None:
            problems.append(f"{_flag(path)}: unknown setting{_did_you_mean(path, list(keys))}")
            continue
        text = isinstance(value, str | Path)
        try:
            layer.values[path] = _convert(key.type, str(value) if text else value, text=text)
        except _Bad as bad:
            problems.append(f"{_flag(path)}: expected {bad}, got {_shown(value)}")
    return layer


# -- building the settings ----------------------------------------------------------------------


def _rules_from(layers: list[_Layer], problems: list[str]) -> tuple[RuleSpec, ...]:
    """The default rules with the layers' values; a warning beyond its critical threshold is
    a problem named at the layer that set the later of the two."""
    if not any(path.startswith("rules.") for layer in layers for path in layer.values):
        return tuple(default_rules())  # nothing changes a rule (the schema is not needed)
    keys = scalar_keys()

    def origin(path: str) -> _Layer | None:
        hits = [layer for layer in layers if path in layer.values]
        return max(hits, key=lambda layer: layer.rank) if hits else None

    def value(path: str) -> Any:
        layer = origin(path)
        return layer.values[path] if layer else keys[path].default

    out = []
    for spec in default_rules():
        changes = {
            name: value(f"rules.{spec.id}.{name}")
            for name in RULE_KEYS
            if f"rules.{spec.id}.{name}" in keys and origin(f"rules.{spec.id}.{name}") is not None
        }
        if not changes:
            out.append(spec)
            continue
        bad = False
        above = spec.direction == "above"
        for low, high in (("warning", "critical"), ("change_warning", "change_critical")):
            lo_path, hi_path = f"rules.{spec.id}.{low}", f"rules.{spec.id}.{high}"
            if lo_path not in keys or hi_path not in keys:
                continue
            w, c = value(lo_path), value(hi_path)
            rising = above or low != "warning"
            if (c >= w) if rising else (c <= w):
                continue
            lo_layer, hi_layer = origin(lo_path), origin(hi_path)
            lo_rank = lo_layer.rank if lo_layer else 0
            hi_rank = hi_layer.rank if hi_layer else 0
            word_hi, word_lo = ("at or above", "at or below")[:: 1 if rising else -1]
            if hi_rank >= lo_rank and hi_layer is not None:
                problems.append(
                    f"{hi_layer.label(hi_path)}: expected a value {word_hi} {low} ({w:g}),"
                    f" got {c:g}"
                )
            elif lo_layer is not None:
                problems.append(
                    f"{lo_layer.label(lo_path)}: expected a value {word_lo} {high} ({c:g}),"
                    f" got {w:g}"
                )
            bad = True
        if bad:
            out.append(spec)
            continue
        try:
            out.append(replace(spec, **changes))
        except (ValueError, TypeError) as exc:
            layer = origin(f"rules.{spec.id}.{next(iter(changes))}")
            label = layer.label(f"rules.{spec.id}") if layer else f"rules.{spec.id}"
            problems.append(f"{label}: {exc}")
            out.append(spec)
    return tuple(out)


def _build(
    layers: list[_Layer], lists: _Lists, problems: list[str], config_file: Path | None
) -> Settings:
    merged: dict[str, Any] = {}
    for layer in sorted(layers, key=lambda layer: layer.rank):
        merged.update(layer.values)

    def table(prefix: str) -> dict[str, Any]:
        return {k.split(".", 1)[1]: v for k, v in merged.items() if k.startswith(prefix + ".")}

    own: dict[str, Any] = {}
    for name, tp in children(Settings).items():
        if name in DERIVED:
            continue
        if is_table(tp):
            own[name] = tp(**table(name))
        elif name in merged:
            own[name] = merged[name]
    return Settings(
        **own,
        release_lags=frozen_map({**RELEASE_LAGS, **table("release_lags")}),
        stale_after=frozen_map({**STALE_AFTER_DAYS, **table("stale_after")}),
        keymap=frozen_map(lists.keymap),
        rules=_rules_from(layers, problems),
        pairs=tuple(dict.fromkeys(p.pair() for p in lists.pairs)),
        alerts=tuple(dict.fromkeys(a.alert() for _path, a in lists.alerts)),
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
    problems: list[str] = []
    file, explicit = _resolve_path(path, env)
    layers: list[_Layer] = []
    lists = _Lists()
    config_file: Path | None = None
    if file.is_file():
        layer, lists = _read_file(file, problems)
        layers.append(layer)
        config_file = file
    elif explicit:
        problems.append(f"{file}: no such config file (create one with `rotmon config init`)")
    layers.append(_read_env(env, problems))
    layers.append(_read_overrides(overrides, problems))
    return _build(layers, lists, problems, config_file), problems


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Settings from defaults < file < environment < overrides; raises ``ConfigError``.

    ``path`` None reads ``ROTMON_CONFIG`` or else ``config_path()`` when that file exists.
    ``env`` defaults to ``os.environ`` (the one place rotmon reads it); ``overrides`` maps
    dotted key paths to values (None values are skipped: options that were not given).
    """
    settings, problems = _load(path, os.environ if env is None else env, overrides or {})
    if problems:
        raise ConfigError(problems[0], problems)
    return settings


def textual_serve_driver(env: Mapping[str, str] | None = None) -> str | None:
    """The web driver textual-serve names in ``TEXTUAL_DRIVER`` when it runs the app (which
    then talks over pipes, not a terminal); None otherwise."""
    return (os.environ if env is None else env).get("TEXTUAL_DRIVER") or None


def malloc_arenas_set(env: Mapping[str, str] | None = None) -> bool:
    """Whether the user set glibc's ``MALLOC_ARENA_MAX`` (``tui.arenas`` then leaves it)."""
    return "MALLOC_ARENA_MAX" in (os.environ if env is None else env)


def keymap_problems(settings: Settings) -> list[str]:
    """The ``[keys]`` entries that name no action or give two actions one key, each as
    ``FILE:LINE: keys.<id>: ...`` (imports the screens: only when a keymap is set)."""
    if not settings.keymap:
        return []
    from tui.keymap import keymap_issues

    file = settings.config_file
    lines = key_lines(_read_text(file)) if file is not None and file.is_file() else {}
    name = file.name if file is not None else "[keys]"
    return [
        f"{name}:{line_of(lines, f'keys.{action}')}: keys.{action}: {problem}"
        for action, problem in keymap_issues(settings.keymap)
    ]


def check_config(path: Path | None = None) -> list[str]:
    """Every problem of the config file, one line each (empty: the file is fine or absent)."""
    file = Path(path).expanduser() if path is not None else config_path()
    if path is None and not file.exists():
        return []
    try:
        settings, problems = _load(file, {}, {})
    except ConfigError as exc:
        return exc.problems
    return problems + keymap_problems(settings)
