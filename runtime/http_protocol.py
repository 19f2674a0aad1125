"""uvicorn's httptools protocol with one socket write per response instead of two.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start`` and the body separately: two ``send`` system calls and two
TCP segments for every small response, and the client wakes up twice. Here the
transport of a plain HTTP connection gathers the writes made while the event loop
runs one callback and sends them together right after (``loop.call_soon``), so a
one-row GraphQL answer leaves in one segment. A WebSocket upgrade gets the real
transport: frames are never held back.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatheringTransport:
    """A transport that sends what was written during one loop callback in one write."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = None
        self._transport.abort()

    def unwrapped(self) -> asyncio.Transport:
        self.flush()
        return self._transport

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GatheringHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(GatheringTransport(transport, self.loop))  # type: ignore[arg-type]

    def handle_websocket_upgrade(self) -> None:
        if isinstance(self.transport, GatheringTransport):
            self.transport = self.transport.unwrapped()
        super().handle_websocket_upgrade()
