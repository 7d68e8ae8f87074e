"""The live command line on loopback: snapshot, record, pack download and doctor through `main`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.catalog import FRED_SERIES, MARKET_SYMBOLS, PAIRS
from analytics.health import SourceHealth
from data_sources.pack import load_pack
from tests.support.data_servers import SMALL_HOLDINGS, FredApp, HoldingsApp
from tests.support.live_env import Servers, aliases, serve, write_config
from tests.support.loopback import LoopbackServer, Reply, refused_url
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.stream_server import StreamServer, pricing_frame
from tests.support.yahoo_server import YahooApp, recorded
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)
from tui.__main__ import main
from tui.cli import live
from tui.cli.doctor import doctor_report, offline
from tui.cli.record import record_pack
from tui.config import env_name, load_settings

# Every spec symbol is served QQQ's recorded 2020 chart and its recorded quote (14 Feb 2025,
# 538.15) under its own name, except the two left unknown (Yahoo's 404 for those).
UNKNOWN = ("DX-Y.NYB", "^OVX")
QQQ_CHART = "yahoo-chart-QQQ-1d-2020-full-year-dividends.nyf2.json"
QQQ_LAST = 538.15
ROOT = Path(__file__).resolve().parents[2]
STREAM_ENV = env_name("sources.stream_url")  # ROTMON_SOURCES_STREAM_URL
BACKEND_ENV = env_name("sources.yahoo_backend")


@pytest.fixture
def servers() -> Iterator[Servers]:
    yield from serve()


@pytest.fixture(autouse=True)
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FRED_API_KEY", "ROTMON_CONFIG", "ROTMON_SOURCES_FRED_API_KEY", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(STREAM_ENV, "off")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out = capsys.readouterr()
    return rc, out.out, out.err


def common(tmp_path: Path, servers: Servers | None, **kw: str) -> list[str]:
    cfg = write_config(tmp_path / "config.toml", servers, **kw)
    return ["--config", str(cfg), "--db", str(tmp_path / "rotmon.sqlite3")]


def qqq_closes() -> pd.Series:
    body = recorded(QQQ_CHART)[1]["chart"]["result"][0]
    adj = body["indicators"]["adjclose"][0]["adjclose"]
    return pd.Series(adj, dtype="float64")


# -- settings -------------------------------------------------------------------------------------


def test_live_settings_follow_the_config_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path / "c.toml", None, fred="http://127.0.0.1:9")
    monkeypatch.setenv("FRED_API_KEY", "s3cretKEY12345")
    monkeypatch.setenv(STREAM_ENV, "ws://127.0.0.1:9/?version=2")
    monkeypatch.setenv(BACKEND_ENV, "Requests")
    s = live.live_settings(load_settings(cfg))
    assert s.fred_api_url == "http://127.0.0.1:9/fred/series/observations"
    assert s.fred_graph_url == "http://127.0.0.1:9/graph/fredgraph.csv"
    assert s.fred_api_key == "s3cretKEY12345" and "s3cret" not in repr(s)
    assert s.stream_url == "ws://127.0.0.1:9/?version=2" and s.yahoo_backend == "requests"
    host = s.yahoo_routes["query2.finance.yahoo.com"]
    assert host.startswith("http://127.0.0.1:") and set(s.yahoo_routes) >= {"fc.yahoo.com"}
    # the defaults route nothing: Yahoo's own hosts
    assert live.live_settings(load_settings(None, env={})).yahoo_routes == {}


def test_a_bad_backend_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(BACKEND_ENV, "wget\x1b[31m")
    rc, out, err = run(capsys, "doctor", *common(tmp_path, None))
    assert rc == 2 and out == ""
    assert err.startswith(f'{BACKEND_ENV}: expected curl or requests, got "wget\\u001b[31m"')
    assert "\x1b" not in err


# -- snapshot ------------------------------------------------------------------------------------


def test_snapshot_live_is_the_spec_document(
    tmp_path: Path, servers: Servers, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = run(capsys, "snapshot", "--format", "json", *common(tmp_path, servers))
    doc = json.loads(out)
    assert doc["schema"] == "rotmon.snapshot/2" and doc["source"] == "live"
    assert [s["id"] for s in doc["spreads"]] == [p.id for p in PAIRS]
    iwm = doc["spreads"][0]
    # IWM and SPY are both QQQ's recorded 2020 closes (the snapshot reads daily bars, which end
    # 2020-12-31): live, the as-of moment is now, so both legs are long stale (SPEC 8) -- every
    # figure is null, each leg says where its data ends, and the problems say so (exit 1).
    assert iwm["last_date"] == {"IWM": "2020-12-31", "SPY": "2020-12-31"}
    assert iwm["stale"] == ["IWM", "SPY"]
    assert iwm["small_last"] is None and iwm["ratio"] is None
    assert iwm["returns"]["1D"] == {"small": None, "large": None, "spread_pp": None}
    assert "IWM: data ends 2020-12-31 (stale at " in "\n".join(doc["problems"])
    assert rc == 1 and "rotmon: IWM: data ends 2020-12-31" in err
    assert [(s["name"], s["ok"], s["error"]) for s in doc["sources"]] == [
        ("yahoo", True, None),
        ("fred", True, None),
    ]
    # every FRED series is DGS10's recorded CSV under its own name: last value 4.30 on 13 Apr
    t10y3m = next(m for m in doc["macro"] if m["id"] == "T10Y3M")
    assert (t10y3m["value"], t10y3m["date"]) == (4.30, "2026-04-13")


def test_snapshot_live_with_fred_down_prints_the_partial_result_and_exits_1(
    tmp_path: Path, servers: Servers
) -> None:
    # A fresh process, as users run it: nothing has imported yfinance or built the calendar.
    # (The source's worker threads import yfinance under a lock: racing into a half-imported
    # module made the history download fail now and then; timing-dependent, so not forced.)
    args = common(tmp_path, servers, fred=refused_url())
    env = {**os.environ, STREAM_ENV: "off", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "snapshot", "--format", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    rc, out, err = proc.returncode, proc.stdout, proc.stderr
    assert rc == 1
    doc = json.loads(out)
    yahoo = next(s for s in doc["sources"] if s["name"] == "yahoo")
    assert yahoo["ok"] is True and yahoo["error"] is None
    assert doc["source"] == "live" and doc["spreads"][0]["last_date"]["IWM"] == "2020-12-31"
    fred = next(s for s in doc["sources"] if s["name"] == "fred")
    assert fred["ok"] is False and "connection refused" in fred["error"]
    assert "rotmon: fred: failing: " in err and "connection refused" in err


# -- record --------------------------------------------------------------------------------------


def test_record_writes_a_pack_that_loads_back(
    tmp_path: Path, servers: Servers, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "recorded"
    args = common(tmp_path, servers)
    rc, out, err = run(capsys, "record", str(out_dir), "--minutes", "0.01", *args)
    assert rc == 0, err
    pack = load_pack(out_dir)
    assert set(pack.prices) == set(MARKET_SYMBOLS)
    assert set(pack.macro) == set(FRED_SERIES)
    assert [c.symbol for c in pack.constituents] == ["AAA"]
    qqq = pack.prices["QQQ"].close
    closes = qqq_closes()
    # the 253 daily closes of 2020, then the quote's day (14 Feb 2025) with its last price
    assert len(qqq) == len(closes) + 1
    assert qqq.index[-1] == pd.Timestamp("2025-02-14") and qqq.iloc[-1] == QQQ_LAST
    assert qqq.iloc[-2] == pytest.approx(closes.iloc[-1])
    wrote = f"wrote {out_dir}: 35 price files, {len(FRED_SERIES)} macro series, holdings of 1"
    assert wrote + " names" in err
    assert out == ""


def test_record_with_nothing_reachable_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "nothing"
    args = common(tmp_path, None)
    rc, out, err = run(capsys, "record", str(out_dir), "--minutes", "0.005", *args)
    assert out == ""
    assert rc == 1
    assert "nothing could be fetched" in err and not out_dir.exists()


async def test_ctrl_c_writes_what_was_recorded_so_far(tmp_path: Path, servers: Servers) -> None:
    settings = load_settings(write_config(tmp_path / "c.toml", servers), env={})
    source = live.live_source(settings, None, stream_url=None)
    out_dir = tmp_path / "partial"
    task = asyncio.create_task(record_pack(source, out_dir, seconds=600.0))
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    while not (source.yahoo.bars and source.fred.data):
        assert loop.time() < end, "no data arrived"
        await asyncio.sleep(0.02)
    task.cancel()  # what asyncio.run does on Ctrl+C
    result = await task
    assert result.interrupted and result.seconds < 60
    pack = load_pack(out_dir)
    assert set(pack.prices) == set(MARKET_SYMBOLS) and set(pack.macro) == set(FRED_SERIES)


# -- pack download -------------------------------------------------------------------------------


def test_pack_download_writes_every_file_and_reports_the_unknown_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ExitStack() as stack:
        srv = Servers(
            stack.enter_context(LoopbackServer(YahooApp(aliases(UNKNOWN)))),
            stack.enter_context(LoopbackServer(FredApp())),
            stack.enter_context(LoopbackServer(HoldingsApp(SMALL_HOLDINGS))),
        )
        out_dir = tmp_path / "pack"
        argv = ["pack", "download", str(out_dir), "--years", "3", *common(tmp_path, srv)]
        rc, out, err = run(capsys, *argv)
        charts = [r for r in srv.yahoo.requests if r.path.startswith("/v8/finance/chart/")]
        fred_asks = [r.query for r in srv.fred.requests if r.path.endswith("fredgraph.csv")]
    assert rc == 1
    lines = err.splitlines()
    for symbol in UNKNOWN:
        mine = [line for line in lines if line.startswith(f"rotmon: {symbol}: ")]
        assert len(mine) == 1 and "no daily history" in mine[0] and "404" in mine[0]
    files = f"33 price files, {len(FRED_SERIES)} macro series"
    assert any("wrote" in line and files in line for line in lines)
    written = {p.stem for p in (out_dir / "prices").glob("*.csv")}
    assert written == set(MARKET_SYMBOLS) - set(UNKNOWN)
    assert {p.stem for p in (out_dir / "macro").glob("*.csv")} == set(FRED_SERIES)
    assert (out_dir / "holdings" / "IWM.csv").is_file()
    pack = load_pack(out_dir)
    assert len(pack.prices["SPY"].close) == len(qqq_closes())
    # Yahoo was asked for 3 years, FRED from 3 years back
    assert charts and all(r.query.get("range") == "3y" or "period1" in r.query for r in charts)
    assert {q["id"] for q in fred_asks} == set(FRED_SERIES)
    assert all(q.get("cosd", "")[:2] == "20" for q in fred_asks)
    assert out == ""


# -- doctor --------------------------------------------------------------------------------------

NAMES = ("yahoo-history", "yahoo-quotes", "yahoo-details", "stream", "fred", "holdings")


async def test_doctor_prints_every_source_and_exits_0_when_all_are_ok(
    tmp_path: Path,
    servers: Servers,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with StreamServer(lambda s: [pricing_frame("SPY", 601.0, 1_739_565_000_000)]) as ws:
        monkeypatch.setenv(STREAM_ENV, ws.url)
        args = common(tmp_path, servers)
        rc, out, _ = await asyncio.to_thread(run, capsys, "doctor", *args)
    assert rc == 0, out
    heads = [line.split(":")[0] for line in out.splitlines() if line and not line[0].isspace()]
    assert heads[0] == "rotmon doctor · FRED via the keyless graph CSV"
    assert heads[1:-1] == list(NAMES)
    assert f"{line_for(out, 'stream')}" == "stream: ok (circuit closed)"
    assert out.splitlines()[-1] == "all 6 sources ok"


def line_for(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"{name}: "))


def test_doctor_exits_1_when_yahoo_answers_503(
    tmp_path: Path, servers: Servers, capsys: pytest.CaptureFixture[str]
) -> None:
    page = "<html><head><title>Service \x1b[2JUnavailable</title></head><body>x</body></html>"
    servers.yahoo.fault(r"^/v", Reply(503, page, "text/html"))
    rc, out, _ = run(capsys, "doctor", *common(tmp_path, servers))
    assert rc == 1
    for name in ("yahoo-history", "yahoo-quotes", "yahoo-details", "fred", "holdings"):
        assert line_for(out, name)
    assert line_for(out, "yahoo-history").startswith("yahoo-history: failing")
    assert line_for(out, "yahoo-quotes").startswith("yahoo-quotes: failing")
    assert line_for(out, "fred") == "fred: ok (circuit closed)"
    assert line_for(out, "holdings") == "holdings: ok (circuit closed)"
    errors = [line for line in out.splitlines() if line.startswith("  last error: quotes: ")]
    # the page's title, its escape sequence dropped, never sent to the terminal
    title = "HTML page (Service Unavailable)"
    assert errors == [f"  last error: quotes: HTTP 503 Service Unavailable: {title}"]
    assert "\x1b" not in out
    assert " of 5 sources not ok: yahoo-history, yahoo-quotes" in out.splitlines()[-1]


def test_the_app_gets_a_factory_of_the_live_source_with_the_store(tmp_path: Path) -> None:
    from data_sources.live import LiveSource
    from data_sources.store import Store
    from tui.cli.options import Options
    from tui.cli.sources import load_source

    config, db = common(tmp_path, None, fred="http://127.0.0.1:9")[1::2]
    factory = load_source(Options(config=Path(config), db=Path(db)))
    assert callable(factory) and not isinstance(factory, LiveSource)  # built on its own thread
    source = factory()  # type: ignore[operator]
    assert isinstance(source, LiveSource) and isinstance(source.cache, Store)
    assert source.settings.fred_graph_url == "http://127.0.0.1:9/graph/fredgraph.csv"
    assert source.settings.stream_url is None  # ROTMON_SOURCES_STREAM_URL=off
    assert (tmp_path / "rotmon.sqlite3").is_file() and factory.warnings == []  # type: ignore[attr-defined]
    source.cache.close()


@pytest.mark.parametrize("command", [["record"], ["pack", "download"]])
def test_a_file_where_the_pack_should_go_is_a_usage_error(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    rc, out, err = run(capsys, *command, str(target), *common(tmp_path, None))
    assert (rc, out) == (2, "")
    assert err == f"{target}: expected a directory for the data pack, found a file\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_before_or_after_doctor_is_the_db_doctor_opens(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    # issue 15: `rotmon --db X doctor` wrote into the default database
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config, db = common(tmp_path, None)[1::2]
    argv = ["--db", db]
    before, after = (argv, []) if where == "before" else ([], argv)
    rc, out, err = run(capsys, *before, "doctor", "--config", config, *after)
    assert rc == 1 and "sources not ok" in out, err  # every source refused, on loopback
    assert Path(db).is_file()
    assert not (tmp_path / "data").exists()
    # issue 16: nothing answered, so the first line says so; times are New York's
    assert out.splitlines()[0] == "offline: no source reachable — try `--demo` or `--data DIR`"
    stamps = re.findall(r"last request NY (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", out)
    assert stamps, out
    ny_now = datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None)
    for stamp in stamps:
        assert abs(datetime.fromisoformat(stamp) - ny_now) < timedelta(minutes=5)
    assert not re.search(r"\d\d:\d\d:\d\dZ", out)  # no UTC time left


def _health(name: str, *, success: bool, error: str | None) -> SourceHealth:
    now = datetime(2026, 3, 10, 14, 32, 5, tzinfo=UTC)
    return SourceHealth(
        name=name, state="ok" if success else "failing", last_request=now,
        last_success=now if success else None, last_failure=None if success else now,
        last_latency_ms=None, mean_latency_ms=None, requests=1, errors=0 if success else 1,
        failures=0 if success else 1, error=error, next_retry=None,
        next_due=None, cache_hits=0, circuit="closed", interval_s=60.0, age_s=None,
    )  # fmt: skip


def test_offline_only_when_no_source_answered_at_all() -> None:
    refused = _health("fred", success=False, error="FEDFUNDS: connection refused")
    unknown = _health("yahoo-quotes", success=False, error="quotes: host not found")
    http = _health("holdings", success=False, error="holdings: HTTP 503 Service Unavailable")
    ok = _health("yahoo-history", success=True, error=None)
    assert offline([refused, unknown])
    assert not offline([refused, http])  # an HTTP error is an answer: the network is there
    assert not offline([refused, ok])
    assert not offline([])
    report = doctor_report([refused, ok], fred_mode="x")
    assert report[0] == "rotmon doctor · FRED via x"
    assert "  last request NY 2026-03-10 10:32:05, last success never (age n/a)," in "\n".join(
        report
    )
