"""Bad values and hostile paths in a data pack (issues 13 and 14, SPEC 8): each is a named
problem, the rest of the pack loads, and `pack check` reports what the app reports.

Every case is a real file (or FIFO, symlink, folder) built in tmp_path; nothing is mocked.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.base import SourceError
from data_sources.csvtext import MAX_FIELD_CHARS, MAX_LINES, latest_day
from data_sources.pack import (
    MAX_FILE_BYTES,
    LoadProgress,
    PackSource,
    check_pack,
    format_pack_check,
    load_pack,
)
from tui.__main__ import main

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
D = pd.Timestamp

SPY = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
    f"2020-01-{d:02d},{100 + d},{101 + d},{99 + d},{100 + d},{100 + d},1000\n" for d in range(2, 11)
)
"""SPY, 2020-01-02 .. 2020-01-10 (weekends included: the loader does not care), lines 2..10."""


def make_pack(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def copy_small(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(SMALL, pack)
    return pack


# --- bad values ------------------------------------------------------------------------------


def test_zero_negative_and_subnormal_prices_are_problems_the_rest_loads(tmp_path: Path) -> None:
    spy = SPY.replace("2020-01-05,105,106,104,105,105,", "2020-01-05,105,106,104,-5.0,-5.0,")
    spy = spy.replace("2020-01-06,106,107,105,106,106,", "2020-01-06,106,107,105,0,0,")
    spy = spy.replace("2020-01-07,107,108,106,107,107,", "2020-01-07,107,108,106,1e-320,1e-320,")
    spy = spy.replace("2020-01-08,108,", "2020-01-08,-1,")  # a bad open: unknown, row kept
    root = make_pack(
        tmp_path,
        {
            "prices/SPY.csv": spy,
            "prices/IWM.csv": "Date,Close\n2020-01-02,50\n2020-01-03,inf\n2020-01-06,51\n",
            # futures and FRED series may be zero or negative (WTI, 20 April 2020)
            "prices/CL=F.csv": "Date,Close\n2020-04-17,18.27\n2020-04-20,-37.63\n2020-04-21,0\n",
            "macro/T10Y3M.csv": "observation_date,T10Y3M\n2020-01-02,-0.5\n2020-01-03,0\n",
        },
    )
    pack = load_pack(root)
    assert pack.problems == (
        "prices/IWM.csv:3: expected a number in Close, found 'inf'",
        "prices/SPY.csv:5: expected a price > 0 in Adj Close, found '-5.0'; row skipped",
        "prices/SPY.csv:6: expected a price > 0 in Adj Close, found '0'; row skipped",
        "prices/SPY.csv:7: expected a price > 0 in Adj Close, found '1e-320'; row skipped",
        "prices/SPY.csv:8: expected a price > 0 in Open, found '-1'; read as unknown",
    )
    frame = pack.prices["SPY"].frame
    assert list(frame.index.day) == [2, 3, 4, 8, 9, 10]
    assert (frame["close"] > 0).all()
    assert math.isnan(frame.loc[D("2020-01-08"), "open"])
    assert frame.loc[D("2020-01-08"), "close"] == 108
    assert list(pack.prices["IWM"].close) == [50, 51]
    assert list(pack.prices["CL=F"].close) == [18.27, -37.63, 0.0]
    assert list(pack.macro["T10Y3M"].values) == [-0.5, 0.0]


def test_a_subnormal_price_never_reaches_a_snapshot_as_infinity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = copy_small(tmp_path)
    path = pack / "prices" / "SPY.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = next(i for i, line in enumerate(lines) if line.startswith("2020-12-10"))
    cells = lines[at].split(",")
    cells[header.index("Adj Close") if "Adj Close" in header else 1] = "1e-320"
    lines[at] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc = main(["snapshot", "--data", str(pack), "--format", "json"])
    out = capsys.readouterr()
    doc = json.loads(out.out)  # allow_nan=False in the CLI: an inf would not serialise
    assert rc == 1
    assert f"prices/SPY.csv:{at + 1}: expected a price > 0" in out.err
    main(["snapshot", "--data", str(pack), "--format", "table", "--no-color"])
    table = capsys.readouterr().out
    assert "IWM" in table and "inf" not in table.replace("Information", "")
    pair = next(p for p in doc["spreads"] if p["id"] == "IWM/SPY")
    assert pair["returns"]["1D"]["large"] is not None  # 12-11 over 12-09: the row is gone


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("2099-12-31", "date 2099-12-31 is after today ({today}): expected no future rows"),
        ("9999-12-31", "date 9999-12-31 is after today ({today}): expected no future rows"),
        ("1899-12-30", "date 1899-12-30 is before 1900-01-01: expected market data"),
        ("0001-01-01", "date 0001-01-01 is before 1900-01-01: expected market data"),
        ("2020-02-30", "expected a date YYYY-MM-DD, found '2020-02-30'"),
        ("12/31/9999", "date 9999-12-31 is after today ({today}): expected no future rows"),
    ],
)
def test_dates_outside_1900_to_today_are_problems(tmp_path: Path, cell: str, problem: str) -> None:
    text = SPY + f"{cell},1,1,1,1,1,1\n"
    fred = f"observation_date,DGS2\n2020-01-02,1.5\n{cell},1.6\n"
    root = make_pack(tmp_path, {"prices/SPY.csv": text, "macro/DGS2.csv": fred})
    pack = load_pack(root)
    expected = problem.format(today=latest_day())
    assert pack.problems[0].startswith(f"prices/SPY.csv:11: {expected}")
    assert pack.problems[1].startswith(f"macro/DGS2.csv:3: {expected}")
    assert len(pack.problems) == 2
    index = pack.prices["SPY"].frame.index
    assert (index[0], index[-1]) == (D("2020-01-02"), D("2020-01-10"))  # no 1816, no 2099
    assert list(pack.macro["DGS2"].values.index) == [D("2020-01-02")]
    source = PackSource(root)
    assert source.asof == date(2020, 1, 10)  # the far-future row is not the default as-of


def test_dates_out_of_order_with_a_future_row_in_the_slow_path(tmp_path: Path) -> None:
    # a time part and a bad date force the per-cell parser: the range check holds there too
    text = "Date,Close\n2020-01-03 00:00:00,2\n9999-12-31T00:00:00,9\n1/2/2020,1\nnope,3\n"
    pack = load_pack(make_pack(tmp_path, {"prices/SPY.csv": text}))
    assert list(pack.prices["SPY"].close) == [1.0, 2.0]
    assert [p.split(":")[1] for p in pack.problems] == ["3", "5", "4"]


# --- per-file limits -------------------------------------------------------------------------


def test_a_field_over_128_kb_is_one_problem_not_a_crashed_pack(tmp_path: Path) -> None:
    big = "x" * 200_000
    holdings = (SMALL / "holdings" / "IWM.csv").read_text(encoding="utf-8")
    rows = holdings.splitlines()
    at = next(i for i, line in enumerate(rows) if line.lstrip('"').startswith("Ticker,")) + 1
    rows.insert(
        at + 1, f'"BIG","{big}","Energy","Equity","1","0.1","1","1","1","x","x","USD","1","USD","-"'
    )
    root = make_pack(
        tmp_path,
        {
            "prices/SPY.csv": SPY.replace("2020-01-04,", f"2020-01-04,{big}", 1),
            "prices/IWM.csv": f'Date,Close\n2020-01-02,1\n2020-01-03,"{big}"\n2020-01-06,2\n',
            "macro/DGS2.csv": f"observation_date,DGS2\n2020-01-02,1\n2020-01-03,{big}\n",
            "holdings/IWM.csv": "\n".join(rows) + "\n",
        },
    )
    pack = load_pack(root)
    limit = f"over the {MAX_FIELD_CHARS:,}-character limit of a CSV row; row skipped"
    assert pack.problems[0] == f"prices/IWM.csv:3: a line of 200,013 characters, {limit}"
    assert pack.problems[1].startswith("prices/SPY.csv:4: a line of 200,0")
    assert pack.problems[2].startswith("macro/DGS2.csv:3: a line of 200,01")
    assert pack.problems[3] == (
        f"holdings/IWM.csv:{at + 2}: unreadable CSV row "
        f"(field larger than field limit ({MAX_FIELD_CHARS})); row skipped"
    )
    assert len(pack.problems) == 4
    assert len(pack.prices["SPY"].frame) == 8 and list(pack.prices["IWM"].close) == [1.0, 2.0]
    assert list(pack.macro["DGS2"].values) == [1.0]
    assert len(pack.constituents) == 8  # the other rows of the holdings load


def test_a_file_over_the_row_limit_is_refused_whole(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": SPY})
    (root / "prices" / "IWM.csv").write_text(
        "Date,Close\n" + "2020-01-02,1\n" * MAX_LINES, encoding="utf-8"
    )
    pack = load_pack(root)
    assert pack.problems == (
        f"prices/IWM.csv:{MAX_LINES + 1}: more than {MAX_LINES:,} lines, the limit of one pack "
        "file; the file is skipped",
    )
    assert sorted(pack.prices) == ["SPY"]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": SPY})
    (root / "macro").mkdir()
    with (root / "macro" / "DGS2.csv").open("wb") as f:  # a sparse file: no 33 MB written
        f.truncate(MAX_FILE_BYTES + 1024 * 1024)
    pack = load_pack(root)
    assert pack.problems == (
        f"macro/DGS2.csv:1: 33 MB, over the {MAX_FILE_BYTES // 2**20} MB limit of one pack "
        "file; not read",
    )
    assert pack.macro == {} and sorted(pack.prices) == ["SPY"]


# --- hostile paths ---------------------------------------------------------------------------


def _load_in_thread(root: Path, fifo: Path | None = None) -> object:
    """load_pack(root) on a thread that must finish within 20 s; a blocked open of ``fifo``
    is released (by opening its other end) so a failing test fails instead of hanging."""
    box: dict[str, object] = {}
    thread = threading.Thread(target=lambda: box.update(pack=load_pack(root)), daemon=True)
    thread.start()
    thread.join(20)
    if thread.is_alive() and fifo is not None:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(5)
        pytest.fail("load_pack blocked on a FIFO")
    assert not thread.is_alive()
    return box["pack"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_named_and_never_opened(tmp_path: Path) -> None:
    root = make_pack(tmp_path, {"prices/SPY.csv": SPY})
    os.mkfifo(root / "prices" / "PIPE.csv")
    os.mkfifo(root / "pack.toml")
    pack = _load_in_thread(root, root / "prices" / "PIPE.csv")
    assert pack.problems == (  # type: ignore[attr-defined]
        "pack.toml: a FIFO (named pipe), not a regular file; not opened",
        "prices/PIPE.csv: a FIFO (named pipe), not a regular file; not opened",
    )
    assert sorted(pack.prices) == ["SPY"]  # type: ignore[attr-defined]


def test_symlinks_loops_dangling_and_leaving_the_pack_are_named_not_followed(
    tmp_path: Path,
) -> None:
    outside = make_pack(tmp_path / "elsewhere", {"prices/QQQ.csv": SPY, "macro/DGS2.csv": "x"})
    root = make_pack(tmp_path / "pack", {"prices/SPY.csv": SPY, "data/IWM.csv": SPY})
    prices = root / "prices"
    (prices / "LOOP.csv").symlink_to("LOOP.csv")
    (prices / "A.csv").symlink_to("B.csv")
    (prices / "B.csv").symlink_to("A.csv")
    (prices / "GONE.csv").symlink_to("nowhere.csv")
    (prices / "QQQ.csv").symlink_to(outside / "prices" / "QQQ.csv")
    (prices / "IWM.csv").symlink_to("../data/IWM.csv")  # inside the pack: followed
    (root / "macro").symlink_to(outside / "macro")  # a whole folder outside
    pack = load_pack(root)
    assert pack.problems == (
        "prices/A.csv: a symlink loop; not followed",
        "prices/B.csv: a symlink loop; not followed",
        "prices/GONE.csv: a dangling symlink (its target does not exist); not followed",
        "prices/LOOP.csv: a symlink loop; not followed",
        f"prices/QQQ.csv: a symlink leading outside the pack "
        f"(to {outside.resolve() / 'prices' / 'QQQ.csv'}); not followed",
        f"macro/: a symlink leading outside the pack (to {outside.resolve() / 'macro'}); "
        "not followed",
    )
    assert sorted(pack.prices) == ["IWM", "SPY"] and pack.macro == {}
    # pack check names the same paths, each on its own line
    reports = {r.file: r for r in check_pack(root)}
    for name in ("macro/", "prices/A.csv", "prices/GONE.csv", "prices/LOOP.csv", "prices/QQQ.csv"):
        assert reports[name].problems and reports[name].rows == 0


def _load_as_nobody(root: Path) -> tuple[list[str], list[str]]:
    """(problems, price symbols) of load_pack(root) run in a child process that has dropped
    root's privileges (root reads any folder whatever its mode)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only modules already imported are used after setuid
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                pack = load_pack(root)
                found = [list(pack.problems), sorted(pack.prices)]
            except SourceError as exc:  # no pack at all: its one line
                found = [[str(exc)], []]
            os.write(write, json.dumps(found).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    problems, symbols = json.loads(data)
    return problems, symbols


@pytest.mark.skipif(sys.platform != "linux", reason="fork and setuid: Linux")
def test_an_unreadable_folder_and_file_are_problems_not_a_crash() -> None:
    # As root, chmod 000 does not stop reading; the load then runs in a child that gave up
    # root's privileges (setuid nobody). Under a normal user chmod alone is enough.
    base = Path(tempfile.mkdtemp(prefix="rotmon-perm-"))
    try:
        base.chmod(0o755)
        root = make_pack(
            base / "pack",
            {"prices/SPY.csv": SPY, "prices/IWM.csv": SPY, "macro/DGS2.csv": "x"},
        )
        for folder in (root, root / "prices"):
            folder.chmod(0o755)
        (root / "prices" / "SPY.csv").chmod(0o644)
        (root / "prices" / "IWM.csv").chmod(0)  # an unreadable file
        (root / "macro").chmod(0)  # an unreadable folder
        if os.geteuid() == 0:
            problems, symbols = _load_as_nobody(root)
        else:
            pack = load_pack(root)
            problems, symbols = list(pack.problems), sorted(pack.prices)
        assert problems == [
            "prices/IWM.csv:1: cannot read the file: Permission denied",
            "macro/: cannot list the folder: Permission denied; its files are not read",
        ]
        assert symbols == ["SPY"]
        root.chmod(0)  # the pack itself: one line that says so, not "has neither prices/"
        if os.geteuid() == 0:
            problems, _ = _load_as_nobody(root)
        else:
            try:
                load_pack(root)
            except SourceError as exc:
                problems = [str(exc)]
        assert problems == [f"data pack {root} cannot be read: Permission denied"]
    finally:
        (base / "pack").chmod(0o755)
        (base / "pack" / "macro").chmod(0o755)
        shutil.rmtree(base)


# --- pack check is the loader ----------------------------------------------------------------


def test_pack_check_reports_every_problem_the_app_reports_plus_missing_and_ended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack_dir = copy_small(tmp_path)
    # PSCE ends a year and a half before the others; SPY gets a bad price and a future row
    psce = pack_dir / "prices" / "PSCE.csv"
    lines = psce.read_text(encoding="utf-8").splitlines()
    psce.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line[:10] < "2019-06-01")]) + "\n",
        encoding="utf-8",
    )
    spy = pack_dir / "prices" / "SPY.csv"
    spy.write_text(spy.read_text(encoding="utf-8") + "2099-12-31,1\n", encoding="utf-8")
    os.mkfifo(pack_dir / "macro" / "PIPE.csv")

    source = PackSource(pack_dir)
    app_problems = source.market_data().problems
    assert "prices/PSCE.csv: data ends 2019-05-31, before the as-of day 2020-12-11" in app_problems
    assert any(
        p.startswith("prices/SPY.csv:513: date 2099-12-31 is after today") for p in app_problems
    )
    assert "macro/PIPE.csv: a FIFO (named pipe), not a regular file; not opened" in app_problems

    reports = check_pack(pack_dir)
    checked = [p for r in reports for p in r.problems]
    assert set(app_problems) <= set(checked)
    assert [p for p in checked if p not in app_problems] == [
        p for r in reports if r.missing for p in r.problems
    ]
    rc = main(["pack", "check", str(pack_dir)])
    out = capsys.readouterr().out
    assert rc == 1
    assert out == format_pack_check(reports) + "\n"
    # the snapshot carries the same problems (SPEC 9 `problems`)
    rc = main(["snapshot", "--data", str(pack_dir), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert set(app_problems) <= set(doc["problems"])


def test_a_monthly_series_is_not_short_until_its_next_value_is_due(tmp_path: Path) -> None:
    fred = "observation_date,UNRATE\n" + "".join(
        f"2020-{m:02d}-01,{m}\n" for m in range(1, 12)
    )  # January .. November 2020
    days = pd.bdate_range("2020-11-02", "2021-01-08")
    prices = "Date,Close\n" + "".join(f"{d:%Y-%m-%d},1\n" for d in days)
    root = make_pack(tmp_path, {"prices/SPY.csv": prices, "macro/UNRATE.csv": fred})
    source = PackSource(root, asof=date(2021, 1, 6))  # December's value is due on 7 January
    assert not any("UNRATE" in p for p in source.problems())
    source.set_asof(date(2021, 1, 7))
    assert "macro/UNRATE.csv: data ends 2020-11-01, before the as-of day 2021-01-07" in (
        source.problems()
    )


def test_progress_is_reported_file_by_file(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path,
        {
            "prices/SPY.csv": SPY,
            "prices/IWM.csv": SPY,
            "macro/DGS2.csv": "DATE,DGS2\n2020-01-02,1\n",
        },
    )
    seen: list[LoadProgress] = []
    PackSource(root, progress=seen.append)
    assert [(p.done, p.total, p.current) for p in seen] == [
        (0, 3, "prices/IWM.csv"),
        (1, 3, "prices/SPY.csv"),
        (2, 3, "macro/DGS2.csv"),
        (3, 3, None),
    ]
    assert seen[-1].rows == 9 + 9 + 1
    assert seen[1].text() == "reading 2/3 files, 9 rows (prices/SPY.csv)"
    assert seen[-1].text() == "read 3 files, 19 rows"


def test_listed_and_loaded_dates_agree_on_ns_conversion() -> None:
    # numpy day dates beyond pandas' nanosecond range never reach the conversion
    from data_sources.csvtext import parse_dates, parse_days

    days = parse_days(["9999-12-31", "2020-01-02", "1677-09-21"])
    assert str(days[0]) == "9999-12-31" and str(days[2]) == "1677-09-21"
    index = parse_dates(["9999-12-31", "2020-01-02", "1677-09-21"])
    assert index.isna().tolist() == [True, False, True]
    assert np.datetime64("2020-01-02") == index[1].to_datetime64().astype("datetime64[D]")


def test_pack_check_says_when_the_app_cannot_open_the_pack(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path / "a", {"prices/SPY.csv": SPY, "pack.toml": 'name = "x"\nasof = 2099-12-31\n'}
    )
    reports = {r.file: r for r in check_pack(root)}
    assert reports["pack.toml"].problems == (
        "pack.toml:2: asof 2099-12-31 is outside the data pack: expected a day from "
        "2020-01-02 to 2020-01-10",
    )
    empty = make_pack(tmp_path / "b", {"prices/SPY.csv": "Date,Close\n2099-01-02,1\n"})
    reports = {r.file: r for r in check_pack(empty)}
    assert reports["prices/"].problems[0].startswith("prices/: no readable daily rows")
    assert reports["prices/SPY.csv"].problems[0].startswith("prices/SPY.csv:2: date 2099-01-02")


def test_pack_reports_at_the_day_on_screen_name_what_the_source_names(tmp_path: Path) -> None:
    from data_sources.pack import pack_reports

    pack_dir = copy_small(tmp_path)
    psce = pack_dir / "prices" / "PSCE.csv"
    lines = psce.read_text(encoding="utf-8").splitlines()
    psce.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line[:10] < "2020-06-01")]) + "\n",
        encoding="utf-8",
    )
    source = PackSource(pack_dir, asof=date(2020, 5, 29))
    ended = "prices/PSCE.csv: data ends 2020-05-29, before the as-of day"

    def named(day: date) -> list[str]:
        return [p for r in pack_reports(source.pack, day) for p in r.problems if ended in p]

    assert named(source.asof) == [] and not any(ended in p for p in source.problems())
    source.step(1)
    assert named(source.asof) == [f"{ended} 2020-06-01"]
    assert f"{ended} 2020-06-01" in source.market_data().problems


def test_a_file_of_line_breaks_is_refused_before_it_is_split(tmp_path: Path) -> None:
    # 30 MB of short lines (under the size limit): splitting it first would make 10 million
    # strings (over half a gigabyte); the count comes first, so the load stays small.
    import subprocess

    root = make_pack(tmp_path, {"prices/SPY.csv": SPY})
    (root / "prices" / "IWM.csv").write_text("Date,Close\n" + "xy\n" * 10_000_000)
    (root / "macro").mkdir()
    (root / "macro" / "DGS2.csv").write_text("DATE,DGS2\n" + "xy\x0b" * 10_000_000)
    code = (
        "import json, resource, sys\n"
        "import pandas, numpy\n"
        "from data_sources.pack import load_pack\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "pack = load_pack(sys.argv[1])\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base\n"
        "print(json.dumps([list(pack.problems), peak]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    problems, peak_kb = json.loads(out.stdout)
    limit = f"more than {MAX_LINES:,} lines, the limit of one pack file; the file is skipped"
    assert problems == [
        f"prices/IWM.csv:{MAX_LINES + 1}: {limit}",
        f"macro/DGS2.csv:{MAX_LINES + 1}: {limit}",
    ]
    # What loading adds to the process (the imports vary with the machine): splitting first
    # would add over half a gigabyte of strings.
    assert peak_kb < 250 * 1024, f"loading added {peak_kb // 1024} MB at the peak"


def test_a_holdings_date_out_of_range_is_a_problem_read_as_unknown(tmp_path: Path) -> None:
    holdings = (SMALL / "holdings" / "IWM.csv").read_text(encoding="utf-8")
    holdings = holdings.replace(
        'Fund Holdings as of,"Dec 11, 2020"', 'Fund Holdings as of,"Dec 31, 9999"'
    )
    pack = load_pack(make_pack(tmp_path, {"prices/SPY.csv": SPY, "holdings/IWM.csv": holdings}))
    assert pack.problems == (
        "holdings/IWM.csv:2: holdings date 9999-12-31 is outside 1900-01-01 .. today; "
        "read as unknown",
    )
    assert pack.holdings_asof is None and len(pack.constituents) == 8


def test_a_valuation_file_with_a_huge_field_is_one_problem(tmp_path: Path) -> None:
    big = "9" * 200_000
    text = f"Date,PE,ForwardPE\n2020-01-02,20.5,18\n2020-01-03,{big},18\n\n2020-01-06,21,19\n"
    pack = load_pack(make_pack(tmp_path, {"prices/SPY.csv": SPY, "valuation/SPY.csv": text}))
    assert pack.problems == (
        f"valuation/SPY.csv:3: a line of 200,014 characters, over the {MAX_FIELD_CHARS:,}"
        "-character limit of a CSV row; row skipped",
    )
    frame = pack.valuations["SPY"]
    assert list(frame.index) == [D("2020-01-02"), D("2020-01-06")]  # line 5 keeps its number
    assert list(frame["pe"]) == [20.5, 21.0]
