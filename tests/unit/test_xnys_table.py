"""The packaged XNYS session table (analytics.xnys) is exchange_calendars' answer, exactly.

When exchange_calendars is upgraded and this fails, regenerate the table with
``python -m analytics.xnys`` and say so in the commit.
"""

from __future__ import annotations

import json
import warnings
import zlib

import numpy as np
import pytest

from analytics import xnys


def _calendar_table(first_year: int, last_year: int) -> xnys.SessionTable:
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xc.get_calendar("XNYS", start=f"{first_year}-01-01", end=f"{last_year}-12-31")
    return xnys.table_of_calendar(cal, first_year, last_year)


def test_the_packaged_table_equals_exchange_calendars_answer() -> None:
    table = xnys.packaged_table()
    assert table is not None
    assert (table.first_year, table.last_year) == xnys.TABLE_YEARS
    expected = _calendar_table(*xnys.TABLE_YEARS)
    assert len(table.days) == len(expected.days) > 36_000
    np.testing.assert_array_equal(table.days, expected.days)
    np.testing.assert_array_equal(table.opens, expected.opens)
    np.testing.assert_array_equal(table.closes, expected.closes)
    assert table.same_sessions(expected)


def test_the_file_names_the_exchange_calendars_it_came_from() -> None:
    import exchange_calendars as xc

    data = xnys.TABLE_FILE.read_bytes()
    header = json.loads(data.split(b"\n")[1])
    assert header["exchange_calendars"] == xc.__version__
    assert (header["first_year"], header["last_year"]) == xnys.TABLE_YEARS


def test_a_year_range_is_the_calendar_built_for_it_alone() -> None:
    # Sessions of a calendar do not depend on the span it was built for: 2025's sessions from
    # the 1900-2040 table are those of a calendar of 2025 alone (half days and DST included).
    table = xnys.packaged_table()
    assert table is not None
    alone = _calendar_table(2025, 2025)
    lo, hi = np.searchsorted(table.days, alone.days[[0, -1]])
    np.testing.assert_array_equal(table.days[lo : hi + 1], alone.days)
    np.testing.assert_array_equal(table.opens[lo : hi + 1], alone.opens)
    np.testing.assert_array_equal(table.closes[lo : hi + 1], alone.closes)


def test_encode_decode_round_trip_and_broken_files_are_refused() -> None:
    table = _calendar_table(2020, 2021)
    data = xnys.encode(table, "test")
    back = xnys.decode(data)
    assert back.same_sessions(table)
    assert (back.first_year, back.last_year) == (2020, 2021)
    with pytest.raises(ValueError):
        xnys.decode(b"not a table")
    head, _, _ = data.rpartition(b"\n")
    with pytest.raises(ValueError):
        xnys.decode(data[: len(head) + 1] + zlib.compress(b"\0" * 10))


def test_outside_the_table_exchange_calendars_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xnys, "_xnys", None)
    monkeypatch.setattr(xnys, "_built", None)
    last = xnys.TABLE_YEARS[1]
    got = xnys.xnys_sessions(last + 1, last + 2)
    assert got.covers(last + 1, last + 2)
    expected = _calendar_table(last + 1, last + 2)
    lo, hi = np.searchsorted(got.days, expected.days[[0, -1]])
    np.testing.assert_array_equal(got.days[lo : hi + 1], expected.days)
    np.testing.assert_array_equal(got.opens[lo : hi + 1], expected.opens)
    assert xnys.xnys_sessions(last + 2, last + 2) is got  # built once


@pytest.mark.parametrize("years", [(1900, 1900), (1996, 2027), (2021, 2027), (2040, 2040)])
def test_the_asked_years_alone_are_the_whole_tables_rows(years: tuple[int, int]) -> None:
    # The callers keep what xnys_sessions gives them: only the asked years, the same sessions.
    whole = xnys.packaged_table()
    assert whole is not None
    got = xnys.xnys_sessions(*years)
    assert (got.first_year, got.last_year) == years
    first = np.datetime64(f"{years[0]}-01-01", "D").astype(np.int64)
    after = np.datetime64(f"{years[1] + 1}-01-01", "D").astype(np.int64)
    keep = (whole.days >= first) & (whole.days < after)
    assert keep.sum() == len(got.days) > 200
    for a, b in ((got.days, whole.days), (got.opens, whole.opens), (got.closes, whole.closes)):
        assert a.dtype == np.int64
        np.testing.assert_array_equal(a, b[keep])


def test_years_outside_the_file_are_refused_by_decode() -> None:
    data = xnys.TABLE_FILE.read_bytes()
    with pytest.raises(ValueError):
        xnys.decode(data, (1899, 1900))
    with pytest.raises(ValueError):
        xnys.decode(data, (2030, 2020))
