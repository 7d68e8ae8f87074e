"""The layering of STYLE.md as import-linter contracts, plus the lazy-import rule for yfinance."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.terminal import python_on_a_terminal

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_the_packages_are_kept_acyclic() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    acyclic = [c for c in config["contracts"] if c["type"] == "acyclic_siblings"]
    assert acyclic and set(acyclic[0]["ancestors"]) == set(config["root_packages"])


def test_demo_snapshot_never_imports_yfinance() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from tui.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main(['snapshot', '--demo', '--format', 'json'])\n"
        "bad = [m for m in ('yfinance', 'curl_cffi', 'textual') if m in sys.modules]\n"
        "print(rc, bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr


def test_the_app_starts_without_pandas_so_the_cached_view_paints_at_once(
    tmp_path: Path,
) -> None:
    # Everything up to App.run() (arguments, config, wiring) must stay clear of pandas: the
    # source, the analytics and the alert store load on the source's thread after the first paint.
    code = (
        "import sys\n"
        "sys.argv = ['rotmon', '--demo']\n"
        "import tui.app\n"
        "tui.app.RotmonApp.run = lambda self, *a, **k: None\n"
        "import tui.__main__ as m\n"
        "rc = m.main()\n"
        "names = ('pandas', 'numpy', 'yfinance', 'exchange_calendars',\n"
        "         'sqlite3', 'tomllib')  # the store and a config file: after the paint\n"
        "heavy = [x for x in names if x in sys.modules]\n"
        "print(rc, heavy, file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    out = python_on_a_terminal(code, env)
    assert out.stderr.strip().splitlines()[-1:] == ["0 []"], out.stderr
