"""The Textual app from the command line (``rotmon`` with no command) and ``rotmon screenshots``.

The only CLI modules that import Textual; both are imported when their command runs.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.text import inert
from tui.cli.exits import EXIT_OK, EXIT_USAGE, UsageError
from tui.cli.options import Options
from tui.cli.sources import settings_of

if TYPE_CHECKING:
    from analytics.types import Snapshot
    from data_sources.base import DataSource
    from tui.config import Settings
    from tui.prefetch import Prefetch

NO_TERMINAL = "rotmon needs a terminal; try `rotmon snapshot`"


def has_terminal() -> bool:
    """Whether the dashboard has a terminal to draw on: stdin and stdout are both a terminal,
    or textual-serve runs it (its web driver, named in ``TEXTUAL_DRIVER``, talks over pipes).
    Without one the app would write escape codes into a file forever (issue 14)."""
    from tui.config import textual_serve_driver

    if textual_serve_driver():
        return True
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def market_name(opts: Options) -> str:
    """Which market the options ask for: ``demo-<scenario>-<seed>``, ``pack-<digest>`` or
    ``live`` (the snapshot cache and the demo and pack alert logs are kept per market)."""
    if opts.demo:
        return f"demo-{opts.scenario}-{opts.seed}"
    if opts.data is not None:
        import hashlib

        digest = hashlib.sha1(str(opts.data.resolve()).encode()).hexdigest()[:12]
        return f"pack-{digest}"
    return "live"


def snapshot_cache(opts: Options) -> Path:
    """Where the last snapshot of this market is kept for an instant first paint."""
    import platformdirs

    return platformdirs.user_cache_path("rotmon") / f"snapshot-{market_name(opts)}.json"


def store_variant(opts: Options) -> str | None:
    """Which demo market's or pack's alert log (issue 16: ``calm`` after ``oil-shock`` must not
    clear oil-shock's alerts); None for live, which has one log."""
    if opts.kind == "live":
        return None
    return market_name(opts).removeprefix(f"{opts.kind}-")


def refuse_foreign_store(opts: Options, settings: Settings) -> None:
    """Raise ``StoreRefused`` (exit 2) when ``--db`` names a file that is not rotmon's to use
    (not SQLite, another application's, a newer rotmon's): before any screen opens, and
    without writing or renaming it."""
    from data_sources.paths import store_path_for
    from data_sources.storefile import check_store_file

    check_store_file(store_path_for(opts.kind, opts.db, store_variant(opts)))
    if opts.kind == "live":
        check_store_file(settings.db)  # the live cache (the same file unless configured)


def app_source(opts: Options, settings: Settings, origin: float | None = None) -> object:
    """A factory the app calls on the source's own thread (pandas never delays the first
    paint). A pack is read there too, its progress in the status bar; a path that is no pack
    at all is an error here, before the screen opens. ``origin``: the ``time.monotonic()`` at
    which the demo clock reads its start (default: when the source is built)."""
    if opts.data is not None:
        from data_sources.packload import PackLoader

        return PackLoader(opts.data, opts.asof)
    if opts.demo:
        seed, scenario, speed = opts.seed, opts.scenario, opts.speed

        def demo() -> DataSource:
            from data_sources.demo import DemoSource

            return DemoSource(seed, scenario, speed, origin=origin)

        return demo
    from tui.cli.live import app_source as live_app_source

    return live_app_source(settings)


def demo_prefetch(opts: Options, settings: Settings, cache: Path, origin: float) -> Prefetch | None:
    """A demo market's first start (no cached snapshot yet): its first snapshot computed by a
    forked process while this one starts the screen (``tui.prefetch``); None otherwise."""
    if not opts.demo or cache.exists():
        return None
    from tui.prefetch import fork_snapshot

    seed, scenario, speed = opts.seed, opts.scenario, opts.speed

    def compute() -> Snapshot:
        from data_sources.demo import DemoSource
        from tui.compute import snapshot_from_market

        source = DemoSource(seed, scenario, speed, origin=origin)
        return snapshot_from_market(source.market_data(source.clock.now()), settings)

    return fork_snapshot(compute, cache)


def run_app(opts: Options) -> int:
    """Start the dashboard; its return code is the exit code."""
    # Start-up allocates some 10^5 objects that nearly all live as long as the app (modules,
    # settings, the widget tree, styles): the cyclic collector walked them ~200 times before
    # the first frame (~50 ms of a ~0.6 s start). Off from here until the app has painted it
    # (RotmonApp.on_mount), or until whatever this returns or raises on the way.
    gc.disable()
    try:
        return _run_app(opts)
    finally:
        gc.enable()


def _run_app(opts: Options) -> int:
    settings = settings_of(opts)
    refuse_foreign_store(opts, settings)
    if not has_terminal():
        sys.stderr.write(NO_TERMINAL + "\n")
        return EXIT_USAGE
    from tui.arenas import limit_arenas

    limit_arenas()  # before any thread: glibc reads the limit at a thread's first arena
    if opts.redis is not None:
        gc.enable()  # a desk terminal's app does not turn it back on
        return run_desk_terminal(opts)
    origin = time.monotonic()
    source = app_source(opts, settings, origin)
    cache = snapshot_cache(opts)
    prefetch = demo_prefetch(opts, settings, cache, origin)  # before Textual is imported
    from tui.state import default_state_path
    from tui.wiring import build_app

    try:
        app = build_app(
            source,  # type: ignore[arg-type]
            settings,
            kind=opts.kind,
            db=opts.db,
            badge={"demo": "DEMO", "pack": "PACK"}.get(opts.kind),
            ansi=opts.ansi,
            no_color=settings.no_color,
            snapshot_cache=cache,
            store_variant=store_variant(opts),
            state_path=default_state_path(),
            restore_state=not opts.fresh,
            first_paint=None if prefetch is None else prefetch.wait,
        )
    except ValueError as exc:  # an unknown theme or key in the config
        if prefetch is not None:
            prefetch.close()
        raise UsageError(str(exc)) from None
    try:
        app.run()
    finally:
        gc.enable()
        if prefetch is not None:
            prefetch.close()
    for warning in getattr(source, "warnings", ()):  # the live store's, kept until the app exits
        sys.stderr.write(f"rotmon: {inert(warning)}\n")
    return app.return_code or EXIT_OK


def run_desk_terminal(opts: Options) -> int:
    """``rotmon --redis URL``: a terminal of the desk, rendering what the collector publishes."""
    if opts.demo or opts.data is not None:
        flag = "--demo" if opts.demo else "--data"
        raise UsageError(
            f"{flag}: a desk terminal shows the collector's market; "
            f"give {flag} to `rotmon collect` instead"
        )
    from tui.cli.collect import desk_options
    from tui.desk_app import build_desk_app

    settings = settings_of(opts)
    try:
        app = build_desk_app(
            desk_options(opts, settings),
            settings,
            ansi=opts.ansi,
            no_color=settings.no_color,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    app.run()
    return app.return_code or EXIT_OK


def run_screenshots(opts: Options, directory: Path) -> int:
    """Regenerate the SVG screenshots of the demo market in ``directory``."""
    from tui.screenshots import write_screenshots

    for path in write_screenshots(directory, seed=opts.seed):
        sys.stdout.write(f"{path}\n")
    return EXIT_OK
