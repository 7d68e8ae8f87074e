"""NYSE calendar helper: holidays, half days, DST and the four market states."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data_sources.market_calendar import (
    NY,
    is_session,
    market_state,
    next_session,
    previous_session,
    session_open_close,
    sessions,
    trading_minutes,
)


def test_thanksgiving_week_sessions() -> None:
    got = sessions(date(2026, 11, 23), date(2026, 11, 30))
    assert list(got.strftime("%Y-%m-%d")) == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",  # Thursday 26th is Thanksgiving
        "2026-11-30",
    ]
    assert got.tz is None
    assert (got == got.normalize()).all()


def test_sessions_of_a_year_skip_weekends_and_the_ten_holidays() -> None:
    got = sessions(date(2026, 1, 1), date(2026, 12, 31))
    weekdays = pd.bdate_range("2026-01-01", "2026-12-31")
    # 2026 holidays: Jan 1, Jan 19, Feb 16, Apr 3, May 25, Jun 19, Jul 3 (observed), Sep 7,
    # Nov 26, Dec 25.
    assert len(weekdays) - len(got) == 10
    assert pd.Timestamp("2026-07-03") not in got
    assert pd.Timestamp("2026-04-03") not in got  # Good Friday
    assert pd.Timestamp("2026-12-24") in got  # a half day is still a session


def test_empty_and_single_day_ranges() -> None:
    assert len(sessions(date(2026, 11, 28), date(2026, 11, 29))) == 0  # a weekend
    assert len(sessions(date(2026, 11, 30), date(2026, 11, 1))) == 0
    assert list(sessions(date(2026, 11, 24), date(2026, 11, 24))) == [pd.Timestamp("2026-11-24")]


def test_holiday_is_closed_all_day() -> None:
    assert not is_session(date(2026, 11, 26))
    for hour in (3, 5, 10, 15, 17, 21):
        assert market_state(datetime(2026, 11, 26, hour, 0, tzinfo=NY)) == "closed"
    with pytest.raises(ValueError, match="2026-11-26 is not an NYSE trading day"):
        session_open_close(date(2026, 11, 26))


def test_half_day_closes_at_one() -> None:
    open_, close = session_open_close(date(2026, 11, 27))
    assert open_ == datetime(2026, 11, 27, 9, 30, tzinfo=NY)
    assert close == datetime(2026, 11, 27, 13, 0, tzinfo=NY)
    assert trading_minutes(date(2026, 11, 27)) == 210
    assert market_state(datetime(2026, 11, 27, 12, 59, tzinfo=NY)) == "open"
    assert market_state(datetime(2026, 11, 27, 13, 0, tzinfo=NY)) == "post"
    assert market_state(datetime(2026, 11, 27, 19, 59, tzinfo=NY)) == "post"


@pytest.mark.parametrize(
    ("hour", "minute", "state"),
    [
        (3, 59, "closed"),
        (4, 0, "pre"),
        (9, 29, "pre"),
        (9, 30, "open"),
        (15, 59, "open"),
        (16, 0, "post"),
        (19, 59, "post"),
        (20, 0, "closed"),
    ],
)
def test_state_boundaries_on_a_full_day(hour: int, minute: int, state: str) -> None:
    assert market_state(datetime(2026, 11, 24, hour, minute, tzinfo=NY)) == state
    assert trading_minutes(date(2026, 11, 24)) == 390


def test_weekend_is_closed() -> None:
    assert market_state(datetime(2026, 11, 28, 11, 0, tzinfo=NY)) == "closed"


def test_dst_the_open_is_9_30_new_york_on_both_sides_of_the_change() -> None:
    # US clocks spring forward on 2026-03-08: the open moves from 14:30 UTC to 13:30 UTC.
    before, _ = session_open_close(date(2026, 3, 6))
    after, close_after = session_open_close(date(2026, 3, 9))
    assert before.astimezone(UTC).hour == 14 and before.astimezone(UTC).minute == 30
    assert after.astimezone(UTC).hour == 13 and after.astimezone(UTC).minute == 30
    assert (after.hour, after.minute) == (9, 30)
    assert close_after.astimezone(UTC) == datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    # The same UTC instant is pre-market in winter and open in summer time.
    assert market_state(datetime(2026, 3, 6, 14, 0, tzinfo=UTC)) == "pre"
    assert market_state(datetime(2026, 3, 9, 14, 0, tzinfo=UTC)) == "open"
    # Autumn: clocks fall back on 2026-11-01.
    nov, _ = session_open_close(date(2026, 11, 2))
    assert nov.astimezone(UTC).hour == 14


def test_aware_times_in_other_zones_are_read_in_new_york() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert market_state(datetime(2026, 11, 25, 0, 0, tzinfo=tokyo)) == "open"  # 10:00 in NY
    # 02:00 UTC on the 27th is 21:00 NY on Thanksgiving day (the 26th).
    assert market_state(datetime(2026, 11, 27, 2, 0, tzinfo=UTC)) == "closed"
    assert previous_session(datetime(2026, 11, 27, 2, 0, tzinfo=UTC)) == date(2026, 11, 25)


def test_naive_time_is_new_york() -> None:
    assert market_state(datetime(2026, 11, 24, 9, 45)) == "open"


def test_previous_and_next_session_skip_holidays_and_years() -> None:
    assert previous_session(date(2026, 11, 27)) == date(2026, 11, 25)
    assert next_session(date(2026, 11, 25)) == date(2026, 11, 27)
    assert next_session(date(2026, 11, 26)) == date(2026, 11, 27)
    assert previous_session(date(2026, 1, 2)) == date(2025, 12, 31)
    assert next_session(date(2026, 12, 31)) == date(2027, 1, 4)
    assert previous_session(date(2026, 11, 30)) == date(2026, 11, 27)


def test_years_outside_the_first_build_are_served() -> None:
    assert previous_session(date(2019, 1, 2)) == date(2018, 12, 31)
    assert len(sessions(date(2019, 1, 1), date(2019, 12, 31))) == 252
