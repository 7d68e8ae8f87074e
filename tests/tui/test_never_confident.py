"""Issue 13 on screen: no number or "quiet" without data, stale cells n/a with their reason,
and a live start that says `connecting` until a source has answered (SPEC 7, 8)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from rich.text import Text

from data_sources.pack import PackSource
from tests.support.live_env import write_config
from tests.support.netguard import no_network  # noqa: F401  (autouse)
from tests.support.screen import snapshot_on_screen
from tests.support.yf_isolation import yf_isolated  # noqa: F401  (autouse)
from tests.tui.conftest import status_text, wait_until
from tests.tui.hardening_helpers import open_screen, painted
from tui.cli import live
from tui.config import Settings, env_name, load_settings
from tui.wiring import build_app
from widgets.alert_list import RiskPane, ScoreGauge
from widgets.heatmap import SectorHeatmap
from widgets.spread_table import PairDetail, SpreadTable

TESTS = Path(__file__).resolve().parents[1]
PACK = TESTS / "fixtures" / "pack_small"
PRICES = TESTS / "fixtures" / "prices"
SHARED = TESTS.parents[1] / "shared" / "realdata" / "history"


def risk_text(app) -> str:
    pane = app.dashboard.query_one(RiskPane)
    parts = [str(g.render()) for g in pane.query(ScoreGauge)]
    for id_ in ("#quiet", "#unknown"):
        static = pane.query_one(id_)
        if static.display and pane.has_class("-quiet" if id_ == "#quiet" else "-unknown"):
            content = static.render()
            parts.append(content.plain if isinstance(content, Text) else str(content))
    return "\n".join(parts)


async def test_offline_live_start_shows_no_number_and_no_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every server refuses: nothing has answered, so nothing is known.
    monkeypatch.setenv(env_name("sources.stream_url"), "off")
    settings = load_settings(write_config(tmp_path / "c.toml", None), env={})
    app = build_app(
        lambda: live.live_source(settings, None, stream_url=None),
        settings,
        kind="live",
        db=tmp_path / "a.sqlite3",
        alerts=False,
    )
    async with app.run_test(size=(160, 48)):
        await wait_until(lambda: app.snapshot is not None, 20)
        assert app.snapshot is not None
        assert app.snapshot.scores == {"hard_landing": None, "energy_shock": None}
        # Before any source answered: connecting, never "live ● ok".
        await wait_until(lambda: "live" in status_text(app), 10)
        assert "live ● ok" not in status_text(app)
        text = risk_text(app)
        assert "no data" in text and "No data: no rule can be evaluated" in text
        assert "0.0/100" not in text and "quiet" not in text
        assert "? unknown VIX: ^VIX: no data; VIXCLS: no data" in text
        # Once every sub-source has failed, the aggregate is failing too (the worst part).
        await wait_until(lambda: "live ✖ failing" in status_text(app), 30)
        assert "0.0/100" not in risk_text(app)


async def test_a_pack_without_vix_lists_the_rule_as_unknown(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "prices" / "^VIX.csv").unlink()
    (pack / "macro" / "VIXCLS.csv").unlink()
    app = build_app(
        PackSource(pack), Settings(), kind="pack", db=tmp_path / "p.sqlite3", badge="PACK",
        live_polling=False,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)):
        snap = await snapshot_on_screen(app)
        assert "vix" in snap.unknown_rules
        hard = snap.scores["hard_landing"]
        assert hard is not None and snap.coverage["hard_landing"] < 1.0
        text = risk_text(app)
        assert "? unknown VIX: ^VIX: no data; VIXCLS: no data" in text
        assert "every rule is quiet" not in text
        assert f"{hard:5.1f}/100" in text and f"cov {snap.coverage['hard_landing']:.0%}" in text
        # The alert screen says unknown too, with the reason -- not "not active".
        await open_screen(app, "alert", "vix")
        await wait_until(lambda: "UNKNOWN" in painted(app), 15)
        screen_text = painted(app)
        assert "not active" not in screen_text
        assert "^VIX: no data; VIXCLS: no data" in screen_text


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/realdata/history is not present")
async def test_the_issue_pack_shows_stale_energy_as_n_a_with_its_reasons(tmp_path: Path) -> None:
    # PSCE ends 2020-12-11, XLE 2022-06-28, SPY (the pack's calendar) 2022-11-18.
    pack = tmp_path / "pack"
    (pack / "prices").mkdir(parents=True)
    shutil.copy(PRICES / "PSCE-2020-ends-2020-12-11.csv", pack / "prices" / "PSCE.csv")
    shutil.copy(PRICES / "XLE-2021_2022-ends-2022-06-28.csv", pack / "prices" / "XLE.csv")
    shutil.copy(SHARED / "SPY-2000_2022-yahoo.csv", pack / "prices" / "SPY.csv")
    shutil.copy(SHARED / "IWM-2000_2022-yahoo.csv", pack / "prices" / "IWM.csv")
    shutil.copy(SHARED / "QQQ-1999_2020-yahoo.csv", pack / "prices" / "QQQ.csv")
    source = PackSource(pack, asof=date(2022, 11, 18))
    app = build_app(
        source, Settings(), kind="pack", db=tmp_path / "p.sqlite3", badge="PACK",
        live_polling=False,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)):
        snap = await snapshot_on_screen(app)
        energy = next(h for h in snap.heatmap if h.sector == "Energy")
        assert energy.stale == ("XLE", "PSCE")
        heat = app.dashboard.query_one(SectorHeatmap)
        lines = [heat.render_line(y).text for y in range(heat.size.height)]
        row = next(line for line in lines if "Energy" in line)
        assert row.startswith("† ") and row.count("n/a") == 3
        assert "-11.98" not in row and "+31.82" not in row and "+43.79" not in row
        # The reasons stand under the rows, one per line where the pane has room (else joined).
        assert any("† n/a: XLE: data ends 2022-06-28" in x for x in lines)
        assert any(x.strip() == "PSCE: data ends 2020-12-11" for x in lines)
        # IWM/QQQ: the spread row marks QQQ, the detail and the status bar give the reason.
        table = app.dashboard.query_one(SpreadTable)
        qqq = table.pairs["IWM/QQQ"]
        assert qqq.returns["1M"].spread_pp is None and qqq.stale == ("QQQ",)
        detail = app.dashboard.query_one(PairDetail)
        detail.show_pair(qqq)
        assert "QQQ: data ends 2020-12-11" in str(detail.render())
        await wait_until(lambda: "data ◐ stale (n/a: " in status_text(app), 5)
        assert "data ends" in status_text(app)
        # The drill-downs use the same rule: n/a with the reason, never a leg's own old rows.
        await open_screen(app, "sector", "Energy")
        await wait_until(lambda: "n/a: PSCE: data ends 2020-12-11" in painted(app), 15)
        assert "-11.98" not in painted(app) and "+31.82" not in painted(app)
        app.pop_screen()
        await open_screen(app, "pair", "IWM/QQQ")
        await wait_until(lambda: "QQQ: data ends 2020-12-11" in painted(app), 15)
        assert "20-12-11" in painted(app)  # the date each leg's figures end on
        app.pop_screen()
        await open_screen(app, "symbol", "QQQ")
        await wait_until(lambda: "n/a: QQQ: data ends 2020-12-11" in painted(app), 15)


def test_an_aggregate_status_is_the_worst_of_its_parts() -> None:
    from datetime import UTC, datetime

    from analytics.health import HealthState, SourceHealth
    from tui.app import _aggregate

    seen = datetime(2026, 1, 5, tzinfo=UTC)

    def row(name: str, state: HealthState, answered: bool = True) -> SourceHealth:
        return SourceHealth(name, state, seen if answered else None)

    live = SourceHealth("live", "ok")
    never = [row("yahoo", "loading", False), row("fred", "loading", False)]
    assert _aggregate(live, never).state == "connecting"  # never "ok" before an answer
    down = [row("yahoo", "failing", False), row("fred", "failing", False)]
    failing = _aggregate(live, down)
    assert (failing.state, failing.error) == ("failing", "yahoo, fred failing")
    mixed = [row("yahoo", "ok"), row("fred", "failing"), row("stream", "off", False)]
    assert _aggregate(live, mixed).state == "failing"
    assert _aggregate(live, [row("yahoo", "ok"), row("fred", "stale")]).state == "stale"
    both = [row("yahoo", "ok"), row("stream", "loading", False)]
    assert _aggregate(live, both).state == "ok"  # answered parts decide once one answered
