"""The options every command shares, and how one command line becomes one ``Options``.

Every option of the ``market`` and ``common options`` sections may stand before or after its
subcommand with the same meaning (SPEC 2: ``rotmon --demo snapshot`` is the demo). The root
group and each command declare the same options with *no* default; each option records only
what the user typed (the later wins) in the run's ``Given``, and a command asks
``options(ctx)`` for the merged result with rotmon's defaults filled in. An option typed for a
command that has no use for it (``rotmon --demo doctor``) is a usage error, never ignored.

To add a shared option: a field in ``Options`` and a ``name=_shared(...)`` entry in ``MARKET``
or ``COMMON`` (or a new section dict, given to ``shared()`` by the commands that take it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from tui.cli.exits import UsageError

SCENARIOS = ("rotation", "hard-landing", "oil-shock", "calm")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Options:
    """What the command line asks for, wherever each option stood; rotmon's defaults else."""

    demo: bool = False
    data: Path | None = None
    scenario: str = "rotation"
    seed: int = 7
    asof: date | None = None
    speed: float = 1.0
    config: Path | None = None
    db: Path | None = None
    ansi: bool = False
    no_color: bool = False
    refresh: float | None = None
    debug: bool = False
    redis: str | None = None
    fresh: bool = False

    @property
    def kind(self) -> str:
        """``demo``, ``pack`` or ``live``."""
        return "demo" if self.demo else "pack" if self.data is not None else "live"


@dataclass
class Given:
    """The shared options typed on this command line, by name, in the order they came."""

    values: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # name -> the option as typed

    @property
    def debug(self) -> bool:
        return bool(self.values.get("debug"))


# -- parameter types: one-line messages that say what was expected ------------------------------


class IsoDate(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"expected a date YYYY-MM-DD, got {value!r}", param, ctx)


class Positive(click.ParamType):
    """A number > 0 (``float`` or ``int``)."""

    def __init__(self, kind: type[float] | type[int] = float) -> None:
        self.kind = kind
        self.name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            number = self.kind(value)
        except (TypeError, ValueError):
            what = "a whole number" if self.kind is int else "a number"
            self.fail(f"expected {what} > 0, got {value!r}", param, ctx)
        if number <= 0:
            self.fail(f"expected a number > 0, got {value!r}", param, ctx)
        return number


class WholeNumber(click.ParamType):
    """An int >= ``low``."""

    name = "N"

    def __init__(self, low: int = 0) -> None:
        self.low = low

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or number < self.low:
            self.fail(f"expected a whole number >= {self.low}, got {value!r}", param, ctx)
        return number


class Choice(click.Choice):
    """``click.Choice`` whose message names the choices the way the help does."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        choices = ", ".join(str(c) for c in self.choices)
        self.fail(f"invalid choice: {value!r} (choose from {choices})", param, ctx)


# -- options with a help section ----------------------------------------------------------------


class SectionOption(click.Option):
    """An option listed under ``section`` in ``--help``."""

    def __init__(self, *args: Any, section: str = "options", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


class SharedOption(SectionOption):
    """A market or common option: recorded in ``Given`` when typed, wherever it stands."""


def _record(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    given = ctx.ensure_object(Given)
    if param.name and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        given.values.pop(param.name, None)  # re-insert: the order is the order typed
        given.values[param.name] = value
        given.flags[param.name] = param.opts[0]
    return value


def _shared(*decls: str, section: str, help: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(
        *decls,
        cls=SharedOption,
        section=section,
        help=help,
        callback=_record,
        expose_value=False,
        show_default=False,
        **kwargs,
    )


MARKET: dict[str, Callable[[F], F]] = dict(
    demo=_shared("--demo", is_flag=True, default=None, section="market",
            help="the embedded demo market (no network)"),
    data=_shared("--data", type=click.Path(path_type=Path), metavar="DIR", section="market",
            help="an offline data pack"),
    scenario=_shared("--scenario", type=Choice(SCENARIOS), metavar="S", section="market",
            help="demo scenario: " + ", ".join(SCENARIOS) + " (rotation)"),
    seed=_shared("--seed", type=WholeNumber(0), section="market", help="demo seed (7)"),
    asof=_shared("--asof", type=IsoDate(), section="market", help="as-of date (packs)"),
)  # fmt: skip
SPEED: dict[str, Callable[[F], F]] = dict(
    speed=_shared("--speed", type=Positive(float), metavar="X", section="market",
            help="demo clock speed (1 = real time)"),
)  # fmt: skip
DESK: dict[str, Callable[[F], F]] = dict(
    redis=_shared("--redis", metavar="URL", section="desk",
            help="desk mode: redis:// or rediss:// URL of the desk's Redis"),
)  # fmt: skip
VIEW: dict[str, Callable[[F], F]] = dict(
    fresh=_shared("--fresh", is_flag=True, default=None, section="options",
            help="ignore the remembered view (theme, pane, sorts, filter, last drill-down)"),
)  # fmt: skip
COMMON: dict[str, Callable[[F], F]] = dict(
    config=_shared("--config", type=click.Path(path_type=Path), metavar="PATH",
            section="common options", help="config file (TOML)"),
    db=_shared("--db", type=click.Path(path_type=Path), metavar="PATH", section="common options",
            help="SQLite store (cache and alert log)"),
    ansi=_shared("--ansi", is_flag=True, default=None, section="common options",
            help="use the terminal's 16-colour palette"),
    no_color=_shared("--no-color", "no_color", is_flag=True, default=None, section="common options",
            help="no colour; meaning kept by signs"),
    refresh=_shared("--refresh", type=Positive(float), metavar="N", section="common options",
            help="screen updates/s (4)"),
    debug=_shared("--debug", is_flag=True, default=None, section="common options",
            help="show tracebacks"),
)  # fmt: skip


def shared(
    *sections: Mapping[str, Callable[[F], F]], only: Iterable[str] | None = None
) -> Callable[[F], F]:
    """Decorate a command with the shared options of ``sections`` (in help order), or only
    those named in ``only``."""
    keep = set(only) if only is not None else None

    def decorate(f: F) -> F:
        for section in reversed(sections):
            for name, option in reversed(section.items()):
                if keep is None or name in keep:
                    f = option(f)
        return f

    return decorate


def options(ctx: click.Context) -> Options:
    """The merged shared options of this command line; a usage error for one typed where
    this command has no use for it, for ``--demo`` with ``--data``, for ``--asof`` without a
    pack and for a demo option (``--scenario``, ``--seed``, ``--speed``) without ``--demo``:
    none of them is ever ignored."""
    given = ctx.ensure_object(Given)
    accepted = {p.name for p in ctx.command.params if isinstance(p, SharedOption)}
    stray = [n for n in given.values if n not in accepted]
    if stray:
        flag = given.flags[stray[0]]
        raise UsageError(f"{flag}: does not apply to `{ctx.command_path}` (see --help)")
    values = {k: v for k, v in given.values.items() if k in {f.name for f in fields(Options)}}
    if values.get("demo") and values.get("data") is not None:
        raise UsageError("--data: not allowed with --demo (one market at a time)")
    if "asof" in values and values.get("data") is None:
        raise UsageError(f"{given.flags['asof']}: needs --data DIR (the as-of date of a pack)")
    demo_only = [n for n in ("scenario", "seed", "speed") if n in values]
    if demo_only and not values.get("demo"):
        flag = given.flags[demo_only[0]]
        raise UsageError(f"{flag}: applies to the demo market only (add --demo)")
    return Options(**values)
