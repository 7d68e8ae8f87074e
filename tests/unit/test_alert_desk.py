"""The alert desk on demo snapshots: raise, bell, ack, mute, clear, restart without re-ringing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from analytics.types import Snapshot
from data_sources.demo import DemoSource
from tui.alerts import AlertDesk, store_path_for
from tui.compute import snapshot_from_market


@pytest.fixture(scope="module")
def hard_landing() -> Snapshot:
    src = DemoSource(seed=7, scenario="hard-landing", wall=lambda: 0.0)
    return snapshot_from_market(src.market_data(src.clock.now()))


async def test_new_critical_rings_once_and_is_logged_before_shown(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    desk, warning = AlertDesk.open(tmp_path / "a.sqlite3")
    assert warning is None
    out = await desk.follow(hard_landing)
    assert out.ring
    raised = {t.rule for t in out.transitions if t.event == "raised"}
    assert {"sahm", "vix", "hy_oas"} <= raised
    logged = {e.rule for e in desk.log() if e.event == "raised"}
    assert logged == raised
    # six new criticals at once: one notification naming them all (by name), not six
    assert len(out.notices) == 1
    message, severity = out.notices[0]
    assert severity == "error" and all(desk.labels[rule] in message for rule in raised)
    assert "Sahm rule" in message and "r2k_drawdown" not in message
    again = await desk.follow(replace(hard_landing, asof=hard_landing.asof + timedelta(minutes=1)))
    assert again.transitions == () and not again.ring


async def test_ack_mute_and_clear(tmp_path: Path, hard_landing: Snapshot) -> None:
    desk = AlertDesk.open(tmp_path / "a.sqlite3")[0]
    await desk.follow(hard_landing)
    now = hard_landing.asof
    assert await desk.acknowledge("vix", now) is not None
    assert await desk.acknowledge("vix", now) is None  # already acked
    assert await desk.acknowledge("ovx", now) is None  # not active
    muted = await desk.toggle_mute("sahm", now)
    assert muted is not None and [t.event for t in muted.transitions] == ["muted"]
    assert desk.is_muted("sahm")
    calm = replace(hard_landing, alerts=(), asof=now + timedelta(days=1))
    out = await desk.follow(calm)
    cleared = {t.rule for t in out.transitions if t.event == "cleared"}
    assert cleared >= {"vix", "sahm"}
    # the muted rule's clear is logged but not announced
    assert all("Sahm" not in msg for msg, _ in out.notices)
    events = [(e.rule, e.event) for e in desk.log("vix")]
    assert events == [("vix", "cleared"), ("vix", "acknowledged"), ("vix", "raised")]
    # a muted rule's new critical is logged without ringing
    out = await desk.follow(
        replace(hard_landing, alerts=tuple(a for a in hard_landing.alerts if a.rule == "sahm"))
    )
    assert [t.rule for t in out.transitions] == ["sahm"] and not out.ring


async def test_restart_restores_the_book_without_ringing_again(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    path = tmp_path / "a.sqlite3"
    desk = AlertDesk.open(path)[0]
    await desk.follow(hard_landing)
    await desk.acknowledge("vix", hard_landing.asof)
    desk.close()
    desk2 = AlertDesk.open(path)[0]
    out = await desk2.follow(hard_landing)
    assert out.transitions == () and not out.ring
    assert desk2.book.get("vix").acked  # type: ignore[union-attr]


async def test_bell_can_be_turned_off(tmp_path: Path, hard_landing: Snapshot) -> None:
    desk = AlertDesk.open(tmp_path / "a.sqlite3", bell=False)[0]
    out = await desk.follow(hard_landing)
    assert out.transitions and not out.ring


async def test_damaged_store_gives_a_warning_and_a_fresh_log(
    tmp_path: Path, hard_landing: Snapshot
) -> None:
    path = tmp_path / "a.sqlite3"
    first = AlertDesk.open(path)[0]
    await first.follow(hard_landing)
    first.close()
    path.write_bytes(path.read_bytes()[:100] + b"\xff" * 4000)  # SQLite's header, then junk
    desk, warning = AlertDesk.open(path)
    assert warning is not None and "damaged database" in warning and "\n" not in warning
    assert (await desk.follow(hard_landing)).transitions


def test_demo_and_pack_alerts_never_mix_with_the_live_log(tmp_path: Path) -> None:
    assert store_path_for("demo", None).name == "rotmon-demo.sqlite3"
    assert store_path_for("pack", None).name == "rotmon-pack.sqlite3"
    assert store_path_for("live", None).name == "rotmon.sqlite3"
    assert store_path_for("demo", tmp_path / "x.db") == tmp_path / "x.db"


def test_each_demo_market_keeps_its_own_log() -> None:
    # issue 16: a calm start after oil-shock must not "clear" oil-shock's alerts
    calm = store_path_for("demo", None, "calm-7")
    oil = store_path_for("demo", None, "oil-shock-7")
    assert calm.name == "rotmon-demo-calm-7.sqlite3" and oil != calm
    assert store_path_for("demo", None, "calm-8") != calm
    from tui.cli.app import store_variant
    from tui.cli.options import Options

    assert store_variant(Options(demo=True, scenario="calm", seed=8)) == "calm-8"
    assert store_variant(Options()) is None  # live: one log
