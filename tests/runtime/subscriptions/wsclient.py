"""A small raw GraphQL-over-WebSocket client for tests (both subprotocols), on `websockets`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

LEGACY = "graphql-ws"
TRANSPORT = "graphql-transport-ws"
KEEPALIVES = {"ka", "ping", "pong"}
START = {LEGACY: "start", TRANSPORT: "subscribe"}
STOP = {LEGACY: "stop", TRANSPORT: "complete"}
RESULT = {LEGACY: "data", TRANSPORT: "next"}


class WsClient:
    def __init__(self, ws: ClientConnection, protocol: str):
        self.ws = ws
        self.protocol = protocol
        self.keepalives = 0

    @classmethod
    async def open(cls, url: str, protocol: str, *, headers: dict[str, str] | None = None, origin: str | None = None) -> WsClient:
        ws = await websockets.connect(url, subprotocols=[protocol], additional_headers=headers or {}, origin=origin, open_timeout=10)  # type: ignore[list-item,arg-type]
        assert ws.subprotocol == protocol
        return cls(ws, protocol)

    @classmethod
    async def connect(cls, url: str, protocol: str, payload: dict[str, Any] | None = None, **kwargs: Any) -> WsClient:
        """Open and initialise; asserts the server acknowledged."""
        client = await cls.open(url, protocol, **kwargs)
        await client.send({"type": "connection_init", "payload": payload or {}})
        assert (await client.recv())["type"] == "connection_ack"
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, timeout: float = 10.0, *, keepalives: bool = False) -> dict[str, Any]:
        """The next message (keep-alives skipped unless asked for) within ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await self.ws.recv())
                if message["type"] in KEEPALIVES and not keepalives:
                    self.keepalives += 1
                    continue
                return message  # type: ignore[no-any-return]

    async def start(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"type": START[self.protocol], "id": op_id, "payload": {"query": query, "variables": variables or {}}})

    async def stop(self, op_id: str) -> None:
        await self.send({"type": STOP[self.protocol], "id": op_id})

    async def result(self, op_id: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """The next result payload (of ``op_id`` when given); fails on anything else."""
        message = await self.recv(timeout)
        assert message["type"] == RESULT[self.protocol], message
        if op_id is not None:
            assert message["id"] == op_id, message
        return message["payload"]  # type: ignore[no-any-return]

    async def nothing(self, wait: float = 0.5) -> None:
        """Asserts that no message other than a keep-alive arrives within ``wait`` seconds."""
        try:
            message = await self.recv(wait)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")

    async def closed(self, timeout: float = 10.0) -> tuple[int | None, str | None]:
        """Wait until the server closes; (code, reason)."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            if closed.rcvd is None:
                return None, None
            return closed.rcvd.code, closed.rcvd.reason

    async def close(self) -> None:
        await self.ws.close()
