"""The thesis line under the header (valuation gap and Fed cycle, at every size) and the cycle
line of the macro pane (SPEC 11): the most detail that fits the width, `n/a` when unknown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import product
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

from analytics.types import RateCycle, ValuationGap
from widgets import formatting as fmt

Piece = tuple[str, str]
"""(text, component-class suffix: "" plain, "label", "dim", "gain", "loss")."""


def _pe(x: float | None) -> Piece:
    return (f"{x:.1f}", "") if fmt.known(x) else (fmt.NA, "dim")


def _month(d: date | None) -> str:
    return fmt.NA if d is None else d.strftime("%b %y")


def valuation_variants(v: ValuationGap | None) -> list[list[Piece]]:
    """The valuation half of the thesis line, most detailed first."""
    if v is None:
        return [[("P/E ", "label"), (fmt.NA, "dim")]]
    field = "pe" if v.basis == "trailing" else "forward_pe"
    basis = "ttm" if v.basis == "trailing" else "fwd"
    big = getattr(v.large, field)
    smalls = [(p.symbol, getattr(p, field)) for p in v.small]
    gap: list[Piece]
    if fmt.known(v.gap_turns) and fmt.known(v.gap_pct):
        tone = "gain" if (v.gap_turns or 0) > 0 else "loss"
        gap = [(f"{v.gap_turns:.1f}x", tone), (f" ({v.gap_pct:.0f}%)", "")]
    else:
        gap = [(fmt.NA, "dim")]
    z: list[Piece] = [(" 5y z ", "label")]
    z += [(fmt.signed(v.zscore_5y, 1), "")] if fmt.known(v.zscore_5y) else [(fmt.NA, "dim")]

    def body(names: Sequence[tuple[str, float | None]], sep: str) -> list[Piece]:
        out: list[Piece] = [(f"{v.large.symbol} ", "label"), _pe(big)]
        for sym, val in names:
            out += [(f"{sep}{sym} ", "label"), _pe(val)]
        return out

    head: list[Piece] = [(f"{basis} P/E ", "label")]
    return [
        [("Valuation ", "label"), *head, *body(smalls, "  "), ("  gap ", "label"), *gap, *z],
        [*head, *body(smalls, " "), (" gap ", "label"), *gap, *z],
        [*head, *body(smalls, " "), (" gap ", "label"), *gap],
        [*head, *body(smalls[:1], " "), (" gap ", "label"), *gap],
        [*head, *body(smalls[:1], " "), (" gap ", "label"), gap[0]],
        [("P/E gap ", "label"), gap[0]],
    ]


def cycle_variants(c: RateCycle | None, *, label: str = "Fed ") -> list[list[Piece]]:
    """The Fed half of the thesis line (also the macro pane's cycle line), most detailed first."""
    if c is None or c.phase is None:
        why = [] if c is None or not c.reason else [(f" ({fmt.inert(c.reason)})", "dim")]
        return [[(label, "label"), (fmt.NA, "dim"), *why], [(label, "label"), (fmt.NA, "dim")]]
    phase: Piece = (c.phase, "label")
    if c.first_cut is None:
        rate = f" at {c.rate:.2f}%" if fmt.known(c.rate) else ""
        return [[(label, "label"), phase, (rate, ""), (" · no cut since the last hike", "dim")],
                [(label, "label"), phase, (rate, "")], [(label, "label"), phase]]  # fmt: skip
    cuts = f"{c.cuts} cut{'s' * (c.cuts != 1)}"
    bp = f"−{c.cut_bp:.0f} bp" if fmt.known(c.cut_bp) else "n/a bp"
    months = "" if c.months_since_first_cut is None else f" ({c.months_since_first_cut} mo)"
    spread: list[Piece] = [(" · 2Y−FF ", "label")]
    spread += (
        [(fmt.signed(c.two_year_minus_funds, 2), "")]
        if fmt.known(c.two_year_minus_funds)
        else [(fmt.NA, "dim")]
    )
    since = c.first_cut.isoformat()
    tight = bp.replace(" ", "")
    month = _month(c.first_cut)
    return [
        [(label, "label"), phase, (f" · {cuts}, {bp} since {since}{months}", ""), *spread],
        [(label, "label"), phase, (f" · {cuts}, {bp} since {month}", ""), *spread],
        [(label, "label"), phase, (f" · {cuts} {tight} since {month}", "")],
        [(label, "label"), phase, (f" · {cuts} {tight}", "")],
        [(label, "label"), phase, (f" {tight}", "")],
        [(label, "label"), phase],
    ]


def _width(pieces: Sequence[Piece]) -> int:
    return sum(cell_len(t) for t, _ in pieces)


def fit_line(
    halves: Sequence[list[list[Piece]]], width: int, sep: Piece = ("  │  ", "dim")
) -> list[Piece]:
    """The richest combination of each half's variants that fits ``width``: the least total
    shortening, then the most even, then the wider separator."""
    seps = [sep, (" │ ", "dim")] if len(sep[0]) > 3 else [sep]
    # Each variant measured once (a line's width is the sum of its pieces'): the tick of a
    # busy market fits the thesis line at every poll, over every combination.
    widths = [[_width(v) for v in variants] for variants in halves]
    best: tuple[tuple[int, int, int], tuple[int, ...], Piece] | None = None
    for s_i, separator in enumerate(seps):
        gaps = cell_len(separator[0]) * max(0, len(halves) - 1)
        for choice in product(*(range(len(v)) for v in halves)):
            if sum(w[k] for w, k in zip(widths, choice, strict=True)) + gaps > width:
                continue
            rank = (sum(choice), max(choice, default=0), s_i)
            if best is None or rank < best[0]:
                best = (rank, choice, separator)
    out: list[Piece] = []
    if best is not None:
        _, choice, separator = best
        for i, (variants, k) in enumerate(zip(halves, choice, strict=True)):
            if i:
                out.append(separator)
            out += variants[k]
        return out
    for i, variants in enumerate(halves):  # nothing fits: the shortest, cut by the widget
        if i:
            out.append(seps[-1])
        out += variants[-1]
    return out


def changed_span(
    before: Sequence[Piece], after: Sequence[Piece], width: int
) -> tuple[int, int] | None:
    """The cells ``[start, end)`` of a ``width``-cell line in which two drawings of pieces
    differ (text or tone); None when they draw the same. A line with wide characters, or one
    cut at ``width`` (its "…" moves), counts as changed from the first difference to the end."""
    a = [(ch, tone) for text, tone in before for ch in text]
    b = [(ch, tone) for text, tone in after for ch in text]
    if a == b:
        return None
    common = min(len(a), len(b))
    differ = [i for i in range(common) if a[i] != b[i]]
    start = differ[0] if differ else common
    simple = all(cell_len(t) == len(t) for t, _ in (*before, *after))
    if not simple or max(len(a), len(b)) > width:
        return (start, width) if start < width else None
    # a shorter line leaves blanks where the longer one had text
    end = max(len(a), len(b)) if len(a) != len(b) else differ[-1] + 1
    return (start, end)


class _PieceLine(Widget):
    """One line drawn from pieces; theme colours by component class, never literals."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thesis--label",
        "thesis--dim",
        "thesis--gain",
        "thesis--loss",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._key: object = None
        self._shown: list[Piece] | None = None
        """The pieces last drawn (or due to be: a repaint is pending for the rest)."""
        self._fitted: tuple[object, int] | None = None
        """The key and width ``_shown`` was fitted for: ``render`` draws those pieces again
        instead of fitting the same halves to the same width a second time (the tick fitted
        them to find the changed cells; the frame right after drew them)."""

    def halves(self) -> Sequence[list[list[Piece]]]:
        return []

    def _pieces(self) -> list[Piece]:
        return fit_line(self.halves(), max(1, self.size.width))

    def render(self) -> Text:
        fit = (self._key, self.size.width)
        shown = self._shown
        pieces = shown if shown is not None and self._fitted == fit else self._pieces()
        self._shown, self._fitted = pieces, fit
        text = Text(no_wrap=True, overflow="ellipsis")
        for piece, tone in pieces:
            if tone:
                text.append(piece, self.get_component_rich_style(f"thesis--{tone}", partial=True))
            else:
                text.append(piece)
        return text

    def _set(self, key: object) -> None:
        if key == self._key:
            return
        self._key = key
        before, width = self._shown, self.size.width
        if before is None or not width:
            self.refresh()
            return
        after = self._pieces()
        self._shown, self._fitted = after, (key, width)
        span = changed_span(before, after, width)
        if span is not None:
            # Only the cells that read differently go to the terminal: a tick moves a few
            # numbers of the line, not its labels.
            self.refresh(Region(span[0], 0, span[1] - span[0], 1))


class ThesisBar(_PieceLine):
    """``fwd P/E SPY 22.1 IJR 15.0 IWM 16.4 gap 7.1x (32%) │ Fed on hold · 6 cuts −150 bp``."""

    DEFAULT_CSS = """
    ThesisBar { height: 1; padding: 0 1; background: $boost; color: $foreground; }
    ThesisBar > .thesis--label { color: $text-muted; }
    ThesisBar > .thesis--dim { color: $neutral; }
    ThesisBar > .thesis--gain { color: $gain; text-style: bold; }
    ThesisBar > .thesis--loss { color: $loss; text-style: bold; }
    """

    HELP = """\
## Valuation and the Fed

The line under the header: forward P/E (trailing where a side has no forward) of SPY (S&P 500)
against IJR (S&P 600) and IWM (Russell 2000), the gap in turns and as the small side's discount,
its 5-year z-score; then the Fed's phase, cuts and basis points since the first cut of the
cycle, and 2-year yield minus the policy rate. `v` opens the valuation screen, `c` the cycle.
"""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.valuation: ValuationGap | None = None
        self.cycle: RateCycle | None = None

    def update_thesis(self, valuation: ValuationGap | None, cycle: RateCycle | None) -> None:
        self.valuation, self.cycle = valuation, cycle
        self._set((valuation, cycle))

    def halves(self) -> Sequence[list[list[Piece]]]:
        return [valuation_variants(self.valuation), cycle_variants(self.cycle)]

    @property
    def plain(self) -> str:
        return "".join(t for t, _ in fit_line(self.halves(), max(1, self.size.width)))


class CycleLine(_PieceLine):
    """The rate cycle in the macro pane: ``Fed cycle on hold · 6 cuts, −150 bp since …``."""

    DEFAULT_CSS = """
    CycleLine { height: 1; padding: 0 1; color: $foreground; }
    CycleLine > .thesis--label { color: $text-muted; text-style: bold; }
    CycleLine > .thesis--dim { color: $neutral; }
    CycleLine > .thesis--gain { color: $gain; }
    CycleLine > .thesis--loss { color: $loss; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cycle: RateCycle | None = None

    def update_cycle(self, cycle: RateCycle | None) -> None:
        self.cycle = cycle
        self._set(cycle)

    def halves(self) -> Sequence[list[list[Piece]]]:
        return [cycle_variants(self.cycle, label="Fed cycle ")]
