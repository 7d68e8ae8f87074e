"""Desk mode's security on a real redis-server: an ACL user and password (from the URL or the
config), TLS (``rediss://``), and the password never in an error."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data_sources.base import SourceError
from data_sources.desk import bus
from data_sources.desk.collector import Collector
from data_sources.desk.terminal import DeskSource
from data_sources.store import Store
from tests.support.redis_server import redis_server
from tests.support.waiting import until
from tests.tui.conftest import demo_source
from tui.compute import snapshot_from_market

ACL = ("--user", "default", "off", "--user", "desk", "on", ">s3cret-pw", "~*", "&*", "+@all")


async def published(url: str, tmp_path: Path, **auth: str) -> DeskSource:
    """Run a collector on ``url`` until a terminal with ``auth`` has read its first update."""
    col = Collector(
        demo_source("hard-landing"),
        client=bus.connect(url, **auth),
        compute=snapshot_from_market,
        store=Store(tmp_path / "c.sqlite3"),
        interval=0.5,
        lease_ms=2000,
        url=url,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(col.run(stop))
    term = DeskSource(url, **auth)
    try:
        await until(lambda: col.updates_published >= 1, 30.0)
        market = await term.fetch(datetime.now(UTC))
        assert market.snapshot is not None
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
    return term


async def test_an_acl_user_from_the_url_or_the_config_and_a_wrong_password_hidden(
    tmp_path: Path,
) -> None:
    with redis_server(tmp_path, *ACL) as server:
        host = f"127.0.0.1:{server.port}"
        term = await published(f"redis://desk:s3cret-pw@{host}/0", tmp_path)
        await term.aclose()
        # the user and password from the config (bus.connect's arguments)
        term = await published(f"redis://{host}/0", tmp_path, username="desk", password="s3cret-pw")
        await term.aclose()
        wrong = DeskSource(f"redis://desk:n0t-the-pw@{host}/0")
        with pytest.raises(SourceError) as err:
            await wrong.fetch(datetime.now(UTC))
        assert "n0t-the-pw" not in str(err.value) and "desk:***@" in str(err.value)
        assert "n0t-the-pw" not in wrong.badge_text()
        await wrong.aclose()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
async def test_rediss_reaches_a_tls_only_server(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = ("--tls-cert-file", str(cert), "--tls-key-file", str(key),
           "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no")  # fmt: skip
    with redis_server(tmp_path, *tls, tls=True) as server:
        url = f"rediss://127.0.0.1:{server.port}/0?ssl_ca_certs={cert}"
        term = await published(url, tmp_path)
        await term.aclose()
        plain = DeskSource(f"redis://127.0.0.1:{server.port}/0")  # no TLS: refused
        with pytest.raises(SourceError):
            await plain.fetch(datetime.now(UTC))
        await plain.aclose()
