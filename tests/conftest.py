"""Suite-wide: no test reads or writes the user's own remembered view (XDG state dir)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_state_dir() -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="rotmon-state-") as home:
        old = os.environ.get("XDG_STATE_HOME")
        os.environ["XDG_STATE_HOME"] = home
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("XDG_STATE_HOME", None)
            else:
                os.environ["XDG_STATE_HOME"] = old
