"""The valuation gap (SPEC 11): P/E per fund, the gap in turns and percent, staleness, the
5-year z-score, a pack's valuation/<SYMBOL>.csv and the demo's simulated P/E."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.snapshot import snapshot_to_dict
from analytics.valuation import gap_history, pe_at, valuation_gap, zscore_at, zscore_series
from data_sources.valuationcsv import parse_valuation_csv


def frame(rows: dict[str, tuple[float | None, float | None]]) -> pd.DataFrame:
    idx = pd.DatetimeIndex([pd.Timestamp(d) for d in rows])
    pe = [np.nan if v[0] is None else v[0] for v in rows.values()]
    fwd = [np.nan if v[1] is None else v[1] for v in rows.values()]
    return pd.DataFrame({"pe": pe, "forward_pe": fwd}, index=idx)


DAY = date(2026, 2, 13)


def test_gap_on_forward_pe_in_turns_and_percent() -> None:
    frames = {
        "SPY": frame({"2026-02-12": (27.5, 22.0)}),
        "IJR": frame({"2026-02-12": (18.5, 15.0)}),
        "IWM": frame({"2026-02-11": (20.0, 16.5)}),
    }
    v = valuation_gap(frames, DAY)
    assert v.basis == "forward" and v.gap_small == "IJR"
    assert v.gap_turns == pytest.approx(7.0)
    assert v.gap_pct == pytest.approx(7.0 / 22.0 * 100)  # the small side's discount
    assert v.large.pe == 27.5 and v.large.date == date(2026, 2, 12)
    assert [p.symbol for p in v.small] == ["IJR", "IWM"] and v.small[1].forward_pe == 16.5
    assert v.reason is None and v.zscore_5y is None  # a single day is no 5-year history


def test_trailing_basis_when_a_side_has_no_forward_and_iwm_when_ijr_is_missing() -> None:
    frames = {
        "SPY": frame({"2026-02-13": (27.0, None)}),
        "IWM": frame({"2026-02-13": (18.0, 16.0)}),
    }
    v = valuation_gap(frames, DAY)
    assert v.basis == "trailing" and v.gap_small == "IWM" and v.gap_turns == pytest.approx(9.0)
    assert v.small[0].pe is None and v.small[0].reason == "IJR: no P/E in the data"


def test_older_than_a_week_is_unknown_with_the_reason() -> None:
    frames = {
        "SPY": frame({"2026-02-05": (27.0, 22.0)}),  # 8 days before
        "IJR": frame({"2026-02-06": (18.0, 15.0)}),  # 7 days: still fresh
    }
    v = valuation_gap(frames, DAY)
    assert v.large.pe is None and v.large.forward_pe is None
    assert v.large.reason == "SPY: P/E data ends 2026-02-05"
    assert v.small[0].forward_pe == 15.0
    assert v.gap_turns is None and v.gap_pct is None and v.basis is None
    assert v.reason is not None and "SPY: P/E data ends 2026-02-05" in v.reason
    doc = snapshot_to_dict(_snapshot(v))["valuation"]
    assert doc["gap_turns"] is None and doc["large"]["pe"] is None
    assert doc["large"]["date"] == "2026-02-05" and "SPY" in doc["reason"]


def _snapshot(v: object) -> object:
    from analytics.types import Snapshot

    return Snapshot(
        asof=datetime(2026, 2, 13, 21, tzinfo=UTC),
        source="pack",
        spreads=(),
        heatmap=(),
        alerts=(),
        scores={},
        macro=(),
        valuation=v,  # type: ignore[arg-type]
    )


def test_no_valuation_data_is_null_everywhere() -> None:
    v = valuation_gap({}, DAY)
    doc = snapshot_to_dict(_snapshot(v))["valuation"]  # type: ignore[arg-type]
    assert doc["large"] == {
        "symbol": "SPY",
        "pe": None,
        "forward_pe": None,
        "date": None,
        "reason": "SPY: no P/E in the data",
    }
    assert [s["symbol"] for s in doc["small"]] == ["IJR", "IWM"]
    assert doc["gap_turns"] is None and doc["gap_pct"] is None


def test_a_trailing_value_earlier_in_the_week_holds() -> None:
    f = frame({"2026-02-10": (27.0, None), "2026-02-12": (None, 22.0)})
    p = pe_at("SPY", f, DAY)
    assert p.pe == 27.0 and p.forward_pe == 22.0 and p.date == date(2026, 2, 12)


def _monthly(values: np.ndarray, start: str = "2015-01-31") -> pd.DataFrame:
    idx = pd.date_range(start, periods=len(values), freq="ME")
    return pd.DataFrame({"pe": np.nan, "forward_pe": values}, index=idx)


def test_five_year_zscore_of_the_gap() -> None:
    n = 96  # eight years of month ends
    gap = np.concatenate([np.full(n - 1, 4.0) + np.tile([-0.5, 0.5], n)[: n - 1], [7.0]])
    frames = {"SPY": _monthly(20.0 + gap), "IJR": _monthly(np.full(n, 20.0))}
    hist = gap_history(frames, "IJR", basis="forward")
    assert len(hist) == n and hist.iloc[-1] == pytest.approx(7.0)
    last = hist.index[-1].date()
    window = hist[hist.index > hist.index[-1] - pd.Timedelta(days=1826)]
    expected = (7.0 - window.mean()) / window.std(ddof=1)
    assert zscore_at(hist, last) == pytest.approx(expected, abs=1e-3)
    z = zscore_series(hist)
    assert z.iloc[:58].isna().all()  # less than five years of history behind those dates
    assert z.iloc[-1] == pytest.approx(expected, abs=1e-3)
    v = valuation_gap(frames, last)
    assert v.zscore_5y == pytest.approx(expected, abs=1e-3)
    # three years of history only: no 5-year z-score (never a shorter window)
    short = {k: f.iloc[-36:] for k, f in frames.items()}
    assert valuation_gap(short, last).zscore_5y is None


def test_pack_valuation_csv(tmp_path: Path) -> None:
    text = (
        "\ufeffDate,PE,ForwardPE\n"
        "2026-01-30,27.1,21.9\n"
        "2026-02-06,27.3,\n"
        "2026-02-09,abc,22.0\n"
        "02/10/2026,27.0,22.0\n"
        "2026-02-13,-5,22.0\n"
        "2026-02-12,27.4,22.1\n"
    )
    f, problems = parse_valuation_csv(text, "valuation/SPY.csv")
    assert f is not None
    assert list(f.index.strftime("%Y-%m-%d")) == ["2026-01-30", "2026-02-06", "2026-02-12"]
    assert np.isnan(f["forward_pe"].iloc[1]) and f["pe"].iloc[2] == 27.4
    assert problems == [
        "valuation/SPY.csv:4: expected a positive P/E, got 'abc'",
        "valuation/SPY.csv:5: expected a date YYYY-MM-DD, got '02/10/2026'",
        "valuation/SPY.csv:6: expected a positive P/E, got '-5'",
    ]
    none, why = parse_valuation_csv("Day,Price\n2026-01-01,3\n", "valuation/IJR.csv")
    assert none is None and why == [
        "valuation/IJR.csv:1: expected a header Date,PE[,ForwardPE], got 'Day,Price'"
    ]
    only_pe, _ = parse_valuation_csv("Date,PE\n2026-01-01,18\n", "valuation/IWM.csv")
    assert only_pe is not None and only_pe["pe"].iloc[0] == 18.0
    assert np.isnan(only_pe["forward_pe"].iloc[0])


def test_pack_reads_valuation_files_and_cuts_them_at_the_asof(tmp_path: Path) -> None:
    from data_sources.pack import PackSource, check_pack

    (tmp_path / "prices").mkdir()
    days = pd.bdate_range("2025-12-01", "2026-02-13")
    for sym in ("SPY", "IJR"):
        closes = pd.DataFrame({"Close": np.linspace(100, 110, len(days))}, index=days)
        closes.index.name = "Date"
        closes.to_csv(tmp_path / "prices" / f"{sym}.csv")
    (tmp_path / "valuation").mkdir()
    (tmp_path / "valuation" / "SPY.csv").write_text(
        "Date,PE,ForwardPE\n2026-01-30,27.0,22.0\n2026-02-13,27.5,22.5\n"
    )
    (tmp_path / "valuation" / "IJR.csv").write_text(
        "Date,PE,ForwardPE\n2026-01-30,18.0,15.0\n2026-02-13,18.2,15.1\n"
    )
    source = PackSource(tmp_path)
    market = source.market_data()
    assert set(market.valuations) == {"SPY", "IJR"}
    from tui.compute import snapshot_from_market

    doc = snapshot_to_dict(snapshot_from_market(market))["valuation"]
    assert doc["gap_turns"] == pytest.approx(7.4) and doc["large"]["date"] == "2026-02-13"
    source.set_asof(date(2026, 2, 2))
    back = snapshot_to_dict(snapshot_from_market(source.market_data()))["valuation"]
    assert back["gap_turns"] == pytest.approx(7.0) and back["large"]["date"] == "2026-01-30"
    source.set_asof(date(2026, 2, 12))  # the 30 Jan value is 13 days old by then
    doc = snapshot_to_dict(snapshot_from_market(source.market_data()))
    stale = doc["valuation"]
    assert stale["gap_turns"] is None and "data ends 2026-01-30" in stale["reason"]
    assert "SPY: P/E data ends 2026-01-30 (stale at 2026-02-12: shown as n/a)" in doc["problems"]
    reports = {r.file: r for r in check_pack(tmp_path)}
    assert reports["valuation/SPY.csv"].rows == 2
    assert reports["valuation/SPY.csv"].last == date(2026, 2, 13)


def test_demo_pe_follows_its_prices_and_differs_by_scenario() -> None:
    from data_sources.demo import DemoSource

    start = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    rotation = DemoSource(seed=7, scenario="rotation", start=start).market_data(start)
    hard = DemoSource(seed=7, scenario="hard-landing", start=start).market_data(start)
    for sym in ("SPY", "IJR", "IWM"):
        f = rotation.valuations[sym]
        closes = rotation.prices[sym]
        assert f.index.equals(closes.index)
        # P/E over price is the earnings line: smooth, whatever the price did day to day
        implied = closes / f["forward_pe"]
        steps = implied.pct_change().dropna().abs()
        assert steps.max() < 0.002
    v_rot = valuation_gap(rotation.valuations, start.date())
    v_hard = valuation_gap(hard.valuations, start.date())
    assert v_rot.large.forward_pe == pytest.approx(22.1, abs=0.6)
    assert v_rot.small[0].forward_pe == pytest.approx(15.0, abs=0.6)
    assert v_hard.large.forward_pe is not None and v_rot.large.forward_pe is not None
    assert v_hard.large.forward_pe < v_rot.large.forward_pe


def test_write_pack_writes_valuation_files_that_load_back(tmp_path: Path) -> None:
    from data_sources.pack import load_pack, write_pack

    f = frame({"2026-01-30": (27.0, 22.0), "2026-02-06": (27.25, None), "2026-02-13": (None, 22.5)})
    write_pack(tmp_path, {}, {"DGS2": pd.Series([4.0], index=[pd.Timestamp("2026-02-13")])},
               valuations={"SPY": f})  # fmt: skip
    text = (tmp_path / "valuation" / "SPY.csv").read_text()
    assert text == "Date,PE,ForwardPE\n2026-01-30,27,22\n2026-02-06,27.25,\n2026-02-13,,22.5\n"
    back = load_pack(tmp_path).valuations["SPY"]
    assert back.index.equals(f.index)
    assert back["pe"].equals(f["pe"]) and back["forward_pe"].equals(f["forward_pe"])
