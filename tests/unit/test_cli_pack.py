"""`rotmon snapshot|backtest|pack check --data`: exact numbers from the pack's CSVs, exit codes."""

from __future__ import annotations

import csv
import json
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest

from tui.__main__ import main

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"
ASOF = "2020-03-20"


def closes(symbol: str) -> list[tuple[str, float]]:
    """(date, adjusted close) rows read with the csv module, independently of rotmon."""
    with (PACK / "prices" / f"{symbol}.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    col = header.index("Adj Close") if "Adj Close" in header else 1
    out = [(r[0][:10], float(r[col])) for r in rows[1:] if r and r[col] not in ("", "null")]
    return [(d, v) for d, v in out if d <= ASOF]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


@pytest.fixture(scope="module")
def doc() -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        rc = main(["snapshot", "--data", str(PACK), "--asof", ASOF, "--format", "json"])
    assert rc == 1  # partial: the small pack lacks most sector ETFs
    return json.loads(buf.getvalue())


def test_pair_numbers_equal_a_hand_computation(doc: dict) -> None:
    iwm, spy = closes("IWM"), closes("SPY")
    assert iwm[-1][0] == spy[-1][0] == ASOF
    p_s = [v for _, v in iwm]
    p_l = [v for _, v in spy]
    pair = next(p for p in doc["spreads"] if p["id"] == "IWM/SPY")
    assert doc["asof"].startswith(ASOF)
    assert pair["small_last"] == pytest.approx(p_s[-1], abs=1e-9)
    for window, w in {"1D": 1, "1W": 5, "1M": 21, "3M": 63, "1Y": 252}.items():
        rs = (p_s[-1] / p_s[-1 - w] - 1) * 100
        rl = (p_l[-1] / p_l[-1 - w] - 1) * 100
        leg = pair["returns"][window]
        assert leg["small"] == pytest.approx(rs, rel=1e-12)
        assert leg["large"] == pytest.approx(rl, rel=1e-12)
        assert leg["spread_pp"] == pytest.approx(rs - rl, rel=1e-12)
    # YTD: base is the last row of 2019
    base_s = [v for d, v in iwm if d < "2020-01-01"][-1]
    base_l = [v for d, v in spy if d < "2020-01-01"][-1]
    ytd = pair["returns"]["YTD"]
    assert ytd["spread_pp"] == pytest.approx((p_s[-1] / base_s - p_l[-1] / base_l) * 100, rel=1e-12)
    # the ratio on common dates (both files have the same sessions here)
    ratio = [s / l_ for s, l_ in zip(p_s, p_l, strict=True)]
    last252 = ratio[-252:]
    z = (ratio[-1] - statistics.fmean(last252)) / statistics.stdev(last252)
    assert pair["ratio"] == pytest.approx(ratio[-1], rel=1e-12)
    assert pair["zscore_1y"] == pytest.approx(z, rel=1e-9)
    sma50, sma200 = statistics.fmean(ratio[-50:]), statistics.fmean(ratio[-200:])
    expected = (
        "up"
        if ratio[-1] > max(sma50, sma200)
        else "down"
        if ratio[-1] < min(sma50, sma200)
        else "flat"
    )
    assert pair["trend"] == expected == "down"
    rs = [p_s[i] / p_s[i - 1] - 1 for i in range(len(p_s) - 63, len(p_s))]
    rl = [p_l[i] / p_l[i - 1] - 1 for i in range(len(p_l) - 63, len(p_l))]
    beta = statistics.covariance(rs, rl) / statistics.variance(rl)
    assert pair["beta_3m"] == pytest.approx(beta, rel=1e-9)
    assert pair["corr_3m"] == pytest.approx(statistics.correlation(rs, rl), rel=1e-9)


def test_rule_levels_equal_a_hand_computation(doc: dict) -> None:
    vix = closes("^VIX")[-1][1]
    alerts = {a["rule"]: a for a in doc["alerts"]}
    assert vix >= 35
    assert alerts["vix"]["severity"] == "critical"
    assert alerts["vix"]["value"] == pytest.approx(vix)
    # Russell 2000 drawdown from the 252-row high
    p = [v for _, v in closes("IWM")]
    dd = (p[-1] / max(p[-252:]) - 1) * 100
    assert dd <= -20
    assert alerts["r2k_drawdown"]["value"] == pytest.approx(dd, rel=1e-9)
    # T10Y3M known on 2020-03-20 is the 2020-03-19 observation (daily series: next day)
    with (PACK / "macro" / "T10Y3M.csv").open(newline="") as f:
        rows = [r for r in csv.reader(f)][1:]
    known = [(d, float(v)) for d, v in rows if v not in ("", ".") and d < ASOF]
    macro = {m["id"]: m for m in doc["macro"]}
    assert macro["T10Y3M"]["date"] == known[-1][0] == "2020-03-19"
    assert macro["T10Y3M"]["value"] == pytest.approx(known[-1][1])


def test_missing_symbols_are_reported_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["snapshot", "--data", str(PACK), "--format", "csv"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "no data for" in err and "RSP" in err and "IJR," not in err


def test_missing_pack_dir_is_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc = main(["snapshot", "--data", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert rc == 1
    assert len(err.strip().splitlines()) == 1 and "nope" in err and "Traceback" not in err


def test_backtest_json_lists_the_2020_episodes(capsys: pytest.CaptureFixture[str]) -> None:
    rc, bt, _ = run_json(
        capsys, "backtest", "--data", str(PACK), "--from", "2020-01-01", "--to", "2020-06-30",
        "--format", "json",
    )  # fmt: skip
    assert rc == 0
    assert bt["schema"] == "rotmon.backtest/1"
    assert (bt["from"], bt["to"]) == ("2020-01-01", "2020-06-30")
    vix_crit = [e for e in bt["episodes"] if e["rule"] == "vix" and e["severity"] == "critical"]
    assert vix_crit, bt["episodes"]
    # VIX peaked at 82.69 on 2020-03-16 (CBOE close)
    assert max(e["peak"]["value"] for e in vix_crit) == pytest.approx(82.69)
    peak = max(vix_crit, key=lambda e: e["peak"]["value"])
    assert peak["peak"]["date"] == "2020-03-16"
    for e in bt["episodes"]:
        assert set(e) == {"rule", "group", "severity", "start", "end", "end_reason", "peak"}
        assert (e["end"] is None) == (e["end_reason"] is not None)
        assert date.fromisoformat(e["start"]) <= date(2020, 6, 30)


def test_backtest_from_after_to_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["backtest", "--data", str(PACK), "--from", "2021-01-01", "--to", "2020-01-01"])
    assert rc == 2
    assert "--from" in capsys.readouterr().err


def test_pack_check_lists_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["pack", "check", str(PACK)])
    out = capsys.readouterr().out
    assert rc == 1  # partial, as its snapshot: the small pack lacks most sector ETFs
    for name in ("prices/IWM.csv", "prices/^VIX.csv", "macro/T10Y3M.csv"):
        assert name in out
    assert "2018-12-03" in out
    assert "prices/RSP.csv: missing, so the pair RSP/SPY shows n/a" in out


def test_config_init_check_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    assert main(["config", "init", "--config", str(cfg)]) == 0
    assert cfg.exists()
    assert main(["config", "init", "--config", str(cfg)]) == 2  # refuses to overwrite
    assert main(["config", "check", "--config", str(cfg)]) == 0
    cfg.write_text("refresh = -1\n")
    capsys.readouterr()
    assert main(["config", "check", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("config.toml:1: refresh: expected")
    # An action id that names nothing is caught by the check, not first by the app's start.
    cfg.write_text('refresh = 2\n\n[keys]\n"app.quit" = "q"\n"window.nxt" = "w"\n')
    assert main(["config", "check", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "config.toml:5: keys.window.nxt: unknown action id (did you mean window.next?);"
        " the README lists the ids"
    )
    assert main(["config", "path", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.strip() == str(cfg)


def test_bad_config_stops_snapshot_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[rules.vix]\nwarning = 'high'\n")
    rc = main(["snapshot", "--data", str(PACK), "--config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("config.toml:2: rules.vix.warning: expected"), err


def test_macro_values_older_than_three_intervals_are_stale() -> None:
    from data_sources.pack import PackSource
    from tui.compute import snapshot_from_market

    # 2020-06-01: FEDFUNDS for April is the latest released (May's comes on 7 June): fresh.
    fresh = snapshot_from_market(PackSource(PACK, asof=date(2020, 6, 1)).market_data())
    assert not any(m.stale for m in fresh.macro)
    # T10Y3M ends on 2020-12-11 in the pack's FRED file: read as of 2020-12-31 it is 20 days
    # old, more than three daily intervals plus a weekend, so it is stale.
    from analytics.macro import macro_rows

    market = PackSource(PACK).market_data()
    rows = macro_rows(
        market.prices, {k: m.values for k, m in market.macro.items()}, date(2020, 12, 31)
    )
    t10 = next(m for m in rows if m.id == "T10Y3M")
    assert t10.date == date(2020, 12, 11) and t10.stale
    fed = next(m for m in rows if m.id == "FEDFUNDS")
    assert not fed.stale  # monthly: November's value, released 7 December


def configured_pack(tmp_path: Path) -> Path:
    """The small pack with a pack.toml naming its own pairs and sectors."""
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "pack.toml").write_text(
        'name = "own pairs"\n'
        "[[pairs]]\n"
        'small = "IJR"\nlarge = "SPY"\nlabel = "S&P 600 vs S&P 500"\n'
        "[[pairs]]\n"
        'small = "IWM"\nlarge = "QQQ"\n'
        "[[sectors]]\n"
        'sector = "Technology"\nlarge = "XLK"\nsmall = "PSCT"\n'
        "[[sectors]]\n"
        'sector = "Energy"\nlarge = "XLE"\nsmall = "PSCE"\n',
        encoding="utf-8",
    )
    return pack


def test_pack_toml_pairs_and_sectors_are_what_the_snapshot_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = configured_pack(tmp_path)
    rc, doc, err = run_json(
        capsys, "snapshot", "--data", str(pack), "--asof", ASOF, "--format", "json"
    )
    assert [p["id"] for p in doc["spreads"]] == ["IJR/SPY", "IWM/QQQ"]
    assert [(h["sector"], h["large"], h["small"]) for h in doc["heatmap"]] == [
        ("Technology", "XLK", "PSCT"),
        ("Energy", "XLE", "PSCE"),
    ]
    # Only what the pack itself names (and the header's indices) can be missing now.
    assert rc == 1 and "no data for ^RUT, ^GSPC" in err and "RSP" not in err
    ijr, spy = [v for _, v in closes("IJR")], [v for _, v in closes("SPY")]
    leg = doc["spreads"][0]["returns"]["1M"]
    spread = ((ijr[-1] / ijr[-22] - 1) - (spy[-1] / spy[-22] - 1)) * 100
    assert leg["spread_pp"] == pytest.approx(spread, rel=1e-12)
    xlk, psct = [v for _, v in closes("XLK")], [v for _, v in closes("PSCT")]
    tech = doc["heatmap"][0]["returns"]["1W"]
    assert tech["large"] == pytest.approx((xlk[-1] / xlk[-6] - 1) * 100, rel=1e-12)
    assert tech["small"] == pytest.approx((psct[-1] / psct[-6] - 1) * 100, rel=1e-12)


def test_backtest_replays_nyse_sessions_only_whatever_a_file_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Issue 13: a CL=F file with Sunday rows (futures trade on Sunday evenings) made every
    # Sunday a replay day. Here each Friday's close is repeated on the Sunday after it.
    import shutil

    from analytics.freshness import session_days

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    cl = pack / "prices" / "CL=F.csv"
    lines = cl.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        out.append(line)
        day = date.fromisoformat(line[:10])
        if day.weekday() == 4:
            out.append((day + timedelta(days=2)).isoformat() + line[10:])
    cl.write_text("\n".join(out) + "\n")
    rc, bt, _ = run_json(capsys, "backtest", "--data", str(pack), "--format", "json")
    assert rc in (0, 1)
    first, last = date.fromisoformat(bt["from"]), date.fromisoformat(bt["to"])
    assert bt["days"] == len(session_days(first, last))
    assert bt["episodes"]
    for e in bt["episodes"]:
        for key in ("start", "end"):
            if e[key] is not None:
                assert date.fromisoformat(e[key]).weekday() < 5, e
        assert (e["end"] is None) == (e["end_reason"] in ("open", "data ends")), e
