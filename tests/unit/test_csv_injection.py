"""No CSV rotmon writes starts a formula in a spreadsheet (SPEC 9, issue 14): a pack's holdings
file too, which still reads back exactly as written."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from data_sources.pack import load_pack, write_pack

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
FORMULAS = ('=HYPERLINK("https://evil.example","x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3")


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_pack_holdings_are_written_inert_and_read_back_unchanged(tmp_path: Path) -> None:
    pack = load_pack(SMALL)
    first = pack.constituents[:4]
    hostile = tuple(
        dataclasses.replace(c, name=formula, sector=formula if i == 0 else c.sector)
        for i, (c, formula) in enumerate(zip(first, FORMULAS, strict=True))
    )
    constituents = hostile + pack.constituents[4:]
    write_pack(
        tmp_path / "out",
        prices={s: b.frame for s, b in pack.prices.items()},
        macro={},
        constituents=constituents,
        holdings_asof=pack.holdings_asof,
    )
    with (tmp_path / "out" / "holdings" / "IWM.csv").open(newline="", encoding="utf-8") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    text = [cell for cell in cells if cell != "-" and not _number(cell)]  # "-" is "no value"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in text)
    assert "'@SUM(A1)" in cells
    weights = [c.weight for c in constituents if c.weight is not None and c.weight < 0]
    again = load_pack(tmp_path / "out")
    assert again.constituents == constituents  # the guard's quote is not part of the name
    assert [c.weight for c in again.constituents if c.weight is not None and c.weight < 0] == (
        weights
    )
