"""Properties of the CSV readers (data_sources/pricecsv.py, fredcsv.py), checked by hypothesis:
any text is read or reported (never an exception), and a well-formed file gives back exactly
the numbers written, in date order, whatever order and line ends it was written in."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from data_sources.fredcsv import read_fred_csv
from data_sources.pricecsv import parse_price_csv

DAYS = st.lists(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2024, 12, 31)),
    min_size=1,
    max_size=40,
    unique=True,
)
PRICE = st.floats(min_value=0.01, max_value=1e6, allow_nan=False).map(lambda x: round(x, 4))
VALUE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 4))
CSV_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.lists(
    st.lists(st.sampled_from(["Date", "Close", "2020-01-02", "1.5", "", ".", "null", "-3",
                              "observation_date", "DGS10", '"a,b"', "x"]), max_size=5)
    .map(",".join),
    max_size=8,
).map("\n".join)  # fmt: skip


@settings(max_examples=150)
@given(CSV_TEXT)
def test_any_text_is_read_or_reported_never_raised(text: str) -> None:
    price = parse_price_csv(text, "XLE")
    assert price.bars is not None or price.problems
    for problem in price.problems:
        assert problem.startswith("XLE.csv:") and "\n" not in problem
    fred = read_fred_csv(text, "DGS10.csv")
    assert isinstance(fred.values, pd.Series)
    for problem in fred.problems:
        assert problem.startswith("DGS10.csv:") and "\n" not in problem


@given(DAYS, st.data(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_date_close_file_gives_back_its_closes_in_date_order(
    days: list[date], data: st.DataObject, newline: str, shuffled: bool
) -> None:
    closes = data.draw(st.lists(PRICE, min_size=len(days), max_size=len(days)))
    rows = list(zip(days, closes, strict=True))
    if not shuffled:
        rows.sort()
    text = newline.join(["Date,Close", *(f"{d.isoformat()},{c!r}" for d, c in rows)]) + newline
    parsed = parse_price_csv(text, "XLE")
    assert parsed.bars is not None
    close = parsed.bars.close
    expected = sorted(rows)
    assert [ts.date() for ts in close.index] == [d for d, _ in expected]
    assert close.tolist() == [c for _, c in expected]
    assert close.index.is_monotonic_increasing and close.index.is_unique
    sorted_already = rows == expected
    assert (not parsed.problems) is sorted_already  # unsorted rows are sorted and reported


@given(DAYS, st.data())
def test_a_fred_file_gives_back_its_values_and_drops_the_missing(
    days: list[date], data: st.DataObject
) -> None:
    days = sorted(days)
    values = data.draw(
        st.lists(st.one_of(VALUE, st.just(None)), min_size=len(days), max_size=len(days))
    )
    cells = ["." if v is None else repr(v) for v in values]
    text = "\n".join(
        ["observation_date,DGS10", *(f"{d},{c}" for d, c in zip(days, cells, strict=True))]
    )
    result = read_fred_csv(text, "DGS10.csv")
    kept = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
    assert result.problems == []
    assert result.values.name == "DGS10"
    assert [ts.date() for ts in result.values.index] == [d for d, _ in kept]
    assert result.values.tolist() == [v for _, v in kept]
    assert [ts.date() for ts in result.listed] == days  # every dated row is listed
