"""Suite-wide: no test reads or writes the user's own files. The XDG state (the remembered
view), cache (the snapshot cache, the dataclass code table), data (the default database) and
config dirs point into one scratch home, set before any test module is imported (a module may
read a default path when imported)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

XDG_VARS = ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")
_saved: dict[str, str | None] = {}
_home: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="rotmon-home-")
    _home.append(home)
    for var in XDG_VARS:
        _saved[var] = os.environ.get(var)
        os.environ[var] = os.path.join(home, var.lower())


def pytest_unconfigure(config: pytest.Config) -> None:
    for var, old in _saved.items():
        if old is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = old
    for home in _home:
        shutil.rmtree(home, ignore_errors=True)
