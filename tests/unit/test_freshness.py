"""Issue 13 on real history: one freshness rule, unknown rules, coverage, honest backtests.

Every number knows its date; a leg more than 3 NYSE sessions older than the as-of day is stale
and everything computed from it is n/a (None / null) with a reason; rules without data are
unknown; scores count the known rules only.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.backtest import backtest_json, episodes
from analytics.catalog import SECTORS, SectorPair
from analytics.freshness import STALE_SESSIONS, is_stale, leg_freshness, sessions_after
from analytics.risk import DEFAULT_RULES, evaluate_risk
from analytics.snapshot import build_snapshot, snapshot_to_csv, snapshot_to_dict
from data_sources.pack import load_pack
from data_sources.pricecsv import parse_price_csv

NY = ZoneInfo("America/New_York")
TESTS = Path(__file__).resolve().parents[1]
PRICES = TESTS / "fixtures" / "prices"
FRED = TESTS / "fixtures" / "fred"
FRED_LIVE = TESTS / "fixtures" / "fred_live"
PACK = TESTS / "fixtures" / "pack_small"
SHARED = TESTS.parents[1] / "shared" / "realdata" / "history"
RULES = {r.id: r for r in DEFAULT_RULES}
ENERGY = (SectorPair("Energy", "XLE", "PSCE"),)


def closes(path: Path, symbol: str) -> pd.Series:
    bars = parse_price_csv(path.read_text(), symbol, path.name).bars
    assert bars is not None
    return bars.frame["close"]


def fred(path: Path) -> pd.Series:
    frame = pd.read_csv(path, dtype=str)
    values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    return pd.Series(values.to_numpy(), index=pd.to_datetime(frame.iloc[:, 0])).dropna()


def close_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=NY)


@pytest.fixture(scope="module")
def broken_energy() -> dict[str, pd.Series]:
    """The issue's pack: PSCE ending 2020-12-11, XLE ending 2022-06-28 (real rows)."""
    return {
        "PSCE": closes(PRICES / "PSCE-2020-ends-2020-12-11.csv", "PSCE"),
        "XLE": closes(PRICES / "XLE-2021_2022-ends-2022-06-28.csv", "XLE"),
    }


# -- the one freshness rule -------------------------------------------------------------------


def test_stale_means_more_than_3_nyse_sessions_old() -> None:
    assert STALE_SESSIONS == 3
    # Tue 2024-12-31; Jan 1 is a holiday: Jan 2, 3 and 6 are the three sessions after it.
    assert sessions_after(date(2024, 12, 31), date(2025, 1, 6)) == 3
    assert not is_stale(date(2024, 12, 31), date(2025, 1, 6))
    assert is_stale(date(2024, 12, 31), date(2025, 1, 7))
    assert sessions_after(date(2024, 12, 31), date(2025, 1, 5)) == 2  # a Sunday as-of
    assert is_stale(None, date(2025, 1, 6))
    fresh = leg_freshness(
        "PSCE", pd.Series([1.0], index=pd.to_datetime(["2020-12-11"])), date(2020, 12, 16)
    )
    assert (fresh.stale, fresh.reason, fresh.last_date) == (False, None, date(2020, 12, 11))
    stale = leg_freshness(
        "PSCE", pd.Series([1.0], index=pd.to_datetime(["2020-12-11"])), date(2020, 12, 17)
    )
    assert (stale.stale, stale.reason) == (True, "PSCE: data ends 2020-12-11")
    assert leg_freshness("XLRE", None, date(2020, 12, 17)).reason == "XLRE: no data"


def test_the_issue_pack_at_2022_11_18_shows_n_a_with_reasons(broken_energy) -> None:
    day = date(2022, 11, 18)
    snap = build_snapshot(
        source="pack", asof=close_of(day), prices=broken_energy, macro={}, pairs=(), sectors=ENERGY
    )
    (row,) = snap.heatmap
    # Before: XLE -11.98, PSCE +31.82, spread +43.79 -- each leg's own last rows, years apart.
    assert all(
        (leg.large, leg.small, leg.spread_pp) == (None, None, None) for leg in row.returns.values()
    )
    assert row.stale == ("XLE", "PSCE")
    assert row.last_date == {"XLE": date(2022, 6, 28), "PSCE": date(2020, 12, 11)}
    assert row.reasons == ("XLE: data ends 2022-06-28", "PSCE: data ends 2020-12-11")
    assert any(p.startswith("PSCE: data ends 2020-12-11") for p in snap.problems)
    assert any(p.startswith("XLE: data ends 2022-06-28") for p in snap.problems)
    doc = snapshot_to_dict(snap)
    assert doc["schema"] == "rotmon.snapshot/2"
    energy = doc["heatmap"][0]
    assert energy["stale"] == ["XLE", "PSCE"]
    assert energy["last_date"] == {"XLE": "2022-06-28", "PSCE": "2020-12-11"}
    assert energy["returns"]["1M"] == {"large": None, "small": None, "spread_pp": None}
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    rows = list(csv.DictReader(io.StringIO(snapshot_to_csv(snap))))
    assert {r["stale"] for r in rows if r["table"] == "heatmap"} == {"XLE PSCE"}
    assert any("PSCE: data ends 2020-12-11" in r["note"] for r in rows if r["table"] == "problem")


def test_a_fresh_leg_keeps_its_figures_when_the_other_is_stale(broken_energy) -> None:
    day = date(2022, 6, 28)
    snap = build_snapshot(
        source="pack", asof=close_of(day), prices=broken_energy, macro={}, pairs=(), sectors=ENERGY
    )
    (row,) = snap.heatmap
    assert row.stale == ("PSCE",)
    one_month = row.returns["1M"]
    assert one_month.large is not None and one_month.small is None and one_month.spread_pp is None
    # XLE's own 21-row return, from its own rows of 2022 only.
    xle = broken_energy["XLE"]
    assert one_month.large == pytest.approx((xle.iloc[-1] / xle.iloc[-22] - 1) * 100)


def test_a_leg_three_sessions_old_still_counts(broken_energy) -> None:
    fresh = build_snapshot(
        source="pack",
        asof=close_of(date(2020, 12, 16)),
        prices={"PSCE": broken_energy["PSCE"]},
        macro={},
        pairs=(),
        sectors=ENERGY,
    )
    stale = build_snapshot(
        source="pack",
        asof=close_of(date(2020, 12, 17)),
        prices={"PSCE": broken_energy["PSCE"]},
        macro={},
        pairs=(),
        sectors=ENERGY,
    )
    assert fresh.heatmap[0].returns["1M"].small is not None and fresh.heatmap[0].stale == ()
    assert stale.heatmap[0].returns["1M"].small is None and stale.heatmap[0].stale == ("PSCE",)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
def test_iwm_qqq_at_2022_11_18_from_shared_data() -> None:
    # IWM ends 2022-11-18 (fresh), QQQ 2020-12-11: the pair is n/a, IWM/SPY is not.
    prices = {
        "IWM": closes(SHARED / "IWM-2000_2022-yahoo.csv", "IWM"),
        "QQQ": closes(SHARED / "QQQ-1999_2020-yahoo.csv", "QQQ"),
        "SPY": closes(SHARED / "SPY-2000_2022-yahoo.csv", "SPY"),
    }
    snap = build_snapshot(
        source="pack", asof=close_of(date(2022, 11, 18)), prices=prices, macro={}, sectors=()
    )
    by_id = {p.id: p for p in snap.spreads}
    qqq = by_id["IWM/QQQ"]
    assert qqq.stale == ("QQQ",) and qqq.reasons == ("QQQ: data ends 2020-12-11",)
    assert qqq.ratio is None and qqq.zscore_1y is None and qqq.returns["1M"].spread_pp is None
    assert qqq.large_last is None and qqq.small_last is not None
    assert by_id["IWM/SPY"].returns["1M"].spread_pp is not None
    assert by_id["IWM/SPY"].last_date == {"IWM": date(2022, 11, 18), "SPY": date(2022, 11, 18)}


# -- returns over a base <= 0 -----------------------------------------------------------------


def test_wti_20_day_return_over_the_negative_april_2020_close_is_unknown() -> None:
    wti = fred(FRED / "DCOILWTICO-2018_2022.csv")
    assert wti[pd.Timestamp("2020-04-20")] == -36.98
    r = evaluate_risk({}, {"DCOILWTICO": wti}, date(2020, 6, 30), (RULES["wti_20d"],))
    i = int(wti.index.get_loc(pd.Timestamp("2020-04-20")))
    undefined = wti.index[i + 20]  # the observation whose 20-row base is the negative close
    seen = r.days[r.days > undefined][0]  # released the next day
    before = r.days[r.days < seen][-1]
    assert np.isfinite(r.values.loc[before, "wti_20d"])  # a large return the day before
    assert np.isnan(r.values.loc[seen, "wti_20d"])  # undefined, not the previous value
    assert np.isnan(r.levels.loc[seen, "wti_20d"])  # the rule is unknown, not held critical
    at = evaluate_risk({}, {"DCOILWTICO": wti}, seen.date(), (RULES["wti_20d"],))
    assert at.alerts == () and at.unknown_rules == ("wti_20d",)
    assert at.scores["energy_shock"] is None and at.coverage["energy_shock"] == 0.0


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
def test_cl_f_may_2020_does_not_hold_51_7_percent() -> None:
    cl = closes(SHARED / "CL=F-2000_2020-yahoo.csv", "CL=F")
    assert cl[pd.Timestamp("2020-04-20")] == pytest.approx(-37.63)
    r = evaluate_risk({"CL=F": cl}, {}, date(2020, 6, 30), (RULES["wti_20d"],))
    i = int(cl.index.get_loc(pd.Timestamp("2020-04-20")))
    day = cl.index[i + 20]
    assert np.isnan(r.values.loc[day, "wti_20d"]) and np.isnan(r.levels.loc[day, "wti_20d"])


# -- the yield curve, exactly ------------------------------------------------------------------


def test_the_sep_oct_2025_chop_near_zero_is_not_critical() -> None:
    macro = {
        "T10Y3M": fred(FRED / "T10Y3M-2021_2025.csv"),  # ends 2025-07-31
        "DGS10": fred(
            FRED_LIVE / "fred-graph-DGS10-2021_2026-observation_date-header-empty-missing.csv"
        ),
        "DGS3MO": fred(FRED / "DGS3MO-2024_2026.csv"),
    }
    r = evaluate_risk({}, macro, date(2026, 2, 20), (RULES["yield_curve"],))
    levels = r.levels["yield_curve"]
    autumn = levels.loc["2025-09-01":"2025-10-31"]
    assert len(autumn) > 40 and not (autumn == 1.0).any()
    assert (autumn == 0.5).any()  # the chop below zero is a warning, as it should be
    # The end of the real 2022-24 inversion is critical (the test can fail).
    assert (levels.loc["2024-12-16":"2025-01-31"] == 1.0).all()
    crit = [e for e in episodes(r) if e.severity == "critical"]
    assert not [e for e in crit if date(2025, 8, 1) <= e.start <= date(2025, 12, 31)]


# -- backtest honesty --------------------------------------------------------------------------


def sessions_series(values, start: date) -> pd.Series:
    from analytics.freshness import session_days

    days = session_days(start, start + timedelta(days=3 * len(values) + 10))[: len(values)]
    return pd.Series(np.asarray(values, float), index=days)


def test_an_episode_cut_by_the_end_of_its_data_has_no_end() -> None:
    vix = sessions_series([20, 40, 40, 40], date(2024, 3, 1))
    spy = sessions_series([100.0] * 30, date(2024, 3, 1))
    r = evaluate_risk({"^VIX": vix, "SPY": spy}, {}, spy.index[-1].date(), (RULES["vix"],))
    (warning, critical) = episodes(r)
    assert (critical.end, critical.end_reason) == (None, "data ends")
    assert (warning.end, warning.end_reason) == (None, "data ends")
    doc = backtest_json(r, episodes(r))
    assert [e["end_reason"] for e in doc["episodes"]] == ["data ends", "data ends"]
    assert all(e["end"] is None for e in doc["episodes"])
    # On the last day of data the episode is open.
    last = evaluate_risk({"^VIX": vix}, {}, vix.index[-1].date(), (RULES["vix"],))
    assert {e.end_reason for e in episodes(last)} == {"open"}


def test_weekend_rows_are_not_replay_days() -> None:
    # A CL=F file with Sunday rows (as Yahoo writes for futures): the replay still runs on
    # NYSE sessions, so no episode starts or ends on a weekend.
    days = pd.date_range("2024-01-01", "2024-03-31", freq="D")
    cl = pd.Series(np.linspace(50, 80, len(days)), index=days)
    r = evaluate_risk({"CL=F": cl}, {}, date(2024, 3, 31), (RULES["wti_20d"],))
    assert all(d.weekday() < 5 for d in r.days)
    for e in episodes(r):
        assert e.start.weekday() < 5 and (e.end is None or e.end.weekday() < 5)


# -- a snapshot at D equals the snapshot of the pack cut at D ---------------------------------


@pytest.fixture(scope="module")
def pack_series() -> tuple[dict[str, pd.Series], dict[str, pd.Series], list[date]]:
    pack = load_pack(PACK)
    prices = {s: b.frame["close"] for s, b in pack.prices.items()}
    macro = {s: m.values for s, m in pack.macro.items()}
    days = [d.date() for d in pack.sessions]
    return prices, macro, days


def cut(series: dict[str, pd.Series], day: date) -> dict[str, pd.Series]:
    stamp = pd.Timestamp(day)
    return {k: v.loc[:stamp] for k, v in series.items() if not v.loc[:stamp].empty}


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_snapshot_at_d_equals_snapshot_of_the_pack_cut_at_d(pack_series, data) -> None:
    prices, macro, days = pack_series
    # Past the end too: days after the data are where staleness shows.
    day = data.draw(st.sampled_from(days[200:] + [days[-1] + timedelta(days=k) for k in (3, 9)]))
    full = build_snapshot(source="pack", asof=close_of(day), prices=prices, macro=macro)
    part = build_snapshot(
        source="pack", asof=close_of(day), prices=cut(prices, day), macro=cut(macro, day)
    )
    assert snapshot_to_dict(full) == snapshot_to_dict(part)


def test_default_sectors_list_stale_legs_of_the_small_pack(pack_series) -> None:
    prices, macro, days = pack_series
    later = days[-1] + timedelta(days=14)
    snap = build_snapshot(source="pack", asof=close_of(later), prices=prices, macro=macro)
    assert all(h.stale for h in snap.heatmap if h.large in prices)
    assert snap.scores["energy_shock"] is None or snap.coverage["energy_shock"] < 1.0
    assert snap.unknown_rules  # nothing is fresh two weeks after the pack ends
    assert len(SECTORS) == len(snap.heatmap)
