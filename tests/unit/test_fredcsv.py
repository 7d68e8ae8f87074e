"""FRED graph CSV reader: both headers, both missing markers, CRLF, BOM, bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data_sources.fredcsv import listed_dates, parse_fred_csv

MACRO = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small" / "macro"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "realdata"


def test_old_date_header_with_dot_for_missing() -> None:
    # VIXCLS (2024 download): `DATE,VIXCLS`, `.` on holidays.
    text = (MACRO / "VIXCLS.csv").read_text(encoding="utf-8")
    series, problems = parse_fred_csv(text, "macro/VIXCLS.csv")
    assert problems == []
    assert series.name == "VIXCLS"
    assert series[pd.Timestamp("2020-03-16")] == 82.69
    # 2018-12-05 (national day of mourning) is `.` in the file: dropped, not 0.
    assert "2018-12-05,." in text
    assert pd.Timestamp("2018-12-05") not in series.index
    assert (series > 0).all()
    assert series.index.is_monotonic_increasing and series.index.tz is None


def test_new_observation_date_header_with_empty_missing() -> None:
    text = (MACRO / "T10Y3M.csv").read_text(encoding="utf-8")
    assert text.startswith("observation_date,T10Y3M\n")
    series, problems = parse_fred_csv(text, "macro/T10Y3M.csv")
    assert problems == []
    assert "2018-12-05,\n" in text
    assert pd.Timestamp("2018-12-05") not in series.index
    assert series[pd.Timestamp("2018-12-04")] == 0.49
    assert series[pd.Timestamp("2020-03-02")] < 0  # the 2020 inversion: a leading minus


def test_crlf_and_bom_are_tolerated() -> None:
    text = "\ufeffDATE,DGS10\r\n2017-07-03,2.35\r\n2017-07-04,.\r\n2017-07-05,2.33\r\n"
    series, problems = parse_fred_csv(text, "DGS10.csv")
    assert problems == []
    assert series.name == "DGS10"
    assert series.to_dict() == {pd.Timestamp("2017-07-03"): 2.35, pd.Timestamp("2017-07-05"): 2.33}


def test_bad_values_are_reported_by_line_and_skipped() -> None:
    text = "observation_date,ICSA\n2020-03-07,211000\n2020-03-14,abc\n20200321,2920000\n"
    series, problems = parse_fred_csv(text, "macro/ICSA.csv")
    assert list(series) == [211000.0]
    assert problems == [
        "macro/ICSA.csv:4: expected a date YYYY-MM-DD, found '20200321'",
        "macro/ICSA.csv:3: expected a number or `.` for ICSA, found 'abc'",
    ]


def test_unsorted_and_duplicate_dates() -> None:
    text = "DATE,UNRATE\n2020-03-01,4.4\n2020-01-01,3.5\n2020-02-01,3.5\n2020-02-01,3.6\n"
    series, problems = parse_fred_csv(text, "UNRATE.csv")
    assert list(series.index.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03"]
    assert series[pd.Timestamp("2020-02-01")] == 3.6  # the last of the duplicates
    assert problems == [
        "UNRATE.csv:3: date 2020-01-01 comes after 2020-03-01: expected ascending dates; "
        "3 row(s) out of order, rows sorted",
        "UNRATE.csv:4: duplicate date 2020-02-01 (again on line 5): expected one row per "
        "date; kept the last",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "X.csv:1: empty file: expected a header `observation_date,SERIES` and dated rows"),
        ("\n\n", "X.csv:1: empty file: expected a header `observation_date,SERIES` and dated rows"),
        (
            "<!DOCTYPE html><html>Error</html>",
            "X.csv:1: expected a FRED header `observation_date,SERIES` (or `DATE,SERIES`), "
            "found '<!DOCTYPE html><html>Error</html>'",
        ),
        ("DATE,X\n", "X.csv:2: no data rows: expected dated rows after the header"),
    ],
)
def test_unusable_text_gives_one_clear_problem(text: str, expected: str) -> None:
    series, problems = parse_fred_csv(text, "X.csv")
    assert series.empty
    assert problems == [expected]


def test_series_column_found_by_name_in_a_multi_series_download() -> None:
    text = "observation_date,DGS2,DGS10\n2024-01-02,4.33,3.95\n"
    series, _ = parse_fred_csv(text, "macro/DGS10.csv")
    assert series.name == "DGS10"
    assert list(series) == [3.95]


def test_listed_dates_keep_rows_without_values() -> None:
    text = "DATE,X\n2020-01-01,.\n2020-01-02,1.0\n"
    assert list(listed_dates(text)) == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02")]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata is not present")
def test_real_crlf_download_and_the_negative_oil_price() -> None:
    text = (SHARED / "history" / "DCOILWTICO-1986_2018-fred.csv").read_bytes().decode()
    assert "\r\n" in text
    series, problems = parse_fred_csv(text, "DCOILWTICO.csv")
    assert problems == []
    assert len(series) == 8574 - 284  # rows minus the `.` rows (PROVENANCE)
    newer, _ = parse_fred_csv(
        (SHARED / "history" / "DCOILWTICO-2015_2025-fred.csv").read_text(), "DCOILWTICO.csv"
    )
    assert newer[pd.Timestamp("2020-04-20")] == -36.98
