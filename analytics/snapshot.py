"""The snapshot: every pair, sector, alert, score and macro row at one moment (SPEC 9)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.catalog import (
    INDICES,
    MACRO,
    PAIRS,
    SECTORS,
    WINDOWS,
    MacroIndicator,
    Pair,
    SectorPair,
)
from analytics.cycle import rate_cycle
from analytics.health import SourceHealth
from analytics.macro import macro_rows
from analytics.returns import last_value_at, returns_at
from analytics.risk import DEFAULT_RULES, RiskResult, RuleSpec, evaluate_risk
from analytics.sectors import sector_rows
from analytics.spreads import pair_row, read_legs
from analytics.text import csv_text, inert_json
from analytics.types import PE, LegReturns, MacroRow, RateCycle, Snapshot, ValuationGap
from analytics.valuation import valuation_gap

SCHEMA = "rotmon.snapshot/2"


def build_snapshot(
    *,
    source: str,
    asof: datetime,
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    rules: tuple[RuleSpec, ...] = DEFAULT_RULES,
    sources: tuple[SourceHealth, ...] = (),
    problems: tuple[str, ...] = (),
    pairs: tuple[Pair, ...] = PAIRS,
    sectors: tuple[SectorPair, ...] = SECTORS,
    release_lags: Mapping[str, Any] | None = None,
    stale_after: Mapping[str, int] | None = None,
    risk: RiskResult | None = None,
    valuations: Mapping[str, pd.DataFrame] | None = None,
    cycle: RateCycle | None = None,
    fred_rows: Mapping[str, MacroRow] | None = None,
) -> Snapshot:
    """Compute everything the dashboard shows as of ``asof`` (a moment; its date selects row t).

    ``risk``: the rules already replayed to ``asof`` over the same data (else replayed here).
    ``valuations``: P/E frames by symbol (``analytics.valuation``).
    ``cycle`` / ``fred_rows``: the rate cycle and the macro rows of the indicators without a
    market symbol (:func:`fred_macro_rows`), already computed from the same macro data, day and
    settings (else computed here): neither reads a price, so a busy market's new prices leave
    them as they were.
    """
    day: date = asof.date()
    spreads = tuple(pair_row(p, prices.get(p.small), prices.get(p.large), day) for p in pairs)
    heatmap = sector_rows(prices, day, sectors)
    if risk is None:
        risk = evaluate_risk(
            prices, macro, day, rules, release_lags=release_lags, stale_after=stale_after
        )
    indices: dict[str, tuple[float | None, float | None]] = {}
    stale_reasons: list[str] = []
    for sym in INDICES:
        usable, _, _, reasons = read_legs({sym: prices.get(sym)}, day)
        leg = usable[sym]
        indices[sym] = (last_value_at(leg), returns_at(leg, ("1D",))["1D"])
        stale_reasons += reasons
    for rows in (spreads, heatmap):
        for row in rows:
            stale_reasons += row.reasons
    valuation = valuation_gap(valuations or {}, day)
    # a P/E file or cache that stopped is a problem like any stale series (never silent)
    stale_reasons += [
        p.reason for p in (valuation.large, *valuation.small) if p.reason and p.date is not None
    ]
    missing = missing_inputs(prices, macro, pairs, sectors)
    if missing:
        problems = (*problems, f"no data for {', '.join(missing)} (shown as n/a)")
    # a pack file that ends before the as-of day is already a problem of the source
    # ("prices/IWM.csv: data ends 2020-07-21, before the as-of day ..."): one line a fact
    stale_reasons = [r for r in dict.fromkeys(stale_reasons) if not _said_by_a_file(r, problems)]
    if stale_reasons:
        problems = (*problems, *(f"{r} (stale at {day}: shown as n/a)" for r in stale_reasons))
    return Snapshot(
        asof=asof,
        source=source,  # type: ignore[arg-type]
        spreads=spreads,
        heatmap=heatmap,
        alerts=risk.alerts,
        scores=dict(risk.scores),
        macro=_macro_rows(prices, macro, day, risk, release_lags, fred_rows or {}),
        sources=sources,
        indices=indices,
        problems=problems,
        valuation=valuation,
        cycle=cycle
        if cycle is not None
        else rate_cycle(macro, day, release_lags=release_lags, stale_after=stale_after),
        coverage=dict(risk.coverage),
        unknown={r.id: risk.unknown[r.id] for r in risk.rules if r.id in risk.unknown},
    )


FRED_INDICATORS: tuple[MacroIndicator, ...] = tuple(i for i in MACRO if i.market is None)
"""The macro pane's indicators that read FRED series only (no market symbol)."""


def fred_macro_rows(
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None = None,
    release_lags: Mapping[str, Any] | None = None,
) -> dict[str, MacroRow]:
    """The macro rows of :data:`FRED_INDICATORS` by id (``build_snapshot(fred_rows=)``); ``risk``
    only for the Sahm rule's fallback, the rule's value when SAHMREALTIME is absent."""
    rows = macro_rows({}, macro, day, FRED_INDICATORS, risk, release_lags)
    return {r.id: r for r in rows}


def _macro_rows(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    day: date,
    risk: RiskResult | None,
    release_lags: Mapping[str, Any] | None,
    known: Mapping[str, MacroRow],
) -> tuple[MacroRow, ...]:
    """``macro_rows`` of MACRO, taking the rows in ``known`` as they are."""
    todo = tuple(i for i in MACRO if i.id not in known)
    made = dict(known)
    if todo:
        made.update((r.id, r) for r in macro_rows(prices, macro, day, todo, risk, release_lags))
    return tuple(made[i.id] for i in MACRO)


def missing_inputs(
    prices: Mapping[str, pd.Series],
    macro: Mapping[str, pd.Series],
    pairs: tuple[Pair, ...] = PAIRS,
    sectors: tuple[SectorPair, ...] = SECTORS,
) -> list[str]:
    """Symbols and series the dashboard shows but the data lacks (a macro indicator counts as
    present when either its market symbol or its FRED series is there)."""

    def has(sym: str | None) -> bool:
        return sym is not None and sym in prices and not prices[sym].empty

    wanted = [*INDICES, *(s for p in pairs for s in (p.small, p.large))]
    wanted += [s for sec in sectors for s in (sec.large, sec.small) if s]
    missing = [sym for sym in dict.fromkeys(wanted) if not has(sym)]
    for ind in MACRO:
        if not has(ind.market) and not (ind.series and ind.series in macro):
            missing.append(ind.series or ind.market or ind.id)
    return missing


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _iso(x: date | datetime | None) -> str | None:
    return None if x is None else x.isoformat()


def _dates(last_date: Mapping[str, date | None]) -> dict[str, str | None]:
    return {sym: _iso(d) for sym, d in last_date.items()}


def _legs(legs: Mapping[str, LegReturns], order: tuple[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for w in WINDOWS:
        leg = legs[w]
        vals = {"small": _num(leg.small), "large": _num(leg.large)}
        out[w] = {
            order[0]: vals[order[0]],
            order[1]: vals[order[1]],
            "spread_pp": _num(leg.spread_pp),
        }
    return out


def _pe(p: PE) -> dict[str, Any]:
    return {
        "symbol": p.symbol,
        "pe": _num(p.pe),
        "forward_pe": _num(p.forward_pe),
        "date": _iso(p.date),
        "reason": p.reason,
    }


def valuation_to_dict(v: ValuationGap | None) -> dict[str, Any] | None:
    """SPEC 11's ``valuation`` object; ``reason`` says why the gap is null when it is."""
    if v is None:
        return None
    return {
        "large": _pe(v.large),
        "small": [_pe(p) for p in v.small],
        "gap_turns": _num(v.gap_turns),
        "gap_pct": _num(v.gap_pct),
        "basis": v.basis,
        "gap_small": v.gap_small,
        "zscore_5y": _num(v.zscore_5y),
        "reason": v.reason,
    }


def cycle_to_dict(c: RateCycle | None) -> dict[str, Any] | None:
    """SPEC 11's ``cycle`` object; ``reason`` says why it is unknown, ``notes`` add caveats."""
    if c is None:
        return None
    return {
        "phase": c.phase,
        "first_cut": _iso(c.first_cut),
        "cuts": c.cuts,
        "cut_bp": _num(c.cut_bp),
        "months_since_first_cut": c.months_since_first_cut,
        "two_year_minus_funds": _num(c.two_year_minus_funds),
        "source": c.source,
        "rate": _num(c.rate),
        "rate_date": _iso(c.rate_date),
        "reason": c.reason,
        "notes": list(c.notes),
    }


def snapshot_to_dict(s: Snapshot) -> dict[str, Any]:
    """The JSON document of SPEC 9, keys in the spec's order; unknown numbers are null; every
    string is inert (a reader may print it raw)."""
    doc = {
        "schema": SCHEMA,
        "asof": s.asof.isoformat(),
        "source": s.source,
        "spreads": [
            {
                "id": p.id,
                "small": p.small,
                "large": p.large,
                "small_last": _num(p.small_last),
                "large_last": _num(p.large_last),
                "ratio": _num(p.ratio),
                "returns": _legs(p.returns, ("small", "large")),
                "zscore_1y": _num(p.zscore_1y),
                "trend": p.trend,
                "corr_3m": _num(p.corr_3m),
                "beta_3m": _num(p.beta_3m),
                "stale": list(p.stale),
                "last_date": _dates(p.last_date),
            }
            for p in s.spreads
        ],
        "heatmap": [
            {
                "sector": h.sector,
                "large": h.large,
                "small": h.small,
                "returns": _legs(h.returns, ("large", "small")),
                "stale": list(h.stale),
                "last_date": _dates(h.last_date),
            }
            for h in s.heatmap
        ],
        "alerts": [
            {
                "rule": a.rule,
                "group": a.group,
                "severity": a.severity,
                "value": _num(a.value),
                "threshold": _num(a.threshold),
                "since": _iso(a.since),
                "message": a.message,
            }
            for a in s.alerts
        ],
        "scores": {k: _num(v) for k, v in s.scores.items()},
        "coverage": {k: _num(v) for k, v in s.coverage.items()},
        "unknown_rules": list(s.unknown_rules),
        "macro": [
            {"id": m.id, "label": m.label, "value": _num(m.value), "date": _iso(m.date)}
            for m in s.macro
        ],
        "sources": [r.json_row() for r in s.sources],
        "problems": list(s.problems),
        "valuation": valuation_to_dict(s.valuation),
        "cycle": cycle_to_dict(s.cycle),
    }
    return inert_json(doc)


CSV_COLUMNS = (
    "table",
    "id",
    "small",
    "large",
    "window",
    "small_return",
    "large_return",
    "spread_pp",
    "stale",
    "value",
    "note",
    "severity",
    "threshold",
    "date",
)
"""One tidy table for every section (``table`` names it):

- ``spreads`` / ``heatmap``: one row per pair or sector and window; ``stale`` the stale legs.
- ``alert``: ``id`` the rule, ``value`` / ``threshold`` / ``severity``, ``date`` since when,
  ``note`` the message. ``unknown``: a rule with no fresh data (``note`` why).
- ``score``: ``id`` the group, ``value`` the score 0-100 (empty: no data), ``note`` coverage.
  ``coverage``: ``value`` the known weight 0-1, ``note`` the score or ``no data``.
- ``macro``: ``id`` the indicator, ``small`` its label, ``value``, ``date`` of the observation,
  ``note`` its unit and ``stale`` when it is.
- ``source``: ``id`` the source, ``note`` its state and error, ``date`` its last success.
- ``valuation``: ``id`` the fund, ``value`` the trailing P/E, ``threshold`` the forward P/E,
  ``date`` its date; ``id`` ``gap``: ``value`` turns, ``threshold`` percent.
- ``cycle``: ``id`` the phase, ``value`` the cuts' basis points, ``date`` the first cut, ``note``
  cuts, months and 2Y minus fed funds.
- ``problem``: ``note`` what the data lacks."""


def snapshot_to_csv(s: Snapshot) -> str:
    """Spreads and heatmap as tidy rows (one per pair or sector and window), then one
    ``coverage`` row per score group and one ``problem`` row per problem. Every text cell goes
    through ``csv_text`` (inert, never a formula: SPEC 9); numbers stay numbers."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)

    def cell(x: float | None) -> str:
        return "" if _num(x) is None else repr(float(x))  # type: ignore[arg-type]

    rows = [("spreads", p.id, p.small, p.large, p.returns, p.stale) for p in s.spreads]
    rows += [("heatmap", h.sector, h.small or "", h.large, h.returns, h.stale) for h in s.heatmap]
    for table, ident, small, large, returns, stale in rows:
        for win in WINDOWS:
            leg = returns[win]
            w.writerow(
                (
                    *(csv_text(t) for t in (table, ident, small, large, win)),
                    cell(leg.small),
                    cell(leg.large),
                    cell(leg.spread_pp),
                    csv_text(" ".join(stale)),
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )

    def row(table: str, ident: str, **cells: str) -> None:
        """One row of another section: the named cells, the rest empty."""
        named = {"table": csv_text(table), "id": csv_text(ident), **cells}
        w.writerow(tuple(named.get(c, "") for c in CSV_COLUMNS))

    for a in s.alerts:
        row(
            "alert",
            a.rule,
            value=cell(a.value),
            threshold=cell(a.threshold),
            severity=csv_text(a.severity),
            date=a.since.isoformat(),
            note=csv_text(a.message),
        )
    for rule, why in s.unknown.items():
        row("unknown", rule, note=csv_text(why))
    for group, cov in s.coverage.items():
        score = s.scores.get(group)
        note = "no data" if score is None else f"score {score:.1f}"
        row("coverage", group, value=cell(cov), note=note)
        row("score", group, value=cell(score), note=f"coverage {cell(cov) or 'n/a'}")
    for m in s.macro:
        note = " ".join(x for x in (m.unit, "stale" if m.stale else "") if x)
        row(
            "macro",
            m.id,
            small=csv_text(m.label),
            value=cell(m.value),
            date=m.date.isoformat() if m.date else "",
            note=csv_text(note),
        )
    for src in s.sources:
        state = f"{src.state}: {src.error}" if src.error else src.state
        row(
            "source",
            src.name,
            note=csv_text(state),
            date=src.last_success.isoformat() if src.last_success else "",
        )
    if s.valuation is not None:
        v = s.valuation
        for pe in (v.large, *v.small):
            row(
                "valuation",
                pe.symbol,
                value=cell(pe.pe),
                threshold=cell(pe.forward_pe),
                date=pe.date.isoformat() if pe.date else "",
                note=csv_text(pe.reason or ""),
            )
        row(
            "valuation",
            "gap",
            value=cell(v.gap_turns),
            threshold=cell(v.gap_pct),
            note=csv_text(v.reason or ""),
        )
    if s.cycle is not None:
        c = s.cycle
        parts = [
            f"cuts {c.cuts}" if c.cuts is not None else "",
            f"months {c.months_since_first_cut}" if c.months_since_first_cut is not None else "",
            f"2Y-funds {c.two_year_minus_funds:.2f}"
            if _num(c.two_year_minus_funds) is not None
            else "",
            c.reason or "",
        ]
        row(
            "cycle",
            c.phase or "",
            value=cell(c.cut_bp),
            date=c.first_cut.isoformat() if c.first_cut else "",
            note=csv_text(" · ".join(p for p in parts if p)),
        )
    for problem in s.problems:
        row("problem", "", note=csv_text(problem))
    return buf.getvalue()


def _said_by_a_file(reason: str, problems: tuple[str, ...]) -> bool:
    """True when ``reason`` ("IWM: data ends D") is the source's own problem of the symbol's
    file ("prices/IWM.csv: data ends D, before the as-of day ...")."""
    symbol, _, rest = reason.partition(": ")
    said = f"/{symbol}.csv: {rest},"
    return any(said in p for p in problems)
