"""`rotmon config init`: the default config file, every setting commented out with its
default and its description, generated from the declarations in ``tui.settings``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from tui.config import ConfigError, config_path
from tui.settings import RULE_KEYS, default_rules, description_of, scalar_keys


def _toml_value(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def _comment(text: str, width: int = 96) -> list[str]:
    import textwrap  # only for `config init`

    return [f"# {line}" for line in textwrap.wrap(text, width - 2)] if text else []


def default_config_text(keymap: Mapping[str, str] | None = None) -> str:
    """A commented TOML file listing every setting with its default, generated from the
    declarations. Uncomment a ``# key = value`` line to change it.

    ``keymap`` (action id -> default key) lists the app's bindings under ``[keys]``.
    """
    out = [
        "# rotmon configuration (TOML). Every setting is listed with its default, commented out:",
        "# uncomment a line and change the value to override it. `rotmon config check` validates.",
        "# Precedence: command line > environment > this file > defaults. Environment variables:",
        "# ROTMON_ + the key path in capitals with _ for . (ROTMON_REFRESH, ROTMON_POLL_FRED,",
        "# ROTMON_RULES_VIX_WARNING), FRED_API_KEY for the FRED key, ROTMON_CONFIG for this file;",
        "# NO_COLOR and TEXTUAL_ANIMATIONS are honoured too.",
        "",
    ]
    table = ""
    for key in scalar_keys().values():
        prefix, _, name = key.path.rpartition(".")
        if not key.listed:
            continue  # optional per-series keys: described in the table's note
        if prefix.startswith("rules."):
            continue
        if prefix != table:
            table = prefix
            out += ["", f"[{table}]"]
            if table == "release_lags":
                out += _comment(
                    "When an observation becomes usable (no look-ahead). A FRED id may be "
                    "given too, e.g. ICSA = 6 (day of month for monthly series, else days)."
                )
        out += _comment(description_of(key.type))
        out.append(f"# {name} = {_toml_value(key.default)}")
    out += [
        "",
        "[keys]",
        "# Remap keys: an action id (quoted: ids have dots) and its key(s), comma-separated;",
        "# `?` in the app lists what each key does, the README lists the ids. Two actions of",
        "# one screen cannot share a key.",
        '# For example:  "app.quit" = "q,ctrl+q"    "window.next" = "w"',
    ]
    for action, key_names in (keymap or {}).items():
        out.append(f"# {action} = {_toml_value(key_names)}")
    out += [
        "",
        "# Pairs of your own, shaped as a pack's pack.toml pairs, shown in the spreads pane after",
        "# the standard ones (and in `snapshot`); a symbol with no data shows n/a. One [[pairs]]",
        "# table each, for example:",
        "#   [[pairs]]",
        '#   small = "IWO"',
        '#   large = "QQQ"',
        '#   label = "Russell 2000 growth vs Nasdaq-100"    (optional)',
        "",
        "# Threshold alerts of your own on any pair of the spreads pane, logged like the risk",
        "# rules: PAIR METRIC OP NUMBER, METRIC z (1-year z-score of the ratio), ratio, or a",
        "# window's spread in pp (1D 1W 1M 3M YTD 1Y). No data: the alert is unknown, not quiet.",
        "#   [[alerts]]",
        '#   rule = "IWM/SPY z >= 2"',
        '#   severity = "critical"                      (optional; warning by default)',
        '#   label = "Russell stretched vs S&P"          (optional)',
    ]
    out += [
        "",
        "# Risk rules (SPEC 7): thresholds in the rule's unit, hysteresis in the same unit,",
        "# weight in its group's score; window lengths in rows of the rule's series.",
    ]
    keys = scalar_keys()
    for spec in default_rules():
        out += ["", f"[rules.{spec.id}]"]
        out += _comment(f"{spec.label} ({spec.group}): {spec.explain()}")
        for name in RULE_KEYS:
            path = f"rules.{spec.id}.{name}"
            if path in keys:
                out.append(f"# {name} = {_toml_value(keys[path].default)}")
    return "\n".join(out) + "\n"


def config_init(path: Path | None = None, force: bool = False) -> Path:
    """Write ``default_config_text()`` to ``path`` (default ``config_path()``); refuses to
    overwrite an existing file unless ``force``. Returns the path written."""
    target = Path(path).expanduser() if path is not None else config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target}: already exists; use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(default_config_text(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the config file ({exc.strerror})") from exc
    return target
