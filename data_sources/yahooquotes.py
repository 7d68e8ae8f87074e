"""Yahoo's answers as rotmon's types (pure): v7 and streamed quotes, details, daily bars."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from data_sources.clock import NY
from data_sources.model import Bars, Quote
from data_sources.polling import (
    one_line,
)
from data_sources.yahoowire import MAX_BATCH

# -- conversions (pure) -----------------------------------------------------------------------

_MARKET_STATES = {
    "PRE": "pre",
    "REGULAR": "open",
    "POST": "post",
    "POSTPOST": "closed",
    "PREPRE": "closed",
    "CLOSED": "closed",
}


def _number(value: Any, *, zero_unknown: bool = True) -> float | None:
    """A finite float, or None; 0 is unknown unless ``zero_unknown`` is False."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or (zero_unknown and number == 0.0):
        return None
    return number


def _f32(value: Any) -> float | None:
    """A float32 wire value at the precision it was sent (94745.078125 -> 94745.08)."""
    number = _number(value)
    return None if number is None else float(str(np.float32(number)))


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return one_line(value, 80)


def _epoch(value: Any, scale: float = 1.0) -> datetime | None:
    number = _number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / scale, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def quote_from_v7(item: Mapping[str, Any]) -> Quote | None:
    """A ``Quote`` from one v7 ``quoteResponse.result`` object (PAYLOADS 3 and 11).

    ``regularMarketChangePercent`` is already in percent here; the previous close is
    ``regularMarketPreviousClose``; zeros in prices, ranges and index volumes are unknown.
    A stub without a price (delisted, ``quoteType: NONE``) gives None.
    """
    symbol = item.get("symbol")
    price = _number(item.get("regularMarketPrice"))
    when = _epoch(item.get("regularMarketTime"))
    if not isinstance(symbol, str) or price is None or when is None:
        return None
    kind = item.get("quoteType")
    prev = _number(item.get("regularMarketPreviousClose"))
    change = _number(item.get("regularMarketChangePercent"), zero_unknown=False)
    if change is None and prev is not None:
        change = (price / prev - 1.0) * 100.0
    volume = _number(item.get("regularMarketVolume"), zero_unknown=kind in ("INDEX", "CURRENCY"))
    state = item.get("marketState")
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        prev_close=prev,
        change_pct=change,
        volume=volume,
        day_high=_number(item.get("regularMarketDayHigh")),
        day_low=_number(item.get("regularMarketDayLow")),
        year_high=_number(item.get("fiftyTwoWeekHigh")),
        year_low=_number(item.get("fiftyTwoWeekLow")),
        trailing_pe=_number(item.get("trailingPE")),
        forward_pe=_number(item.get("forwardPE")),
        market_state=_MARKET_STATES.get(state) if isinstance(state, str) else None,
        name=_text(item.get("shortName")) or _text(item.get("longName")),
    )


def quote_from_stream(msg: Mapping[str, Any]) -> Quote | None:
    """A ``Quote`` from one decoded ``PricingData`` (yfinance's dict: 64-bit ints as strings).

    Proto3 leaves out fields at their default, so an absent previous close or range is
    unknown here, never 0; ``change_percent`` is in percent.
    """
    symbol = msg.get("id")
    price = _f32(msg.get("price"))
    when = _epoch(msg.get("time"), 1000.0)
    if not isinstance(symbol, str) or not symbol or price is None or when is None:
        return None
    prev = _f32(msg.get("previous_close"))
    if prev is not None:
        change: float | None = (price / prev - 1.0) * 100.0
    else:
        change = _number(msg.get("change_percent"), zero_unknown=False)
        change = None if change is None else float(str(np.float32(change)))
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        prev_close=prev,
        change_pct=change,
        volume=_number(msg.get("day_volume")),
        day_high=_f32(msg.get("day_high")),
        day_low=_f32(msg.get("day_low")),
        name=_text(msg.get("short_name")),
    )


def _host_trouble(status: int | None) -> bool:
    """An answer that says the host is unwell (no answer, 5xx, 429), not the symbol unknown."""
    return status is None or status >= 500 or status == 429


def _info_price(info: Mapping[str, Any]) -> float | None:
    return _number(info.get("regularMarketPrice")) or _number(info.get("currentPrice"))


def details_from_info(symbol: str, info: Mapping[str, Any], now: datetime) -> Quote | None:
    """P/E and 52-week range from ``Ticker.info`` (quoteSummary + v7 quote, flattened)."""
    price = _info_price(info)
    when = _epoch(info.get("regularMarketTime")) or now
    if price is None:
        return None
    return Quote(
        symbol=symbol,
        price=price,
        time=when,
        year_high=_number(info.get("fiftyTwoWeekHigh")),
        year_low=_number(info.get("fiftyTwoWeekLow")),
        trailing_pe=_number(info.get("trailingPE")),
        forward_pe=_number(info.get("forwardPE")),
        name=_text(info.get("shortName")) or _text(info.get("longName")),
    )


_STATIC = ("year_high", "year_low", "trailing_pe", "forward_pe", "name", "market_state")
_DAILY = ("prev_close", "day_high", "day_low", "volume")


def merge_quote(old: Quote | None, new: Quote) -> Quote:
    """The newer quote, with fields it lacks taken from the older one: slow-moving fields
    (P/E, 52-week range, name, market state) always, day fields only from the same NY day.
    The change is recomputed from the newer price, never copied from an older quote."""
    if old is None or old.symbol != new.symbol:
        return new
    base, other = (new, old) if new.time >= old.time else (old, new)
    same_day = base.time.astimezone(NY).date() == other.time.astimezone(NY).date()
    fill: dict[str, Any] = {}
    for name in _STATIC + (_DAILY if same_day else ()):
        if getattr(base, name) is None and getattr(other, name) is not None:
            fill[name] = getattr(other, name)
    if "day_high" in fill:
        fill["day_high"] = max(fill["day_high"], base.price)
    if "day_low" in fill:
        fill["day_low"] = min(fill["day_low"], base.price)
    merged = replace(base, **fill) if fill else base
    if merged.change_pct is None and merged.prev_close:
        merged = replace(merged, change_pct=(merged.price / merged.prev_close - 1.0) * 100.0)
    return merged


def bars_from_frame(symbol: str, frame: pd.DataFrame | None) -> Bars | None:
    """``Bars`` from one symbol's yfinance columns (Open High Low Close Volume, any case)."""
    if frame is None or frame.empty:
        return None
    cols = {str(c).lower().replace(" ", ""): c for c in frame.columns}
    close_col = cols.get("close") or cols.get("adjclose")
    if close_col is None:
        return None
    out = pd.DataFrame(index=frame.index)
    for name in ("open", "high", "low", "close", "volume"):
        col = close_col if name == "close" else cols.get(name)
        out[name] = (
            pd.to_numeric(frame[col], errors="coerce").astype("float64")
            if col is not None
            else np.nan
        )
    out = out[out["close"].notna() & (out["close"] != 0.0)]
    if out.empty:
        return None
    index = pd.DatetimeIndex(out.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    out.index = index.normalize()
    out = out[~out.index.duplicated(keep="last")].sort_index()
    out.index.name = None
    return Bars(symbol, out)


def bars_from_download(data: pd.DataFrame | None, symbols: Sequence[str]) -> dict[str, Bars]:
    """Per-symbol ``Bars`` from a ``yf.download(..., group_by="ticker")`` frame."""
    found: dict[str, Bars] = {}
    if data is None or data.empty:
        return found
    columns = data.columns
    for symbol in symbols:
        if isinstance(columns, pd.MultiIndex):
            if symbol.upper() not in columns.get_level_values(0):
                continue
            part = data[symbol.upper()]
        elif len(symbols) == 1:
            part = data
        else:
            continue
        bars = bars_from_frame(symbol, part)
        if bars is not None:
            found[symbol] = bars
    return found


def chunks(items: Sequence[str], size: int = MAX_BATCH) -> list[list[str]]:
    """``items`` in batches of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
