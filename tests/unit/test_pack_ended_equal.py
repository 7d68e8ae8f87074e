"""A pack's "data ends before the as-of day" problems keep each FRED series' next release date
(it does not depend on the day; an as-of step asked again for it): at every week past the ends of
pack_small's files, the problems equal the previous code's (kept here as the reference)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.risk import release_dates
from data_sources.model import MacroSeries
from data_sources.pack import PackSource
from data_sources.packcheck import ended_before
from data_sources.packread import Pack

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def ref_next_released_by(series: MacroSeries, day: pd.Timestamp) -> bool:
    last = series.values.index[-1]
    if series.frequency == "daily":
        return int(np.busday_count(last.date(), day.date())) > 2
    if series.frequency == "weekly":
        following = last + pd.Timedelta(days=7)
    else:
        following = last + pd.DateOffset(months=1)
    released = release_dates(series.id, pd.DatetimeIndex([following]))[0]
    return bool(released <= day)


def ref_ended_before(pack: Pack, asof: date) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    day = pd.Timestamp(asof)
    for file in pack.files:
        if file.last is None or file.last >= asof or file.kind not in ("prices", "macro"):
            continue
        if file.kind == "macro":
            series = pack.macro.get(file.name or "")
            if series is None or not ref_next_released_by(series, day):
                continue
        out.append((file.rel, f"{file.rel}: data ends {file.last}, before the as-of day {asof}"))
    return out


def test_ended_before_equals_the_reference_every_day_past_the_ends() -> None:
    pack = PackSource(SMALL).pack
    lasts = [f.last for f in pack.files if f.last is not None]
    first, end = min(lasts) - timedelta(days=40), max(lasts) + timedelta(days=120)
    days = [first + timedelta(days=d) for d in range((end - first).days)]
    ended: set[str] = set()
    for day in days:
        got = ended_before(pack, day)
        assert got == ref_ended_before(pack, day)
        ended |= {rel for rel, _ in got}
    # the days reach monthly, weekly and daily series whose next release is due
    assert {"macro/UNRATE.csv", "macro/ICSA.csv", "macro/DGS2.csv"} <= ended
