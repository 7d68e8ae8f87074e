"""Typed config: defaults, file < env < CLI precedence, every error path, `config init`."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from analytics.risk import DEFAULT_RULES, RELEASE_LAGS
from data_sources.paths import default_export_dir
from tests.e2e.ptyrun import PtyApp, isolated_env
from tui.config import (
    ConfigError,
    PollSettings,
    Settings,
    SourceSettings,
    check_config,
    config_path,
    env_name,
    load_settings,
)
from tui.configtext import config_init, default_config_text

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env or {}, {})
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""), {}, {})
    assert s.rules == DEFAULT_RULES
    assert dict(s.release_lags) == dict(RELEASE_LAGS) == {"monthly": 7, "weekly": 5, "daily": 1}
    assert (s.refresh, s.bell, s.theme) == (4.0, True, "rotmon-dark")
    assert s.poll == PollSettings(15.0, 300.0, 21600.0, 86400.0, 600.0)
    assert s.sources.fred_api_key is None
    assert s.sources.fred_graph_url == "https://fred.stlouisfed.org/graph/fredgraph.csv"
    assert s.db.name == "rotmon.sqlite3" and s.db.parent.name == "rotmon"
    # Exports never land in the working directory: downloads, else the data dir's exports/.
    assert s.export_dir == default_export_dir() and s.export_dir != Path(".")
    assert s.export.bom is False and dict(s.keymap) == {}
    assert s.config_file == tmp_path / "config.toml"
    assert s == Settings()  # the dataclass defaults are the same defaults
    assert s.rule("vix").warning == 25.0
    with pytest.raises(KeyError):
        s.rule("nope")
    assert config_path().name == "config.toml" and config_path().parent.name == "rotmon"


def test_no_file_is_fine_unless_asked_for(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_settings(missing, {}, {})
    assert str(info.value).startswith(f"{missing}: no such config file")
    with pytest.raises(ConfigError):
        load_settings(None, {"ROTMON_CONFIG": str(missing)}, {})


FILE = """\
refresh = 2
bell = false
db = "~/rotmon-test.sqlite3"

[poll]
fred = 3600

[sources]
fred_api_key = "sekrit-file-key"

[release_lags]
ICSA = 6
monthly = 10

[keys]
quit = "ctrl+q"

[rules.vix]
warning = 22
critical = 30.5

[rules.r2k_drawdown]
warning = -8
"""


def test_file_overrides(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, FILE), {}, {})
    assert s.refresh == 2.0 and isinstance(s.refresh, float) and s.bell is False
    assert s.db == Path("~/rotmon-test.sqlite3").expanduser()
    assert s.poll.fred == 3600.0 and s.poll.quotes_open == 15.0
    assert dict(s.release_lags) == {"monthly": 10, "weekly": 5, "daily": 1, "ICSA": 6}
    assert dict(s.keymap) == {"quit": "ctrl+q"}
    vix = s.rule("vix")
    assert (vix.warning, vix.critical, vix.hysteresis) == (22.0, 30.5, 2.0)
    assert vix == replace(DEFAULT_RULES[4], warning=22.0, critical=30.5)
    assert s.rule("r2k_drawdown").warning == -8.0
    assert s.rule("sahm") == DEFAULT_RULES[0]
    assert s.sources.fred_api_key == "sekrit-file-key"
    # The key never shows.
    assert "sekrit" not in repr(s) and "sekrit" not in str(s) and "sekrit" not in repr(s.sources)


def test_env_beats_file_and_cli_beats_env(tmp_path: Path) -> None:
    path = write(tmp_path, FILE)
    env = {
        "ROTMON_REFRESH": "8",
        "ROTMON_BELL": "on",
        "ROTMON_POLL_FRED": "7200",
        "ROTMON_RULES_VIX_WARNING": "23.5",
        "ROTMON_DB": str(tmp_path / "env.sqlite3"),
        "FRED_API_KEY": "env-key",
        "ROTMON_SOMETHING_ELSE": "ignored",
        "PATH": "/usr/bin",
    }
    s = load_settings(path, env, {})
    assert (s.refresh, s.bell, s.poll.fred) == (8.0, True, 7200.0)
    assert s.rule("vix").warning == 23.5 and s.rule("vix").critical == 30.5  # file still counts
    assert s.db == tmp_path / "env.sqlite3"
    assert s.sources.fred_api_key == "env-key"
    # ROTMON_SOURCES_FRED_API_KEY is the more specific of the two.
    both = load_settings(path, {**env, "ROTMON_SOURCES_FRED_API_KEY": "specific"}, {})
    assert both.sources.fred_api_key == "specific"

    cli = {"refresh": 1.5, "db": tmp_path / "cli.sqlite3", "bell": None, "poll.fred": "60"}
    s = load_settings(path, env, cli)
    assert s.refresh == 1.5 and s.db == tmp_path / "cli.sqlite3" and s.poll.fred == 60.0
    assert s.bell is True  # None means "option not given"
    assert env_name("rules.vix.warning") == "ROTMON_RULES_VIX_WARNING"


def test_env_selects_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "refresh = 3\n")
    assert load_settings(None, {"ROTMON_CONFIG": str(path)}, {}).refresh == 3.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'refresh = "fast"\n',
            'config.toml:1: refresh: expected a number > 0 (updates per second), got "fast"',
        ),
        ("bell = 1\n", "config.toml:1: bell: expected true or false, got 1"),
        (
            "\n\n[poll]\nquotes_open = 15\nfred = 0\n",
            "config.toml:5: poll.fred: expected a number > 0 (seconds), got 0",
        ),
        (
            "[poll]\nholdings = true\n",
            "config.toml:2: poll.holdings: expected a number > 0 (seconds), got true",
        ),
        (
            '[sources]\nyahoo_url = "ftp://x"\n',
            'config.toml:2: sources.yahoo_url: expected an http:// or https:// URL, got "ftp://x"',
        ),
        (
            "[release_lags]\nmonthly = 31\n",
            "config.toml:2: release_lags.monthly: expected a day of the next month, 1-28, got 31",
        ),
        (
            "[release_lags]\nICSA = -1\n",
            "config.toml:2: release_lags.ICSA: expected a whole number of days, 0-366, got -1",
        ),
        (
            "[release_lags]\nweekly = 2.5\n",
            "config.toml:2: release_lags.weekly: expected a whole number of days, 0-366, got 2.5",
        ),
        (
            "[rules.vix]\nwarning = -5\n",
            "config.toml:2: rules.vix.warning: expected a number >= 0, got -5",
        ),
        (
            "[rules.r2k_drawdown]\ncritical = 20\n",
            "config.toml:2: rules.r2k_drawdown.critical: expected a number <= 0, got 20",
        ),
        (
            "[rules.sahm]\nhysteresis = -0.1\n",
            "config.toml:2: rules.sahm.hysteresis: expected a number >= 0, got -0.1",
        ),
        (
            "[rules.ovx]\nweight = nan\n",
            "config.toml:2: rules.ovx.weight: expected a number >= 0, got nan",
        ),
        (
            "[rules.claims]\nwindow = 0\n",
            "config.toml:2: rules.claims.window: expected a whole number >= 1, got 0",
        ),
        (
            "[rules.vix]\nwarning = 40\n",
            "config.toml:2: rules.vix.warning: expected a value at or below critical (35), got 40",
        ),
        (
            "[rules.vix]\nwarning = 20\ncritical = 15\n",
            "config.toml:3: rules.vix.critical: expected a value at or above warning (20), got 15",
        ),
        (
            "[rules.r2k_drawdown]\ncritical = -5\n",
            "config.toml:2: rules.r2k_drawdown.critical: expected a value at or below warning"
            " (-10), got -5",
        ),
        (
            "[rules.hy_oas]\nchange_critical = 0.5\n",
            "config.toml:2: rules.hy_oas.change_critical: expected a value at or above"
            " change_warning (1), got 0.5",
        ),
        (
            "[keys]\nquit = 5\n",
            'config.toml:2: keys.quit: expected a key name such as "q" or "ctrl+q", got 5',
        ),
        ("poll = 5\n", "config.toml:1: poll: expected a table, got 5"),
        (
            "[refresh]\nx = 1\n",
            "config.toml:1: refresh: expected a number > 0 (updates per second), got a table",
        ),
        # Unknown keys, with a did-you-mean.
        ("refesh = 4\n", "config.toml:1: refesh: unknown setting (did you mean refresh?)"),
        ("[pol]\nfred = 1\n", "config.toml:1: pol: unknown setting (did you mean poll?)"),
        ("[poll]\nfredd = 1\n", "config.toml:2: poll.fredd: unknown setting (did you mean fred?)"),
        ("colour = 1\n", "config.toml:1: colour: unknown setting (did you mean no_color?)"),
        ("zzz = 1\n", "config.toml:1: zzz: unknown setting"),
        (
            "[rules.vixx]\nwarning = 20\n",
            "config.toml:1: rules.vixx: unknown rule (did you mean vix?); expected one of sahm, "
            "yield_curve, hy_oas, claims, vix, r2k_drawdown, wti_20d, oil_net_increase, ovx, "
            "energy_outperformance",
        ),
        (
            "[rules.vix]\nwarnign = 20\n",
            "config.toml:2: rules.vix.warnign: unknown setting of rule vix (did you mean warning?);"
            " expected one of warning, critical, hysteresis, weight",
        ),
        (
            "[rules.vix]\nwindow = 20\n",
            "config.toml:2: rules.vix.window: unknown setting of rule vix; expected one of warning,"
            " critical, hysteresis, weight",
        ),
        # Syntax errors keep tomllib's line.
        (
            "refresh = 4\n\n[poll\n",
            "config.toml:3: invalid TOML: Expected ']' at the end of a table declaration"
            " (column 6)",
        ),
        ('theme = "dark\n', "config.toml:1: invalid TOML: Illegal character '\\n' (column 14)"),
        (
            "refresh = 4\nrefresh = 5\n",
            "config.toml:2: invalid TOML: Cannot overwrite a value (column 12)",
        ),
    ],
)
def test_file_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text) == expected


def test_line_numbers_follow_dotted_keys_and_inline_tables(tmp_path: Path) -> None:
    text = (
        "# comment = 1\n"
        'theme = """\nmulti = line\n"""\n'
        "[rules]\n"
        "vix.warning = -1\n"
        "ovx = { warning = -3 }\n"
    )
    problems = check_config(write(tmp_path, text))
    assert problems == [
        "config.toml:6: rules.vix.warning: expected a number >= 0, got -1",
        "config.toml:7: rules.ovx.warning: expected a number >= 0, got -3",
    ]


def test_check_config_lists_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, 'refresh = 0\nbell = "yes"\n[rules.sahm]\nwarning = 0.6\n')
    assert check_config(path) == [
        "config.toml:1: refresh: expected a number > 0 (updates per second), got 0",
        'config.toml:2: bell: expected true or false, got "yes"',
        "config.toml:4: rules.sahm.warning: expected a value at or below critical (0.5), got 0.6",
    ]
    with pytest.raises(ConfigError) as info:
        load_settings(path, {}, {})
    assert len(info.value.problems) == 3 and str(info.value) == info.value.problems[0]
    assert check_config(write(tmp_path, "refresh = 2\n")) == []
    assert check_config(tmp_path / "missing.toml")[0].endswith(
        "no such config file (create one with `rotmon config init`)"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"refresh = 4\ntheme = \xff\n")
    with pytest.raises(ConfigError, match=r"^config\.toml:2: expected UTF-8 text$"):
        load_settings(path, {}, {})


def test_env_and_cli_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(
        ConfigError,
        match=r'^ROTMON_REFRESH: expected a number > 0 \(updates per second\), got "fast"$',
    ):
        load_settings(path, {"ROTMON_REFRESH": "fast"}, {})
    with pytest.raises(ConfigError, match=r'^ROTMON_BELL: expected true or false, got "maybe"$'):
        load_settings(path, {"ROTMON_BELL": "maybe"}, {})
    with pytest.raises(ConfigError, match=r"^ROTMON_RULES_VIX_WARNING: expected a number >= 0"):
        load_settings(path, {"ROTMON_RULES_VIX_WARNING": "-1"}, {})
    with pytest.raises(ConfigError, match=r"^--refresh: expected a number > 0 .*got -2$"):
        load_settings(path, {}, {"refresh": -2})
    with pytest.raises(
        ConfigError, match=r"^--refrsh: unknown setting \(did you mean refresh\?\)$"
    ):
        load_settings(path, {}, {"refrsh": 1})
    # A cross-check names the layer that set the offending value.
    file = write(tmp_path, "[rules.vix]\ncritical = 30\n")
    with pytest.raises(ConfigError) as info:
        load_settings(file, {"ROTMON_RULES_VIX_WARNING": "31"}, {})
    assert str(info.value) == (
        "ROTMON_RULES_VIX_WARNING: expected a value at or below critical (30), got 31"
    )


def test_default_text_parses_back_to_the_defaults(tmp_path: Path) -> None:
    text = default_config_text()
    assert load_settings(write(tmp_path, text), {}, {}) == Settings()
    # Uncommenting every `# key = value` line gives the same settings: every listed value is
    # valid and equal to its default.
    setting = re.compile(r"^# ([A-Za-z_][A-Za-z0-9_]*) = (.*)$")
    lines = [setting.sub(r"\1 = \2", line) for line in text.splitlines()]
    uncommented = [
        line for line, orig in zip(lines, text.splitlines(), strict=True) if line != orig
    ]
    base = 7 + 1 + 5 + 7 + 2 + 3 + 3  # top, export, poll, sources, redis, lags, stale_after
    rule_keys = sum(
        sum(getattr(r, f) is not None for f in (
            "warning", "critical", "hysteresis", "weight", "window", "long_window",
            "change_window", "change_warning", "change_critical", "min_inverted_days",
            "recovery_days", "inversion_window",
        ))
        for r in DEFAULT_RULES
    )  # fmt: skip
    assert len(uncommented) == base + rule_keys
    active = "\n".join(lines) + "\n"
    parsed = tomllib.loads(active)
    assert parsed["poll"]["fred"] == 21600.0 and parsed["rules"]["vix"]["warning"] == 25.0
    assert load_settings(write(tmp_path, active), {}, {}) == Settings()
    # Every rule has its table and its words.
    for rule in DEFAULT_RULES:
        assert f"[rules.{rule.id}]" in text
    # With the app's bindings listed under [keys].
    assert '# quit = "q"' in default_config_text({"quit": "q"})


def test_config_init(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "config.toml"
    assert config_init(target) == target
    assert target.read_text(encoding="utf-8") == default_config_text()
    target.write_text("refresh = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"already exists; use --force to overwrite it$"):
        config_init(target)
    assert target.read_text(encoding="utf-8") == "refresh = 2\n"  # untouched
    config_init(target, force=True)
    assert load_settings(target, {}, {}) == Settings()


def test_config_does_not_import_textual() -> None:
    code = (
        "import sys, tui.config as c; c.load_settings(None, {}, {}); "
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_sources_repr_hides_the_key() -> None:
    sources = SourceSettings(fred_api_key="abc123")
    assert "abc123" not in repr(sources) and sources.fred_api_key == "abc123"


def test_two_actions_on_one_key_are_an_error_in_check_and_at_start(tmp_path: Path) -> None:
    # pane.1 takes "2", which pane.2 keeps: one of the two would never fire.
    path = write(tmp_path, '# remaps\n[keys]\n"window.next" = "w"\n"pane.1" = "2"\n')
    problems = check_config(path)
    assert problems == [
        'config.toml:4: keys.pane.1: key "2" is also the key of pane.2 on DashboardScreen;'
        " give one of them another key"
    ]
    # Swapping two keys is fine, so is a key another screen uses; a typo is named too.
    fine = write(tmp_path, '[keys]\n"pane.1" = "2"\n"pane.2" = "1"\n"drill.back" = "q"\n')
    assert check_config(fine) == []
    typo = write(tmp_path, '[keys]\n"pane.1" = "2"\n"pane.22" = "1"\n')
    assert check_config(typo) == [
        "config.toml:3: keys.pane.22: unknown action id (did you mean pane.2?);"
        " the README lists the ids",
        'config.toml:2: keys.pane.1: key "2" is also the key of pane.2 on DashboardScreen;'
        " give one of them another key",
    ]
    # At start, in a terminal: exit 2 with the first problem in one line, no screen drawn.
    write(tmp_path, '# remaps\n[keys]\n"window.next" = "w"\n"pane.1" = "2"\n')
    app = PtyApp(
        [sys.executable, "-m", "tui", "--demo", "--config", str(path)], isolated_env(tmp_path)
    )
    try:
        assert app.wait(120) == 2
    finally:
        app.close()
    out = bytes(app.output).decode("utf-8", "replace").strip()
    assert out == (
        'rotmon: config.toml:4: keys.pane.1: key "2" is also the key of pane.2 on DashboardScreen;'
        " give one of them another key"
    )


def test_the_environment_is_read_here_only() -> None:
    # data_sources, widgets and analytics never read it; in tui only this module does.
    readers = re.compile(r"os\.environ|getenv\(")
    for package in ("tui", "data_sources", "widgets", "analytics"):
        for module in (ROOT / package).rglob("*.py"):
            if module == ROOT / "tui" / "config.py":
                continue
            text = module.read_text(encoding="utf-8")
            assert not readers.search(text), f"{module.relative_to(ROOT)} reads the environment"


def test_sources_stream_and_backend(tmp_path: Path) -> None:
    s = load_settings(
        write(tmp_path, '[sources]\nstream_url = "OFF"\n'),
        {"ROTMON_SOURCES_YAHOO_BACKEND": " Requests "},
        {},
    )
    assert (s.sources.stream_url, s.sources.yahoo_backend) == ("OFF", "requests")
    assert error_of(tmp_path, '[sources]\nstream_url = "http://x"\n') == (
        'config.toml:2: sources.stream_url: expected a ws:// or wss:// URL, or off, got "http://x"'
    )
    with pytest.raises(ConfigError, match=r"^ROTMON_SOURCES_YAHOO_BACKEND: expected curl or"):
        load_settings(write(tmp_path, ""), {"ROTMON_SOURCES_YAHOO_BACKEND": "wget"}, {})
    # The key is never echoed, not even when it is wrong.
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "[sources]\nfred_api_key = 5\n"), {}, {})
    assert str(info.value) == "config.toml:2: sources.fred_api_key: expected a string, got 5"


def test_wider_conventions_in_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'no_color = false\nanimations = "basic"\n')
    s = load_settings(path, {}, {})
    assert (s.no_color, s.animations) == (False, "basic")
    assert Settings().no_color is False and Settings().animations == "none"  # SSH-friendly
    s = load_settings(path, {"NO_COLOR": "1", "TEXTUAL_ANIMATIONS": "full"}, {})
    assert (s.no_color, s.animations) == (True, "full")
    assert load_settings(path, {"NO_COLOR": ""}, {}).no_color is False  # set but empty: no
    assert load_settings(path, {}, {"no_color": True}).no_color is True  # --no-color
    with pytest.raises(ConfigError, match=r"^TEXTUAL_ANIMATIONS: expected none, basic or full"):
        load_settings(path, {"TEXTUAL_ANIMATIONS": "lots"}, {})


def test_the_desk_credentials_come_from_the_config_and_never_show(tmp_path: Path) -> None:
    path = write(tmp_path, '[redis]\nusername = "desk"\n')
    s = load_settings(path, {"ROTMON_REDIS_PASSWORD": "pa55-word"}, {})
    assert (s.redis.username, s.redis.password) == ("desk", "pa55-word")
    assert "pa55" not in repr(s) and "desk" in repr(s.redis)
    assert load_settings(path, {"ROTMON_REDIS_PASSWORD": ""}, {}).redis.password is None


PAIRS_FILE = """\
[[pairs]]
small = "iwo"
large = "QQQ"
label = "Russell 2000 growth vs Nasdaq-100"

[[pairs]]
small = "XLK"
large = "SPY"
"""


def test_user_pairs_in_the_shape_of_a_pack(tmp_path: Path) -> None:
    from analytics.catalog import PAIRS, Pair

    s = load_settings(write(tmp_path, PAIRS_FILE), {}, {})
    assert s.pairs == (
        Pair("IWO", "QQQ", "Russell 2000 growth vs Nasdaq-100"),
        Pair("XLK", "SPY", "XLK vs SPY"),
    )
    # After the source's pairs, each id once (IWM/SPY is already a standard pair).
    both = load_settings(write(tmp_path, PAIRS_FILE + '[[pairs]]\nsmall = "IWM"\nlarge = "SPY"\n'))
    assert both.with_pairs(PAIRS) == (*PAIRS, *s.pairs)
    assert Settings().pairs == () and Settings().with_pairs(PAIRS) == PAIRS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[pairs]]\nsmall = "IWM"\n\n[[pairs]]\nsmall = "IJR"\nlarge = 5\n',
            [
                "config.toml:1: pairs.1: expected large",
                'config.toml:6: pairs.2.large: expected a symbol such as "IWM", got 5',
            ],
        ),
        (
            '[[pairs]]\nsmall = "IWM"\nlarge = "SPY"\nlable = "x"\n',
            ["config.toml:4: pairs.1.lable: unknown setting (did you mean label?)"],
        ),
        ('pairs = "IWM/SPY"\n', ['config.toml:1: pairs: expected [[pairs]] tables, got "IWM/SPY"']),
        (
            '[[pairs]]\nsmall = "../etc"\nlarge = "SPY"\n',
            ['config.toml:2: pairs.1.small: expected a symbol such as "IWM", got "../etc"'],
        ),
    ],
)
def test_bad_pairs_name_their_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert check_config(write(tmp_path, text)) == expected


def test_user_pairs_reach_the_snapshot_and_the_live_symbols(tmp_path: Path) -> None:
    from data_sources.demo import DEMO_START, DemoSource
    from tui.cli.live import live_settings
    from tui.compute import snapshot_from_market

    s = load_settings(write(tmp_path, PAIRS_FILE), {}, {})
    market = DemoSource(seed=7, scenario="rotation").market_data(DEMO_START)
    snap = snapshot_from_market(market, s)
    ids = [row.id for row in snap.spreads]
    assert ids[-2:] == ["IWO/QQQ", "XLK/SPY"] and len(ids) == len(set(ids))
    xlk = snap.spreads[-1]
    assert xlk.label == "XLK vs SPY" and xlk.small_last is not None  # the demo has both legs
    assert {"IWO", "QQQ", "XLK"} <= set(live_settings(s).symbols)
