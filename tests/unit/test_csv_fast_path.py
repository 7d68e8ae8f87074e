"""The C fast path of the price and FRED readers gives exactly what the general path gives:
the same bars, the same listed dates, the same problems (hypothesis over generated files)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_sources import csvtext
from data_sources.fredcsv import read_fred_csv
from data_sources.pricecsv import parse_price_csv

NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: f"{x:.4f}"),
    st.integers(-5, 10**6).map(str),
    st.sampled_from(["", ".", "null", "NULL", "NaN", "nan", "-", "N/A", "inf", "-Infinity", "x",
                     "1e-320", "0", "-0", "1_000", " 1.5", "1.5 ", "+2", "1e400", "Null"]),
)  # fmt: skip
DAY = st.one_of(
    st.dates(min_value=__import__("datetime").date(1890, 1, 1)).map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31", "2020-02-30", "2020-1-5", "01/02/2020", "nope", "",
                     "2020-01-02 00:00:00-05:00", "today"]),
)  # fmt: skip


def both(parse: object, *args: object) -> tuple[object, object]:
    fast = parse(*args)  # type: ignore[operator]
    csvtext.FAST_PATH = False
    try:
        slow = parse(*args)  # type: ignore[operator]
    finally:
        csvtext.FAST_PATH = True
    return fast, slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(DAY, NUMBER, NUMBER), min_size=1, max_size=12),
    symbol=st.sampled_from(["SPY", "CL=F"]),
    blank=st.booleans(),
)
def test_price_files_read_the_same_both_ways(
    rows: list[tuple[str, str, str]], symbol: str, blank: bool
) -> None:
    body = [f"{d},{c},{a}" for d, c, a in rows]
    if blank:
        body.insert(len(body) // 2, "")
    text = "Date,Close,Adj Close\n" + "\n".join(body) + "\n"
    fast, slow = both(parse_price_csv, text, symbol, "prices/X.csv")
    assert fast.problems == slow.problems  # type: ignore[attr-defined]
    assert fast.listed.equals(slow.listed)  # type: ignore[attr-defined]
    if slow.bars is None:  # type: ignore[attr-defined]
        assert fast.bars is None  # type: ignore[attr-defined]
    else:
        a, b = fast.bars.frame, slow.bars.frame  # type: ignore[attr-defined]
        assert a.index.equals(b.index)
        np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(DAY, NUMBER), min_size=1, max_size=12))
def test_fred_files_read_the_same_both_ways(rows: list[tuple[str, str]]) -> None:
    text = "observation_date,DGS2\n" + "\n".join(f"{d},{v}" for d, v in rows) + "\n"
    fast, slow = both(read_fred_csv, text, "macro/DGS2.csv")
    assert fast.problems == slow.problems  # type: ignore[attr-defined]
    assert fast.listed.equals(slow.listed)  # type: ignore[attr-defined]
    assert fast.values.index.equals(slow.values.index)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(fast.values.to_numpy(), slow.values.to_numpy())  # type: ignore[attr-defined]


def test_a_clean_file_takes_the_fast_path() -> None:
    lines = ["2020-01-02,1.5,2", "2020-01-03,null,3"]
    fast = csvtext.read_clean(lines, 0, [0], [1, 2])
    assert fast is not None
    columns, numbers = fast
    assert columns.cells[0] == ["2020-01-02", "2020-01-03"]
    assert list(columns.lines) == [1, 2]
    assert numbers[2].tolist() == [2.0, 3.0] and math.isnan(numbers[1][1])


@pytest.mark.parametrize(
    "lines",
    [
        ["2020-01-02,1", "", "2020-01-03,2"],  # a blank line
        ["2020-01-02,1", "2020-01-03"],  # a short line
        ["2020-01-02,1,9", "2020-01-03,2"],  # a short line after a long one
        ['2020-01-02,"1"'],  # quotes
        ["2020-01-02,inf"],  # a non-finite number is a problem to report by line
        ["2020-01-02,abc"],
    ],
)
def test_anything_else_takes_the_general_path(lines: list[str]) -> None:
    assert csvtext.read_clean(lines, 0, [0], [1]) is None
