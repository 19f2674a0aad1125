"""One GraphQL-over-WebSocket connection: handshake, operations, keep-alive, close.

A reader task turns client messages into actions (``WireProtocol.actions``); the
writer drains an outbox, so the hub hands results over without awaiting a socket.
Keep-alives come from one ticker per hub, not a timer per connection. A client that lets more than
``max_pending_messages`` pile up is closed (1013) rather than buffered forever.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from runtime.auth.sessions import InvalidToken
from runtime.subscriptions.authentication import connection_session, init_headers
from runtime.subscriptions.groups import LiveRequest, Subscriber, response_text
from runtime.subscriptions.hub import LiveHub
from runtime.subscriptions.protocols import Reply, WireProtocol
from runtime.graphql.errors import errors_of
from runtime.types import RuntimeError_, Session

log = logging.getLogger("minimomen.live")

INTERNAL_ERROR = {"message": "internal error", "extensions": {"code": "INTERNAL"}}


@dataclass(frozen=True)
class Close:
    code: int
    reason: str = ""


def _bad_request(message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": "BAD_USER_INPUT"}}


class LiveConnection:
    """Serves one accepted WebSocket for one project."""

    __slots__ = (
        "_closing",
        "_disconnected",
        "_outbox",
        "_ready",
        "headers",
        "hub",
        "ops",
        "project",
        "protocol",
        "session",
        "settings",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, protocol: WireProtocol, project: Any, hub: LiveHub):
        self.websocket = websocket
        self.protocol = protocol
        self.project = project
        self.hub = hub
        self.settings = hub.settings
        self.session: Session | None = None
        self.headers: dict[str, str] = {}
        self.ops: dict[str, Subscriber | asyncio.Task[None]] = {}
        self._outbox: deque[str | Close] = deque()
        self._ready = asyncio.Event()
        self._closing = False
        self._disconnected = False

    # the Sink the hub delivers to ------------------------------------------

    def deliver(self, op_id: str, payload: str) -> None:
        self._send(self.protocol.result(op_id, payload))

    def fail(self, op_id: str, errors: list[dict[str, Any]]) -> None:
        self.ops.pop(op_id, None)
        self._send(self.protocol.errors(op_id, errors))

    # serving ---------------------------------------------------------------

    async def serve(self) -> None:
        """Run until either side closes; the writer runs here, the reader as a task."""
        self.hub.connections.add(self)
        reader = asyncio.create_task(self._read_loop())
        timer = asyncio.get_running_loop().call_later(self.settings.init_timeout, self._init_expired)
        try:
            await self._write_loop()
        finally:
            timer.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self._stop_all()
            self.hub.connections.discard(self)

    def keepalive(self) -> None:
        """Called by the hub's ticker: keeps proxies from closing an idle line."""
        if self.session is not None:
            self._send(self.protocol.keepalive())

    async def close_going_away(self) -> None:
        self._stop_all()
        self._close(Close(1001, "server shutting down"))

    def _init_expired(self) -> None:
        if self.session is None:
            self._reply(self.protocol.init_timeout())

    def _send(self, message: str) -> None:
        if self._closing:
            return
        if len(self._outbox) >= self.settings.max_pending_messages:
            log.warning("live queries: closing a client that does not read its messages")
            self._outbox.clear()
            self._close(Close(1013, "client too slow"))
            return
        self._outbox.append(message)
        self._ready.set()

    def _close(self, close: Close) -> None:
        if not self._closing:
            self._outbox.append(close)
            self._closing = True
            self._ready.set()

    def _reply(self, reply: Reply) -> None:
        if reply.message is not None:
            self._send(reply.message)
        if reply.close is not None:
            self._close(Close(*reply.close))

    async def _write_loop(self) -> None:
        while not self._disconnected:
            if not self._outbox:
                self._ready.clear()
                await self._ready.wait()
                continue
            if self._disconnected:
                return
            item = self._outbox.popleft()
            try:
                if isinstance(item, Close):
                    await self.websocket.close(item.code, item.reason)
                    return
                await self.websocket.send_text(item)
            except Exception:  # noqa: BLE001 - the peer is gone; nothing left to tell it
                return

    async def _read_loop(self) -> None:
        try:
            await self._read_messages()
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("live queries: connection failed")
        finally:
            self._disconnected = True
            self._ready.set()

    async def _read_messages(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", errors="replace")
            await self._handle(text or "")

    async def _handle(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            self._reply(self.protocol.bad_message("Invalid message: not JSON"))
            return
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            self._reply(self.protocol.bad_message("Invalid message: no type"))
            return
        action = self.protocol.actions.get(data["type"])
        if action is None:
            self._reply(self.protocol.bad_message(f"Invalid message type {data['type'][:40]}"))
            return
        await getattr(self, f"_on_{action}")(data)

    # actions ---------------------------------------------------------------

    async def _on_init(self, data: dict[str, Any]) -> None:
        if self.session is not None:
            self._reply(self.protocol.too_many_inits())
            return
        payload = data.get("payload") or {}
        try:
            session = await connection_session(self.project, payload, self.websocket.headers, self.websocket.cookies)
        except InvalidToken as exc:
            self._reply(self.protocol.forbidden(exc.message))
            return
        self.session = session
        self.headers = init_headers(payload)
        self._send(self.protocol.ack())
        if self.protocol.name == "graphql-ws":
            self._send(self.protocol.keepalive())  # legacy clients expect a first ka right after the ack

    async def _on_ping(self, data: dict[str, Any]) -> None:
        pong = self.protocol.pong(data.get("payload"))
        if pong is not None:
            self._send(pong)

    async def _on_ignore(self, data: dict[str, Any]) -> None:
        return None

    async def _on_terminate(self, data: dict[str, Any]) -> None:
        self._stop_all()
        self._close(Close(1000, "terminated"))

    async def _on_stop(self, data: dict[str, Any]) -> None:
        op_id = data.get("id")
        if isinstance(op_id, (str, int)):
            op_id = str(op_id)
            self._stop(op_id)
            after = self.protocol.after_stop(op_id)
            if after is not None:
                self._send(after)

    async def _on_subscribe(self, data: dict[str, Any]) -> None:
        op_id = data.get("id")
        if not isinstance(op_id, (str, int)) or isinstance(op_id, bool) or str(op_id) == "":
            self._reply(self.protocol.bad_message("Invalid message: the operation has no id"))
            return
        op_id = str(op_id)
        if self.session is None:
            self._reply(self.protocol.not_initialised(op_id))
            return
        if op_id in self.ops:
            self._reply(self.protocol.duplicate(op_id))
            return
        payload = data.get("payload")
        request = self._request(payload)
        if isinstance(request, str):
            self._send(self.protocol.errors(op_id, [_bad_request(request)]))
            return
        limit = self.settings.max_subscriptions_per_connection
        if len(self.ops) >= limit:
            error = {
                "message": f"Too many operations on this connection (at most {limit}); stop one or open another connection",
                "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"},
            }
            self._send(self.protocol.errors(op_id, [error]))
            return
        joined = self.hub.join(request, self, op_id)
        if joined is not None:
            self.ops[op_id] = joined
            return
        self.ops[op_id] = asyncio.create_task(self._start(op_id, request))

    def _request(self, payload: Any) -> LiveRequest | str:
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "the operation needs a payload with a query"
        variables = payload.get("variables") or {}
        operation_name = payload.get("operationName") or None
        if not isinstance(variables, dict):
            return "variables must be an object"
        if operation_name is not None and not isinstance(operation_name, str):
            return "operationName must be a string"
        assert self.session is not None
        return LiveRequest(self.session, payload["query"], operation_name, variables)

    async def _start(self, op_id: str, request: LiveRequest) -> None:
        executor = self.hub.executor
        try:
            prepared = await executor.prepare(self.project.state, request.session, request.query, request.operation_name)
            if prepared.operation != "subscription":
                text = await executor.execute(request.session, request.query, request.variables, request.operation_name, self.headers)
                self._finish(op_id, text)
                return
            stream = executor.stream(self.project.state, request.session, prepared, request.variables, self.headers)
            if stream is not None:
                async for item in stream:
                    self.deliver(op_id, response_text(item))
                self._finish(op_id, None)
                return
            subscriber = await self.hub.subscribe(request, prepared, self, op_id)
        except RuntimeError_ as exc:
            self.fail(op_id, errors_of(exc))
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live queries: operation failed")
            self.fail(op_id, [INTERNAL_ERROR])
            return
        if self.ops.get(op_id) is asyncio.current_task():
            self.ops[op_id] = subscriber
        else:  # stopped while starting
            self.hub.unsubscribe(subscriber)

    def _finish(self, op_id: str, payload: str | None) -> None:
        if self.ops.pop(op_id, None) is None:
            return
        if payload is not None:
            self.deliver(op_id, payload)
        self._send(self.protocol.complete(op_id))

    def _stop(self, op_id: str) -> None:
        op = self.ops.pop(op_id, None)
        if isinstance(op, Subscriber):
            self.hub.unsubscribe(op)
        elif op is not None and op is not asyncio.current_task():
            op.cancel()

    def _stop_all(self) -> None:
        for op_id in list(self.ops):
            self._stop(op_id)
