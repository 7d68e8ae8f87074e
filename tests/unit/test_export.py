"""Exports: CSV cells, file names, no overwrite, the SPEC 9 JSON document."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from analytics.types import Alert, LegReturns, PairRow, SectorRow, Snapshot
from tui.export import (
    ExportError,
    csv_cell,
    export_snapshot_json,
    export_table_csv,
    safe_name,
    table_csv,
)

NOW = datetime(2026, 3, 2, 14, 30, 5)


def test_csv_cells() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(float("nan")) == ""
    assert csv_cell(1.25) == "1.25"
    assert csv_cell(0.1 + 0.2) == "0.30000000000000004"  # full precision, no rounding
    assert csv_cell(-3.5) == "-3.5"  # numbers are never quoted as text
    assert csv_cell(7) == "7"
    # numpy scalars (what pandas hands out) print as plain numbers too.
    assert csv_cell(np.float64(12.5)) == "12.5"
    assert csv_cell(np.int64(3)) == "3"
    assert csv_cell(np.float64("nan")) == ""
    assert csv_cell(np.bool_(True)) == "true"
    assert csv_cell(True) == "true"
    assert csv_cell(date(2026, 1, 2)) == "2026-01-02"
    assert csv_cell("Acme") == "Acme"
    # Text that a spreadsheet would run as a formula is made inert.
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("-1+2") == "'-1+2"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"


def test_table_csv_rows_and_mappings() -> None:
    text = table_csv([("IWM", 1.5, None), {"sym": "SPY", "ret": -0.25}], ("sym", "ret", "x"))
    assert text == "sym,ret,x\nIWM,1.5,\nSPY,-0.25,\n"
    with pytest.raises(ValueError, match="row has 2 cells, expected 3"):
        table_csv([("a", 1)], ("a", "b", "c"))


def test_names_are_safe_and_timestamped(tmp_path: Path) -> None:
    assert safe_name("IWM/SPY") == "IWM-SPY"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("///") == "export"
    assert safe_name("^RUT") == "^RUT"
    path = export_table_csv([("a", 1.0)], ("k", "v"), "pair IWM/SPY", tmp_path, now=NOW)
    assert path == tmp_path / "rotmon-pair-IWM-SPY-20260302-143005.csv"
    assert path.read_text(encoding="utf-8") == "k,v\na,1.0\n"


def test_no_overwrite_in_the_same_second(tmp_path: Path) -> None:
    paths = [export_table_csv([(i,)], ("n",), "t", tmp_path, now=NOW) for i in range(3)]
    assert [p.name for p in paths] == [
        "rotmon-t-20260302-143005.csv",
        "rotmon-t-20260302-143005-2.csv",
        "rotmon-t-20260302-143005-3.csv",
    ]
    assert [p.read_text().splitlines()[1] for p in paths] == ["0", "1", "2"]


def test_creates_the_directory_and_reports_failures(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    path = export_table_csv([], ("x",), "empty", nested, now=NOW)
    assert path.parent == nested and path.read_text() == "x\n"
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ExportError, match="cannot create export directory") as err:
        export_table_csv([], ("x",), "t", blocker / "sub", now=NOW)
    assert "\n" not in str(err.value)


def test_csv_round_trips_awkward_text(tmp_path: Path) -> None:
    name = 'Acme, "Holdings"\nInc\u202e\x1b[2J'
    path = export_table_csv([(name, 2.0)], ("name", "w"), "t", tmp_path, now=NOW)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    # quotes and commas survive; the line break is a space, controls are gone (inert)
    assert rows == [["name", "w"], ['Acme, "Holdings" Inc', "2.0"]]


def _snapshot() -> Snapshot:
    legs = {w: LegReturns(1.0, 0.5, 0.5) for w in ("1D", "1W", "1M", "3M", "YTD")}
    legs["1Y"] = LegReturns(None, 3.0, None)
    pair = PairRow(
        id="IWM/SPY",
        small="IWM",
        large="SPY",
        label="Russell 2000 vs S&P 500",
        small_last=220.0,
        large_last=600.0,
        ratio=220.0 / 600.0,
        returns=legs,
        zscore_1y=1.5,
        trend="up",
        corr_3m=0.8,
        beta_3m=1.1,
    )
    sector = SectorRow("Energy", "XLE", "PSCE", legs)
    alert = Alert("vix", "hard_landing", "warning", 27.0, 25.0, date(2026, 2, 27), "VIX 27")
    return Snapshot(
        asof=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        source="demo",
        spreads=(pair,),
        heatmap=(sector,),
        alerts=(alert,),
        scores={"hard_landing": 10.0, "energy_shock": 0.0},
        macro=(),
    )


def test_snapshot_json_is_the_spec_document(tmp_path: Path) -> None:
    path = export_snapshot_json(_snapshot(), tmp_path, now=NOW)
    assert path.name == "rotmon-snapshot-20260302-143005.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == "rotmon.snapshot/2"
    assert doc["source"] == "demo"
    assert doc["asof"] == "2026-03-02T15:00:00+00:00"
    spread = doc["spreads"][0]
    assert spread["id"] == "IWM/SPY"
    assert spread["returns"]["1Y"] == {"small": None, "large": 3.0, "spread_pp": None}
    assert list(spread["returns"]) == ["1D", "1W", "1M", "3M", "YTD", "1Y"]
    assert doc["heatmap"][0]["returns"]["1D"] == {"large": 0.5, "small": 1.0, "spread_pp": 0.5}
    assert doc["alerts"][0]["since"] == "2026-02-27"
    # A second export in the same second gets a new name.
    again = export_snapshot_json(_snapshot(), tmp_path, now=NOW)
    assert again.name == "rotmon-snapshot-20260302-143005-2.json"
