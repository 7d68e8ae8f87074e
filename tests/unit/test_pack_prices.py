"""Price CSV reader: every layout of SPEC 8 on real slices, and each kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.pricecsv import COLUMNS, parse_price_csv

PRICES = Path(__file__).resolve().parents[1] / "fixtures" / "prices"
D = pd.Timestamp


def read(name: str, symbol: str) -> tuple[pd.DataFrame, list[str], str]:
    raw = (PRICES / name).read_bytes().decode("utf-8")
    result = parse_price_csv(raw, symbol, name)
    assert result.bars is not None, result.problems
    frame = result.bars.frame
    assert list(frame.columns) == list(COLUMNS)
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert frame.index.tz is None and (frame.index == frame.index.normalize()).all()
    return frame, result.problems, result.layout


def test_yahoo_layout_uses_adj_close_and_scales_the_day_range() -> None:
    frame, problems, layout = read("QQQ-yahoo-2020-03.csv", "QQQ")
    assert (problems, layout, len(frame)) == ([], "yahoo", 36)
    # 2020-03-16,174.149994,184.679993,169.160004,169.300003,168.646713,92054400
    day = frame.loc[D("2020-03-16")]
    assert day["close"] == 168.646713
    factor = 168.646713 / 169.300003
    assert day["high"] == pytest.approx(184.679993 * factor, rel=1e-12)
    assert day["low"] == pytest.approx(169.160004 * factor, rel=1e-12)
    assert day["open"] == pytest.approx(174.149994 * factor, rel=1e-12)
    assert day["volume"] == 92054400
    assert day["low"] <= day["close"] <= day["high"]


def test_yfinance_three_row_header() -> None:
    frame, problems, layout = read("XLK-yfinance-3row-2020-03.csv", "XLK")
    assert (problems, layout, len(frame)) == ([], "yfinance-multi-header", 36)
    # 2020-03-23,68.882843,70.400002,72.220001,68.099998,70.690002,42479200 (Adj Close first)
    assert frame.loc[D("2020-03-23"), "close"] == 68.882843
    assert frame.loc[D("2020-03-23"), "volume"] == 42479200
    assert frame.loc[D("2020-03-23"), "open"] == pytest.approx(70.690002 * 68.882843 / 70.400002)


def test_yfinance_two_row_header_with_crlf() -> None:
    frame, problems, layout = read("XLE-yfinance-2row-crlf-2020-03.csv", "XLE")
    assert (problems, layout, len(frame)) == ([], "yfinance-multi-header", 36)
    # No Adj Close: Close is already adjusted and the other columns are taken as they are.
    assert frame.loc[D("2020-03-16"), "close"] == 24.136871
    assert frame.loc[D("2020-03-16"), "high"] == 27.00968991968935


def test_columns_by_name_in_any_order_time_part_and_bom() -> None:
    frame, problems, layout = read("IJR-timepart-reordered-bom-2020-03.csv", "IJR")
    assert (problems, layout, len(frame)) == ([], "yahoo", 36)
    # 2020-03-23 00:00:00,Close 49.110001,Volume 16239400,Open 49.450001,Adj 47.154125,...
    assert frame.loc[D("2020-03-23"), "close"] == 47.154125
    assert frame.loc[D("2020-03-23"), "volume"] == 16239400


def test_date_close_layout() -> None:
    frame, problems, layout = read("XLF-date-close-2020-03.csv", "XLF")
    assert (problems, layout, len(frame)) == ([], "date-close", 36)
    assert frame.loc[D("2020-03-23"), "close"] == 16.813219
    # Unknown columns stay unknown (NaN), never 0.
    assert frame[["open", "high", "low", "volume"]].isna().all().all()


def test_date_symbol_layout() -> None:
    frame, problems, layout = read("^VIX-date-symbol-2020-03.csv", "^VIX")
    assert (problems, layout, len(frame)) == ([], "date-symbol", 36)
    assert frame.loc[D("2020-03-16"), "close"] == 82.69


def test_yahoo_null_rows_are_dropped_silently() -> None:
    raw = (PRICES / "PSCE-null-rows-2020-03.csv").read_text()
    assert raw.count(",null,null,null,null,null,null") == 7
    result = parse_price_csv(raw, "PSCE", "PSCE.csv")
    assert result.problems == []
    assert result.bars is not None and len(result.bars.frame) == 36
    assert (result.bars.frame.index.day_of_week < 5).all()
    # The null rows still count as listed days (they are not gaps in the file).
    assert len(result.listed) == 36 + 7
    assert result.bars.frame.loc[D("2020-03-23"), "close"] == 2.227591


def test_negative_prices_are_kept() -> None:
    text = "Date,Open,High,Low,Close,Adj Close,Volume\n2020-04-17,19.87,20.4,17.31,18.27,18.27,1\n"
    text += "2020-04-20,17.73,17.85,-40.32,-37.63,-37.63,247947\n"
    result = parse_price_csv(text, "CL=F")
    assert result.bars is not None
    assert list(result.bars.close) == [18.27, -37.63]


def test_yfinance_tz_aware_datetime_column() -> None:
    text = (
        "Datetime,Open,High,Low,Close,Adj Close,Volume,Dividends,Stock Splits,Capital Gains\n"
        "2022-01-03 00:00:00-05:00,33.11,33.18,33.0,33.15,30.57,1763100,0.0,0.0,0.0\n"
    )
    result = parse_price_csv(text, "EWG")
    assert result.bars is not None
    assert list(result.bars.frame.index) == [D("2022-01-03")]  # the local trading day
    assert result.bars.close.iat[0] == 30.57


@pytest.mark.parametrize(
    ("text", "problems", "closes"),
    [
        pytest.param(
            "",
            [
                "X.csv:1: empty file: expected a header such as "
                "`Date,Open,High,Low,Close,Adj Close,Volume`, yfinance's multi-row header, "
                "`Date,Close` or `Date,SYMBOL`, then daily rows"
            ],
            None,
            id="empty",
        ),
        pytest.param(
            "Date,Close\n",
            ["X.csv:2: no data rows: expected daily rows after the header"],
            None,
            id="header-only",
        ),
        pytest.param(
            "Date,Open,High,Low,Volume\n2020-01-02,1,2,0.5,100\n",
            ["X.csv:1: expected a Close or Adj Close column, found Date, Open, High, Low, Volume"],
            None,
            id="missing-close",
        ),
        pytest.param(
            "Date,A,B\n2020-01-02,1,2\n",
            [
                "X.csv:1: unknown layout (columns Date, A, B): expected a header such as "
                "`Date,Open,High,Low,Close,Adj Close,Volume`, yfinance's multi-row header, "
                "`Date,Close` or `Date,SYMBOL`"
            ],
            None,
            id="unknown-columns",
        ),
        pytest.param(
            '{"chart": {"result": null}}',
            [
                "X.csv:1: unknown layout (no Date column): expected a header such as "
                "`Date,Open,High,Low,Close,Adj Close,Volume`, yfinance's multi-row header, "
                "`Date,Close` or `Date,SYMBOL`"
            ],
            None,
            id="json",
        ),
        pytest.param(
            "Date,Close\n2020-01-02,10\n2020-01-03,abc\n2020-01-06,11\n",
            ["X.csv:3: expected a number in Close, found 'abc'"],
            [10.0, 11.0],
            id="non-numeric",
        ),
        pytest.param(
            "Date,Close\n2020-01-02,10\n2020-13-03,12\n2020-01-06,11\n",
            ["X.csv:3: expected a date YYYY-MM-DD, found '2020-13-03'"],
            [10.0, 11.0],
            id="bad-date",
        ),
        pytest.param(
            "Date,Close\n2020-01-02,10\n2020-01-03\n2020-01-06,11\n",
            ["X.csv:3: expected 2 fields, found 1"],
            [10.0, 11.0],
            id="short-row",
        ),
        pytest.param(
            "Date,Close\n2020-01-06,11\n2020-01-02,10\n2020-01-03,10.5\n",
            [
                "X.csv:3: date 2020-01-02 comes after 2020-01-06: expected ascending dates; "
                "2 row(s) out of order, rows sorted"
            ],
            [10.0, 10.5, 11.0],
            id="unsorted",
        ),
        pytest.param(
            "Date,Close\n2020-01-02,10\n2020-01-03,99\n2020-01-03,10.5\n",
            [
                "X.csv:3: duplicate date 2020-01-03 (again on line 4): expected one row per "
                "date; kept the last"
            ],
            [10.0, 10.5],
            id="duplicate",
        ),
        pytest.param(
            "Date,QQQ\n2020-01-02,10\n",
            [
                "X.csv:1: expected `Date,SPY` or `Date,Close`, found column 'QQQ'; "
                "read it as the close of SPY"
            ],
            [10.0],
            id="other-symbol",
        ),
    ],
)
def test_bad_input_is_reported_by_line(
    text: str, problems: list[str], closes: list[float] | None
) -> None:
    result = parse_price_csv(text, "SPY", "X.csv")
    assert result.problems == problems
    if closes is None:
        assert result.bars is None
    else:
        assert result.bars is not None
        np.testing.assert_array_equal(result.bars.close.to_numpy(), closes)


def test_ticker_row_naming_another_symbol_is_reported() -> None:
    text = "Date,Close,Volume\n,QQQ,QQQ\n2020-01-02,10,5\n"
    result = parse_price_csv(text, "SPY", "SPY.csv")
    assert result.problems == [
        "SPY.csv:2: expected ticker SPY in the header, found QQQ; read anyway"
    ]
    assert result.bars is not None and result.bars.close.iat[0] == 10


def test_many_bad_rows_are_summarised() -> None:
    # 30 bad numbers plus "no row with a date and a close": 20 shown, 11 summarised
    rows = "".join(f"2020-01-{d:02d},x\n" for d in range(1, 31))
    result = parse_price_csv("Date,Close\n" + rows, "SPY", "X.csv")
    assert len(result.problems) == 21
    assert result.problems[-1] == "X.csv: … and 11 more problem(s) like these"
