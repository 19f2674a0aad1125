"""One GraphQL-over-WebSocket connection: handshake, operations, keep-alive, rights, close.

A reader task turns client messages into actions (``WireProtocol.actions``);
frames go out through an ``Outbox`` that writes them at once, so the hub hands
a result to thousands of connections without a task switch per subscriber.
Keep-alives and token re-checks come from tickers of the hub, not from a timer
per connection.

A connection's rights are those of its token, and only while the token is
valid: it is closed when the token expires (a timer set at ``connection_init``),
and the hub re-checks the token every ``LiveSettings.revalidate`` seconds — a
rotated admin token or a deleted account ends the connection; changed roles
move its live queries to the groups of the new rights.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import jwt
from starlette.websockets import WebSocket, WebSocketDisconnect

from runtime.auth.sessions import InvalidToken, session_from_token
from runtime.db_errors import DatabaseUnavailable
from runtime.graphql.errors import errors_of
from runtime.subscriptions.authentication import (
    connection_token,
    init_headers,
    seconds_left,
)
from runtime.subscriptions.groups import (
    LiveRequest,
    LiveResult,
    Subscriber,
    response_text,
)
from runtime.subscriptions.hub import LiveHub
from runtime.subscriptions.outbox import Outbox
from runtime.subscriptions.protocols import Reply, WireProtocol, id_json
from runtime.types import RuntimeError_, Session, with_client

log = logging.getLogger("minimomen.live")

INTERNAL_ERROR = {"message": "internal error", "extensions": {"code": "INTERNAL"}}
EXPIRED = ("token expired", "the token has expired: log in again")


def _bad_request(message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": "BAD_USER_INPUT"}}


class LiveConnection:
    """Serves one accepted WebSocket for one project."""

    __slots__ = (
        "_done",
        "_expiry",
        "_ids",
        "headers",
        "hub",
        "ops",
        "outbox",
        "project",
        "protocol",
        "session",
        "settings",
        "token",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, protocol: WireProtocol, project: Any, hub: LiveHub):
        self.websocket = websocket
        self.protocol = protocol
        self.project = project
        self.hub = hub
        self.settings = hub.settings
        self.session: Session | None = None
        self.token: str | None = None  # what the session was made from, re-checked by the hub
        self.headers: dict[str, str] = {}
        self.ops: dict[str, Subscriber | asyncio.Task[None]] = {}
        self._ids: dict[str, str] = {}  # op id -> its JSON text, spliced into every result
        self._done = asyncio.Event()
        self._expiry: asyncio.TimerHandle | None = None
        self.outbox = Outbox(websocket, self.settings.max_pending_messages, self._done.set)

    # the Sink the hub delivers to ------------------------------------------

    def deliver(self, op_id: str, result: LiveResult) -> None:
        quoted = self._ids.get(op_id)
        if quoted is None:
            quoted = self._ids[op_id] = id_json(op_id)
        self.outbox.put(result.head(self.protocol) + quoted + "}")

    def fail(self, op_id: str, errors: list[dict[str, Any]]) -> None:
        self.ops.pop(op_id, None)
        self._send(self.protocol.errors(op_id, errors))

    # serving ---------------------------------------------------------------

    async def serve(self) -> None:
        """Run until either side closes; the reader runs as a task."""
        self.hub.connections.add(self)
        reader = asyncio.create_task(self._read_loop())
        timer = asyncio.get_running_loop().call_later(self.settings.init_timeout, self._init_expired)
        try:
            await self._done.wait()
        finally:
            timer.cancel()
            if self._expiry is not None:
                self._expiry.cancel()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self.outbox.cancel()
            self._stop_all()
            self.hub.connections.discard(self)

    def keepalive(self) -> None:
        """Called by the hub's ticker: keeps proxies from closing an idle line."""
        if self.session is not None:
            self._send(self.protocol.keepalive())

    async def close_going_away(self) -> None:
        self._stop_all()
        self.outbox.close(1001, "server shutting down")

    def _init_expired(self) -> None:
        if self.session is None:
            self._reply(self.protocol.init_timeout())

    def _send(self, message: str) -> None:
        self.outbox.put(message)

    def _reply(self, reply: Reply) -> None:
        if reply.message is not None:
            self._send(reply.message)
        if reply.close is not None:
            self.outbox.close(*reply.close)

    # rights ----------------------------------------------------------------

    def _watch_expiry(self) -> None:
        """Close the connection when its token expires."""
        try:
            left = seconds_left(self.project, self.token)
        except InvalidToken:
            left = 0.0
        if left is not None:
            self._expiry = asyncio.get_running_loop().call_later(max(0.0, left), self._end_session, *EXPIRED)

    async def revalidate(self) -> None:
        """Check the token again (the hub calls this now and then): end or re-key the connection.

        Other failures (the database is away) propagate: the hub logs them and the
        connection keeps its rights until the next check.
        """
        if self.token is None or self.session is None or self.outbox.closing:
            return
        try:
            session = await session_from_token(self.project, self.token)
        except InvalidToken as exc:
            expired = isinstance(exc.__cause__, jwt.ExpiredSignatureError)
            self._end_session(*(EXPIRED if expired else ("token revoked", exc.message)))
            return
        if session != self.session and not self.outbox.closing:
            self._rekey(session)

    def _end_session(self, reason: str, message: str) -> None:
        if self.outbox.closing:
            return
        self._stop_all()
        self._reply(self.protocol.session_ended(reason, message))

    def _rekey(self, session: Session) -> None:
        """New rights (roles changed): every live query moves to the group of the new session."""
        self.session = session
        for op_id, op in list(self.ops.items()):
            if isinstance(op, Subscriber):
                old = op.group.request
                del self.ops[op_id]
                self.hub.unsubscribe(op)
                self._begin(op_id, LiveRequest(session, old.query, old.operation_name, old.variables))
            else:
                self.hub.watchers.rekey(op, session)  # a stream keeps its cursor under the new rights

    async def _read_loop(self) -> None:
        try:
            await self._read_messages()
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("live queries: connection failed")
        finally:
            self._done.set()

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
        if self.outbox.closing:
            return  # what a client says after we closed (its rights ended) starts nothing
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
        token = connection_token(payload, self.websocket.headers, self.websocket.cookies)
        try:
            session = await session_from_token(self.project, token)
        except InvalidToken as exc:
            self._reply(self.protocol.forbidden(exc.message))
            return
        except DatabaseUnavailable as exc:  # the account lookup met a database that is away: retry later
            self._reply(self.protocol.unavailable(exc.message))
            return
        self.session, self.token = session, token
        self.headers = with_client(init_headers(payload), self.websocket.scope.get("client"))
        self._watch_expiry()
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
        self.outbox.close(1000, "terminated")

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
        self._begin(op_id, request)

    def _begin(self, op_id: str, request: LiveRequest) -> None:
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
                    self.deliver(op_id, LiveResult(response_text(item)))
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
        if self.ops.get(op_id) is not asyncio.current_task():  # stopped while starting
            self.hub.unsubscribe(subscriber)
        elif request.session != self.session:  # the rights changed while starting
            del self.ops[op_id]
            self.hub.unsubscribe(subscriber)
            if self.session is not None:
                self._begin(op_id, LiveRequest(self.session, request.query, request.operation_name, request.variables))
        else:
            self.ops[op_id] = subscriber

    def _finish(self, op_id: str, payload: str | None) -> None:
        if self.ops.pop(op_id, None) is None:
            return
        if payload is not None:
            self.deliver(op_id, LiveResult(payload))
        self._send(self.protocol.complete(op_id))

    def _stop(self, op_id: str) -> None:
        self._ids.pop(op_id, None)
        op = self.ops.pop(op_id, None)
        if isinstance(op, Subscriber):
            self.hub.unsubscribe(op)
        elif op is not None and op is not asyncio.current_task():
            op.cancel()

    def _stop_all(self) -> None:
        for op_id in list(self.ops):
            self._stop(op_id)
