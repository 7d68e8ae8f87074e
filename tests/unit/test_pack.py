"""Data packs: loading the committed test pack, bad input, as-of time travel, check and write."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.catalog import PAIRS, Pair, SectorPair
from analytics.snapshot import missing_inputs
from data_sources.base import DataSource, SourceError
from data_sources.model import Constituent
from data_sources.pack import (
    FileReport,
    PackConfig,
    PackSource,
    check_pack,
    format_pack_check,
    load_pack,
    read_pack_config,
    write_pack,
)

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
D = pd.Timestamp
NY = ZoneInfo("America/New_York")


def make_pack(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- the committed pack --------------------------------------------------------------------


def test_small_pack_loads_without_problems() -> None:
    pack = load_pack(SMALL)
    assert pack.problems == ()
    assert sorted(pack.prices) == sorted(
        ["CL=F", "IJR", "IWM", "PSCE", "PSCF", "PSCT", "QQQ", "SPY", "XLE", "XLF", "XLK", "^VIX"]
    )
    assert {k: m.frequency for k, m in pack.macro.items()} == {
        "DCOILWTICO": "daily",
        "DGS2": "daily",
        "FEDFUNDS": "monthly",
        "ICSA": "weekly",
        "SAHMREALTIME": "monthly",
        "T10Y3M": "daily",
        "UNRATE": "monthly",
        "VIXCLS": "daily",
    }
    assert pack.config.name == "rotmon test pack 2019-2020"
    assert pack.config.pairs == PAIRS
    assert pack.holdings_asof == date(2020, 12, 11)
    assert len(pack.constituents) == 8
    # 511 NYSE sessions; CL=F (FRED spot) has a row on 2018-12-05 when the NYSE was closed,
    # which must not become a session.
    assert len(pack.sessions) == 511
    assert (pack.sessions[0], pack.sessions[-1]) == (D("2018-12-03"), D("2020-12-11"))
    assert D("2018-12-05") not in pack.sessions
    assert D("2018-12-05") in pack.prices["CL=F"].frame.index


def test_symbols_are_file_names_as_written() -> None:
    pack = load_pack(SMALL)
    assert pack.prices["^VIX"].close[D("2020-03-16")] == 82.69
    assert pack.prices["CL=F"].close[D("2020-04-20")] == -36.98


def test_parsed_files_are_cached_until_they_change(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": "Date,Close\n2020-01-02,10\n"})
    first = load_pack(root)
    assert load_pack(root).prices["SPY"] is first.prices["SPY"]
    path = root / "prices" / "SPY.csv"
    path.write_text("Date,Close\n2020-01-02,10\n2020-01-03,12\n")
    os.utime(path, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert list(load_pack(root).prices["SPY"].close) == [10.0, 12.0]


# --- bad input -----------------------------------------------------------------------------


def test_missing_pack_directory_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        load_pack(tmp_path / "nope")
    assert str(err.value) == (
        f"data pack {tmp_path / 'nope'} does not exist: expected a directory with "
        "prices/<SYMBOL>.csv and macro/<SERIES>.csv"
    )
    with pytest.raises(SourceError, match="does not exist"):
        check_pack(tmp_path / "nope")
    with pytest.raises(SourceError, match="has neither prices/ nor macro/"):
        load_pack(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SourceError, match="is not a directory"):
        PackSource(tmp_path / "file")


def test_bad_files_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path,
        {
            "prices/SPY.csv": "Date,Close\n2020-01-02,100\n2020-01-03,101\n2020-01-06,102\n",
            "prices/EMPTY.csv": "",
            "prices/DUP.csv": "Date,Close\n2020-01-02,5\n2020-01-03,6\n2020-01-03,7\n",
            "prices/WEIRD.csv": "foo;bar\n1;2\n",
            "prices/NOTES.txt": "not a csv: ignored",
            "macro/T10Y3M.csv": "observation_date,T10Y3M\n2020-01-02,0.5\n2020-01-03,x\n",
            "pack.toml": "name = 'broken\n",
        },
    )
    pack = load_pack(root)
    assert sorted(pack.prices) == ["DUP", "SPY"]
    assert list(pack.prices["DUP"].close) == [5.0, 7.0]
    assert list(pack.macro["T10Y3M"].values) == [0.5]
    # tomllib's own wording differs between Python versions; the frame around it does not.
    toml_problem = pack.problems[0]
    assert toml_problem.startswith("pack.toml:1: expected valid TOML: ")
    assert toml_problem.endswith("; using the defaults")
    assert pack.problems[1:] == (
        "prices/DUP.csv:3: duplicate date 2020-01-03 (again on line 4): "
        "expected one row per date; kept the last",
        "prices/EMPTY.csv:1: empty file: expected a header such as "
        "`Date,Open,High,Low,Close,Adj Close,Volume`, yfinance's multi-row header, "
        "`Date,Close` or `Date,SYMBOL`, then daily rows",
        "prices/WEIRD.csv:1: unknown layout (no Date column): expected a header such as "
        "`Date,Open,High,Low,Close,Adj Close,Volume`, yfinance's multi-row header, "
        "`Date,Close` or `Date,SYMBOL`",
        "macro/T10Y3M.csv:3: expected a number or `.` for T10Y3M, found 'x'",
    )
    source = PackSource(root)
    # DUP.csv ends a session before the as-of day (SPY's last, 2020-01-06): a problem at it.
    ended = "prices/DUP.csv: data ends 2020-01-03, before the as-of day 2020-01-06"
    assert source.problems() == (*pack.problems, ended)
    assert source.market_data().problems == source.problems()
    (status,) = source.status()
    assert status.state == "failing"
    assert status.error == f"6 problems in the pack; first: {pack.problems[0]}"
    source.set_asof(date(2020, 1, 3))  # on DUP's last day it has not ended yet
    assert ended not in source.problems() and ended not in source.market_data().problems


def test_binary_file_is_reported(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": "Date,Close\n2020-01-02,1\n"})
    (root / "prices" / "QQQ.csv").write_bytes(b"PK\x03\x04\xff\xfe binary")
    assert load_pack(root).problems == (
        "prices/QQQ.csv:1: expected UTF-8 text (a CSV), found binary or another encoding",
    )


def test_pack_without_readable_rows_cannot_be_a_source(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": ""})
    with pytest.raises(SourceError, match="holds no readable daily rows"):
        PackSource(root)


def test_pack_toml_pairs_sectors_and_errors() -> None:
    text = """name = "Test"
asof = 2020-03-23
universe = "iwm"
colour = "red"

[[pairs]]
small = "IWM"
large = "SPY"

[[pairs]]
small = "IJR"

[[sectors]]
sector = "Energy"
large = "XLE"
small = "PSCE"

[[sectors]]
sector = "Real Estate"
large = "XLRE"
"""
    config, problems = read_pack_config(text)
    assert config == PackConfig(
        name="Test",
        asof=date(2020, 3, 23),
        universe="IWM",
        pairs=(Pair("IWM", "SPY", "IWM vs SPY"),),
        sectors=(SectorPair("Energy", "XLE", "PSCE"), SectorPair("Real Estate", "XLRE", None)),
    )
    assert problems == [
        "pack.toml:4: unknown key 'colour': expected one of asof, name, pairs, sectors, universe",
        'pack.toml:10: pairs entry 2: expected small = "SYMBOL" and large = "SYMBOL"; skipped',
    ]


def test_pack_toml_asof_is_the_default_asof(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path,
        {
            "prices/SPY.csv": "Date,Close\n2020-01-02,1\n2020-01-03,2\n2020-01-06,3\n",
            "pack.toml": 'asof = "2020-01-03"\n',
        },
    )
    assert PackSource(root).asof == date(2020, 1, 3)
    assert PackSource(root, asof=date(2020, 1, 2)).asof == date(2020, 1, 2)


# --- the source: as-of time travel ---------------------------------------------------------


def test_source_implements_the_protocol() -> None:
    source = PackSource(SMALL)
    assert isinstance(source, DataSource)
    assert (source.name, source.kind) == ("pack", "pack")
    assert source.asof == date(2020, 12, 11)  # default: the last day of the pack


def test_set_asof_and_step_by_trading_days() -> None:
    source = PackSource(SMALL)
    assert source.set_asof(date(2020, 3, 22)) == date(2020, 3, 20)  # Sunday -> Friday
    assert source.step(1) == date(2020, 3, 23)
    assert source.step(5) == date(2020, 3, 30)  # one week
    assert source.step(-5) == date(2020, 3, 23)
    assert source.set_asof(date(2018, 12, 4)) == date(2018, 12, 4)
    assert source.step(1) == date(2018, 12, 6)  # 2018-12-05: NYSE closed
    assert source.step(-10_000) == date(2018, 12, 3)
    assert source.step(10_000) == date(2020, 12, 11)
    with pytest.raises(SourceError) as err:
        source.set_asof(date(2021, 1, 4))
    assert str(err.value) == (
        "as-of date 2021-01-04 is outside the data pack: expected a day from 2018-12-03 "
        "to 2020-12-11"
    )
    assert source.asof == date(2020, 12, 11)  # unchanged by the refused date
    assert len(source.sessions()) == 511


async def test_fetch_cuts_everything_at_the_asof_date() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    data = await source.fetch(datetime(2030, 1, 1, tzinfo=NY))  # `now` does not matter
    assert data.source == "pack"
    assert data.asof == datetime(2020, 3, 23, 16, 0, tzinfo=NY)
    spy = data.prices["SPY"]
    # SPY.csv line 328 is 2020-03-23,196.417557 (line 1 is the header).
    assert (len(spy), spy.index[-1], spy.iat[-1]) == (327, D("2020-03-23"), 196.417557)
    assert all(s.index[-1] <= D("2020-03-23") for s in data.prices.values())
    assert data.macro["T10Y3M"].values.index[-1] == D("2020-03-23")
    assert data.macro["SAHMREALTIME"].values.index[-1] == D("2020-03-01")
    assert data.macro["ICSA"].values.index[-1] == D("2020-03-21")  # lags: the analytics' job
    assert data.macro["ICSA"].frequency == "weekly"
    assert len(data.constituents) == 8
    assert data.problems == ()
    (status,) = data.statuses
    assert status.name == "pack" and status.state == "ok"
    assert status.detail is not None and status.detail.startswith("asof 2020-03-23;")
    assert "missing RSP, IWN, IWO, MDY" in status.detail


async def test_quotes_come_from_the_last_two_rows() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    quotes = (await source.fetch(datetime.now(NY))).quotes
    spy = quotes["SPY"]
    assert (spy.price, spy.prev_close) == (196.417557, 202.638885)
    assert spy.change_pct == pytest.approx((196.417557 / 202.638885 - 1) * 100)
    assert spy.volume is None and spy.day_high is None  # Date,Close file: unknown, not 0
    assert spy.time == datetime(2020, 3, 23, 16, 0, tzinfo=NY)
    qqq = quotes["QQQ"]
    # 2020-03-23,170.919998,174.210007,164.929993,170.460007,170.164093,124639800
    assert qqq.price == 170.164093 and qqq.volume == 124639800
    assert qqq.day_high == pytest.approx(174.210007 * 170.164093 / 170.460007)
    # CL=F on 2020-04-21 after -36.98: a change from a negative price has no meaning.
    source.set_asof(date(2020, 4, 21))
    oil = (await source.fetch(datetime.now(NY))).quotes["CL=F"]
    assert oil.prev_close == -36.98 and oil.change_pct is None


async def test_bars_are_cut_at_the_asof_date() -> None:
    source = PackSource(SMALL, asof=date(2020, 3, 23))
    bars = await source.bars("QQQ")
    assert bars is not None and bars.index[-1] == D("2020-03-23")
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert await source.bars("NOPE") is None
    await source.aclose()


# --- check ---------------------------------------------------------------------------------


def test_check_pack_counts_gaps_beyond_holidays(tmp_path: Path) -> None:
    # January 2020 sessions minus the 15th-17th; the 20th is Martin Luther King Day.
    days = [d for d in pd.bdate_range("2020-01-02", "2020-01-31") if d.day not in (15, 16, 17, 20)]
    prices = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
        f"{d:%Y-%m-%d},1,1,1,1,1,1\n" for d in days
    )
    # FRED daily: a `.` row on MLK day is a listed holiday; the 9th has no row at all.
    fred = "DATE,DGS2\n" + "".join(
        f"{d:%Y-%m-%d},{'.' if d.day == 20 else '1.5'}\n"
        for d in pd.bdate_range("2020-01-02", "2020-01-31")
        if d.day != 9
    )
    weekly = "DATE,ICSA\n" + "".join(
        f"{d:%Y-%m-%d},200000\n"
        for d in pd.date_range("2020-01-04", periods=10, freq="7D")
        if d != D("2020-02-01")
    )
    root = make_pack(
        tmp_path,
        {"prices/SPY.csv": prices, "macro/DGS2.csv": fred, "macro/ICSA.csv": weekly},
    )
    reports = {r.file: r for r in check_pack(root)}
    assert reports["prices/SPY.csv"] == FileReport(
        "prices/SPY.csv", len(days), date(2020, 1, 2), date(2020, 1, 31), 3, 3, "days", ()
    )
    assert (reports["macro/DGS2.csv"].gaps, reports["macro/DGS2.csv"].largest_gap) == (1, 1)
    assert reports["macro/DGS2.csv"].rows == 20  # 21 weekdays listed, MLK day without a value
    assert (reports["macro/ICSA.csv"].gaps, reports["macro/ICSA.csv"].unit) == (1, "weeks")


def test_check_small_pack_and_format() -> None:
    reports = check_pack(SMALL)
    by_file = {r.file: r for r in reports}
    spy = by_file["prices/SPY.csv"]
    assert (spy.rows, spy.first, spy.last, spy.gaps) == (
        511,
        date(2018, 12, 3),
        date(2020, 12, 11),
        0,
    )
    assert by_file["holdings/IWM.csv"].rows == 8
    text = format_pack_check(reports)
    lines = text.splitlines()
    assert lines[0].split() == ["FILE", "ROWS", "FIRST", "LAST", "GAPS"]
    assert "prices/SPY.csv" in text and "macro/ICSA.csv" in text
    # The small pack's files are clean; what it lacks is listed, the same as the snapshot's
    # "no data for ..." (missing_inputs), each as a file that would hold it.
    present = [r for r in reports if not r.missing]
    assert not any(r.problems for r in present)
    missing = [r for r in reports if r.missing]
    market = PackSource(SMALL).market_data()
    expected = missing_inputs(market.prices, {k: m.values for k, m in market.macro.items()})
    assert sorted(r.file.split("/")[1].removesuffix(".csv") for r in missing) == sorted(expected)
    rsp = next(r for r in missing if r.file == "prices/RSP.csv")
    assert rsp.problems == ("prices/RSP.csv: missing, so the pair RSP/SPY shows n/a",)
    assert "prices/RSP.csv" in text and "missing" in text
    assert lines[-1] == (
        f"{len(present)} files, {sum(r.rows for r in present)} rows, "
        f"{len(missing)} problems ({len(missing)} missing)"
    )


def test_format_lists_problems() -> None:
    reports = [
        FileReport("prices/A.csv", 10, date(2020, 1, 2), date(2020, 1, 15), 2, 1, "days"),
        FileReport("prices/B.csv", 0, None, None, problems=("prices/B.csv:1: empty file",)),
    ]
    assert format_pack_check(reports) == (
        "FILE            ROWS  FIRST       LAST        GAPS\n"
        "prices/A.csv      10  2020-01-02  2020-01-15  2 days (largest 1)\n"
        "prices/B.csv       0  -           -           -  1 problem(s)\n"
        "\n"
        "Problems:\n"
        "  prices/B.csv:1: empty file\n"
        "\n"
        "2 files, 10 rows, 1 problem"
    )


# --- write ---------------------------------------------------------------------------------


def test_write_pack_round_trip(tmp_path: Path) -> None:
    pack = load_pack(SMALL)
    config = PackConfig(
        name='Round "trip"',
        asof=date(2020, 3, 23),
        pairs=(Pair("IWM", "SPY", "Small vs large"),),
        sectors=(SectorPair("Energy", "XLE", "PSCE"), SectorPair("Real Estate", "XLRE", None)),
    )
    write_pack(
        tmp_path / "out",
        prices={s: b.frame for s, b in pack.prices.items()},
        macro={k: m.values for k, m in pack.macro.items()},
        constituents=pack.constituents,
        config=config,
        holdings_asof=pack.holdings_asof,
    )
    again = load_pack(tmp_path / "out")
    assert again.problems == ()
    assert again.config == config
    assert again.constituents == pack.constituents
    assert again.holdings_asof == pack.holdings_asof
    assert sorted(again.prices) == sorted(pack.prices)
    for symbol, bars in pack.prices.items():
        pd.testing.assert_frame_equal(again.prices[symbol].frame, bars.frame, check_exact=True)
    for series_id, series in pack.macro.items():
        pd.testing.assert_series_equal(again.macro[series_id].values, series.values)
    header = (tmp_path / "out" / "prices" / "QQQ.csv").read_text().splitlines()[0]
    assert header == "Date,Open,High,Low,Close,Volume"
    assert (
        (tmp_path / "out" / "macro" / "ICSA.csv").read_text().startswith("observation_date,ICSA\n")
    )


def test_write_pack_accepts_yfinance_frames_and_series(tmp_path: Path) -> None:
    index = pd.DatetimeIndex(["2022-01-03", "2022-01-04"]).tz_localize("America/New_York")
    frame = pd.DataFrame(
        {
            "Open": [33.12, 33.38],
            "High": [33.19, 33.40],
            "Low": [33.0, 33.19],
            "Close": [33.16, 33.26],
            "Adj Close": [30.576433181762695, 30.668638229370117],
            "Volume": [1763100, 2580300],
            "Dividends": [0.0, 0.0],
        },
        index=index,
    )
    close = pd.Series(
        [4.5, float("nan"), 4.7], index=pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-06"])
    )
    write_pack(
        tmp_path,
        {"EWG": frame, "^RUT": close},
        {"T10Y3M": pd.Series([0.5], index=pd.to_datetime(["2020-01-02"]))},
    )
    text = (tmp_path / "prices" / "EWG.csv").read_text()
    assert text.splitlines() == [
        "Date,Open,High,Low,Close,Adj Close,Volume",
        "2022-01-03,33.12,33.19,33,33.16,30.576433181762695,1763100",
        "2022-01-04,33.38,33.4,33.19,33.26,30.668638229370117,2580300",
    ]
    assert (
        tmp_path / "prices" / "^RUT.csv"
    ).read_text() == "Date,Close\n2020-01-02,4.5\n2020-01-06,4.7\n"
    pack = load_pack(tmp_path)
    assert pack.problems == ()
    assert pack.prices["EWG"].close.iat[0] == 30.576433181762695
    assert list(pack.prices["^RUT"].close) == [4.5, 4.7]
    with pytest.raises(ValueError, match="cannot be a file name"):
        write_pack(tmp_path, {"../evil": close}, {})


def test_write_holdings_then_read_them(tmp_path: Path) -> None:
    members = (
        Constituent("AAA", 'A "quoted", name', "Communication Services", 1.5, last=12.25),
        Constituent("BBB", "B", "Energy", 0.25),
    )
    write_pack(
        tmp_path, {"IWM": pd.Series([1.0], index=pd.to_datetime(["2020-01-02"]))}, {}, members
    )
    pack = load_pack(tmp_path)
    assert pack.constituents == members
    assert pack.holdings_asof is None


def test_a_stepped_pack_carries_its_whole_history_once() -> None:
    """Before the last day the market data names the whole pack as ``uncut`` (the same object
    every time, so the risk replay runs once per pack); overlaying other data drops it."""
    from dataclasses import replace

    source = PackSource(SMALL)
    last = source.market_data()
    assert last.uncut is None and source.market_data() is last
    assert last.pairs == PAIRS
    source.step(-5)
    cut = source.market_data()
    assert cut.uncut is last and source.market_data().uncut is last
    assert cut.prices["IWM"].index[-1] == pd.Timestamp("2020-12-04")
    assert last.prices["IWM"].index[-1] == pd.Timestamp("2020-12-11")
    own = (Pair("IJR", "SPY", "S&P 600 vs S&P 500"),)
    merged = cut.merged(replace(cut, uncut=None, pairs=own))
    assert merged.uncut is None and merged.pairs == own
    assert cut.merged(replace(cut, pairs=None)).pairs == PAIRS
