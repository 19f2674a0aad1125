"""The two GraphQL-over-WebSocket subprotocols, as data: what a message means, what to answer.

- ``graphql-transport-ws`` (the graphql-ws library): connection_init/ack, subscribe,
  next, error, complete, ping/pong; protocol faults close the socket with 44xx.
- ``graphql-ws`` (legacy subscriptions-transport-ws, Apollo, Hasura, Momen):
  connection_init/ack/error, start, data, error, complete, stop, ka,
  connection_terminate; an operation error carries one error object (as Hasura).

A protocol only formats; ``runtime.subscriptions.connection`` decides. Incoming
message types map to connection actions in ``actions`` (a registry, not a branch).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from runtime.graphql.error_codes import public, public_all

LEGACY = "graphql-ws"
TRANSPORT = "graphql-transport-ws"


@dataclass(frozen=True)
class Reply:
    """An answer to a fault: a message to send, a close (code, reason), or both."""

    message: str | None = None
    close: tuple[int, str] | None = None


def _message(type_: str, op_id: str | None = None, payload: Any = None) -> str:
    body: dict[str, Any] = {"type": type_}
    if op_id is not None:
        body["id"] = op_id
    if payload is not None:
        body["payload"] = payload
    return json.dumps(body, separators=(",", ":"))


def id_json(op_id: str) -> str:
    """``op_id`` as a JSON string (the common plain ids without ``json.dumps``)."""
    return '"' + op_id + '"' if op_id.isascii() and op_id.replace("-", "").replace("_", "").isalnum() else json.dumps(op_id)


class WireProtocol:
    name: str
    actions: ClassVar[Mapping[str, str]]  # incoming type -> connection action
    result_type: str

    def ack(self) -> str:
        return _message("connection_ack")

    def result_head(self, payload_text: str) -> str:
        """A result message up to its id: built once per result and protocol, shared by subscribers.

        Results are already JSON text: spliced, never re-encoded. The id comes last so
        that a subscriber's message is ``head + id_json(op_id) + "}"``.
        """
        return '{"type":"' + self.result_type + '","payload":' + payload_text + ',"id":'

    def result(self, op_id: str, payload_text: str) -> str:
        return self.result_head(payload_text) + id_json(op_id) + "}"

    def complete(self, op_id: str) -> str:
        return _message("complete", op_id)

    def errors(self, op_id: str, errors: list[dict[str, Any]]) -> str:
        raise NotImplementedError

    def keepalive(self) -> str:
        raise NotImplementedError

    def pong(self, payload: Any) -> str | None:
        return None

    def after_stop(self, op_id: str) -> str | None:
        """What the server says once a client stopped an operation."""
        return None

    def bad_message(self, reason: str) -> Reply:
        raise NotImplementedError

    def forbidden(self, reason: str) -> Reply:
        raise NotImplementedError

    def not_initialised(self, op_id: str | None) -> Reply:
        raise NotImplementedError

    def session_ended(self, reason: str, message: str) -> Reply:
        """The rights the connection was opened with are gone (token expired or revoked)."""
        raise NotImplementedError

    def duplicate(self, op_id: str) -> Reply:
        raise NotImplementedError

    def too_many_inits(self) -> Reply:
        raise NotImplementedError

    def init_timeout(self) -> Reply:
        return Reply(close=(4408, "Connection initialisation timeout"))

    def unavailable(self, message: str) -> Reply:
        """The connection cannot be served now (the project's database is away): 1013, Try Again Later."""
        return Reply(close=(1013, message[:120]))


class TransportWs(WireProtocol):
    name = TRANSPORT
    result_type = "next"
    actions: ClassVar[Mapping[str, str]] = {
        "connection_init": "init",
        "subscribe": "subscribe",
        "complete": "stop",
        "ping": "ping",
        "pong": "ignore",
    }

    def errors(self, op_id: str, errors: list[dict[str, Any]]) -> str:
        return _message("error", op_id, public_all(errors))

    def keepalive(self) -> str:
        return _message("ping")

    def pong(self, payload: Any) -> str | None:
        return _message("pong", payload=payload)

    def bad_message(self, reason: str) -> Reply:
        return Reply(close=(4400, reason[:120]))

    def forbidden(self, reason: str) -> Reply:
        return Reply(close=(4403, "Forbidden"))

    def not_initialised(self, op_id: str | None) -> Reply:
        return Reply(close=(4401, "Unauthorized"))

    def session_ended(self, reason: str, message: str) -> Reply:
        return Reply(close=(4403, f"Forbidden: {reason}"[:120]))

    def duplicate(self, op_id: str) -> Reply:
        return Reply(close=(4409, f"Subscriber for {op_id} already exists"[:120]))

    def too_many_inits(self) -> Reply:
        return Reply(close=(4429, "Too many initialisation requests"))


class LegacyWs(WireProtocol):
    name = LEGACY
    result_type = "data"
    actions: ClassVar[Mapping[str, str]] = {
        "connection_init": "init",
        "start": "subscribe",
        "stop": "stop",
        "connection_terminate": "terminate",
    }

    def errors(self, op_id: str, errors: list[dict[str, Any]]) -> str:
        return _message("error", op_id, public(errors[0]) if errors else {"message": "unknown error"})

    def keepalive(self) -> str:
        return _message("ka")

    def after_stop(self, op_id: str) -> str | None:
        return self.complete(op_id)

    def bad_message(self, reason: str) -> Reply:
        return Reply(message=_message("error", payload={"message": reason}))

    def forbidden(self, reason: str) -> Reply:
        return Reply(message=_message("connection_error", payload={"message": reason}), close=(4403, "Forbidden"))

    def not_initialised(self, op_id: str | None) -> Reply:
        error = public({"message": "send connection_init first", "extensions": {"code": "BAD_REQUEST"}})
        return Reply(message=_message("error", op_id, error))

    def session_ended(self, reason: str, message: str) -> Reply:
        return Reply(message=_message("connection_error", payload={"message": message}), close=(4403, f"Forbidden: {reason}"[:120]))

    def duplicate(self, op_id: str) -> Reply:
        error = public({"message": f"an operation with id {op_id} is already running", "extensions": {"code": "BAD_REQUEST"}})
        return Reply(message=_message("error", op_id, error))

    def too_many_inits(self) -> Reply:
        return Reply(message=_message("connection_error", payload={"message": "connection already initialised"}))

    def unavailable(self, message: str) -> Reply:
        error = public({"message": message, "extensions": {"code": "DATABASE_UNAVAILABLE"}})
        return Reply(message=_message("connection_error", payload=error), close=(1013, message[:120]))


PROTOCOLS: dict[str, WireProtocol] = {p.name: p for p in (TransportWs(), LegacyWs())}
DEFAULT_PROTOCOL = LEGACY  # a client that names no subprotocol is an old Apollo/Momen client


def choose_protocol(offered: list[str]) -> WireProtocol | None:
    """The first subprotocol the client offers that we speak; legacy when none is offered."""
    if not offered:
        return PROTOCOLS[DEFAULT_PROTOCOL]
    for name in offered:
        if name in PROTOCOLS:
            return PROTOCOLS[name]
    return None
