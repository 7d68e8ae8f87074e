"""The user's own [[alerts]]: parsed with one-line errors, evaluated on snapshots, unknown (never
quiet) without data, logged like the rule alerts, named in `config check` by FILE:LINE."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.user_alerts import OPS, evaluate_user_alerts, parse_alert, with_user_alerts
from data_sources.demo import DemoSource
from tui.compute import snapshot_from_market
from tui.config import check_config, load_settings


@pytest.fixture(scope="module")
def rotation():  # type: ignore[no-untyped-def]
    import asyncio

    from tests.tui.conftest import START

    market = asyncio.run(DemoSource(seed=7, scenario="rotation", start=START).fetch(START))
    return snapshot_from_market(market)


def test_parse_reads_every_metric_and_says_what_it_expected() -> None:
    a = parse_alert("iwm/spy  Z>=2", "critical", "stretched")
    assert (a.pair, a.metric, a.op, a.threshold, a.severity) == (
        "IWM/SPY",
        "z",
        ">=",
        2.0,
        "critical",
    )
    assert a.id == "user:IWM/SPY z >= 2" and a.name == "stretched"
    assert parse_alert("IJR/SPY 1m <= -3").metric == "1M"
    assert parse_alert("IJR/SPY ratio > .2").threshold == 0.2
    with pytest.raises(ValueError, match="expected PAIR METRIC OP NUMBER"):
        parse_alert("IWM z >= 2")
    with pytest.raises(ValueError, match="metric: expected one of z, ratio, 1D"):
        parse_alert("IWM/SPY 2M >= 2")


@given(st.sampled_from(sorted(OPS)), st.floats(-5, 5, allow_nan=False))
def test_an_alert_fires_exactly_when_its_condition_holds(rotation, op: str, t: float) -> None:  # type: ignore[no-untyped-def]
    row = next(r for r in rotation.spreads if r.id == "IWM/SPY")
    alert = parse_alert(f"IWM/SPY z {op} {t}")
    fired, unknown = evaluate_user_alerts(rotation, [alert])
    assert not unknown
    assert bool(fired) == OPS[op](row.zscore_1y, t)
    if fired:
        assert fired[0].value == row.zscore_1y and fired[0].group == "user"


def test_no_data_is_unknown_never_quiet(rotation) -> None:  # type: ignore[no-untyped-def]
    row = next(r for r in rotation.spreads if r.id == "IWM/SPY")
    blind = replace(rotation, spreads=(replace(row, zscore_1y=None, stale=("IWM",)),))
    snap = with_user_alerts(
        blind, [parse_alert("IWM/SPY z >= -100"), parse_alert("QQQ/SPY 1D > 0")]
    )
    assert not [a for a in snap.alerts if a.group == "user"]
    assert "IWM/SPY z-score 1Y is n/a (IWM)" in snap.unknown["user:IWM/SPY z >= -100"]
    assert "no pair QQQ/SPY" in snap.unknown["user:QQQ/SPY 1D > 0"]
    assert snap.scores == rotation.scores  # the user's alerts count in no score


def test_config_gives_the_alerts_and_names_a_bad_one_by_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[alerts]]\nrule = "IWM/SPY 1M >= 1"\nseverity = "critical"\n\n'
        '[[alerts]]\nrule = "IWM/SPY q >= 1"\n',
        encoding="utf-8",
    )
    problems = check_config(path)
    assert problems == [
        "config.toml:6: alerts.2.rule: metric: expected one of z, ratio, 1D, 1W, 1M, 3M, "
        "YTD, 1Y, got 'q'"
    ]
    path.write_text('[[alerts]]\nrule = "IWM/SPY 1M >= 1"\nseverity = "critical"\n', "utf-8")
    settings = load_settings(path, {}, {})
    assert [a.id for a in settings.alerts] == ["user:IWM/SPY 1M >= 1"]
