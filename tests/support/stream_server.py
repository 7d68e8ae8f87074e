"""Yahoo's pricing websocket on loopback: real and yfinance-encoded PricingData frames."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from tests.support.yahoo_server import stream_frame_text


def pricing_frame(symbol: str, price: float, time_ms: int, **fields: Any) -> str:
    """A wire frame ``{"type": "pricing", "message": base64(PricingData)}`` encoded with
    yfinance's own generated ``pricing_pb2`` (fields as in ``pricing.proto``)."""
    from yfinance.pricing_pb2 import PricingData

    msg = PricingData(id=symbol, price=price, time=time_ms, **fields)
    encoded = base64.b64encode(msg.SerializeToString()).decode("ascii")
    return json.dumps({"type": "pricing", "message": encoded})


def recorded_frame() -> str:
    """The recorded BTC-USD message as the server sends it."""
    return json.dumps({"type": "pricing", "message": stream_frame_text()})


class StreamServer:
    """``async with StreamServer(on_subscribe) as srv`` - ``srv.url`` for ``AsyncWebSocket``.

    ``on_subscribe(symbols)`` returns the frames to send after each subscribe message;
    ``send`` pushes frames to every client; ``drop`` closes every connection abruptly.
    """

    def __init__(self, on_subscribe: Callable[[list[str]], list[str]] | None = None) -> None:
        self.on_subscribe = on_subscribe or (lambda symbols: [])
        self.subscribed: list[list[str]] = []
        self.connections = 0
        self.clients: set[ServerConnection] = set()
        self.subscribe_seen = asyncio.Event()
        self._server: Server | None = None
        self.url = ""

    async def __aenter__(self) -> StreamServer:
        self._server = await serve(self._handler, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/?version=2"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.clients.add(ws)
        try:
            async for raw in ws:
                data = json.loads(raw)
                if "subscribe" in data:
                    symbols = list(data["subscribe"])
                    self.subscribed.append(symbols)
                    self.subscribe_seen.set()
                    for frame in self.on_subscribe(symbols):
                        await ws.send(frame)
        except Exception:
            pass
        finally:
            self.clients.discard(ws)

    async def send(self, frame: str) -> None:
        for ws in list(self.clients):
            await ws.send(frame)

    async def drop(self) -> None:
        """The server goes away mid-session: close every connection without a close frame."""
        for ws in list(self.clients):
            ws.transport.abort()
