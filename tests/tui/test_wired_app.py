"""The app as the CLI builds it (tui.wiring.build_app): durable alerts with bell, ack and mute,
drill-down screens and back, diagnostics, and as-of time travel on a pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_sources.store import Store
from tests.support.screen import snapshot_on_screen
from tests.tui.conftest import START, demo_source, settled, wait_until
from tui.app import RotmonApp
from tui.config import Settings
from tui.wiring import build_app

PACK = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"


def pack_app(source: object, tmp_path: Path) -> RotmonApp:
    return build_app(
        source,  # type: ignore[arg-type]
        Settings(),
        kind="pack",
        db=tmp_path / "p.sqlite3",
        badge="PACK",
        live_polling=False,
    )


def wired(scenario: str, db: Path, **kwargs: object) -> tuple[RotmonApp, list[int]]:
    app = build_app(
        demo_source(scenario),
        Settings(export_dir=db.parent),
        kind="demo",
        db=db,
        badge="DEMO",
        clock=lambda: START,
        live_polling=False,
        **kwargs,
    )
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    return app, rings


async def test_alerts_are_logged_rung_acknowledged_and_muted(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    app, rings = wired("hard-landing", db)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        assert rings == [1]  # new unmuted criticals ring once
        with Store(db) as store:
            raised = {e.rule for e in store.alert_log() if e.event == "raised"}
        assert {"sahm", "vix", "hy_oas"} <= raised
        await pilot.press("3")
        await pilot.pause()
        first = app.dashboard.query_one("AlertTable").cursor_row
        assert first == 0
        await pilot.press("a")
        await wait_until(lambda: bool(app.acked))
        acked_rule = next(iter(app.acked))
        await pilot.press("m")
        await wait_until(lambda: bool(app.muted))
        assert app.muted == {acked_rule}
        # a second poll of the same market changes nothing and rings nothing
        app.feed.refresh_now()
        await snapshot_on_screen(app)
        assert rings == [1]
    with Store(db) as store:
        events = [e.event for e in store.alert_log(acked_rule)]
        assert events[:2] == ["muted", "acknowledged"] and "raised" in events
        assert store.muted_rules() == frozenset({acked_rule})


async def test_a_restart_restores_acks_and_does_not_ring_again(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    app, _ = wired("hard-landing", db)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("3", "a")
        await wait_until(lambda: bool(app.acked))
        acked = set(app.acked)
    app2, rings2 = wired("hard-landing", db)
    async with app2.run_test(size=(160, 48)):
        await snapshot_on_screen(app2)
        assert rings2 == []
        assert app2.acked == acked


async def test_enter_drills_down_and_escape_returns(tmp_path: Path) -> None:
    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("1", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "PairScreen")
        await pilot.press("escape")
        await wait_until(lambda: type(app.screen).__name__ == "DashboardScreen")
        await pilot.press("2", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "SymbolScreen", 10)
        await pilot.press("escape", "escape")
        await wait_until(lambda: type(app.screen).__name__ == "DashboardScreen")
        await pilot.press("D")
        await wait_until(lambda: type(app.screen).__name__ == "DiagnosticsScreen")
        await pilot.press("escape")
        await wait_until(lambda: type(app.screen).__name__ == "DashboardScreen")


async def test_alert_screen_shows_the_rule_and_its_log(tmp_path: Path) -> None:
    app, _ = wired("hard-landing", tmp_path / "a.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("3", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "AlertScreen", 10)
        screen = app.screen
        await wait_until(lambda: screen.log_entries is not None)  # type: ignore[attr-defined]
        assert [e.event for e in screen.log_entries] == ["raised"]  # type: ignore[attr-defined]
        assert screen.log_entries[0].rule == screen.rule.id  # type: ignore[attr-defined]


async def test_pack_as_of_steps_one_day_and_one_week(tmp_path: Path) -> None:
    from data_sources.pack import PackSource

    source = PackSource(PACK)
    app = pack_app(source, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        assert str(app.snapshot.asof.date()) == "2020-12-11"  # type: ignore[union-attr]
        await pilot.press("less_than_sign")
        await wait_until(lambda: str(app.snapshot.asof.date()) == "2020-12-10")  # type: ignore[union-attr]
        await pilot.press("left_curly_bracket")
        await wait_until(lambda: str(app.snapshot.asof.date()) == "2020-12-03")  # type: ignore[union-attr]
        await wait_until(
            lambda: "PACK asof 2020-12-03" in str(app.dashboard.query_one("#badge").render())
        )


async def test_e_exports_the_dashboard_as_the_snapshot_document(tmp_path: Path) -> None:
    import json

    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await pilot.press("e")
        await wait_until(lambda: len(list(tmp_path.glob("rotmon-snapshot-*.json"))) == 1)
        await pilot.press("e")  # the same second: a second file, not an overwrite
        await wait_until(lambda: len(list(tmp_path.glob("rotmon-snapshot-*.json"))) == 2)
    docs = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("rotmon-snapshot-*.json"))]
    assert all(d["schema"] == "rotmon.snapshot/2" and d["source"] == "demo" for d in docs)
    assert docs[0]["spreads"][0]["id"] == "IWM/SPY"


async def test_what_a_pack_lacks_shows_in_the_status_bar_and_a_toast(tmp_path: Path) -> None:
    from data_sources.pack import PackSource
    from tests.tui.conftest import status_text

    app = pack_app(PackSource(PACK), tmp_path)
    async with app.run_test(size=(160, 48)):
        await snapshot_on_screen(app)
        await wait_until(lambda: "data" in status_text(app))
        assert "1 problem: no data for ^RUT" in status_text(app)
        toasts = [n.message for n in app._notifications]
        assert any("no data for ^RUT, ^GSPC, RSP" in m for m in toasts)


async def test_pack_drill_down_three_levels_and_back(tmp_path: Path) -> None:
    from data_sources.pack import PackSource

    app = pack_app(PackSource(PACK), tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("2", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "SymbolScreen", 10)
        await pilot.press("escape")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        await pilot.press("escape")
        await wait_until(lambda: type(app.screen).__name__ == "DashboardScreen")
        assert app.dashboard.focused is not None


async def test_a_pack_with_its_own_pairs_shows_them_and_drills_into_them(tmp_path: Path) -> None:
    import shutil

    from data_sources.pack import PackSource
    from widgets.spread_table import SpreadTable

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "pack.toml").write_text(
        '[[pairs]]\nsmall = "IJR"\nlarge = "SPY"\nlabel = "S&P 600 vs S&P 500"\n'
        '[[pairs]]\nsmall = "IWM"\nlarge = "QQQ"\n'
        '[[sectors]]\nsector = "Energy"\nlarge = "XLE"\nsmall = "PSCE"\n',
        encoding="utf-8",
    )
    app = pack_app(PackSource(pack), tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        table = app.dashboard.query_one(SpreadTable)
        assert list(table.pairs) == ["IJR/SPY", "IWM/QQQ"]
        assert [h.sector for h in app.snapshot.heatmap] == ["Energy"]  # type: ignore[union-attr]
        table.focus()
        await pilot.press("down", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "PairScreen")
        assert app.screen.pair.id == "IWM/QQQ"  # type: ignore[attr-defined]
        title = str(app.screen.query_one("#pair-title").render())
        assert "IWM vs QQQ" in title


async def test_pack_as_of_steps_equal_a_fresh_computation_of_that_day(tmp_path: Path) -> None:
    """The app replays the rules once per pack and cuts the replay at each as-of step; the
    dashboard must show exactly what a computation on that day's data alone gives."""
    from dataclasses import replace
    from datetime import date

    from analytics.snapshot import snapshot_to_dict
    from data_sources.pack import PackSource
    from tui.compute import snapshot_from_market

    source = PackSource(PACK, asof=date(2020, 4, 3))  # walking back through the 2020 crash
    app = pack_app(source, tmp_path)
    alerts_seen = 0
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        for key, day in (
            ("left_curly_bracket", "2020-03-27"),
            ("left_curly_bracket", "2020-03-20"),
            ("less_than_sign", "2020-03-19"),
            ("left_curly_bracket", "2020-03-12"),
            ("left_curly_bracket", "2020-03-05"),
        ):
            await pilot.press(key)
            await wait_until(lambda d=day: str(app.snapshot.asof.date()) == d)  # type: ignore[union-attr]
            market = source.market_data()
            assert market.uncut is not None  # the app's path: one replay, cut at the day
            fresh = snapshot_to_dict(snapshot_from_market(replace(market, uncut=None)))
            shown = snapshot_to_dict(app.snapshot)  # type: ignore[arg-type]
            for part in ("spreads", "heatmap", "alerts", "scores", "macro"):
                assert shown[part] == fresh[part], (day, part)
            alerts_seen += len(shown["alerts"])
    assert alerts_seen >= 5  # the crash raised alerts: the comparison covered them


async def test_the_sector_screen_opens_on_the_window_the_heatmap_shows(tmp_path: Path) -> None:
    from widgets.heatmap import SectorHeatmap

    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(160, 48)) as pilot:
        snapshot = await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("2", "left_square_bracket")  # 1M -> 1W
        assert app.dashboard.query_one(SectorHeatmap).window == "1W"
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        screen = app.screen
        assert screen.heat_window == "1W" and screen.window == "1M"  # the chart shows the week
        row = snapshot.heatmap[0]
        info = str(screen.query_one("#sector-info").render())
        assert info.startswith("1W")
        assert f"{row.returns['1W'].large:+.2f}%" in info  # the heatmap's own number
        await pilot.press("escape", "right_square_bracket", "right_square_bracket")  # -> 3M
        await pilot.press("enter")
        await wait_until(lambda: type(app.screen).__name__ == "SectorScreen")
        assert app.screen.window == "3M" and app.screen.heat_window == "3M"


async def test_pack_mode_says_what_it_is_and_D_lists_its_files(tmp_path: Path) -> None:
    from textual.widgets import Static

    from data_sources.pack import PackSource
    from tests.tui.conftest import status_text
    from widgets.header import MarketHeader

    app = build_app(
        PackSource(PACK),
        Settings(),
        kind="pack",
        db=tmp_path / "p.sqlite3",
        badge="PACK",
        live_polling=True,  # as a user runs it: the feed still re-arms
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await wait_until(lambda: "data" in status_text(app))
        await pilot.pause(1.2)  # a clock tick
        header = app.dashboard.query_one(MarketHeader)
        assert header._clock == "" and "PACK asof 2020-12-11" in (header._badge or "")
        assert header._state is None  # no live "OPEN" for history
        status = status_text(app)
        assert "pack ●" in status and "next" not in status and "retry" not in status
        await pilot.press("D")
        await wait_until(lambda: type(app.screen).__name__ == "DiagnosticsScreen")
        report = str(app.screen.query_one("#diag-pack", Static).render())
        assert "prices/IWM.csv" in report and "2020-12-11" in report
        assert "prices/RSP.csv" in report and "missing" in report


async def test_the_users_own_pairs_follow_the_packs_and_drill_down(tmp_path: Path) -> None:
    import shutil

    from data_sources.pack import PackSource
    from tui.config import load_settings
    from widgets.spread_table import SpreadTable

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "pack.toml").write_text('[[pairs]]\nsmall = "IJR"\nlarge = "SPY"\n', encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[[pairs]]\nsmall = "IWM"\nlarge = "QQQ"\nlabel = "Mine"\n'
        '[[pairs]]\nsmall = "IJR"\nlarge = "SPY"\n',  # the pack's already: shown once
        encoding="utf-8",
    )
    app = build_app(
        PackSource(pack),
        load_settings(config, {}, {}),
        kind="pack",
        db=tmp_path / "p.sqlite3",
        badge="PACK",
        live_polling=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        table = app.dashboard.query_one(SpreadTable)
        assert list(table.pairs) == ["IJR/SPY", "IWM/QQQ"]
        table.focus()
        await pilot.press("down", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "PairScreen")
        assert app.screen.pair.label == "Mine"  # type: ignore[attr-defined]


async def test_A_acknowledges_every_alert_and_toasts_name_rules(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    app, _rings = wired("hard-landing", db)
    async with app.run_test(size=(80, 24)) as pilot:
        snapshot = await snapshot_on_screen(app)
        active = {a.rule for a in snapshot.alerts}
        assert len(active) >= 4
        toasts = " ".join(n.message for n in app._notifications)
        assert "alert changes" in toasts and "Sahm rule" in toasts  # names, not "sahm"
        assert "sahm," not in toasts and "r2k_drawdown" not in toasts
        await pilot.press("A")  # from the spreads pane: the key works on any pane
        await wait_until(lambda: not app.unacknowledged())
        await pilot.press("A")
        await wait_until(lambda: any("No alert waits" in n.message for n in app._notifications))
    with Store(db) as store:
        acked = {e.rule for e in store.alert_log() if e.event == "acknowledged"}
    assert acked == active


async def test_stepping_a_pack_never_rings_the_bell(tmp_path: Path) -> None:
    from data_sources.pack import PackSource

    app = pack_app(PackSource(PACK), tmp_path)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        for _ in range(40):  # back through 2020: alerts rise and clear on the way
            await pilot.press("left_curly_bracket")
        await snapshot_on_screen(app)
        await pilot.pause(0.3)
        with Store(tmp_path / "p.sqlite3") as store:
            assert store.alert_log()  # the steps were evaluated and logged
    assert rings == []


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (300, 80)])
async def test_the_alert_badge_stays_on_header_and_tab_at_every_size(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    from tests.tui.hardening_helpers import painted

    app, _ = wired("hard-landing", tmp_path / "a.sqlite3", no_color=True)
    async with app.run_test(size=size) as pilot:
        snapshot = await snapshot_on_screen(app)
        crit = sum(a.severity == "critical" for a in snapshot.alerts)
        assert crit >= 4
        await wait_until(lambda: f"‼{crit} CRIT" in painted(app).splitlines()[0])
        await pilot.press("1")  # on the spreads pane, after the toasts have gone
        app.clear_notifications()
        await pilot.pause()
        lines = painted(app).splitlines()
        assert f"‼{crit} CRIT" in lines[0]  # the header, in words: NO_COLOR keeps it
        risk_label = next(ln for ln in lines if "3 Risk" in ln)
        assert f"3 Risk · ‼{crit} CRIT" in risk_label or f"3 Risk ‼{crit} CRIT" in risk_label
        await pilot.press("A")
        await wait_until(lambda: not app.unacknowledged())
        assert f"‼{crit} CRIT" in painted(app).splitlines()[0]  # acked is still active


async def test_H_shows_every_transition_filterable_by_rule_and_severity(tmp_path: Path) -> None:
    from tui.screens.history import HistoryScreen
    from widgets.keyed_table import KeyedTable

    db = tmp_path / "alerts.sqlite3"
    app, _ = wired("oil-shock", db)  # critical and warning alerts
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await wait_until(lambda: bool(app.alerts and app.alerts.active()))
        await pilot.press("3", "a")  # one acknowledgement: a second kind of transition
        await wait_until(lambda: bool(app.acked))
        await pilot.press("H")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen))
        screen = app.screen
        await wait_until(lambda: screen.entries is not None)
        with Store(db) as store:
            logged = store.alert_log(None, 5000)
        table = screen.query_one(KeyedTable)
        assert len(table.keys) == len(logged) >= 3
        assert {str(e.id) for e in logged} == set(table.keys)
        await pilot.press("f")  # critical only
        assert screen.severity == "critical"
        crit = [e for e in logged if e.severity == "critical"]
        assert len(table.keys) == len(crit) < len(logged)
        await pilot.press("f", "f")  # warning, then any again
        assert screen.severity is None and len(table.keys) == len(logged)
        await pilot.press("G")  # g/G/Home/End as in every list
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("slash", *"ovx")
        assert screen.text == "ovx"
        assert screen.shown() and all(e.rule == "ovx" for e in screen.shown())
        assert len(table.keys) == sum(e.rule == "ovx" for e in logged) > 0
        await pilot.press("escape", "escape")
        assert type(app.screen).__name__ == "DashboardScreen"


async def test_exports_use_one_clock_and_the_bom_option(tmp_path: Path) -> None:
    from data_sources.clock import NY
    from tui.config import ExportSettings

    app = build_app(
        demo_source("rotation"),
        Settings(export_dir=tmp_path, export=ExportSettings(bom=True)),
        kind="demo",
        db=tmp_path / "a.sqlite3",
        badge="DEMO",
        clock=lambda: START,
        live_polling=False,
    )
    stamp = START.astimezone(NY).strftime("%Y%m%d-%H%M%S")
    async with app.run_test(size=(160, 48)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        await pilot.press("e")  # the dashboard: the snapshot document
        await wait_until(lambda: any(tmp_path.glob("rotmon-snapshot-*.json")))
        await pilot.press("1", "enter")
        await wait_until(lambda: type(app.screen).__name__ == "PairScreen")
        await pilot.pause()
        await pilot.press("e")
        await wait_until(lambda: any(tmp_path.glob("rotmon-pair-*.csv")))
    (snap,) = tmp_path.glob("rotmon-snapshot-*.json")
    csvs = sorted(tmp_path.glob("rotmon-*.csv"))
    assert snap.name == f"rotmon-snapshot-{stamp}.json"  # the app's clock, in New York time
    assert csvs and all(p.name.endswith(f"-{stamp}.csv") for p in csvs)
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in csvs)  # the UTF-8 BOM
    assert not snap.read_bytes().startswith(b"\xef\xbb\xbf")  # JSON never has one


async def test_colon_jumps_to_any_symbol_by_ticker_or_name(tmp_path: Path) -> None:
    from tui.screens.jump import SymbolJump, ranked

    names = [("IWM", ""), ("IWMX", "Iwm Extra"), ("SOLR", "Bright Solar Co."), ("XSOL", "")]
    assert ranked("iwm", names)[:2] == ["IWM", "IWMX"]  # the exact ticker first
    assert ranked("solar", names) == ["SOLR"]  # by name
    assert ranked("zzzz", names) == []

    app, _ = wired("rotation", tmp_path / "a.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        await snapshot_on_screen(app)
        await settled(app)
        member = next(c for c in app.market.constituents if " " in c.name)
        await pilot.press("colon")
        await wait_until(lambda: isinstance(app.screen, SymbolJump))
        jump = app.screen
        assert len(jump.names) > 2000  # the whole universe, not just the dashboard's symbols
        await pilot.press(*member.name.split()[0].lower()[:5])
        await pilot.pause()
        assert member.symbol in jump.hits
        await pilot.press("escape")
        await pilot.press("colon", *member.symbol.lower(), "enter")
        await wait_until(lambda: type(app.screen).__name__ == "SymbolScreen")
        assert app.screen.symbol == member.symbol


async def test_a_users_own_alert_is_shown_and_logged(tmp_path: Path) -> None:
    from analytics.user_alerts import parse_alert
    from tests.tui.hardening_helpers import painted

    db = tmp_path / "a.sqlite3"
    alert = parse_alert("IWM/SPY 1M >= 1", "critical", "Russell leads")
    app = build_app(
        demo_source("rotation"),
        Settings(export_dir=tmp_path, alerts=(alert,)),
        kind="demo",
        db=db,
        badge="DEMO",
        clock=lambda: START,
        live_polling=False,
    )
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)):
        snapshot = await snapshot_on_screen(app)
        assert [a.rule for a in snapshot.alerts if a.group == "user"] == [alert.id]
        await wait_until(lambda: "Russell leads" in painted(app))
        assert "‼1 CRIT" in painted(app).splitlines()[0]
    with Store(db) as store:
        assert [(e.rule, e.event) for e in store.alert_log(alert.id)] == [(alert.id, "raised")]
