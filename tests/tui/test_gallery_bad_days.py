"""`rotmon screenshots` shows bad days too: a partial pack read by the real loader and a live
start with no network, neither with a confident number it has no data for."""

from __future__ import annotations

import re

from tui.screenshots import render_offline, render_partial_pack


def _text(svg: str) -> str:
    text = " ".join(re.findall(r">([^<]*)</text", svg)).replace("&#160;", " ")
    return re.sub(r"\s+", " ", text)


async def test_partial_pack_and_offline_screenshots_say_what_they_lack() -> None:
    partial = _text(await render_partial_pack((160, 48)))
    assert "PACK" in partial and "? unknown VIX" in partial  # no VIX file: unknown, not calm
    assert "† Energy" in partial  # XLE ends early: the row is marked, its numbers n/a
    offline = _text(await render_offline((160, 48)))
    assert "no data" in offline and "failing" in offline
    assert "0.0/100" not in offline and "quiet" not in offline
