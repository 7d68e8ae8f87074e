"""Trader formatting: signs, decimals, n/a, sparklines, inert text, heatmap intensity."""

from __future__ import annotations

import math
from datetime import date

from analytics.health import SourceHealth
from analytics.types import LegReturns, MacroRow, PairRow, SectorRow
from widgets import formatting as fmt
from widgets.heatmap import cell_values, intensity
from widgets.macro_panel import macro_cells
from widgets.spread_table import pair_cells
from widgets.status_bar import source_text


def test_signed_numbers_carry_their_sign_and_two_decimals() -> None:
    assert fmt.signed(1.25) == "+1.25"
    assert fmt.signed(-0.8) == "-0.80"
    assert fmt.signed(0.0) == "0.00"
    assert fmt.signed(-0.004) == "0.00"  # rounds to zero: no sign on a zero
    assert fmt.signed(1234.5) == "+1,234.50"
    assert fmt.signed(2.0, 1, "k") == "+2.0k"


def test_unknown_numbers_are_na_never_zero() -> None:
    for f in (fmt.signed, fmt.price, fmt.ratio):
        assert f(None) == "n/a"
        assert f(math.nan) == "n/a"
    assert fmt.level(None, "%") == "n/a"
    assert fmt.change(math.inf, "$") == "n/a"
    assert fmt.short_date(None) == "n/a"


def test_levels_in_their_units() -> None:
    assert fmt.level(4.333, "%") == "4.33%"
    assert fmt.level(78.125, "$") == "$78.12" or fmt.level(78.125, "$") == "$78.13"
    assert fmt.level(231.46, "k") == "231.5k"
    assert fmt.level(18.4, "idx") == "18.40"
    assert fmt.change(-3.2, "k") == "-3.2k"
    assert fmt.ratio(0.341249) == "0.3412"
    assert fmt.price(6812.4) == "6,812.40"


def test_age_is_compact() -> None:
    assert [fmt.age(s) for s in (4.4, 61, 7300, 200000)] == ["4s", "1m", "2h", "2d"]


def test_sparkline_scales_between_min_and_max() -> None:
    assert fmt.sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert fmt.sparkline([5, 5, 5], 10) == "▄▄▄"
    assert fmt.sparkline([], 5) == ""
    assert fmt.sparkline([1.0, None, math.nan, 2.0], 5) == "▁█"
    # 100 points into 4 buckets: the averages rise, so the line rises.
    assert fmt.sparkline(range(100), 4) == "▁▃▆█"


def test_inert_strips_control_characters_and_keeps_markup_literal() -> None:
    assert fmt.inert("ok\x1b[31m red\x07\n[b]x[/b]") == "ok red [b]x[/b]"
    assert fmt.inert("abcdefgh", 5) == "abcd…"


def _legs(spread: float | None) -> dict[str, LegReturns]:
    large = 1.0 - (spread or 0.0)
    return {w: LegReturns(small=1.0, large=large, spread_pp=spread) for w in fmt_windows()}


def fmt_windows() -> tuple[str, ...]:
    from analytics.catalog import WINDOWS

    return WINDOWS


def test_pair_cells_colour_by_sign_and_show_na() -> None:
    row = PairRow(
        id="IWM/SPY",
        small="IWM",
        large="SPY",
        label="Russell 2000 vs S&P 500",
        small_last=245.1,
        large_last=None,
        ratio=0.36,
        returns=_legs(-1.5),
        zscore_1y=2.4,
        trend="down",
        corr_3m=None,
        beta_3m=None,
        ratio_spark=(1.0, 2.0),
    )
    cells = pair_cells(row, 0)
    assert cells[0].text == "IWM/SPY" and cells[0].bold
    assert [c.text for c in cells[1:7]] == ["-1.50"] * 6
    assert {c.tone for c in cells[1:7]} == {"loss"}
    assert cells[7].text == "+2.40" and cells[7].bold  # |z| >= 2 stands out
    assert cells[8].text == "▼"
    # the sparkline is drawn as wide as its column is (it widens with the pane)
    assert cells[9].text == " " and cells[9].spark == (1.0, 2.0)
    assert cells[-1].text == "n/a" and cells[-2].text == "245.10"


def test_sector_without_small_etf_has_na_small_and_spread() -> None:
    legs = {"1M": LegReturns(small=1.0, large=2.0, spread_pp=-1.0)}
    row = SectorRow("Real Estate", "XLRE", None, legs)
    assert cell_values(row, "1M") == (2.0, None, None)
    assert cell_values(row, "1Y") == (None, None, None)
    assert intensity(4.0, "1M") == 0.5
    assert intensity(-20.0, "1M") == 1.0
    assert intensity(None, "1M") == 0.0


def test_macro_cells_show_unit_change_arrow_and_date() -> None:
    row = MacroRow("ICSA", "Claims 4wk", 231.46, date(2026, 3, 5), change=-3.2, unit="k")
    texts = [c.text for c in macro_cells(row, 0)]
    assert texts[:4] == ["Claims 4wk", "231.5k", "-3.2k ▼", " Mar 05"]
    empty = MacroRow("DXY", "Dollar index", None, None, unit="idx")
    assert [c.text for c in macro_cells(empty, 1)][:4] == ["Dollar index", "n/a", "n/a", " n/a"]


def test_source_text_names_state_in_words() -> None:
    assert source_text(SourceHealth("yahoo", "ok", age_s=4.0)) == "yahoo ● ok 4s"
    ok = SourceHealth("yahoo", "ok", age_s=4.0, next_in_s=11.2)
    assert source_text(ok) == "yahoo ● ok 4s next 11s"
    failing = SourceHealth("fred", "failing", error="timeout", age_s=130.0, next_in_s=20.0)
    assert source_text(failing) == "fred ✖ failing: timeout 2m retry 20s"


def test_a_tuples_sparkline_is_kept_and_drawn_as_any_other() -> None:
    path = tuple(math.sin(i / 5) * 3 + i / 10 for i in range(60))
    for width in (0, 5, 12, 60, 64):
        assert fmt.sparkline(path, width) == fmt.sparkline(list(path), width)
        assert fmt.sparkline(path, width) == fmt.sparkline(iter(path), width)  # kept: the same
    gaps = (1.0, None, float("nan"), 2.0, 4.0)
    assert fmt.sparkline(gaps, 8) == fmt.sparkline(list(gaps), 8)
    # not floats (a bool is unknown, 1 is a number, and they hash alike): never from the cache
    assert fmt.sparkline((True, 2.0, 3.0), 8) == fmt.sparkline([True, 2.0, 3.0], 8)
    assert fmt.sparkline((1, 2.0, 3.0), 8) == fmt.sparkline([1, 2.0, 3.0], 8)
    assert fmt.sparkline((True, 2.0, 3.0), 8) != fmt.sparkline((1, 2.0, 3.0), 8)


def test_kept_sparkline_drawings_are_few_and_still_serve_the_unchanged_rows() -> None:
    # A busy market: 19 sparklines drawn per poll, 6 of them with a new last value each poll.
    import random

    fmt._tuple_sparkline.cache_clear()
    rng = random.Random(3)
    steady = [tuple(rng.random() for _ in range(60)) for _ in range(13)]
    moving = [[rng.random() for _ in range(120)] for _ in range(6)]
    for poll in range(100):
        for path in moving:
            path[-1] = rng.random()
        before = fmt._tuple_sparkline.cache_info()
        drawn = [fmt.sparkline(p, 20) for p in steady]
        after = fmt._tuple_sparkline.cache_info()
        if poll:  # every unchanged row is drawn from the kept drawing
            assert after.hits - before.hits == len(steady)
        assert drawn == [fmt._sparkline(p, 20) for p in steady]
        for path in moving:
            fmt.sparkline(tuple(path), 20)
        assert fmt._tuple_sparkline.cache_info().currsize <= fmt.SPARK_DRAWINGS
    fmt._tuple_sparkline.cache_clear()
