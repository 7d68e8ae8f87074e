"""Each real source has the capabilities the app looks for (a renamed method would otherwise
silently switch a feature off, as the old ``getattr`` probes did), and no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_sources.capabilities import (
    AsOf,
    Clocked,
    Details,
    Diagnosable,
    HotSymbols,
    OwnBackoff,
    OwnBadge,
    OwnInterval,
    PackBacked,
    Progressing,
    SourceCaps,
    SourceClock,
    Steppable,
    Waitable,
    source_caps,
)
from data_sources.demo import DemoSource
from data_sources.desk.terminal import DeskSource
from data_sources.live import LiveSource
from data_sources.pack import PackSource
from data_sources.packload import PackLoader

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "pack_small"

METHODS = (HotSymbols, Details, Waitable, Steppable, OwnBadge, Diagnosable)


def methods_of(cls: type) -> set[type]:
    return {p for p in METHODS if issubclass(cls, p)}


def test_live_source_streams_keeps_symbols_hot_and_has_details() -> None:
    assert methods_of(LiveSource) == {HotSymbols, Details, Waitable, Diagnosable}


def test_desk_terminal_waits_for_the_collector_and_words_its_badge() -> None:
    assert methods_of(DeskSource) == {Details, Waitable, OwnBadge}
    assert DeskSource.poll_interval > 0 and DeskSource.max_backoff > 0


def test_pack_source_steps_through_its_as_of_date() -> None:
    source = PackSource(SMALL)
    assert methods_of(PackSource) == {Steppable}
    assert isinstance(source, AsOf) and isinstance(source, PackBacked)
    assert not isinstance(source, Clocked | OwnInterval | OwnBackoff)


def test_demo_source_runs_on_its_own_clock_and_nothing_else() -> None:
    source = DemoSource(seed=7)
    assert methods_of(DemoSource) == set()
    assert isinstance(source, Clocked) and isinstance(source.clock, SourceClock)
    assert not isinstance(source, AsOf | PackBacked)


def test_pack_loader_reports_progress_and_is_no_source() -> None:
    loader = PackLoader(SMALL)
    assert isinstance(loader, Progressing)
    assert not isinstance(loader, Steppable | PackBacked)


@pytest.mark.parametrize("missing", [None, object()])
def test_nothing_else_passes(missing: object) -> None:
    for protocol in (*METHODS, AsOf, PackBacked, Clocked, OwnInterval, OwnBackoff, Progressing):
        assert not isinstance(missing, protocol)


def test_source_caps_answer_as_isinstance_for_each_source() -> None:
    """The clock tick's capabilities, checked once per source, say what ``isinstance`` says."""
    demo, pack = DemoSource(seed=7), PackSource(SMALL)
    assert source_caps(demo) == SourceCaps(demo, demo.clock, None, None, False)
    assert source_caps(pack) == SourceCaps(pack, None, None, pack, True)
    assert source_caps(None) == SourceCaps(None, None, None, None, False)
    desk = object.__new__(DeskSource)  # no collector needed: capabilities are the class's
    caps = source_caps(desk)
    assert caps.own_badge is desk and not caps.steppable and caps.asof is None


def test_the_app_checks_capabilities_again_when_the_source_changes() -> None:
    from tests.tui.conftest import demo_app

    app = demo_app(clock=None)
    first = app.source_caps()
    assert first.source is app.source and first.clock is not None
    assert app.source_caps() is first  # the same source: the same answer, not checked again
    app._caps = SourceCaps(object(), None, None, None, True)  # a source since replaced
    assert app.source_caps().source is app.source and not app.source_caps().steppable
