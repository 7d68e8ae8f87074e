"""Plain-terminal renderings of a snapshot for `rotmon snapshot --format table`."""

from __future__ import annotations

from datetime import date, datetime

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from analytics.catalog import WINDOWS
from analytics.text import inert
from analytics.types import Snapshot


def fmt(x: float | None, digits: int = 2, sign: bool = False) -> str:
    """A number for people: ``n/a`` when unknown."""
    if x is None:
        return "n/a"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _signed(x: float | None) -> Text:
    style = "" if x is None else ("green" if x > 0 else "red" if x < 0 else "")
    return Text(fmt(x, sign=True), style=style)


def snapshot_tables(s: Snapshot) -> Group:
    """Rich tables for spreads, heatmap, alerts, scores, macro and sources."""
    spreads = Table(title=f"Spreads (pp) — {s.source} as of {s.asof:%Y-%m-%d %H:%M}")
    for col in ("pair", *WINDOWS, "z 1Y", "trend"):
        spreads.add_column(col, justify="left" if col in ("pair", "trend") else "right")
    for p in s.spreads:
        spreads.add_row(
            Text(inert(p.id)),
            *(_signed(p.returns[w].spread_pp) for w in WINDOWS),
            fmt(p.zscore_1y, sign=True),
            Text(inert(p.trend or "n/a")),
        )
    pairs = Table(title="Pairs")
    for col in ("pair", "small last", "large last", "ratio", "corr 3M", "beta 3M"):
        pairs.add_column(col, justify="left" if col == "pair" else "right")
    for p in s.spreads:
        pairs.add_row(
            Text(inert(p.id)),
            fmt(p.small_last),
            fmt(p.large_last),
            fmt(p.ratio, 4),
            fmt(p.corr_3m),
            fmt(p.beta_3m),
        )
    heat = Table(title="Sectors, 1M return (%)")
    for col in ("sector", "large", "small", "large %", "small %", "spread pp"):
        heat.add_column(col, justify="left" if col in ("sector", "large", "small") else "right")
    for h in s.heatmap:
        leg = h.returns["1M"]
        heat.add_row(
            Text(inert(h.sector)),
            Text(inert(h.large)),
            Text(inert(h.small or "n/a")),
            _signed(leg.large),
            _signed(leg.small),
            _signed(leg.spread_pp),
        )
    alerts = Table(title="Alerts")
    for col in ("severity", "rule", "value", "threshold", "since"):
        alerts.add_column(col, justify="right" if col in ("value", "threshold") else "left")
    for a in s.alerts:
        alerts.add_row(
            Text(a.severity.upper(), style="bold red" if a.severity == "critical" else "yellow"),
            Text(inert(a.label or a.rule)),
            fmt(a.value),
            fmt(a.threshold),
            a.since.isoformat(),
        )

    def score_text(group: str, value: float | None) -> str:
        name = group.replace("_", "-")
        if value is None:  # no rule of the group known: never 0 (SPEC 7)
            return f"{name} score: no data"
        cov = s.coverage.get(group)
        tail = f" (coverage {cov:.0%})" if cov is not None and cov < 1.0 else ""
        return f"{name} score: {fmt(value, 0)}{tail}"

    scores = Text("  ".join(score_text(k, v) for k, v in s.scores.items()))
    for rule, reason in s.unknown.items():
        scores.append(f"\nunknown {inert(rule)}: {inert(reason)}", style="yellow")
    macro = Table(title="Macro & energy")
    for col in ("indicator", "value", "change", "date"):
        macro.add_column(col, justify="left" if col == "indicator" else "right")
    for m in s.macro:
        macro.add_row(Text(inert(m.label)), fmt(m.value), fmt(m.change, sign=True), _iso(m.date))
    parts: list[RenderableType] = [spreads, pairs, heat, alerts, scores, macro, *_thesis(s)]
    if s.sources:
        src = Table(title="Sources")
        for col in ("source", "state", "last success", "error"):
            src.add_column(col)
        for r in s.sources:
            src.add_row(
                Text(inert(r.name)),
                Text(inert(r.state)),
                _iso(r.last_success),
                Text(inert(r.error or "")),
            )
        parts.append(src)
    if s.problems:
        parts.append(Text("\n".join(inert(p) for p in s.problems), style="yellow"))
    return Group(*parts)


def _thesis(s: Snapshot) -> list[RenderableType]:
    """The valuation gap and the Fed cycle (SPEC 11); unknown is ``n/a`` with the reason."""
    out: list[RenderableType] = []
    v = s.valuation
    if v is not None:
        table = Table(title="Valuation (P/E)")
        for col in ("fund", "P/E", "forward P/E", "date", "note"):
            table.add_column(col, justify="right" if "P/E" in col else "left")
        for p in (v.large, *v.small):
            table.add_row(
                Text(inert(p.symbol)),
                fmt(p.pe, 1),
                fmt(p.forward_pe, 1),
                _iso(p.date),
                Text(inert(p.reason or "")),
            )
        out.append(table)
        if v.gap_turns is None or v.gap_pct is None:
            out.append(Text(f"gap: n/a ({inert(v.reason or 'no P/E')})"))
        else:
            out.append(
                Text(
                    f"gap ({v.basis} P/E, {v.large.symbol} - {inert(v.gap_small or '')}):"
                    f" {v.gap_turns:+.1f} turns, {v.gap_pct:.1f}%;"
                    f" 5-year z-score {fmt(v.zscore_5y, sign=True)}"
                )
            )
    c = s.cycle
    if c is not None:
        if c.phase is None:
            out.append(Text(f"Fed cycle: n/a ({inert(c.reason or 'no policy rate')})"))
        else:
            first = "none since the last hike" if c.first_cut is None else c.first_cut.isoformat()
            out.append(
                Text(
                    f"Fed cycle ({c.source}): {c.phase}; first cut {first}; cuts {c.cuts},"
                    f" {fmt(c.cut_bp, 0)} bp; months since first cut"
                    f" {'n/a' if c.months_since_first_cut is None else c.months_since_first_cut};"
                    f" 2Y minus funds {fmt(c.two_year_minus_funds, sign=True)}"
                )
            )
    return out


def _iso(x: date | datetime | None) -> str:
    if x is None:
        return "n/a"
    return x.isoformat(timespec="minutes") if isinstance(x, datetime) else x.isoformat()


def print_snapshot_table(s: Snapshot, console: Console) -> None:
    console.print(snapshot_tables(s))


def print_backtest_table(doc: dict, console: Console) -> None:
    """The episodes of a `rotmon backtest` document, one table per rule group."""
    console.print(f"Backtest {doc['from']} → {doc['to']}: {doc['days']} NYSE sessions")
    for group in ("hard_landing", "energy_shock"):
        found = [e for e in doc["episodes"] if e["group"] == group]
        table = Table(title=group.replace("_", " ").capitalize(), box=box.SIMPLE_HEAD)
        for col in ("rule", "severity", "start", "end", "peak", "peak date"):
            table.add_column(col, justify="right" if col == "peak" else "left", no_wrap=True)
        for e in found:
            table.add_row(
                Text(inert(e["rule"])),
                Text(
                    inert(e["severity"]),
                    style="bold red" if e["severity"] == "critical" else "yellow",
                ),
                e["start"],
                e["end"] or (e.get("end_reason") or "open"),  # "open" or "data ends"
                fmt(e["peak"]["value"]),
                e["peak"]["date"] or "n/a",
            )
        console.print(table if found else f"{table.title}: no rule fired in this period.")
