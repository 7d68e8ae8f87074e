"""`rotmon snapshot`: the SPEC 9 document, formats, exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.catalog import PAIRS, SECTORS, WINDOWS
from tui.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        rc = main(list(argv))
    except SystemExit as exc:  # argparse exits itself on usage errors
        rc = int(exc.code or 0)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def rotation_json() -> dict:
    buf = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buf):
        assert main(["snapshot", "--demo", "--format", "json"]) == 0
    return json.loads(buf.getvalue())


def test_json_has_exactly_the_spec_shape(rotation_json: dict) -> None:
    doc = rotation_json
    assert list(doc) == [
        "schema", "asof", "source", "spreads", "heatmap", "alerts", "scores", "coverage",
        "unknown_rules", "macro", "sources", "problems", "valuation", "cycle",
    ]  # fmt: skip
    assert list(doc["valuation"]) == [
        "large", "small", "gap_turns", "gap_pct", "basis", "gap_small", "zscore_5y", "reason",
    ]  # fmt: skip
    assert list(doc["valuation"]["large"]) == ["symbol", "pe", "forward_pe", "date", "reason"]
    assert [s["symbol"] for s in doc["valuation"]["small"]] == ["IJR", "IWM"]
    assert list(doc["cycle"])[:7] == [
        "phase", "first_cut", "cuts", "cut_bp", "months_since_first_cut", "two_year_minus_funds",
        "source",
    ]  # fmt: skip
    assert doc["cycle"]["source"] == "DFEDTARU" and doc["cycle"]["phase"] in ("cutting", "on hold")
    assert doc["schema"] == "rotmon.snapshot/2" and doc["source"] == "demo"
    assert [s["id"] for s in doc["spreads"]] == [p.id for p in PAIRS]
    first = doc["spreads"][0]
    assert list(first) == [
        "id", "small", "large", "small_last", "large_last", "ratio", "returns",
        "zscore_1y", "trend", "corr_3m", "beta_3m", "stale", "last_date",
    ]  # fmt: skip
    assert first["stale"] == [] and set(first["last_date"]) == {"IWM", "SPY"}
    assert first["last_date"]["IWM"] == doc["asof"][:10]  # every value knows its date
    assert list(first["returns"]) == list(WINDOWS)
    assert list(first["returns"]["1D"]) == ["small", "large", "spread_pp"]
    assert [h["sector"] for h in doc["heatmap"]] == [s.sector for s in SECTORS]
    assert list(doc["heatmap"][0]["returns"]["1M"]) == ["large", "small", "spread_pp"]
    assert set(doc["scores"]) == {"hard_landing", "energy_shock"}
    # The demo market has every input: every rule known, full coverage, no problems.
    assert doc["coverage"] == {"hard_landing": 1.0, "energy_shock": 1.0}
    assert doc["unknown_rules"] == [] and doc["problems"] == []
    assert list(doc["heatmap"][0]) == ["sector", "large", "small", "returns", "stale", "last_date"]
    assert all(list(m) == ["id", "label", "value", "date"] for m in doc["macro"])
    assert all(list(s) == ["name", "ok", "last_success", "stale", "error"] for s in doc["sources"])


def test_json_numbers_are_consistent(rotation_json: dict) -> None:
    for pair in rotation_json["spreads"]:
        assert pair["ratio"] == pytest.approx(pair["small_last"] / pair["large_last"])
        for leg in pair["returns"].values():
            if leg["spread_pp"] is not None:
                assert leg["spread_pp"] == pytest.approx(leg["small"] - leg["large"])
    re = next(h for h in rotation_json["heatmap"] if h["sector"] == "Real Estate")
    assert re["small"] is None and re["returns"]["1M"]["small"] is None
    assert re["returns"]["1M"]["spread_pp"] is None


def test_rotation_scenario_shows_small_caps_leading(rotation_json: dict) -> None:
    iwm = rotation_json["spreads"][0]
    assert iwm["id"] == "IWM/SPY"
    assert iwm["returns"]["3M"]["spread_pp"] >= 5
    assert iwm["trend"] == "up"


def test_same_seed_same_numbers_in_another_process(rotation_json: dict) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui", "snapshot", "--demo", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == rotation_json


def test_csv_is_tidy(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "snapshot", "--demo", "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    tidy = [r for r in rows if r["table"] in ("spreads", "heatmap")]
    assert len(tidy) == (len(PAIRS) + len(SECTORS)) * len(WINDOWS)
    # Everything the snapshot holds, as the README says: alerts, scores, macro, sources, ...
    assert {r["table"] for r in rows} >= {
        "spreads", "heatmap", "coverage", "score", "macro", "source", "valuation", "cycle"
    }  # fmt: skip
    scores = {r["id"]: r["value"] for r in rows if r["table"] == "score"}
    assert set(scores) == {"hard_landing", "energy_shock"}
    macro = {r["id"]: r for r in rows if r["table"] == "macro"}
    assert macro["T10Y3M"]["small"] == "10Y-3M" and macro["T10Y3M"]["date"]
    assert [r["id"] for r in rows if r["table"] == "source"] == ["demo"]
    cov = {r["id"]: (float(r["value"]), r["note"]) for r in rows if r["table"] == "coverage"}
    assert cov["hard_landing"][0] == 1.0 and cov["hard_landing"][1].startswith("score ")
    r = next(r for r in rows if r["id"] == "IWM/SPY" and r["window"] == "1M")
    assert float(r["spread_pp"]) == pytest.approx(
        float(r["small_return"]) - float(r["large_return"])
    )


def test_csv_carries_the_alerts(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "snapshot", "--demo", "--scenario", "hard-landing", "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    alerts = {r["id"]: r for r in rows if r["table"] == "alert"}
    assert {"sahm", "vix", "hy_oas"} <= set(alerts)
    vix = alerts["vix"]
    assert vix["severity"] == "critical" and float(vix["threshold"]) == 35.0
    assert float(vix["value"]) >= 35.0 and vix["date"] and "VIX" in vix["note"]
    score = next(r for r in rows if r["table"] == "score" and r["id"] == "hard_landing")
    assert float(score["value"]) > 50


def test_table_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(
        capsys, "snapshot", "--demo", "--scenario", "hard-landing", "--format", "table"
    )
    assert rc == 0
    for word in ("IWM/SPY", "Energy", "Alerts", "hard-landing score", "Macro"):
        assert word in out
    assert "Valuation (P/E)" in out and "gap (forward P/E, SPY - IJR)" in out
    assert "Fed cycle (DFEDTARU): cutting" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["snapshot", "--demo", "--scenario", "boom"], "--scenario: invalid choice: 'boom'"),
        (["snapshot", "--demo", "--format", "xml"], "--format: invalid choice: 'xml'"),
        (["snapshot", "--data", "x", "--demo"], "--data: not allowed with --demo"),
        (["snapshot", "--demo", "--asof", "2024-13-01"], "expected a date YYYY-MM-DD"),
    ],
)
def test_usage_errors_exit_2_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("scenario", "critical", "score"),
    [
        ("hard-landing", {"sahm", "hy_oas", "vix", "r2k_drawdown"}, "hard_landing"),
        ("oil-shock", {"wti_20d", "ovx", "energy_outperformance"}, "energy_shock"),
    ],
)
def test_scenarios_raise_their_alerts(
    capsys: pytest.CaptureFixture[str], scenario: str, critical: set[str], score: str
) -> None:
    rc, out, _ = run(capsys, "snapshot", "--demo", "--scenario", scenario, "--format", "json")
    doc = json.loads(out)
    assert rc == 0
    crit = {a["rule"] for a in doc["alerts"] if a["severity"] == "critical"}
    assert critical <= crit
    assert doc["scores"][score] >= 50


def test_calm_raises_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "snapshot", "--demo", "--scenario", "calm", "--format", "json")
    doc = json.loads(out)
    assert rc == 0
    assert doc["alerts"] == []
    assert doc["scores"] == {"hard_landing": 0.0, "energy_shock": 0.0}
