"""Export what a screen shows: the snapshot as SPEC 9 JSON, tables as CSV, never overwriting."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from analytics.text import csv_text
from analytics.types import Snapshot

_UNSAFE = re.compile(r"[^A-Za-z0-9._=^-]+")


class ExportError(OSError):
    """The export could not be written; the message is one line naming the path."""


def safe_name(name: str) -> str:
    """``name`` as a file-name fragment: ``IWM/SPY`` -> ``IWM-SPY``; never empty."""
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    return cleaned[:80] or "export"


def _stamp(now: datetime | None) -> str:
    """One clock for every file name: New York time, as the header shows (an aware ``now`` is
    converted; a naive one is taken as it is)."""
    from data_sources.clock import NY

    moment = now or datetime.now(NY)
    if moment.tzinfo is not None:
        moment = moment.astimezone(NY)
    return moment.strftime("%Y%m%d-%H%M%S")


def _write_new(directory: Path, stem: str, suffix: str, text: str) -> Path:
    """Write ``text`` to ``directory/stem.suffix``, or ``stem-2.suffix`` ... if that exists.

    Files are opened with mode ``x`` so that two exports in the same second never overwrite
    each other, even from two processes.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create export directory {directory}: {exc.strerror}") from None
    for n in range(1, 1000):
        path = directory / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with path.open("x", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror}") from None
        return path
    raise ExportError(f"cannot write {directory / stem}{suffix}: too many files with that name")


def export_snapshot_json(
    snapshot: Snapshot, directory: Path | str, *, now: datetime | None = None
) -> Path:
    """Write the snapshot as the SPEC 9 document (``rotmon.snapshot/2``); return the path."""
    from analytics.snapshot import snapshot_to_dict

    doc = snapshot_to_dict(snapshot)
    text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    return _write_new(Path(directory), f"rotmon-snapshot-{_stamp(now)}", ".json", text)


def export_screenshot_svg(svg: str, directory: Path | str, *, now: datetime | None = None) -> Path:
    """Write an SVG screenshot of the screen as ``rotmon-screen-<stamp>.svg``; return the path."""
    return _write_new(Path(directory), f"rotmon-screen-{_stamp(now)}", ".svg", svg)


def csv_cell(value: Any) -> str:
    """One CSV cell: unknown numbers are empty, floats keep full precision, text is inert and
    never a formula (``csv_text``, as in ``snapshot --format csv``)."""
    if value is None:
        return ""
    if isinstance(value, np.generic):  # numpy scalars: np.float64's repr is "np.float64(...)"
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(value)) if math.isfinite(value) else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return csv_text(value)


def table_csv(rows: Iterable[Sequence[Any] | Mapping[str, Any]], columns: Sequence[str]) -> str:
    """The CSV text of ``rows`` (sequences in column order, or mappings by column name)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            values = [row.get(c) for c in columns]
        else:
            values = list(row)
            if len(values) != len(columns):
                raise ValueError(f"row has {len(values)} cells, expected {len(columns)}: {row!r}")
        writer.writerow([csv_cell(v) for v in values])
    return buf.getvalue()


def export_table_csv(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    columns: Sequence[str],
    name: str,
    directory: Path | str,
    *,
    now: datetime | None = None,
    bom: bool = False,
) -> Path:
    """Write a table as CSV to ``directory/rotmon-<name>-<YYYYmmdd-HHMMSS>.csv``; return it.
    ``bom`` starts the file with a UTF-8 byte order mark (``[export] bom``: spreadsheets then
    read it as UTF-8)."""
    text = ("\ufeff" if bom else "") + table_csv(rows, columns)
    return _write_new(Path(directory), f"rotmon-{safe_name(name)}-{_stamp(now)}", ".csv", text)
