"""Sector heatmap rows: large-cap vs small-cap sector ETF returns and their spread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from analytics.catalog import SECTORS, SectorPair
from analytics.spreads import leg_returns
from analytics.types import SectorRow


def sector_rows(
    prices: Mapping[str, pd.Series],
    asof: date | None = None,
    sectors: tuple[SectorPair, ...] = SECTORS,
) -> tuple[SectorRow, ...]:
    """One row per sector; a side without an ETF (or without data) is None."""
    rows = []
    for s in sectors:
        legs = leg_returns(prices.get(s.small) if s.small else None, prices.get(s.large), asof)
        rows.append(SectorRow(sector=s.sector, large=s.large, small=s.small, returns=legs))
    return tuple(rows)
