"""Writing a data pack (``rotmon pack download``, ``rotmon record``): CSVs the readers read back
exactly, written atomically.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.text import csv_text
from data_sources.csvtext import norm_name
from data_sources.model import Constituent
from data_sources.packconf import PackConfig, _safe_name

# --- writing --------------------------------------------------------------------------------

_HOLDINGS_HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)


def write_pack(
    path: Path | str,
    prices: Mapping[str, pd.DataFrame | pd.Series],
    macro: Mapping[str, pd.Series],
    constituents: Sequence[Constituent] = (),
    *,
    config: PackConfig | None = None,
    holdings_asof: date | None = None,
    valuations: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """Write a pack that ``load_pack`` reads back unchanged (``rotmon record``, ``pack download``).

    Prices: a DataFrame (our Bars frame or a yfinance one: columns found by name, any case) is
    written in the Yahoo layout, with `Adj Close` only when the frame has one; a Series is
    written as `Date,Close`. Macro series are FRED graph CSVs with `observation_date`, missing
    values as empty fields. Constituents go to ``holdings/<universe>.csv`` in the iShares layout;
    P/E frames (``pe``, ``forward_pe``) to ``valuation/<SYMBOL>.csv`` as ``Date,PE,ForwardPE``.
    Each file is written to a temporary name and renamed, so a crash never leaves half a file.
    Raises ValueError for a symbol that cannot be a file name.
    """
    root = Path(path).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    for symbol, data in prices.items():
        _write_atomic(root / "prices" / f"{_file_symbol(symbol)}.csv", _price_text(data))
    for series_id, values in macro.items():
        _write_atomic(
            root / "macro" / f"{_file_symbol(series_id)}.csv", _fred_text(series_id, values)
        )
    for symbol, frame in (valuations or {}).items():
        _write_atomic(root / "valuation" / f"{_file_symbol(symbol)}.csv", _valuation_text(frame))
    universe = config.universe if config else "IWM"
    if constituents:
        _write_atomic(
            root / "holdings" / f"{_file_symbol(universe)}.csv",
            _holdings_text(universe, constituents, holdings_asof),
        )
    if config is not None:
        _write_atomic(root / "pack.toml", _config_text(config))


def _valuation_text(frame: pd.DataFrame) -> str:
    lines = ["Date,PE,ForwardPE"]
    pe = frame["pe"] if "pe" in frame else pd.Series(np.nan, index=frame.index)
    fwd = frame["forward_pe"] if "forward_pe" in frame else pd.Series(np.nan, index=frame.index)
    for day, a, b in zip(_dates(frame.index), pe.to_numpy(float), fwd.to_numpy(float), strict=True):
        if not (math.isfinite(a) or math.isfinite(b)):
            continue
        lines.append(f"{day:%Y-%m-%d},{_num(a)},{_num(b)}")
    return "\n".join(lines) + "\n"


def _file_symbol(symbol: str) -> str:
    name = symbol.strip()
    if not _safe_name(name):
        raise ValueError(f"symbol {symbol!r} cannot be a file name in a data pack")
    return name


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dates(index: pd.Index) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)  # local midnight of the exchange: keep the local date
    return idx.normalize()


def _num(value: float) -> str:
    if math.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.index = _dates(frame.index)
    frame = frame[~frame.index.duplicated(keep="last")]
    return frame.sort_index()


def _price_text(data: pd.DataFrame | pd.Series) -> str:
    if isinstance(data, pd.Series):
        frame = _clean_frame(data.to_frame("close").astype("float64"))
        frame = frame[frame["close"].notna()]
        rows = [f"{d:%Y-%m-%d},{_num(v)}" for d, v in zip(frame.index, frame["close"], strict=True)]
        return "\n".join(["Date,Close", *rows]) + "\n"
    by_name = {norm_name(str(c)): c for c in data.columns}
    wanted = [
        ("Open", "open"),
        ("High", "high"),
        ("Low", "low"),
        ("Close", "close"),
        ("Adj Close", "adjclose"),
        ("Volume", "volume"),
    ]
    present = [(label, by_name[key]) for label, key in wanted if key in by_name]
    if not any(label in ("Close", "Adj Close") for label, _ in present):
        raise ValueError("a price frame needs a Close or Adj Close column")
    frame = _clean_frame(data[[col for _, col in present]].astype("float64"))
    closes = [col for label, col in present if label in ("Close", "Adj Close")]
    frame = frame[frame[closes].notna().any(axis=1)]
    header = ",".join(["Date", *(label for label, _ in present)])
    columns = [frame[col].to_numpy() for _, col in present]
    rows = [
        f"{day:%Y-%m-%d}," + ",".join(_num(float(col[i])) for col in columns)
        for i, day in enumerate(frame.index)
    ]
    return "\n".join([header, *rows]) + "\n"


def _fred_text(series_id: str, values: pd.Series) -> str:
    frame = _clean_frame(values.astype("float64").to_frame("v"))
    rows = [f"{d:%Y-%m-%d},{_num(v)}" for d, v in zip(frame.index, frame["v"], strict=True)]
    return "\n".join([f"observation_date,{series_id}", *rows]) + "\n"


def _holdings_text(universe: str, constituents: Sequence[Constituent], asof: date | None) -> str:
    def quoted(*cells: str) -> str:
        return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)

    lines = [f"rotmon data pack holdings of {universe}"]
    if asof is not None:
        lines.append(f'Fund Holdings as of,"{asof:%b %d, %Y}"')
    lines += ["\u00a0", _HOLDINGS_HEADER]
    for c in constituents:
        price = _num(c.last) if c.last is not None else "-"
        lines.append(
            quoted(
                csv_text(c.symbol), csv_text(c.name), csv_text(c.sector),
                "Equity", "-", _num(c.weight), "-", "-",
                price or "-", "-", "-", "USD", "-", "USD", "-",
            )
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def _config_text(config: PackConfig) -> str:
    def s(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string

    lines = []
    if config.name:
        lines.append(f"name = {s(config.name)}")
    if config.asof:
        lines.append(f"asof = {config.asof.isoformat()}")
    lines.append(f"universe = {s(config.universe)}")
    for pair in config.pairs:
        lines += [
            "",
            "[[pairs]]",
            f"small = {s(pair.small)}",
            f"large = {s(pair.large)}",
            f"label = {s(pair.label)}",
        ]
    for sector in config.sectors:
        lines += ["", "[[sectors]]", f"sector = {s(sector.sector)}", f"large = {s(sector.large)}"]
        if sector.small:
            lines.append(f"small = {s(sector.small)}")
    return "\n".join(lines) + "\n"
