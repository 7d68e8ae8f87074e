"""Contract tests on the real recorded files in ../shared (skipped when ../shared is absent).

Values were read from the files by eye (the line is quoted next to each assertion). Files
without an MIT licence are only read here, never copied into the repository.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data_sources.pack import PackSource, check_pack, load_pack
from data_sources.pricecsv import parse_price_csv

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
HISTORY = REALDATA / "history"
pytestmark = pytest.mark.skipif(not HISTORY.is_dir(), reason="../shared/realdata is not present")
D = pd.Timestamp


def read(name: str, symbol: str, folder: Path = HISTORY) -> pd.DataFrame:
    result = parse_price_csv((folder / name).read_bytes().decode("utf-8"), symbol, name)
    assert result.problems == []
    assert result.bars is not None
    return result.bars.frame


def test_yfinance_close_files_are_adjusted_closes() -> None:
    spy = read("SPY-1993_2026-yfinance-close.csv", "SPY")
    # line 6837: 2020-03-23,204.418212890625 (the traded close was 222.95)
    assert spy.loc[D("2020-03-23"), "close"] == 204.418212890625
    assert round(spy.loc[D("2020-03-23"), "close"], 2) == 204.42
    assert (len(spy), spy.index[0], spy.index[-1]) == (8434, D("1993-01-29"), D("2026-08-03"))
    iwm = read("IWM-2000_2026-yfinance-close.csv", "IWM")
    # line 4984: 2020-03-18,92.30493927001953
    assert iwm.loc[D("2020-03-18"), "close"] == 92.30493927001953
    assert len(iwm) == 6584


def test_yahoo_layout_prefers_adj_close() -> None:
    spy = read("SPY-2000_2022-yahoo.csv", "SPY")
    # line 5088: 2020-03-23,228.19,229.67999,218.25999,222.95,216.58096,326025200.0
    day = spy.loc[D("2020-03-23")]
    assert day["close"] == 216.58096
    assert day["high"] == pytest.approx(229.67999 * 216.58096 / 222.95)
    assert day["volume"] == 326025200.0


def test_two_row_yfinance_header_with_crlf() -> None:
    raw = (HISTORY / "XLE-1998_2026-yfinance.csv").read_bytes()
    assert raw.startswith(b"Date,Close,High,Low,Open,Volume\r\n,XLE,XLE,XLE,XLE,XLE\r\n")
    xle = read("XLE-1998_2026-yfinance.csv", "XLE")
    assert len(xle) == 6835 - 2
    # line 5348: 2020-03-23,19.02288818359375,20.4110677050498,18.68391429339913,...
    assert xle.loc[D("2020-03-23"), "close"] == 19.02288818359375
    assert xle.loc[D("2020-03-23"), "high"] == 20.4110677050498
    # The file's own split artefact is data, not a parse problem: 92.02 then 44.79.
    assert xle.loc[D("2025-11-14"), "close"] == 92.0199966430664
    assert xle.loc[D("2025-11-17"), "close"] == 44.7882080078125


def test_yfinance_history_with_tz_aware_datetimes() -> None:
    ewg = read("yfinance-history-EWG-1d-2022_2024.csv", "EWG", REALDATA)
    # 2022-01-03 00:00:00-05:00,33.11...,33.18...,33.0,33.15...,30.576433181762695,1763100,...
    assert ewg.index[0] == D("2022-01-03")
    assert ewg.loc[D("2022-01-03"), "close"] == 30.576433181762695
    assert ewg.loc[D("2022-01-03"), "volume"] == 1763100


def test_time_part_in_dates() -> None:
    xli = read("XLI-2016_2021-yfinance.csv", "XLI")
    # line 983: 2020-03-23 00:00:00,50.83...,50.83...,47.70...,48.77...,48.019405364990234,...
    assert xli.loc[D("2020-03-23"), "close"] == 48.019405364990234
    assert len(xli) == 1258


def test_null_rows_of_the_cl_future() -> None:
    raw = (HISTORY / "CL=F-2000_2020-yahoo.csv").read_text()
    assert raw.count("null,null,null,null,null,null") == 1142
    cl = read("CL=F-2000_2020-yahoo.csv", "CL=F")
    assert len(cl) == 6244 - 1142
    # line 6036: 2020-04-20,17.730000,17.850000,-40.320000,-37.630001,-37.630001,247947
    assert cl.loc[D("2020-04-20"), "close"] == -37.630001


def test_a_pack_of_real_files(tmp_path: Path) -> None:
    files = {
        "prices/SPY.csv": "SPY-1993_2026-yfinance-close.csv",
        "prices/IWM.csv": "IWM-2000_2026-yfinance-close.csv",
        "prices/^RUT.csv": "RUT-2000_2022-yahoo.csv",
        "prices/^VIX.csv": "VIX-2000_2022-yahoo.csv",
        "prices/CL=F.csv": "CL=F-2000_2020-yahoo.csv",
        "prices/XLE.csv": "XLE-1998_2026-yfinance.csv",
        "macro/VIXCLS.csv": "VIXCLS-1990_2024-fred.csv",
        "macro/T10Y3M.csv": "T10Y3M-2000_2025-fred.csv",
        "macro/ICSA.csv": "ICSA-1967_2024-fred.csv",
        "macro/SAHMREALTIME.csv": "SAHMREALTIME-1959_2025-fred.csv",
    }
    for rel, name in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HISTORY / name, tmp_path / rel)
    holdings = REALDATA / "ishares-IWM-holdings-2025-11-05.csv"
    if holdings.is_file():
        (tmp_path / "holdings").mkdir()
        shutil.copyfile(holdings, tmp_path / "holdings" / "IWM.csv")

    assert load_pack(tmp_path).problems == ()
    source = PackSource(tmp_path, asof=date(2020, 3, 18))
    data = source.market_data()
    assert data.asof == datetime(2020, 3, 18, 16, 0, tzinfo=ZoneInfo("America/New_York"))
    # RUT line 5085: 2020-03-18,1057.65...,1062.88,966.21997,991.15997,991.15997,...
    assert data.prices["^RUT"].iat[-1] == 991.15997
    assert data.prices["SPY"].iat[-1] == 218.76461791992188
    # VIX line 5085: 2020-03-18,69.37,85.47,69.37,76.45,76.45,0 — an index's volume 0 is unknown.
    vix = data.quotes["^VIX"]
    assert (vix.price, vix.day_high, vix.volume) == (76.45, 85.47, None)
    assert data.macro["VIXCLS"].values[D("2020-03-16")] == 82.69
    assert data.macro["SAHMREALTIME"].frequency == "monthly"
    if holdings.is_file():
        assert len(data.constituents) == 1956
    # One week on: five sessions.
    assert source.step(5) == date(2020, 3, 25)

    reports = {r.file: r for r in check_pack(tmp_path)}
    # The files parse cleanly; what pack check adds is the loader's view at the pack's as-of
    # day (SPY's last session): the files that end before it, and what the pack lacks.
    asof = reports["prices/SPY.csv"].last
    for r in reports.values():
        if r.missing:
            assert len(r.problems) == 1 and ": missing, so " in r.problems[0]
        elif r.last is not None and r.last < asof and r.file.startswith("prices/"):
            assert r.problems == (f"{r.file}: data ends {r.last}, before the as-of day {asof}",)
        elif r.file.startswith("prices/"):
            assert r.problems == ()
    assert reports["prices/^RUT.csv"].problems == (
        f"prices/^RUT.csv: data ends 2022-11-18, before the as-of day {asof}",
    )
    assert all("data ends" in p for r in reports.values() if not r.missing for p in r.problems)
    assert reports["prices/SPY.csv"].rows == 8434
    assert reports["macro/T10Y3M.csv"].rows == 6674 - 276
    # CL=F: `null` rows are listed days, so they are not gaps.
    assert reports["prices/CL=F.csv"].rows == 6244 - 1142
