"""``pack.toml``: the pack's own name, as-of date, universe, pairs and sectors, with
``FILE:LINE`` problems for what cannot be used.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from analytics.catalog import (
    PAIRS,
    SECTORS,
    Pair,
    SectorPair,
)
from data_sources.csvtext import clean, strip_bom

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PackConfig:
    """What ``pack.toml`` says; the catalog's defaults where it is silent."""

    name: str | None = None
    asof: date | None = None
    universe: str = "IWM"
    pairs: tuple[Pair, ...] = PAIRS
    sectors: tuple[SectorPair, ...] = SECTORS


def read_pack_config(text: str, name: str = "pack.toml") -> tuple[PackConfig, list[str]]:
    """``pack.toml`` text as a PackConfig and its problems; defaults wherever it is wrong."""
    problems: list[str] = []
    try:
        data = tomllib.loads(strip_bom(text))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\(at line (\d+)", message)
        line = int(at.group(1)) if at else 1
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        return PackConfig(), [f"{name}:{line}: expected valid TOML: {reason}; using the defaults"]

    def where(key: str, nth: int = 0) -> int:
        return _line_of(text, key, nth)

    config = PackConfig()
    known = {"name", "asof", "universe", "pairs", "sectors"}
    for key in data:
        if key not in known:
            problems.append(
                f"{name}:{where(key)}: unknown key {key!r}: expected one of "
                + ", ".join(sorted(known))
            )
    if "name" in data:
        if isinstance(data["name"], str):
            config = replace(config, name=clean(data["name"]))
        else:
            problems.append(f"{name}:{where('name')}: expected name to be a string")
    if "asof" in data:
        asof = _as_date(data["asof"])
        if asof is None:
            problems.append(
                f"{name}:{where('asof')}: expected asof to be a date like 2020-03-23, "
                f"found {data['asof']!r}"
            )
        else:
            config = replace(config, asof=asof)
    if "universe" in data:
        universe = data["universe"]
        if isinstance(universe, str) and _safe_name(universe.strip()):
            config = replace(config, universe=universe.strip().upper())
        else:
            problems.append(
                f'{name}:{where("universe")}: expected universe to be a fund symbol like "IWM"'
            )
    if "pairs" in data:
        pairs = _entries(data["pairs"], "pairs", name, where, problems, _pair)
        config = replace(config, pairs=tuple(pairs))
    if "sectors" in data:
        sectors = _entries(data["sectors"], "sectors", name, where, problems, _sector)
        config = replace(config, sectors=tuple(sectors))
    return config, problems


def _entries(
    value: object,
    key: str,
    name: str,
    where: Callable[[str, int], int],
    problems: list[str],
    build: Callable[[dict[str, Any]], T | str],
) -> list[T]:
    if not isinstance(value, list):
        problems.append(f"{name}:{where(key, 0)}: expected [[{key}]] tables")
        return []
    out: list[T] = []
    for i, entry in enumerate(value):
        built = build(entry) if isinstance(entry, dict) else f"expected a [[{key}]] table"
        if isinstance(built, str):
            problems.append(f"{name}:{where(key, i)}: {key} entry {i + 1}: {built}; skipped")
        else:
            out.append(built)
    return out


def _pair(entry: dict[str, Any]) -> Pair | str:
    small, large = _symbol_field(entry, "small"), _symbol_field(entry, "large")
    if small is None or large is None:
        return 'expected small = "SYMBOL" and large = "SYMBOL"'
    label = entry.get("label")
    if label is not None and not isinstance(label, str):
        return "expected label to be a string"
    unknown = set(entry) - {"small", "large", "label"}
    if unknown:
        return f"unknown key {sorted(unknown)[0]!r} (expected small, large, label)"
    return Pair(small, large, clean(label) if label else f"{small} vs {large}")


def _sector(entry: dict[str, Any]) -> SectorPair | str:
    sector, large = entry.get("sector"), _symbol_field(entry, "large")
    if not isinstance(sector, str) or not sector.strip() or large is None:
        return 'expected sector = "NAME" and large = "SYMBOL" (small optional)'
    small = None
    if entry.get("small") not in (None, ""):
        small = _symbol_field(entry, "small")
        if small is None:
            return "expected small to be a symbol"
    unknown = set(entry) - {"sector", "large", "small"}
    if unknown:
        return f"unknown key {sorted(unknown)[0]!r} (expected sector, large, small)"
    return SectorPair(clean(sector), large, small)


def _symbol_field(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and _safe_name(value.strip()):
        return value.strip().upper()
    return None


def _line_of(text: str, key: str, nth: int = 0) -> int:
    """The line of the ``nth`` ``[[key]]`` header, else of ``key =``; 1 when not found."""
    lines = text.splitlines()
    headers = [
        i + 1
        for i, line in enumerate(lines)
        if re.match(rf"\s*\[\[\s*{re.escape(key)}\s*\]\]", line)
    ]
    if nth < len(headers):
        return headers[nth]
    for i, line in enumerate(lines):
        if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return i + 1
    return 1


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _safe_name(name: str) -> bool:
    """A symbol that can be a file name in the pack (no path separators, not empty)."""
    return bool(name) and name not in {".", ".."} and not re.search(r"[/\\\x00-\x1f]", name)
