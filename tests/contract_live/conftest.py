"""Live contract tests talk to the real servers: run them with ``pytest -m live``."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Belt and braces: even when -m is overridden, these only run when asked for by marker.
    markexpr = config.getoption("-m") or ""
    if "live" in markexpr and "not live" not in markexpr:
        return
    skip = pytest.mark.skip(reason="live contract test: run with `pytest -m live`")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
