"""The httpx client of one HTTP source (FRED, iShares holdings), made when first used."""

from __future__ import annotations

from collections.abc import Mapping

import httpx


class LazyClient:
    """An ``httpx.AsyncClient`` made on first use, so it belongs to the event loop that uses it
    (each source runs on its own loop thread). A client handed in is the caller's: it is used
    as it is and never closed here."""

    def __init__(
        self, client: httpx.AsyncClient | None, *, timeout: float, headers: Mapping[str, str]
    ) -> None:
        self._given = client
        self._made: httpx.AsyncClient | None = None
        self._timeout = timeout
        self._headers = dict(headers)

    def client(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._made is None:
            self._made = httpx.AsyncClient(
                timeout=self._timeout, headers=self._headers, follow_redirects=True
            )
        return self._made

    async def aclose(self) -> None:
        """Close the client made here (if any); a later ``client()`` makes a new one."""
        made, self._made = self._made, None
        if made is not None:
            await made.aclose()
