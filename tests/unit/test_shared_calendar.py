"""One XNYS calendar per process (issue 19): the session times of data_sources.market_calendar and
the session days of analytics.freshness come from the packaged XNYS table (analytics.xnys) for
1900-2040 and from a single exchange_calendars build outside it, and what they answer is what a
calendar built for just the asked span answers."""

from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics import freshness, xnys
from data_sources import market_calendar

ROOT = Path(__file__).resolve().parents[2]


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
    monkeypatch.setattr(xnys, "_xnys", None)
    monkeypatch.setattr(xnys, "_built", None)
    monkeypatch.setattr(freshness, "_cache", None)
    monkeypatch.setattr(market_calendar, "_cache", None)
    return made


def _narrow(first_year: int, last_year: int) -> Any:
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return xc.get_calendar("XNYS", start=f"{first_year}-01-01", end=f"{last_year}-12-31")


def test_the_first_start_builds_no_calendar(builds: list[tuple[str, str]]) -> None:
    # As on a first start: the demo market's anchor, then the risk replay's 25 years of sessions.
    assert market_calendar.previous_session(date(2026, 11, 24)) == date(2026, 11, 23)
    days = freshness.session_days(date(2001, 1, 2), date(2026, 11, 24))
    assert market_calendar.market_state(datetime(2026, 11, 24, 15, 30, tzinfo=UTC)) == "open"
    # A wider request (a pack reaching back further) builds nothing either.
    assert market_calendar.sessions(date(1990, 1, 2), date(1990, 1, 31))[0] == pd.Timestamp(
        "1990-01-02"
    )
    assert builds == []
    assert days[0] == pd.Timestamp("2001-01-02") and days[-1] == pd.Timestamp("2026-11-24")


def test_the_first_start_never_imports_exchange_calendars() -> None:
    code = (
        "import sys\n"
        "from datetime import date, datetime, UTC\n"
        "from analytics import freshness\n"
        "from data_sources import market_calendar as mc\n"
        "mc.previous_session(date(2026, 11, 24))\n"
        "mc.market_state(datetime(2026, 11, 24, 15, 30, tzinfo=UTC))\n"
        "freshness.session_days(date(1996, 1, 2), date(2026, 11, 24))\n"
        "print('exchange_calendars' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_a_year_past_the_table_builds_one_calendar_for_both(
    builds: list[tuple[str, str]],
) -> None:
    last = xnys.TABLE_YEARS[1]
    market_calendar.is_session(date(2026, 11, 24))
    assert builds == []
    assert market_calendar.is_session(date(last + 1, 11, 26))  # a Monday past the table
    assert len(builds) == 1 and int(builds[-1][1][:4]) >= last + 1
    assert freshness.session_days(date(last + 1, 11, 26), date(last + 1, 11, 26)).size == 1
    assert len(builds) == 1
    expected = _narrow(last + 1, last + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        sessions = pd.DatetimeIndex(expected.sessions).tz_localize(None).as_unit("ns")
    got = market_calendar.sessions(date(last + 1, 1, 1), date(last + 1, 12, 31))
    assert list(got) == list(sessions)


def test_answers_match_a_calendar_built_for_the_span_alone(builds: list[tuple[str, str]]) -> None:
    narrow = _narrow(2022, 2027)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        expected = pd.DatetimeIndex(narrow.sessions).tz_localize(None).as_unit("ns")
        opens, closes = narrow.opens, narrow.closes
    builds.clear()
    got = market_calendar.sessions(date(2022, 1, 1), date(2027, 12, 31))
    assert list(got) == list(expected)
    assert got.dtype == expected.dtype and got.freq is None and got.name is None
    assert list(freshness.session_days(date(2022, 1, 1), date(2027, 12, 31))) == list(expected)
    # Open and close of every session of 2026 (half days included), as the narrow calendar has them.
    for day in expected[(expected.year == 2026)]:
        open_, close = market_calendar.session_open_close(day.date())
        assert open_ == opens[day].to_pydatetime()
        assert close == closes[day].to_pydatetime()
    assert builds == []
