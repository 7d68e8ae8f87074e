"""The snapshot cache round trip (tui/snapcache.py) over any Snapshot hypothesis can build:
the file is strict JSON, reading it back and writing it again changes nothing, and a snapshot
whose numbers are all finite comes back equal, field for field."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.types import Snapshot
from tui.snapcache import read_cached, snapshot_from_cache, snapshot_to_cache, write_cached

# A snapshot keeps each source's summary (the request record is the live view's, not the data's)
SNAPSHOTS = st.from_type(Snapshot).map(
    lambda s: replace(s, sources=tuple(h.summary() for h in s.sources))
)


def numbers(doc: Any) -> list[float]:
    """Every float in a JSON document."""
    if isinstance(doc, float):
        return [doc]
    if isinstance(doc, dict):
        return [x for v in doc.values() for x in numbers(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in numbers(v)]
    return []


def finite(snapshot: Snapshot) -> bool:
    """True when every float the snapshot holds is finite (the cache turns others into None)."""
    seen: list[float] = []

    def walk(x: Any) -> None:
        if isinstance(x, float):
            seen.append(x)
        elif isinstance(x, dict) or hasattr(x, "items"):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)
        elif hasattr(x, "__dataclass_fields__"):
            for name in x.__dataclass_fields__:
                walk(getattr(x, name))

    walk(snapshot)
    return all(math.isfinite(v) for v in seen)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(SNAPSHOTS)
def test_the_cache_is_strict_json_and_a_fixpoint(snapshot: Snapshot) -> None:
    doc = snapshot_to_cache(snapshot)
    text = json.dumps(doc, allow_nan=False)  # NaN and infinities were written as null
    back = snapshot_from_cache(json.loads(text))
    assert snapshot_to_cache(back) == json.loads(text)
    assert all(math.isfinite(x) for x in numbers(json.loads(text)))
    if finite(snapshot):
        assert back == snapshot


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(SNAPSHOTS)
def test_write_then_read_gives_back_what_the_cache_holds(snapshot: Snapshot) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache" / "snapshot.json"
        write_cached(snapshot, path)
        back = read_cached(path)
        assert back is not None
        assert snapshot_to_cache(back) == snapshot_to_cache(snapshot)
        assert [p.name for p in path.parent.iterdir()] == ["snapshot.json"]  # no temp left
