"""Sector heatmap rows: large-cap vs small-cap sector ETF returns and their spread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from analytics.catalog import SECTORS, SectorPair
from analytics.spreads import read_legs, returns_of_legs
from analytics.types import SectorRow


def sector_rows(
    prices: Mapping[str, pd.Series],
    asof: date | None = None,
    sectors: tuple[SectorPair, ...] = SECTORS,
) -> tuple[SectorRow, ...]:
    """One row per sector; a side without an ETF, without data or stale at ``asof`` is None."""
    rows = []
    for s in sectors:
        given = {s.large: prices.get(s.large)}
        if s.small:
            given[s.small] = prices.get(s.small)
        usable, stale, last_date, reasons = read_legs(given, asof)
        legs = returns_of_legs(usable.get(s.small) if s.small else None, usable[s.large])
        rows.append(
            SectorRow(
                sector=s.sector,
                large=s.large,
                small=s.small,
                returns=legs,
                stale=stale,
                last_date=last_date,
                reasons=reasons,
            )
        )
    return tuple(rows)
