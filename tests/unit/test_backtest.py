"""Episodes and the backtest document; known episodes replayed on real FRED history.

Expectations on real data are computed here from the CSV files with the csv module (plain
Python), independently of the engine's pandas code.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.backtest import SCHEMA, Episode, backtest_json, episodes
from analytics.freshness import session_days
from analytics.risk import DEFAULT_RULES, evaluate_risk

RULES = {r.id: r for r in DEFAULT_RULES}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fred"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "history"


def bseries(values, start: str = "2024-01-02") -> pd.Series:
    """Values on consecutive NYSE sessions from ``start``."""
    first = d(start)
    days = session_days(first, first + timedelta(days=2 * len(values) + 10))[: len(values)]
    return pd.Series(np.asarray(values, float), index=days)


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- episodes on hand-made series ------------------------------------------------------------


def vix_result():
    # Tue 2 .. Wed 10 Jan 2024 (sessions; Jan 1 is a holiday): levels .5 1 .5 .5 0 .5 1
    vix = bseries([26, 36, 30, 26, 20, 27, 36])
    return evaluate_risk({"^VIX": vix}, {}, date(2024, 1, 10), (RULES["vix"],))


def test_a_critical_run_inside_a_warning_run_gives_two_episodes() -> None:
    found = episodes(vix_result())
    hl, w, c = "hard_landing", "warning", "critical"
    assert found == (
        Episode("vix", hl, w, d("2024-01-02"), d("2024-01-05"), 36.0, d("2024-01-03")),
        Episode("vix", hl, c, d("2024-01-03"), d("2024-01-03"), 36.0, d("2024-01-03")),
        Episode("vix", hl, w, d("2024-01-09"), None, 36.0, d("2024-01-10"), "open"),
        Episode("vix", hl, c, d("2024-01-10"), None, 36.0, d("2024-01-10"), "open"),
    )


def test_below_rules_peak_at_their_lowest_value() -> None:
    iwm = bseries([100.0] * 252 + [89, 79, 85, 95])
    r = evaluate_risk({"IWM": iwm}, {}, iwm.index[-1].date(), (RULES["r2k_drawdown"],))
    days = [x.date() for x in iwm.index[-4:]]
    warning, critical = episodes(r)
    assert (warning.severity, warning.start, warning.end) == ("warning", days[0], days[2])
    assert (critical.severity, critical.start, critical.end) == ("critical", days[1], days[1])
    assert warning.peak_value == pytest.approx(-21.0) and warning.peak_date == days[1]
    assert critical.peak_value == pytest.approx(-21.0)


def test_yield_curve_episodes_peak_deepest_inversion_and_steepest_recovery() -> None:
    spec = replace(RULES["yield_curve"], min_inverted_days=3, inversion_window=4, recovery_days=3)
    s = bseries([-0.1, -0.1, -0.1, 0.2, 0.4, 0.3, 0.3, 0.3])
    r = evaluate_risk({}, {"T10Y3M": s}, date(2024, 1, 11), (spec,), release_lags={"daily": 0})
    days = [x.date() for x in s.index]
    warning, critical = episodes(r)
    # warning: level >= 0.5 for rows 0-6 (inverted, then critical); ties peak on the first day.
    assert (warning.start, warning.end, warning.peak_value, warning.peak_date) == (
        days[0],
        days[6],
        -0.1,
        days[0],
    )
    assert (critical.start, critical.end, critical.peak_value, critical.peak_date) == (
        days[3],
        days[6],
        0.4,
        days[4],
    )


def test_backtest_json_has_exactly_the_schema() -> None:
    r = vix_result()
    doc = backtest_json(r, episodes(r), date(2024, 1, 1), date(2024, 1, 10))
    assert doc == {
        "schema": "rotmon.backtest/1",
        "from": "2024-01-01",
        "to": "2024-01-10",
        "days": 7,
        "episodes": [
            {
                "rule": "vix",
                "group": "hard_landing",
                "severity": "warning",
                "start": "2024-01-02",
                "end": "2024-01-05",
                "end_reason": None,
                "peak": {"value": 36.0, "date": "2024-01-03"},
            },
            {
                "rule": "vix",
                "group": "hard_landing",
                "severity": "critical",
                "start": "2024-01-03",
                "end": "2024-01-03",
                "end_reason": None,
                "peak": {"value": 36.0, "date": "2024-01-03"},
            },
            {
                "rule": "vix",
                "group": "hard_landing",
                "severity": "warning",
                "start": "2024-01-09",
                "end": None,
                "end_reason": "open",
                "peak": {"value": 36.0, "date": "2024-01-10"},
            },
            {
                "rule": "vix",
                "group": "hard_landing",
                "severity": "critical",
                "start": "2024-01-10",
                "end": None,
                "end_reason": "open",
                "peak": {"value": 36.0, "date": "2024-01-10"},
            },
        ],
    }
    assert doc["schema"] == SCHEMA
    assert json.loads(json.dumps(doc)) == doc
    later = backtest_json(r, episodes(r), date(2024, 1, 8))
    assert (later["from"], later["to"], later["days"]) == ("2024-01-08", "2024-01-10", 3)
    assert [e["start"] for e in later["episodes"]] == ["2024-01-09", "2024-01-10"]


def test_empty_replay_has_no_episodes() -> None:
    r = evaluate_risk({}, {}, date(2024, 1, 10))
    assert episodes(r) == ()
    assert backtest_json(r, ()) == {
        "schema": SCHEMA,
        "from": None,
        "to": None,
        "days": 0,
        "episodes": [],
    }


# -- real FRED history --------------------------------------------------------------------------


def read_fred(path: Path) -> list[tuple[date, float]]:
    """(observation date, value) rows of a FRED graph CSV, missing values skipped."""
    with path.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return [(d(r[0]), float(r[1])) for r in rows if r[1].strip() not in ("", ".")]


def as_series(rows: list[tuple[date, float]]) -> pd.Series:
    return pd.Series([v for _, v in rows], index=pd.to_datetime([x for x, _ in rows]))


def weekday_on_or_after(x: date) -> date:
    while x.weekday() >= 5:
        x += timedelta(days=1)
    return x


def weekday_before(x: date) -> date:
    x -= timedelta(days=1)
    while x.weekday() >= 5:
        x -= timedelta(days=1)
    return x


def seventh_of_next_month(x: date) -> date:
    return date(x.year + (x.month == 12), x.month % 12 + 1, 7)


def yield_curve_critical(rows: list[tuple[date, float]], years: tuple[int, ...] = (2024,)):
    """Observation dates on which SPEC 7's yield-curve critical holds, in plain Python."""
    vals = [v for _, v in rows]
    last_long = None
    out = []
    for i, (x, v) in enumerate(rows):
        if i >= 83 and sum(1 for w in vals[i - 83 : i + 1] if w < 0) >= 63:
            last_long = i
        if v >= 0 and last_long is not None and i - last_long <= 126 and x.year in years:
            out.append(x)
    return out


def run(rule: str, macro: dict[str, pd.Series], asof: date) -> tuple[Episode, ...]:
    r = evaluate_risk({}, macro, asof, (RULES[rule],))
    return episodes(r)


def starts(found: tuple[Episode, ...], severity: str, year: int) -> list[date]:
    return [e.start for e in found if e.severity == severity and e.start.year == year]


def test_the_2022_yield_curve_inversion_and_its_2024_end() -> None:
    rows = read_fred(FIXTURES / "T10Y3M-2021_2025.csv")
    h = RULES["yield_curve"].hysteresis
    first_negative = next(x for x, v in rows if x.year == 2022 and v < 0)
    assert first_negative == date(2022, 10, 18)  # checked by eye in the CSV
    # The long inversion: from the first negative reading after the last reading >= h before
    # it, until the next reading >= h (the hysteresis of the rule).
    inverted, run_start, runs = False, None, []
    for x, v in rows:
        if not inverted and v < 0:
            inverted, run_start = True, x
        elif inverted and v >= h:
            inverted = False
            runs.append((run_start, x))
    long_start, long_end = next((a, b) for a, b in runs if (b - a).days > 365)
    assert (long_start, long_end) == (date(2022, 10, 25), date(2024, 12, 18))

    found = run("yield_curve", {"T10Y3M": as_series(rows)}, rows[-1][0])
    warn = starts(found, "warning", 2022)
    # Daily series: usable the next day (the next weekday of the replay).
    assert warn[0] == weekday_on_or_after(first_negative + timedelta(days=1)) == date(2022, 10, 19)
    assert weekday_on_or_after(long_start + timedelta(days=1)) in warn
    crit = [e for e in found if e.severity == "critical" and e.start.year == 2024]
    # SPEC 7: critical on the first reading >= 0 within 126 readings after the last day on
    # which 63 of the 84 readings ending that day were < 0 -- before the warning's hysteresis
    # lets go on Dec 18 (0.13); Friday Dec 13 read 0.02, usable Monday Dec 16.
    first_crit = yield_curve_critical(rows)[0]
    assert first_crit == date(2024, 12, 13) and first_crit < long_end
    assert (
        crit[0].start == weekday_on_or_after(first_crit + timedelta(days=1)) == date(2024, 12, 16)
    )
    long_warning = next(e for e in found if e.start == date(2022, 10, 26))
    deepest = min(v for x, v in rows if long_start <= x < long_end)
    assert long_warning.peak_value == deepest == -1.89


def test_the_mid_2024_sahm_rule_trigger() -> None:
    rows = read_fred(FIXTURES / "SAHMREALTIME-2022_2025.csv")
    spec = RULES["sahm"]
    trigger = next(x for x, v in rows if x.year == 2024 and v >= spec.critical)
    assert trigger == date(2024, 7, 1)
    release = weekday_on_or_after(seventh_of_next_month(trigger))
    assert release == date(2024, 8, 7)
    # Critical ends when a released value is back below 0.50 - hysteresis.
    drop = next(x for x, v in rows if x > trigger and v < spec.critical - spec.hysteresis)
    last_critical_day = weekday_before(weekday_on_or_after(seventh_of_next_month(drop)))
    assert last_critical_day == date(2024, 11, 6)

    found = run("sahm", {"SAHMREALTIME": as_series(rows)}, date(2025, 4, 30))
    (crit,) = [e for e in found if e.severity == "critical" and e.start.year == 2024]
    assert (crit.start, crit.end) == (release, last_critical_day)
    assert crit.peak_value == max(v for x, v in rows if trigger <= x < drop) == 0.57

    before = evaluate_risk({}, {"SAHMREALTIME": as_series(rows)}, date(2024, 8, 6), (spec,))
    assert [(a.severity, a.value) for a in before.alerts] == [("warning", 0.43)]  # June's value
    on = evaluate_risk({}, {"SAHMREALTIME": as_series(rows)}, date(2024, 8, 7), (spec,))
    (alert,) = on.alerts
    assert (alert.severity, alert.value, alert.threshold, alert.since) == (
        "critical",
        0.53,
        0.50,
        date(2024, 8, 7),
    )


def test_the_sahm_rule_from_unrate_also_fires_in_2024() -> None:
    rows = read_fred(FIXTURES / "UNRATE-2021_2024.csv")
    vals = [v for _, v in rows]
    # 3-month average minus the lowest 3-month average of the prior 12 months, in plain Python.
    u3 = [sum(vals[i - 2 : i + 1]) / 3 if i >= 2 else None for i in range(len(vals))]
    sahm = [
        u3[i] - min(u3[i - 12 : i]) if i >= 14 else None  # type: ignore[type-var, operator]
        for i in range(len(vals))
    ]
    first = next(i for i, s in enumerate(sahm) if s is not None and s >= 0.5)
    expected = weekday_on_or_after(seventh_of_next_month(rows[first][0]))
    found = run("sahm", {"UNRATE": as_series(rows)}, date(2024, 10, 31))
    assert starts(found, "critical", 2024)[0] == expected
    assert rows[first][0] == date(2024, 7, 1)  # this vintage agrees with the real-time series


def test_the_2020_claims_spike() -> None:
    rows = read_fred(FIXTURES / "ICSA-2018_2020.csv")
    vals = [v for _, v in rows]
    avg = [sum(vals[i - 3 : i + 1]) / 4 if i >= 3 else None for i in range(len(vals))]
    ratio = [
        100 * (avg[i] / min(avg[i - 51 : i + 1]) - 1) if i >= 3 + 51 else None  # type: ignore[operator, type-var]
        for i in range(len(vals))
    ]
    week = next(rows[i][0] for i, x in enumerate(ratio) if x is not None and x >= 30)
    assert week == date(2020, 3, 21)  # the week the lockdowns started
    found = run("claims", {"ICSA": as_series(rows)}, date(2020, 12, 31))
    # Weekly claims are usable 5 days after the week's date (a Thursday).
    assert starts(found, "critical", 2020)[0] == week + timedelta(days=5) == date(2020, 3, 26)


def test_the_2022_oil_shock() -> None:
    rows = read_fred(FIXTURES / "DCOILWTICO-2018_2022.csv")
    vals = [v for _, v in rows]
    ret = [
        100 * (vals[i] / vals[i - 20] - 1) if i >= 20 and vals[i - 20] > 0 else None
        for i in range(len(vals))
    ]
    day = next(
        rows[i][0]
        for i, x in enumerate(ret)
        if x is not None and x >= 30 and rows[i][0].year == 2022
    )
    found = run("wti_20d", {"DCOILWTICO": as_series(rows)}, date(2022, 6, 30))
    assert starts(found, "critical", 2022)[0] == weekday_on_or_after(day + timedelta(days=1))
    # Net oil price increase: the first close above the highest of the prior 756 closes.
    above = next(rows[i][0] for i in range(756, len(vals)) if vals[i] > max(vals[i - 756 : i]))
    found = run("oil_net_increase", {"DCOILWTICO": as_series(rows)}, date(2022, 6, 30))
    first_crit = next(e for e in found if e.severity == "critical")
    assert first_crit.start == weekday_on_or_after(above + timedelta(days=1))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
def test_the_2020_vix_spike_from_shared_data() -> None:
    # VIXCLS is CBOE data: read from ../shared, not copied into the repository.
    rows = [r for r in read_fred(SHARED / "VIXCLS-1990_2024-fred.csv") if r[0].year >= 2019]
    spike = next(x for x, v in rows if x.year == 2020 and v >= 35)
    found = run("vix", {"VIXCLS": as_series(rows)}, date(2020, 12, 31))
    crit = [e for e in found if e.severity == "critical" and e.start.year == 2020]
    assert crit[0].start == weekday_on_or_after(spike + timedelta(days=1))
    peak = max(rows, key=lambda r: r[1])
    assert peak == (date(2020, 3, 16), 82.69)
    holder = next(e for e in crit if e.peak_value == 82.69)
    assert holder.peak_date == weekday_on_or_after(peak[0] + timedelta(days=1))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
def test_hy_oas_2022_from_shared_data() -> None:
    # BAMLH0A0HYM2 is ICE data: read from ../shared, not copied into the repository.
    rows = read_fred(SHARED / "BAMLH0A0HYM2-2021_2026-fred.csv")
    vals = [v for _, v in rows]
    spec = RULES["hy_oas"]
    n = spec.change_window
    r = evaluate_risk({}, {"BAMLH0A0HYM2": as_series(rows)}, date(2022, 12, 30), (spec,))
    found = episodes(r)
    # First a rise of >= 1.00 point over 63 observations, then >= 2.00, then the 5.0 level.
    rise1 = next(rows[i][0] for i in range(n, len(rows)) if vals[i] - vals[i - n] >= 1.0)
    rise2 = next(rows[i][0] for i in range(n, len(rows)) if vals[i] - vals[i - n] >= 2.0)
    level = next(x for x, v in rows if v >= 5.0)
    assert (rise1, rise2, level) == (date(2022, 5, 9), date(2022, 6, 29), date(2022, 6, 16))
    assert found[0].severity == "warning"
    assert found[0].start == weekday_on_or_after(rise1 + timedelta(days=1))
    first_critical = next(e for e in found if e.severity == "critical")
    assert first_critical.start == weekday_on_or_after(rise2 + timedelta(days=1))
    seen = pd.Timestamp(weekday_on_or_after(level + timedelta(days=1)))
    assert r.levels.loc[seen, "hy_oas"] == 0.5
    assert (r.trigger_values.loc[seen, "hy_oas"], r.thresholds.loc[seen, "hy_oas"]) == (
        dict(rows)[level],
        5.0,
    )
