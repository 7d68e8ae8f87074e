"""The rate cycle (SPEC 11): moves, the current easing cycle and its phase on real FEDFUNDS
history and on a DFEDTARU series built from the FOMC's 2022-2025 decisions; the small-minus-large
table after each first cut."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.cycle import (
    after_first_cuts,
    cycle_evidence,
    first_cuts,
    months_between,
    rate_cycle,
    rate_moves,
)
from data_sources.fredcsv import parse_fred_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fred"
SHARED = next(
    (
        p / "shared" / "realdata" / "history"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "realdata" / "history").is_dir()
    ),
    Path("/nonexistent"),
)
"""../shared/realdata/history beside the checkout (a worktree sits one level deeper)."""


@pytest.fixture(scope="module")
def fedfunds() -> pd.Series:
    text = (FIXTURES / "FEDFUNDS-1954_2024.csv").read_text()
    values, problems = parse_fred_csv(text, "FEDFUNDS-1954_2024.csv")
    assert problems == []
    return values


# The target's upper bound after each FOMC decision, dated as FRED dates DFEDTARU: the day the
# new range takes effect, the day after the decision (the 18 Sep 2024 cut shows on 19 Sep).
DECISIONS: tuple[tuple[str, float], ...] = (
    ("2022-03-17", 0.50),
    ("2022-05-05", 1.00),
    ("2022-06-16", 1.75),
    ("2022-07-28", 2.50),
    ("2022-09-22", 3.25),
    ("2022-11-03", 4.00),
    ("2022-12-15", 4.50),
    ("2023-02-02", 4.75),
    ("2023-03-23", 5.00),
    ("2023-05-04", 5.25),
    ("2023-07-27", 5.50),  # the last hike
    ("2024-09-19", 5.00),  # 18 Sep 2024: -50 bp
    ("2024-11-08", 4.75),  # 7 Nov: -25
    ("2024-12-19", 4.50),  # 18 Dec: -25, then on hold through the summer of 2025
    ("2025-09-18", 4.25),  # 17 Sep 2025: -25
    ("2025-10-30", 4.00),  # 29 Oct: -25
    ("2025-12-11", 3.75),  # 10 Dec: -25
)


def dfedtaru(end: str = "2026-01-31") -> pd.Series:
    """Daily (every calendar day, as FRED publishes it) from 2022-01-01 at 0.25."""
    days = pd.date_range("2022-01-01", end, freq="D")
    values = np.full(len(days), 0.25)
    for when, level in DECISIONS:
        values[days >= pd.Timestamp(when)] = level
    return pd.Series(values, index=days, name="DFEDTARU")


def dgs2(level: float, end: str = "2026-01-31") -> pd.Series:
    days = pd.bdate_range("2022-01-03", end)
    return pd.Series(level, index=days, name="DGS2")


# -- FEDFUNDS (monthly, a move is a change of at least 0.15) ----------------------------------


def test_fedfunds_2019_cycle_starts_in_august_2019(fedfunds: pd.Series) -> None:
    # Read from the series: 2019-07 2.40, 2019-08 2.13 (-27 bp, the 31 July cut averaged in),
    # 2019-09 2.04 (-9, below the threshold), 2019-10 1.83, 2019-11 1.55. The last hike the
    # monthly data shows is 2018-10 (+24 bp; Dec 2018 +7 and Jan 2019 +13 are below 0.15).
    c = rate_cycle({"FEDFUNDS": fedfunds}, date(2019, 12, 31))
    assert c.source == "FEDFUNDS"
    assert c.first_cut == date(2019, 8, 1)
    assert c.cuts == 3  # Aug, Oct, Nov (the November value is released on 7 December)
    assert c.cut_bp == pytest.approx(85.0)  # 2.40 -> 1.55
    assert c.phase == "cutting"
    assert c.months_since_first_cut == 4
    assert c.rate == pytest.approx(1.55) and c.rate_date == date(2019, 11, 1)
    # January 2020 (released 7 Feb) is the second month without a move: on hold, same cycle.
    held = rate_cycle({"FEDFUNDS": fedfunds}, date(2020, 2, 20))
    assert held.phase == "on hold" and held.first_cut == date(2019, 8, 1) and held.cuts == 3
    # March 2020's emergency cuts continue the 2019 cycle: a pause does not end a cycle.
    later = rate_cycle({"FEDFUNDS": fedfunds}, date(2020, 6, 1))
    assert later.first_cut == date(2019, 8, 1)
    assert later.cuts == 5 and later.phase == "cutting"
    assert later.cut_bp == pytest.approx(235.0)  # 2.40 -> 0.05 (April)


def test_fedfunds_2007_cycle_starts_in_august_2007(fedfunds: pd.Series) -> None:
    # 2007-07 5.26, 2007-08 5.02 (-24 bp: August's easing, before the first target cut of
    # 18 September), 2007-09 4.94 (-8), 2007-10 4.76 (-18), 2007-11 4.49, 2007-12 4.24.
    c = rate_cycle({"FEDFUNDS": fedfunds}, date(2008, 1, 15))
    assert c.first_cut == date(2007, 8, 1)
    assert c.cuts == 4  # Aug, Oct, Nov, Dec
    assert c.cut_bp == pytest.approx(102.0)  # 5.26 -> 4.24
    assert c.phase == "cutting"
    assert c.months_since_first_cut == 5
    # Before it: on hold at 5.25 since the last hike of 2006.
    before = rate_cycle({"FEDFUNDS": fedfunds}, date(2007, 6, 30))
    assert before.phase == "on hold" and before.first_cut is None and before.cuts == 0


def test_fedfunds_first_cuts_since_1990_are_the_easing_cycles(fedfunds: pd.Series) -> None:
    cuts = [d for d in first_cuts(rate_moves(fedfunds, 0.15)) if d.year >= 1990]
    assert cuts == [
        date(1995, 7, 1),
        date(1998, 10, 1),
        date(2001, 1, 1),
        date(2007, 8, 1),
        date(2019, 8, 1),
        date(2024, 9, 1),
    ]


def test_fedfunds_hiking_and_2024(fedfunds: pd.Series) -> None:
    hiking = rate_cycle({"FEDFUNDS": fedfunds}, date(2022, 10, 15))
    assert hiking.phase == "hiking" and hiking.first_cut is None and hiking.cuts == 0
    c = rate_cycle({"FEDFUNDS": fedfunds}, date(2024, 10, 20))  # Sept 2024 released 7 Oct
    assert c.first_cut == date(2024, 9, 1) and c.cuts == 1 and c.cut_bp == pytest.approx(20.0)


def test_fedfunds_that_stopped_is_unknown_with_the_reason(fedfunds: pd.Series) -> None:
    c = rate_cycle({"FEDFUNDS": fedfunds}, date(2026, 3, 1))
    assert c.phase is None and c.first_cut is None and c.cuts is None and c.cut_bp is None
    assert c.reason == "FEDFUNDS: data ends 2024-09-01"
    none = rate_cycle({}, date(2026, 3, 1))
    assert none.phase is None and "no policy rate" in (none.reason or "")


# -- DFEDTARU (daily target) --------------------------------------------------------------------


def test_dfedtaru_cycle_from_the_2024_2025_decisions() -> None:
    macro = {"DFEDTARU": dfedtaru(), "DGS2": dgs2(3.50)}
    c = rate_cycle(macro, date(2026, 1, 15))
    assert c.source == "DFEDTARU"
    assert c.first_cut == date(2024, 9, 19)
    assert c.cuts == 6
    assert c.cut_bp == pytest.approx(175.0)  # 5.50 -> 3.75
    assert c.phase == "cutting"  # the last cut (11 Dec) lies within one FOMC interval
    assert c.months_since_first_cut == 15
    assert c.two_year_minus_funds == pytest.approx(-0.25)
    assert c.last_move is not None and c.last_move.date == date(2025, 12, 11)


def test_dfedtaru_pause_keeps_the_cycle_and_reads_on_hold() -> None:
    macro = {"DFEDTARU": dfedtaru(), "DGS2": dgs2(4.0)}
    c = rate_cycle(macro, date(2025, 6, 30))
    assert c.phase == "on hold"
    assert c.first_cut == date(2024, 9, 19) and c.cuts == 3 and c.cut_bp == pytest.approx(100.0)
    assert c.months_since_first_cut == 9
    # The first cut after the pause does not start a new cycle.
    resumed = rate_cycle(macro, date(2025, 10, 1))
    assert resumed.phase == "cutting" and resumed.first_cut == date(2024, 9, 19)
    assert resumed.cuts == 4 and resumed.cut_bp == pytest.approx(125.0)


def test_dfedtaru_before_the_first_cut_and_while_hiking() -> None:
    macro = {"DFEDTARU": dfedtaru()}
    before = rate_cycle(macro, date(2024, 9, 18))  # the decision day: the cut shows tomorrow
    assert before.phase == "on hold" and before.first_cut is None and before.cuts == 0
    assert before.two_year_minus_funds is None
    assert any("no DGS2" in n for n in before.notes)
    hiking = rate_cycle(macro, date(2023, 3, 1))
    assert hiking.phase == "hiking" and hiking.cuts == 0
    # the cut is visible the day after its observation (release lag of a daily series)
    assert rate_cycle(macro, date(2024, 9, 20)).first_cut == date(2024, 9, 19)


def test_dfedtaru_is_preferred_and_a_stale_one_falls_back_to_fedfunds(
    fedfunds: pd.Series,
) -> None:
    both = {"DFEDTARU": dfedtaru(), "FEDFUNDS": fedfunds}
    assert rate_cycle(both, date(2024, 9, 25)).source == "DFEDTARU"
    stale = {"DFEDTARU": dfedtaru(end="2024-06-30"), "FEDFUNDS": fedfunds}
    c = rate_cycle(stale, date(2024, 10, 20))
    assert c.source == "FEDFUNDS" and c.first_cut == date(2024, 9, 1)
    gone = rate_cycle({"DFEDTARU": dfedtaru(end="2024-06-30")}, date(2024, 10, 20))
    assert gone.phase is None and gone.reason == "DFEDTARU: data ends 2024-06-30"


def test_months_between() -> None:
    assert months_between(date(2024, 9, 19), date(2026, 1, 15)) == 15
    assert months_between(date(2024, 9, 19), date(2026, 1, 19)) == 16
    assert months_between(date(2024, 9, 1), date(2024, 9, 30)) == 0


# -- after each first cut ------------------------------------------------------------------------


def _line(start: str, end: str, daily: float) -> pd.Series:
    days = pd.bdate_range(start, end)
    return pd.Series(100.0 * (1.0 + daily) ** np.arange(len(days)), index=days)


def test_after_first_cuts_small_minus_large_and_windows_past_the_data() -> None:
    prices = {
        "IWM": _line("2019-01-01", "2020-12-31", 0.001),
        "SPY": _line("2019-01-01", "2020-12-31", 0.0),
        "^RUT": _line("1995-01-02", "2020-12-31", 0.0005),
        "^GSPC": _line("1995-01-02", "2020-12-31", 0.0),
    }
    rows = after_first_cuts(
        [date(1989, 6, 1), date(1998, 10, 1), date(2019, 8, 1)], prices, date(2020, 3, 1)
    )
    assert [r.first_cut for r in rows] == [date(1998, 10, 1), date(2019, 8, 1)]  # since 1990
    old, recent = rows
    assert (old.small, old.large) == ("^RUT", "^GSPC")  # IWM did not exist yet
    assert (recent.small, recent.large) == ("IWM", "SPY")
    # 3 months = 2019-08-01 .. 2019-11-01: 66 business-day steps of +0.1 %
    days = len(pd.bdate_range("2019-08-01", "2019-11-01")) - 1
    assert recent.spread_pp[3] == pytest.approx((1.001**days - 1) * 100, abs=1e-4)
    assert recent.spread_pp[6] == pytest.approx((1.001**131 - 1) * 100, abs=0.2)
    assert recent.spread_pp[12] is None  # ends after the as-of day
    assert old.spread_pp[12] is not None and old.spread_pp[12] > 0


def test_after_first_cuts_without_prices_says_so() -> None:
    rows = after_first_cuts([date(2019, 8, 1)], {}, date(2020, 12, 31))
    assert rows[0].small is None and rows[0].spread_pp == {3: None, 6: None, 12: None}
    assert rows[0].reason and "IWM and SPY" in rows[0].reason


def _yfinance_close(path: Path) -> pd.Series:
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    return frame["Close"].astype(float)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
def test_evidence_on_real_history(fedfunds: pd.Series) -> None:
    # SPY and IWM adjusted closes (no licence stated: read from shared, never copied).
    prices = {
        "SPY": _yfinance_close(SHARED / "SPY-1993_2026-yfinance-close.csv"),
        "IWM": _yfinance_close(SHARED / "IWM-2000_2026-yfinance-close.csv"),
    }
    source, series, rows = cycle_evidence({"FEDFUNDS": fedfunds}, prices, date(2024, 10, 20))
    assert source == "FEDFUNDS" and series is not None
    by_cut = {r.first_cut: r for r in rows}
    assert set(by_cut) == {
        date(1995, 7, 1),
        date(1998, 10, 1),
        date(2001, 1, 1),
        date(2007, 8, 1),
        date(2019, 8, 1),
        date(2024, 9, 1),
    }
    assert by_cut[date(1995, 7, 1)].small is None  # no IWM before 2000, no ^RUT here
    r2019 = by_cut[date(2019, 8, 1)]
    assert (r2019.small, r2019.large) == ("IWM", "SPY")
    # From the closes: IWM lagged SPY over the 12 months after August 2019 (Covid).
    assert r2019.spread_pp[12] is not None and r2019.spread_pp[12] < 0
    assert by_cut[date(2024, 9, 1)].spread_pp == {3: None, 6: None, 12: None}
