"""Risk engine: hysteresis, release lags, every rule's value and level, scores and alerts."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.freshness import session_days
from analytics.risk import (
    DEFAULT_RULES,
    RELEASE_LAGS,
    RULE_IDS,
    evaluate_risk,
    release_dates,
    visible_series,
)

RULES = {r.id: r for r in DEFAULT_RULES}
NO_LAG = {"daily": 0, "weekly": 0}


def bseries(values, start: str = "2024-01-02") -> pd.Series:
    """Values on consecutive NYSE sessions from ``start`` (the replay's days, SPEC 7)."""
    first = pd.Timestamp(start).date()
    days = session_days(first, first + timedelta(days=2 * len(values) + 10))[: len(values)]
    return pd.Series(np.asarray(values, float), index=days)


def dseries(values, start: str) -> pd.Series:
    """Values on consecutive calendar days from ``start``."""
    return pd.Series(np.asarray(values, float), index=pd.date_range(start, periods=len(values)))


def monthly(values, start: str) -> pd.Series:
    return pd.Series(
        np.asarray(values, float), index=pd.date_range(start, periods=len(values), freq="MS")
    )


def calendar_grid(start: str, end: str) -> dict[str, pd.Series]:
    """A price series on every calendar day: its weekend rows are still not replay days."""
    days = pd.date_range(start, end, freq="D")
    return {"SPY": pd.Series(100.0, index=days)}


def last_day(s: pd.Series) -> date:
    return s.index[-1].date()


def levels(result, rule: str) -> list[float | None]:
    """The rule's level per day; None where the rule is unknown (never level 0, SPEC 7)."""
    return [None if math.isnan(x) else float(x) for x in result.levels[rule]]


# -- the rule table ---------------------------------------------------------------------------


def test_default_rules_are_the_ten_of_spec_7() -> None:
    assert RULE_IDS == (
        "sahm",
        "yield_curve",
        "hy_oas",
        "claims",
        "vix",
        "r2k_drawdown",
        "wti_20d",
        "oil_net_increase",
        "ovx",
        "energy_outperformance",
    )
    groups = {r.id: r.group for r in DEFAULT_RULES}
    assert [k for k, g in groups.items() if g == "energy_shock"] == [
        "wti_20d",
        "oil_net_increase",
        "ovx",
        "energy_outperformance",
    ]
    assert all(r.weight == 1.0 and r.hysteresis > 0 for r in DEFAULT_RULES)
    assert (RULES["sahm"].warning, RULES["sahm"].critical) == (0.30, 0.50)
    assert (RULES["hy_oas"].change_warning, RULES["hy_oas"].change_critical) == (1.0, 2.0)
    assert (RULES["r2k_drawdown"].warning, RULES["r2k_drawdown"].critical) == (-10.0, -20.0)
    assert dict(RELEASE_LAGS) == {"monthly": 7, "weekly": 5, "daily": 1}
    assert "Warning >= 25" in RULES["vix"].explain()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hysteresis": -1.0}, "rule vix: hysteresis: expected a number >= 0, got -1.0"),
        ({"weight": math.nan}, "rule vix: weight: expected a finite number, got nan"),
        ({"critical": 20.0}, "rule vix: critical: expected a value at or above warning (25.0)"),
        ({"group": "tails"}, "rule vix: group: expected hard_landing or energy_shock"),
        ({"window": 0}, "rule vix: window: expected a whole number >= 1, got 0"),
    ],
)
def test_bad_rule_values_name_the_rule_and_key(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        replace(RULES["vix"], **change)


def test_bad_inputs_are_one_line_errors() -> None:
    asof = date(2024, 1, 10)
    with pytest.raises(ValueError, match="unknown rule id"):
        evaluate_risk({}, {}, asof, (replace(RULES["vix"], id="nope"),))
    with pytest.raises(ValueError, match="rule vix: given twice"):
        evaluate_risk({}, {}, asof, (RULES["vix"], RULES["vix"]))
    with pytest.raises(ValueError, match=r"prices\['\^VIX'\]: expected a pandas Series"):
        evaluate_risk({"^VIX": [1, 2, 3]}, {}, asof)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"release_lags\['monthly'\]: expected a day"):
        evaluate_risk({}, {}, asof, release_lags={"monthly": 31})


def test_no_data_gives_an_empty_replay_no_scores_and_every_rule_unknown() -> None:
    r = evaluate_risk({}, {}, date(2024, 1, 10))
    assert len(r.days) == 0 and r.alerts == ()
    assert r.scores == {"hard_landing": None, "energy_shock": None}
    assert r.coverage == {"hard_landing": 0.0, "energy_shock": 0.0}
    assert r.unknown_rules == RULE_IDS
    assert r.unknown["vix"] == "^VIX: no data; VIXCLS: no data"
    assert list(r.values.columns) == list(RULE_IDS)


# -- hysteresis --------------------------------------------------------------------------------


def test_hysteresis_step_by_step_above_rule() -> None:
    # VIX: warning 25, critical 35, hysteresis 2 -> a level drops at or below 23 / 33 (SPEC 7:
    # "value <= T - h"), so 33 itself ends the critical level.
    vix = [20, 24.9, 25, 24, 23.5, 23, 30, 35, 34, 33.1, 33, 32.9, 26, 22, 40, 20]
    want = [0, 0, 0.5, 0.5, 0.5, 0, 0.5, 1, 1, 1, 0.5, 0.5, 0.5, 0, 1, 0]
    s = bseries(vix)
    r = evaluate_risk({"^VIX": s}, {}, last_day(s))
    assert levels(r, "vix") == want
    assert list(r.values["vix"]) == vix
    assert list(r.days) == list(s.index)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(10.0, 50.0, allow_nan=False) | st.sampled_from([23.0, 25.0, 33.0, 35.0, 27.5]),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([0.0, 0.5, 2.0, 7.5]),
)
def test_hysteresis_matches_a_step_by_step_state_machine(vix: list[float], h: float) -> None:
    # Reference: each threshold is on from v >= T until v <= T - h, walked one day at a time.
    warn = crit = False
    want = []
    for v in vix:
        warn = v >= 25 or (warn and v > 25 - h)
        crit = v >= 35 or (crit and v > 35 - h)
        want.append(1.0 if crit else 0.5 if warn else 0.0)
    s = bseries(vix)
    spec = replace(RULES["vix"], hysteresis=h)
    r = evaluate_risk({"^VIX": s}, {}, last_day(s), (spec,))
    assert levels(r, "vix") == want


def test_hysteresis_below_and_strict_on_the_yield_curve() -> None:
    # Inverted when < 0 (0.00 is not inverted); the inversion ends only at >= 0 + 0.10.
    curve = [0.00, -0.01, 0.05, 0.09, -0.2, 0.10, 0.0, -0.01]
    want = [0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0.5]
    s = bseries(curve)
    r = evaluate_risk({}, {"T10Y3M": s}, last_day(s), release_lags=NO_LAG)
    assert levels(r, "yield_curve") == want


def test_a_stale_input_makes_the_rule_unknown_not_level_0() -> None:
    # ^VIX stops on Wed Jan 31; the replay goes on with SPY. A price more than 3 NYSE sessions
    # old is stale (SPEC 8): Feb 1, 2 and 5 still read Jan 31, Feb 6 does not.
    days = pd.date_range("2024-01-01", "2024-02-29", freq="D")
    spy = pd.Series(100.0, index=days)
    vix = pd.Series(30.0, index=days[days <= "2024-01-31"])
    r = evaluate_risk({"SPY": spy, "^VIX": vix}, {}, date(2024, 2, 29))
    assert r.levels.loc["2024-02-05", "vix"] == 0.5
    assert r.values.loc["2024-02-05", "vix"] == 30.0
    assert math.isnan(r.levels.loc["2024-02-06", "vix"])  # unknown, never level 0
    assert math.isnan(r.values.loc["2024-02-06", "vix"])
    assert r.alerts == ()
    assert r.unknown["vix"] == "^VIX: data ends 2024-01-31; VIXCLS: no data"
    assert "vix" in r.unknown_rules and "energy_outperformance" in r.unknown_rules
    # Only weekdays the NYSE trades are replay days, whatever the file holds.
    assert all(d.weekday() < 5 for d in r.days) and pd.Timestamp("2024-01-15") not in r.days


# -- release lags -----------------------------------------------------------------------------


def test_a_march_monthly_value_is_invisible_before_april_7() -> None:
    macro = {"SAHMREALTIME": monthly([0.1, 0.6], "2024-02-01")}  # Feb 0.1, Mar 0.6
    prices = calendar_grid("2024-03-01", "2024-04-30")
    r = evaluate_risk(prices, macro, date(2024, 4, 30))
    v = r.values["sahm"]
    assert math.isnan(v["2024-03-06"])  # February's value is released on March 7
    assert v["2024-03-07"] == 0.1
    assert v["2024-04-05"] == 0.1
    # Released Sunday April 7: the next replay day (a session) is Monday April 8.
    assert "2024-04-06" not in v.index and "2024-04-07" not in v.index
    assert v["2024-04-08"] == 0.6
    assert r.levels.loc["2024-04-05", "sahm"] == 0.0
    assert r.levels.loc["2024-04-08", "sahm"] == 1.0
    # Evaluated as of April 6 the March value does not exist yet.
    early = evaluate_risk(prices, macro, date(2024, 4, 6))
    assert early.alerts == () and early.days[-1] == pd.Timestamp("2024-04-05")
    late = evaluate_risk(prices, macro, date(2024, 4, 8))
    assert [(a.rule, a.severity, a.since, a.value) for a in late.alerts] == [
        ("sahm", "critical", date(2024, 4, 8), 0.6)
    ]


def test_release_lag_overrides_merge_over_the_defaults() -> None:
    macro = {"SAHMREALTIME": monthly([0.1, 0.6], "2024-02-01")}
    prices = calendar_grid("2024-03-01", "2024-04-30")
    r = evaluate_risk(prices, macro, date(2024, 4, 30), release_lags={"monthly": 15})
    assert r.values.loc["2024-04-12", "sahm"] == 0.1  # Friday; the 15th is a Monday
    assert r.values.loc["2024-04-15", "sahm"] == 0.6
    idx = pd.DatetimeIndex(["2024-03-02"])
    assert release_dates("ICSA", idx)[0] == pd.Timestamp("2024-03-07")
    assert release_dates("ICSA", idx, {"ICSA": 6})[0] == pd.Timestamp("2024-03-08")
    assert release_dates("DGS10", idx, {"weekly": 9})[0] == pd.Timestamp("2024-03-03")
    months = pd.DatetimeIndex(["2024-01-01", "2024-12-01"])
    assert list(release_dates("UNRATE", months)) == [
        pd.Timestamp("2024-02-07"),
        pd.Timestamp("2025-01-07"),
    ]


def test_visible_series_holds_only_released_observations() -> None:
    icsa = pd.Series([210e3, 220e3], index=pd.to_datetime(["2024-02-24", "2024-03-02"]))
    assert list(visible_series("ICSA", icsa, date(2024, 3, 6))) == [210e3]
    assert list(visible_series("ICSA", icsa, date(2024, 3, 7))) == [210e3, 220e3]
    t = pd.Series([0.5, -0.5], index=pd.to_datetime(["2024-03-04", "2024-03-05"]))
    assert list(visible_series("T10Y3M", t, date(2024, 3, 5))) == [0.5]
    assert list(visible_series("T10Y3M", t, date(2024, 3, 6))) == [0.5, -0.5]


def test_an_icsa_week_is_invisible_before_its_date_plus_5_days() -> None:
    # 60 Saturdays of 200k, the last one 400k: 4-week average 250k vs a 52-week low of 200k.
    weeks = pd.date_range("2023-01-07", periods=60, freq="7D")
    icsa = pd.Series([200e3] * 59 + [400e3], index=weeks)
    assert weeks[-1] == pd.Timestamp("2024-02-24")  # a Saturday -> released Thursday Feb 29
    r = evaluate_risk(calendar_grid("2024-02-01", "2024-03-05"), {"ICSA": icsa}, date(2024, 3, 5))
    assert r.values.loc["2024-02-28", "claims"] == 0.0
    assert r.levels.loc["2024-02-28", "claims"] == 0.0
    assert r.values.loc["2024-02-29", "claims"] == pytest.approx(25.0)
    assert r.levels.loc["2024-02-29", "claims"] == 0.5


def test_a_daily_fred_value_is_invisible_on_its_own_date_but_a_price_is_visible() -> None:
    t = bseries([0.5, 0.5, -0.5], "2024-03-01")  # Fri, Mon 4, Tue 5
    vix = bseries([20.0, 20.0, 30.0], "2024-03-01")
    r = evaluate_risk({"^VIX": vix}, {"T10Y3M": t}, date(2024, 3, 5))
    assert r.values.loc["2024-03-05", "yield_curve"] == 0.5  # Monday's value
    assert r.levels.loc["2024-03-05", "vix"] == 0.5  # a price counts on its own date
    r2 = evaluate_risk({"^VIX": bseries([30.0] * 4, "2024-03-01")}, {"T10Y3M": t}, date(2024, 3, 6))
    assert r2.values.loc["2024-03-06", "yield_curve"] == -0.5
    assert r2.levels.loc["2024-03-06", "yield_curve"] == 0.5


def test_replay_days_are_business_days_without_prices() -> None:
    s = dseries([0.1] * 10, "2024-03-01")
    r = evaluate_risk({}, {"T10Y3M": s}, date(2024, 3, 12))
    assert r.days[0] == pd.Timestamp("2024-03-04")  # Friday's first value is released Saturday
    assert all(d.weekday() < 5 for d in r.days)
    assert r.days[-1] == pd.Timestamp("2024-03-12")


# -- each rule on small frames ------------------------------------------------------------------


def test_sahm_computed_from_unrate_and_realtime_preferred() -> None:
    # 15 months at 4.0 then 4.45, 4.6, 5.2 (Apr, May, Jun 2023).
    u = monthly([4.0] * 15 + [4.45, 4.6, 5.2], "2022-01-01")
    r = evaluate_risk({}, {"UNRATE": u}, date(2023, 7, 10))
    v = r.values["sahm"]
    # April: (4 + 4 + 4.45) / 3 - 4.0 = 0.15, released May 7 (a Sunday -> Monday May 8).
    assert v["2023-05-05"] == pytest.approx(0.0)
    assert v["2023-05-08"] == pytest.approx(0.15)
    assert v["2023-06-07"] == pytest.approx((4 + 4.45 + 4.6) / 3 - 4.0)  # 0.35
    assert v["2023-07-07"] == pytest.approx((4.45 + 4.6 + 5.2) / 3 - 4.0)  # 0.75
    assert r.levels.loc["2023-06-06", "sahm"] == 0.0
    assert r.levels.loc["2023-06-07", "sahm"] == 0.5
    assert r.levels.loc["2023-07-07", "sahm"] == 1.0
    # The low is over the 12 months *before* the current one, so a falling rate gives a negative
    # value (as SAHMREALTIME has, e.g. -0.30 for 1962-01), not 0.
    falling = monthly([5.0] * 15 + [4.4], "2022-01-01")
    r_fall = evaluate_risk({}, {"UNRATE": falling}, date(2023, 5, 10))
    assert r_fall.values.loc["2023-05-08", "sahm"] == pytest.approx((5 + 5 + 4.4) / 3 - 5.0)
    # SAHMREALTIME wins wherever it is known; UNRATE fills the days before it starts.
    real = monthly([0.05, 0.05], "2023-04-01")  # released May 7 and June 7
    r2 = evaluate_risk({}, {"UNRATE": u, "SAHMREALTIME": real}, date(2023, 6, 30))
    assert r2.values.loc["2023-05-05", "sahm"] == pytest.approx(0.0)  # from UNRATE
    assert r2.values.loc["2023-06-07", "sahm"] == 0.05
    assert r2.levels.loc["2023-06-07", "sahm"] == 0.0


def test_yield_curve_critical_after_a_long_inversion() -> None:
    # SPEC 7 in small: critical on a day >= 0 within 4 observations after the last day on which
    # at least 3 of the 4 observations ending that day were < 0 (the defaults are 63, 84, 126).
    spec = replace(RULES["yield_curve"], min_inverted_days=3, inversion_window=4, recovery_days=4)
    cases = [
        # rows 3 and 4 end windows with 3 inverted observations; rows 4-8 are within 4 after
        # row 4 and >= 0 (0.05 counts: the critical needs the value >= 0, not past hysteresis).
        (
            [0.5, -0.1, -0.2, -0.3, 0.2, 0.3, 0.05, 0.3, 0.3, 0.3],
            [0, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 0],
        ),
        # the warning ends only at 0.10, but 0.05 and 0.09 are already back above 0.
        ([-0.1, -0.1, -0.1, 0.05, 0.09, 0.10, 0.2], [0.5, 0.5, 0.5, 1, 1, 1, 1]),
        # two observations inverted of four are not enough.
        ([0.5, -0.1, -0.1, 0.2, 0.2], [0, 0.5, 0.5, 0, 0]),
        # a short re-inversion goes back to warning and still ends a 3-of-4 window (row 4).
        ([-0.1, -0.1, -0.1, 0.2, -0.05, 0.2, 0.2, 0.2, 0.2], [0.5, 0.5, 0.5, 1, 0.5, 1, 1, 1, 1]),
    ]
    for curve, want in cases:
        s = bseries(curve)
        r = evaluate_risk({}, {"T10Y3M": s}, last_day(s), (spec,), release_lags=NO_LAG)
        assert levels(r, "yield_curve") == want, curve
    # A higher "back above" level: 0.05 no longer counts as a recovery (warning is off too).
    higher = replace(spec, critical=0.25)
    s = bseries(cases[0][0])
    r = evaluate_risk({}, {"T10Y3M": s}, last_day(s), (higher,), release_lags=NO_LAG)
    assert levels(r, "yield_curve") == [0, 0.5, 0.5, 0.5, 0, 1, 0, 1, 1, 0]
    with pytest.raises(
        ValueError, match="rule yield_curve: critical: expected a value at or above"
    ):
        replace(spec, critical=-0.5)
    r = evaluate_risk({}, {"T10Y3M": s}, date(2024, 1, 10), (spec,), release_lags=NO_LAG)
    (alert,) = r.alerts
    assert (alert.severity, alert.since, alert.value, alert.threshold) == (
        "critical",
        date(2024, 1, 8),
        0.05,
        0.0,
    )
    assert alert.message.startswith("10Y-3M back above 0")


def test_yield_curve_falls_back_to_dgs10_minus_dgs3mo() -> None:
    d10 = bseries([4.0, 4.0, 4.0])
    d3 = bseries([3.9, 4.2, 4.3])
    r = evaluate_risk({}, {"DGS10": d10, "DGS3MO": d3}, date(2024, 1, 4), release_lags=NO_LAG)
    assert r.values["yield_curve"].tolist() == pytest.approx([0.1, -0.2, -0.3])
    assert levels(r, "yield_curve") == [0, 0.5, 0.5]
    both = evaluate_risk(
        {}, {"DGS10": d10, "DGS3MO": d3, "T10Y3M": bseries([1.0, 1.0, 1.0])}, date(2024, 1, 4)
    )
    assert both.values["yield_curve"].dropna().tolist() == [1.0, 1.0]


def test_hy_oas_level_or_rise_over_the_change_window() -> None:
    spec = replace(RULES["hy_oas"], change_window=3)
    oas = [3.0, 3.0, 3.0, 3.0, 4.1, 4.0, 3.9, 5.2, 6.6, 6.3, 6.2, 4.6]
    s = bseries(oas)
    r = evaluate_risk({}, {"BAMLH0A0HYM2": s}, last_day(s), (spec,), release_lags=NO_LAG)
    # rises vs 3 rows back: -, -, -, 0, 1.1, 1.0, 0.9, 1.1, 2.6, 2.4, 1.0, -2.0
    assert levels(r, "hy_oas") == [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1, 0.5, 0]
    assert r.values["hy_oas"].tolist() == oas  # the value is the spread itself
    tv, th = r.trigger_values["hy_oas"], r.thresholds["hy_oas"]
    assert (tv.iloc[4], th.iloc[4]) == (pytest.approx(1.1), 1.0)  # the rise triggered
    assert (tv.iloc[7], th.iloc[7]) == (5.2, 5.0)  # the level is preferred
    assert (tv.iloc[9], th.iloc[9]) == (6.3, 6.5)  # critical held by hysteresis
    assert (tv.iloc[10], th.iloc[10]) == (6.2, 5.0)
    assert math.isnan(tv.iloc[11]) and math.isnan(th.iloc[11])
    at_rise = evaluate_risk(
        {}, {"BAMLH0A0HYM2": s}, date(2024, 1, 10), (spec,), release_lags=NO_LAG
    )
    (alert,) = at_rise.alerts
    assert (alert.severity, alert.value, alert.threshold) == ("warning", pytest.approx(0.9), 1.0)
    assert alert.since == date(2024, 1, 8)
    assert alert.message == (
        "High-yield OAS up 0.90 pp in 3 trading days: warning held by the hysteresis; clears at "
        "or below 0.75 pp."
    )


def test_claims_four_week_average_against_its_52_week_low() -> None:
    weeks = pd.date_range("2023-01-07", periods=62, freq="7D")
    icsa = pd.Series([200e3] * 56 + [264e3] * 4 + [156e3, 144e3], index=weeks)
    r = evaluate_risk({}, {"ICSA": icsa}, date(2024, 3, 20), release_lags=NO_LAG)
    # Read on the Tuesday after each Saturday (a Monday of these weeks is Presidents' Day).
    by_week = r.values["claims"].reindex(pd.DatetimeIndex(weeks[-6:]) + pd.Timedelta(days=3))
    # 4-week averages 216, 232, 248, 264, 237, 207 (k) against a 52-week low of 200k.
    assert by_week.tolist() == pytest.approx([8.0, 16.0, 24.0, 32.0, 18.5, 3.5])
    lv = r.levels["claims"].reindex(by_week.index).tolist()
    assert lv == [0, 0, 0.5, 1.0, 0.5, 0]  # 18.5 < 20 but >= 18 (hysteresis 2): still warning
    # Fewer than 52 averages: unknown, not a shorter window.
    short = evaluate_risk({}, {"ICSA": icsa.iloc[:54]}, date(2024, 3, 20))
    assert short.values["claims"].isna().all()


def test_r2k_drawdown_is_a_below_rule_on_252_rows() -> None:
    iwm = bseries([100.0] * 252 + [95, 89, 91, 92.5, 79, 85])
    r = evaluate_risk({"IWM": iwm}, {}, last_day(iwm))
    assert r.values["r2k_drawdown"].iloc[-6:].tolist() == pytest.approx(
        [-5, -11, -9, -7.5, -21, -15]
    )
    assert levels(r, "r2k_drawdown")[-6:] == [0, 0.5, 0.5, 0, 1, 0.5]
    assert r.values["r2k_drawdown"].iloc[:251].isna().all()
    rut = evaluate_risk({"^RUT": iwm * 20}, {}, last_day(iwm))
    assert levels(rut, "r2k_drawdown") == levels(r, "r2k_drawdown")
    (alert,) = r.alerts
    assert alert.message == (
        "Russell 2000 drawdown at -15.0 %, at or below the warning level -10.0 %."
    )


def test_wti_20_day_return_and_a_non_positive_base() -> None:
    cl = bseries([50.0] * 20 + [58, 66, 60, 50])
    r = evaluate_risk({"CL=F": cl}, {}, last_day(cl))
    assert r.values["wti_20d"].iloc[-4:].tolist() == pytest.approx([16, 32, 20, 0])
    assert levels(r, "wti_20d")[-4:] == [0.5, 1, 0.5, 0]
    # DCOILWTICO (released the next day) when CL=F is absent; a base <= 0 has no return.
    fred = bseries([-5.0] + [50.0] * 19 + [58, 66], "2024-01-01")
    r2 = evaluate_risk({}, {"DCOILWTICO": fred}, last_day(fred), release_lags=NO_LAG)
    assert math.isnan(r2.values["wti_20d"].iloc[-2])
    assert r2.values["wti_20d"].iloc[-1] == pytest.approx(32.0)


def test_net_oil_price_increase_one_and_three_year_highs() -> None:
    spec = replace(RULES["oil_net_increase"], window=3, long_window=6)
    cl = bseries([10, 12, 11, 10, 9, 9.5, 11.5, 12.5, 12.0, 11.0])
    r = evaluate_risk({"CL=F": cl}, {}, last_day(cl), (spec,))
    v = r.values["oil_net_increase"].tolist()
    assert all(math.isnan(x) for x in v[:3])
    assert v[3:8] == pytest.approx(
        [(10 / 12 - 1) * 100, -25.0, (9.5 / 11 - 1) * 100, 15.0, (12.5 / 11.5 - 1) * 100]
    )
    # row 6 tops the prior 3 rows (warning) but not the prior 6 (12); row 7 tops both;
    # row 8 is 4 % under the new high (within the 5-point hysteresis); row 9 is 12 % under.
    assert levels(r, "oil_net_increase") == [None, None, None, 0, 0, 0, 0.5, 1, 1, 0]
    at7 = evaluate_risk({"CL=F": cl.iloc[:8]}, {}, last_day(cl.iloc[:8]), (spec,))
    (alert,) = at7.alerts
    assert alert.value == pytest.approx((12.5 / 12 - 1) * 100)
    assert alert.message == "WTI 4.17 % above its high of the prior 3 years."
    at8 = evaluate_risk({"CL=F": cl.iloc[:9]}, {}, last_day(cl.iloc[:9]), (spec,))
    assert at8.alerts[0].message == "WTI 4.00 % under the high of the prior 3 years it just broke."


def test_ovx_and_vix_prefer_market_prices_over_fred() -> None:
    ovx = bseries([40, 46, 61, 58, 56])
    r = evaluate_risk({"^OVX": ovx}, {}, last_day(ovx))
    assert levels(r, "ovx") == [0, 0.5, 1, 1, 0.5]
    fred = evaluate_risk({}, {"OVXCLS": ovx}, date(2024, 1, 9))
    assert fred.days[0] == pd.Timestamp("2024-01-03")  # each value one day later
    assert levels(fred, "ovx") == [0, 0.5, 1, 1, 0.5]
    # Same-day observations: the market series wins the tie; FRED's is a day older anyway.
    both = evaluate_risk(
        {"^VIX": bseries([20.0] * 3)}, {"VIXCLS": bseries([50.0] * 3)}, date(2024, 1, 4)
    )
    assert both.values["vix"].tolist() == [20.0, 20.0, 20.0]
    tie = evaluate_risk(
        {"^VIX": bseries([20.0] * 3)},
        {"VIXCLS": bseries([50.0] * 3)},
        date(2024, 1, 4),
        release_lags={"daily": 0},
    )
    assert tie.values["vix"].tolist() == [20.0, 20.0, 20.0]
    fallback = evaluate_risk({}, {"VIXCLS": bseries([50.0] * 3)}, date(2024, 1, 5))
    assert fallback.values["vix"].tolist() == [50.0, 50.0, 50.0]
    assert fallback.days[0] == pd.Timestamp("2024-01-03")


def test_equivalent_inputs_take_the_freshest_visible_observation() -> None:
    # CL=F stops on Feb 23 while daily DCOILWTICO goes on: from the next session on, the rule
    # reads DCOILWTICO (fresher), not CL=F's last value for the days before it goes stale.
    cl = bseries([50.0] * 20 + [60.0] * 20, "2024-01-02")  # ends 2024-02-29
    wti = bseries([50.0] * 30 + [80.0] * 10 + [80.0] * 10, "2024-01-02")  # to 2024-03-14
    r = evaluate_risk({"CL=F": cl}, {"DCOILWTICO": wti}, date(2024, 3, 14))
    cl_last = cl.index[-1]
    assert r.values.loc[cl_last, "wti_20d"] == pytest.approx(20.0)  # CL=F's own day
    nxt = r.days[r.days > cl_last][0]
    # Next session: DCOILWTICO's observation of Feb 29 (released Mar 1) is as fresh as CL=F's
    # and loses the tie; a session later its Mar 1 observation is fresher and wins.
    assert r.values.loc[nxt, "wti_20d"] == pytest.approx(20.0)
    later = r.days[r.days > nxt][0]
    assert r.values.loc[later, "wti_20d"] == pytest.approx(60.0)  # 80 / 50 - 1


def test_energy_outperformance_xle_minus_spy_over_21_rows() -> None:
    spy = bseries([100.0] * 25)
    xle = bseries([100.0] * 21 + [110, 116, 114, 113])
    r = evaluate_risk({"XLE": xle, "SPY": spy}, {}, last_day(spy))
    assert r.values["energy_outperformance"].iloc[-4:].tolist() == pytest.approx([10, 16, 14, 13])
    assert levels(r, "energy_outperformance")[-4:] == [0.5, 1, 1, 0.5]
    only_xle = evaluate_risk({"XLE": xle}, {}, last_day(spy))
    assert only_xle.values["energy_outperformance"].isna().all()


# -- scores, alerts, start -------------------------------------------------------------------


def test_scores_are_over_the_known_rules_with_their_coverage() -> None:
    rules = tuple(replace(r, weight=2.0) if r.id == "vix" else r for r in DEFAULT_RULES)
    prices = {"^VIX": bseries([20.0, 40.0]), "^OVX": bseries([20.0, 50.0])}
    r = evaluate_risk(prices, {}, date(2024, 1, 3), rules)
    # hard landing: only vix is known (critical, weight 2) of weights 1+1+1+1+2+1 = 7.
    assert r.scores["hard_landing"] == pytest.approx(100.0)
    assert r.coverage["hard_landing"] == pytest.approx(2 / 7)
    assert r.scores["energy_shock"] == pytest.approx(50.0)  # ovx warning, the only known rule
    assert r.coverage["energy_shock"] == pytest.approx(1 / 4)
    assert r.score_history["hard_landing"].tolist() == pytest.approx([0.0, 100.0])
    assert set(r.unknown_rules) == set(RULE_IDS) - {"vix", "ovx"}
    only_vix = evaluate_risk(prices, {}, date(2024, 1, 3), (RULES["vix"],))
    assert only_vix.scores == {"hard_landing": 100.0, "energy_shock": None}
    zero = tuple(replace(r, weight=0.0) for r in DEFAULT_RULES)
    assert evaluate_risk(prices, {}, date(2024, 1, 3), zero).scores["hard_landing"] is None


def test_a_rule_without_data_leaves_the_score_to_the_known_rules() -> None:
    # The issue's case: hard landing without VIX. Known: sahm critical (1), yield curve none
    # (0), hy_oas warning (0.5), claims... unknown, r2k none -> (1 + 0 + 0.5 + 0) / 4 = 37.5,
    # not (1 + 0.5) / 6 = 25 with the missing rules counted as level 0.
    macro = {
        "SAHMREALTIME": monthly([0.6] * 3, "2023-10-01"),
        "T10Y3M": bseries([0.5] * 30, "2024-01-02"),
        "BAMLH0A0HYM2": bseries([5.5] * 30, "2024-01-02"),
    }
    iwm = bseries([100.0] * 280, "2023-01-03")
    r = evaluate_risk({"IWM": iwm}, macro, date(2024, 2, 9))
    assert set(r.unknown_rules) >= {"vix", "claims"}
    assert r.scores["hard_landing"] == pytest.approx(100 * (1 + 0 + 0.5 + 0) / 4)
    assert r.coverage["hard_landing"] == pytest.approx(4 / 6)


def test_alerts_at_asof_most_severe_first_with_since() -> None:
    vix = bseries([20, 30, 36, 36, 30, 36])
    ovx = bseries([50, 50, 50, 50, 50, 50])
    r = evaluate_risk({"^VIX": vix, "^OVX": ovx}, {}, date(2024, 1, 9))
    assert [(a.rule, a.group, a.severity) for a in r.alerts] == [
        ("vix", "hard_landing", "critical"),
        ("ovx", "energy_shock", "warning"),
    ]
    vix_alert, ovx_alert = r.alerts
    # VIX dropped back to warning on Jan 8 (30 <= 33) and re-escalated on Jan 9.
    assert vix_alert.since == date(2024, 1, 9)
    assert (vix_alert.value, vix_alert.threshold, vix_alert.label) == (36.0, 35.0, "VIX")
    assert vix_alert.message == "VIX at 36.0, at or above the critical level 35.0."
    assert ovx_alert.since == date(2024, 1, 2) and ovx_alert.threshold == 45.0
    held = evaluate_risk({"^VIX": bseries([26, 24])}, {}, date(2024, 1, 3))
    assert held.alerts[0].message == (
        "VIX at 24.0: warning held by the hysteresis (25.0 crossed); clears at or below 23.0."
    )
    from widgets.alert_list import alert_cells

    cells = alert_cells(held.alerts[0], 0, None, acked=False, muted=False)
    assert cells[2].text == "24.00 held 25.00"  # the risk list says it is held, not "≤"
    # The asof on a weekend reports the last trading day.
    weekend = evaluate_risk({"^VIX": vix, "^OVX": ovx}, {}, date(2024, 1, 7))
    assert weekend.days[-1] == pd.Timestamp("2024-01-05")
    assert weekend.alerts[0].severity == "critical" and weekend.alerts[0].since == date(2024, 1, 4)


def test_start_trims_the_days_but_not_the_history() -> None:
    vix = bseries([20, 30, 36, 36, 30, 30, 20])
    full = evaluate_risk({"^VIX": vix}, {}, date(2024, 1, 5))
    r = evaluate_risk({"^VIX": vix}, {}, date(2024, 1, 5), start=date(2024, 1, 5))
    assert list(r.days) == [pd.Timestamp("2024-01-05")]
    pd.testing.assert_frame_equal(r.levels, full.levels.loc["2024-01-05":])
    assert r.alerts == full.alerts
    assert r.alerts[0].since == date(2024, 1, 4)
    w = evaluate_risk({"^VIX": vix}, {}, date(2024, 1, 8), start=date(2024, 1, 8))
    assert w.alerts[0].severity == "warning" and w.alerts[0].since == date(2024, 1, 3)


def test_input_index_is_normalised() -> None:
    idx = pd.DatetimeIndex(["2024-01-03 16:00", "2024-01-02 16:00"], tz="America/New_York")
    s = pd.Series(["40", "20"], index=idx)
    r = evaluate_risk({"^VIX": s}, {}, date(2024, 1, 3))
    assert list(r.days) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert levels(r, "vix") == [0, 1]
