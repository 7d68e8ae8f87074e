"""``rotmon collect --redis URL`` and the desk's Redis options (no Textual)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from tui.cli.exits import EXIT_OK, UsageError
from tui.cli.options import Options
from tui.cli.sources import load_source, settings_of
from tui.desk import DeskOptions

if TYPE_CHECKING:
    from tui.config import Settings


def desk_options(opts: Options, settings: Settings) -> DeskOptions:
    """The URL from ``--redis``; the ACL user and password from the URL, else the config's
    ``[redis]`` (``ROTMON_REDIS_USERNAME``, ``ROTMON_REDIS_PASSWORD``), never printed."""
    from data_sources.desk.bus import DeskError, check_url

    if opts.redis is None:
        raise UsageError("--redis: expected the desk's URL, e.g. redis://host:6379/0")
    try:
        check_url(opts.redis)
    except DeskError as exc:
        raise UsageError(str(exc)) from None
    return DeskOptions(
        opts.redis,
        username=settings.redis.username,
        password=settings.redis.password,
    )


def run_collect(opts: Options, *, lease: float, interval: float | None, ident: str | None) -> int:
    """Poll the chosen market once for the whole desk until SIGINT / SIGTERM."""
    from data_sources.desk.bus import redact
    from tui.desk import run_collector

    settings = settings_of(opts)
    desk = desk_options(opts, settings)
    source = load_source(opts)
    if callable(source) and not callable(getattr(source, "fetch", None)):
        source = source()  # live: the factory the app would build on its own thread
    logging.basicConfig(
        level=logging.DEBUG if opts.debug else logging.INFO,
        format="%(asctime)s rotmon collect: %(message)s",
        stream=sys.stderr,
    )
    sys.stderr.write(f"rotmon collect: {opts.kind} market to {redact(desk.url)} (Ctrl+C stops)\n")
    run_collector(
        source,  # type: ignore[arg-type]
        desk,
        settings,
        db=opts.db,
        kind=opts.kind,
        interval=interval,
        lease_ms=int(lease * 1000),
        ident=ident,
    )
    return EXIT_OK
