"""The last snapshot on disk, so the next start paints at once (SPEC 8) without waiting for pandas.

Stdlib only on purpose: reading it must not import the analytics stack. The file is private to
rotmon (its own small schema, versioned); a file that does not parse is ignored, never fatal.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from analytics.health import SourceHealth
from analytics.types import (
    PE,
    Alert,
    LegReturns,
    MacroRow,
    PairRow,
    RateCycle,
    RateMove,
    SectorRow,
    Snapshot,
    ValuationGap,
)

log = logging.getLogger(__name__)

SCHEMA = "rotmon.cached-snapshot/2"


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _legs(returns: Any) -> dict[str, list[float | None]]:
    return {w: [_num(v.small), _num(v.large), _num(v.spread_pp)] for w, v in returns.items()}


def _iso(x: date | datetime | None) -> str | None:
    return None if x is None else x.isoformat()


def snapshot_to_cache(s: Snapshot) -> dict[str, Any]:
    """Everything the dashboard shows, including sparklines (the public JSON leaves them out)."""
    return {
        "schema": SCHEMA,
        "asof": s.asof.isoformat(),
        "source": s.source,
        "spreads": [
            {
                "id": r.id,
                "small": r.small,
                "large": r.large,
                "label": r.label,
                "small_last": _num(r.small_last),
                "large_last": _num(r.large_last),
                "ratio": _num(r.ratio),
                "returns": _legs(r.returns),
                "zscore_1y": _num(r.zscore_1y),
                "trend": r.trend,
                "corr_3m": _num(r.corr_3m),
                "beta_3m": _num(r.beta_3m),
                "ratio_spark": [v for v in r.ratio_spark if math.isfinite(v)],
                "small_drawdown": _num(r.small_drawdown),
                "large_drawdown": _num(r.large_drawdown),
                "stale": list(r.stale),
                "last_date": {k: _iso(v) for k, v in r.last_date.items()},
                "reasons": list(r.reasons),
            }
            for r in s.spreads
        ],
        "heatmap": [
            {
                "sector": r.sector,
                "large": r.large,
                "small": r.small,
                "returns": _legs(r.returns),
                "stale": list(r.stale),
                "last_date": {k: _iso(v) for k, v in r.last_date.items()},
                "reasons": list(r.reasons),
            }
            for r in s.heatmap
        ],
        "alerts": [
            {
                "rule": a.rule,
                "group": a.group,
                "severity": a.severity,
                "value": _num(a.value),
                "threshold": _num(a.threshold),
                "since": a.since.isoformat(),
                "message": a.message,
                "label": a.label,
            }
            for a in s.alerts
        ],
        "scores": {k: _num(v) for k, v in s.scores.items()},
        "coverage": {k: float(v) for k, v in s.coverage.items() if _num(v) is not None},
        "unknown": dict(s.unknown),
        "macro": [
            {
                "id": m.id,
                "label": m.label,
                "value": _num(m.value),
                "date": _iso(m.date),
                "change": _num(m.change),
                "unit": m.unit,
                "spark": [v for v in m.spark if math.isfinite(v)],
                "stale": m.stale,
            }
            for m in s.macro
        ],
        "sources": [r.json_row(full=True) for r in s.sources],
        "indices": {k: [_num(v[0]), _num(v[1])] for k, v in s.indices.items()},
        "problems": list(s.problems),
        "valuation": _valuation_out(s.valuation),
        "cycle": _cycle_out(s.cycle),
    }


def _pe_out(p: PE) -> list[Any]:
    return [p.symbol, _num(p.pe), _num(p.forward_pe), _iso(p.date), p.reason]


def _pe_in(raw: list[Any]) -> PE:
    return PE(raw[0], raw[1], raw[2], _date(raw[3]), raw[4])


def _valuation_out(v: ValuationGap | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "large": _pe_out(v.large),
        "small": [_pe_out(p) for p in v.small],
        "gap": [_num(v.gap_turns), _num(v.gap_pct), _num(v.zscore_5y)],
        "basis": v.basis,
        "gap_small": v.gap_small,
        "reason": v.reason,
    }


def _valuation_in(raw: dict[str, Any] | None) -> ValuationGap | None:
    if raw is None:
        return None
    turns, pct, z = raw["gap"]
    return ValuationGap(
        large=_pe_in(raw["large"]),
        small=tuple(_pe_in(p) for p in raw["small"]),
        gap_turns=turns,
        gap_pct=pct,
        basis=raw["basis"],
        gap_small=raw["gap_small"],
        zscore_5y=z,
        reason=raw["reason"],
    )


def _cycle_out(c: RateCycle | None) -> dict[str, Any] | None:
    if c is None:
        return None
    move = c.last_move
    return {
        "phase": c.phase,
        "first_cut": _iso(c.first_cut),
        "cuts": c.cuts,
        "cut_bp": _num(c.cut_bp),
        "months": c.months_since_first_cut,
        "two_year": _num(c.two_year_minus_funds),
        "source": c.source,
        "rate": _num(c.rate),
        "rate_date": _iso(c.rate_date),
        "last_move": None
        if move is None
        else [move.date.isoformat(), _num(move.change), _num(move.level)],
        "reason": c.reason,
        "notes": list(c.notes),
    }


def _cycle_in(raw: dict[str, Any] | None) -> RateCycle | None:
    if raw is None:
        return None
    move = raw["last_move"]
    return RateCycle(
        phase=raw["phase"],
        first_cut=_date(raw["first_cut"]),
        cuts=raw["cuts"],
        cut_bp=raw["cut_bp"],
        months_since_first_cut=raw["months"],
        two_year_minus_funds=raw["two_year"],
        source=raw["source"],
        rate=raw["rate"],
        rate_date=_date(raw["rate_date"]),
        last_move=None if move is None else RateMove(date.fromisoformat(move[0]), *move[1:]),
        reason=raw["reason"],
        notes=tuple(raw["notes"]),
    )


def _leg_map(raw: dict[str, list[float | None]]) -> dict[str, LegReturns]:
    return {w: LegReturns(v[0], v[1], v[2]) for w, v in raw.items()}


def _date(x: str | None) -> date | None:
    return None if x is None else date.fromisoformat(x)


def snapshot_from_cache(doc: dict[str, Any]) -> Snapshot:
    """The Snapshot written by ``snapshot_to_cache``; raises ValueError/KeyError on other input."""
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"expected schema {SCHEMA}, got {doc.get('schema')!r}")
    return Snapshot(
        asof=datetime.fromisoformat(doc["asof"]),
        source=doc["source"],
        spreads=tuple(
            PairRow(
                id=r["id"],
                small=r["small"],
                large=r["large"],
                label=r["label"],
                small_last=r["small_last"],
                large_last=r["large_last"],
                ratio=r["ratio"],
                returns=_leg_map(r["returns"]),
                zscore_1y=r["zscore_1y"],
                trend=r["trend"],
                corr_3m=r["corr_3m"],
                beta_3m=r["beta_3m"],
                ratio_spark=tuple(r["ratio_spark"]),
                small_drawdown=r.get("small_drawdown"),
                large_drawdown=r.get("large_drawdown"),
                stale=tuple(r["stale"]),
                last_date={k: _date(v) for k, v in r["last_date"].items()},
                reasons=tuple(r["reasons"]),
            )
            for r in doc["spreads"]
        ),
        heatmap=tuple(
            SectorRow(
                r["sector"],
                r["large"],
                r["small"],
                _leg_map(r["returns"]),
                stale=tuple(r["stale"]),
                last_date={k: _date(v) for k, v in r["last_date"].items()},
                reasons=tuple(r["reasons"]),
            )
            for r in doc["heatmap"]
        ),
        alerts=tuple(
            Alert(
                rule=a["rule"],
                group=a["group"],
                severity=a["severity"],
                value=a["value"],
                threshold=a["threshold"],
                since=date.fromisoformat(a["since"]),
                message=a["message"],
                label=a.get("label", ""),
            )
            for a in doc["alerts"]
        ),
        scores=dict(doc["scores"]),
        macro=tuple(
            MacroRow(
                id=m["id"],
                label=m["label"],
                value=m["value"],
                date=_date(m["date"]),
                change=m["change"],
                unit=m["unit"],
                spark=tuple(m["spark"]),
                stale=bool(m.get("stale", False)),
            )
            for m in doc["macro"]
        ),
        sources=tuple(SourceHealth.from_row(r) for r in doc["sources"]),
        indices={k: (v[0], v[1]) for k, v in doc["indices"].items()},
        problems=tuple(doc.get("problems", ())),
        valuation=_valuation_in(doc.get("valuation")),
        cycle=_cycle_in(doc.get("cycle")),
        coverage={k: float(v) for k, v in doc["coverage"].items() if v is not None},
        unknown=dict(doc["unknown"]),
    )


def read_cached(path: Path) -> Snapshot | None:
    """The cached snapshot at ``path``, or None when absent or unreadable (logged, not raised)."""
    try:
        with path.open(encoding="utf-8") as f:
            return snapshot_from_cache(json.load(f))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.info("ignoring snapshot cache %s: %s", path, exc)
        return None


def write_cached(snapshot: Snapshot, path: Path) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(snapshot_to_cache(snapshot), allow_nan=False, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
