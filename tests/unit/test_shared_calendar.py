"""One XNYS calendar per process (issue 19): the session times of data_sources.market_calendar and
the session days of analytics.freshness come from a single exchange_calendars build, and what
they answer is what a calendar built for just the asked span answers."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from analytics import freshness
from data_sources import market_calendar


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Empty calendar caches, and every exchange_calendars build recorded as (start, end)."""
    import exchange_calendars as xc

    made: list[tuple[str, str]] = []
    real = xc.get_calendar

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        made.append((str(kwargs.get("start")), str(kwargs.get("end"))))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(xc, "get_calendar", counting)
    monkeypatch.setattr(freshness, "_xnys", None)
    monkeypatch.setattr(freshness, "_cache", None)
    monkeypatch.setattr(market_calendar, "_cache", None)
    return made


def _narrow(first_year: int, last_year: int) -> Any:
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return xc.get_calendar("XNYS", start=f"{first_year}-01-01", end=f"{last_year}-12-31")


def test_session_times_and_freshness_days_share_one_build(builds: list[tuple[str, str]]) -> None:
    # As on a first start: the demo market's anchor, then the risk replay's 25 years of sessions.
    assert market_calendar.previous_session(date(2026, 11, 24)) == date(2026, 11, 23)
    days = freshness.session_days(date(2001, 1, 2), date(2026, 11, 24))
    assert market_calendar.market_state(datetime(2026, 11, 24, 15, 30, tzinfo=UTC)) == "open"
    assert len(builds) == 1
    # A later, wider request (a pack reaching back further) builds nothing new either.
    assert market_calendar.sessions(date(1990, 1, 2), date(1990, 1, 31))[0] == pd.Timestamp(
        "1990-01-02"
    )
    assert len(builds) == 1
    assert days[0] == pd.Timestamp("2001-01-02") and days[-1] == pd.Timestamp("2026-11-24")


def test_a_year_past_the_shared_calendar_builds_it_once_more_wider(
    builds: list[tuple[str, str]],
) -> None:
    market_calendar.is_session(date(2026, 11, 24))
    assert market_calendar.is_session(date(2031, 11, 24))  # a Monday, years past the first build
    assert len(builds) == 2 and int(builds[-1][1][:4]) >= 2031
    assert freshness.session_days(date(2031, 11, 24), date(2031, 11, 24)).size == 1
    assert len(builds) == 2


def test_answers_match_a_calendar_built_for_the_span_alone(builds: list[tuple[str, str]]) -> None:
    narrow = _narrow(2022, 2027)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        expected = pd.DatetimeIndex(narrow.sessions).tz_localize(None).as_unit("ns")
        opens, closes = narrow.opens, narrow.closes
    got = market_calendar.sessions(date(2022, 1, 1), date(2027, 12, 31))
    assert list(got) == list(expected)
    assert list(freshness.session_days(date(2022, 1, 1), date(2027, 12, 31))) == list(expected)
    # Open and close of every session of 2026 (half days included), as the narrow calendar has them.
    for day in expected[(expected.year == 2026)]:
        open_, close = market_calendar.session_open_close(day.date())
        assert open_ == opens[day].to_pydatetime()
        assert close == closes[day].to_pydatetime()
