"""Live-query groups: every subscriber of the same query, variables and permission context.

A group runs once per burst of changes and pushes its result to all subscribers,
only when the result differs from the last one pushed (compared by digest of the
JSON text).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.subscriptions.execution import Prepared
from runtime.subscriptions.scope import RowScope
from runtime.types import Session

GroupKey = tuple[str, str | None, str, tuple[Any, ...], int | None]


class Framing(Protocol):
    """What a wire protocol tells about result messages (``protocols.WireProtocol``)."""

    name: str

    def result_head(self, payload_text: str) -> str: ...


class LiveResult:
    """One result pushed to a group's subscribers: JSON text, framed once per protocol.

    1,000 subscribers of one query get one result; the message text up to the
    subscription id is built once per protocol here, not once per subscriber.
    """

    __slots__ = ("_heads", "text")

    def __init__(self, text: str):
        self.text = text  # the JSON text of a GraphQL response
        self._heads: dict[str, str] = {}

    def head(self, framing: Framing) -> str:
        head = self._heads.get(framing.name)
        if head is None:
            head = self._heads[framing.name] = framing.result_head(self.text)
        return head


class Sink(Protocol):
    """Where a subscriber's messages go (a WebSocket connection speaking one protocol)."""

    def deliver(self, op_id: str, result: LiveResult) -> None:
        """Send one result (must not block: called for every subscriber in one loop)."""
        ...

    def fail(self, op_id: str, errors: list[dict[str, Any]]) -> None:
        """End the operation with errors."""
        ...


class Subscriber:
    __slots__ = ("group", "op_id", "sink")

    def __init__(self, sink: Sink, op_id: str, group: LiveGroup):
        self.sink, self.op_id, self.group = sink, op_id, group


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def response_text(response: dict[str, Any]) -> str:
    """The JSON text sent to clients (compact; non-ASCII kept)."""
    return json.dumps(response, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def canonical_variables(variables: dict[str, Any]) -> str:
    return json.dumps(variables, sort_keys=True, separators=(",", ":"), default=_json_default)


@dataclass(frozen=True)
class LiveRequest:
    """One subscription request as a client sent it, with who sent it."""

    session: Session
    query: str
    operation_name: str | None
    variables: dict[str, Any]


class LiveGroup:
    """The shared state of identical live queries."""

    def __init__(self, key: GroupKey, request: LiveRequest, prepared: Prepared, state: Any, scope: RowScope | None):
        self.key = key
        self.request = request
        self.prepared = prepared
        self.state = state
        self.scope = scope
        self.subscribers: set[Subscriber] = set()
        # Joined while a re-run was due: the last result may predate a commit they saw,
        # so they get the result of a run that started after they joined, changed or not.
        self.waiting: set[Subscriber] = set()  # for the next run
        self.current: set[Subscriber] = set()  # for the run under way
        self.digest: bytes | None = None
        self.payload: LiveResult | None = None  # last pushed result, for subscribers who join later
        self.running = False
        self.again = False  # a change arrived while running: run once more

    @property
    def family(self) -> tuple[Any, ...]:
        """Groups that differ only in variables: re-run together (``LiveHub._execute``)."""
        query, operation_name, _, grants, account = self.key
        return (query, operation_name, grants, account)

    @property
    def tables(self) -> frozenset[str]:
        return self.prepared.tables

    def start_run(self) -> None:
        """A run starts: those waiting for one get its result."""
        self.current |= self.waiting
        self.waiting = set()

    def push(self, payload: str) -> bool:
        """Send ``payload`` to every subscriber unless it equals the last one (then only to the waiting); True if sent."""
        digest = hashlib.blake2b(payload.encode(), digest_size=16).digest()
        waiting, self.current = self.current, set()
        if digest == self.digest and self.payload is not None:
            for subscriber in waiting & self.subscribers:
                subscriber.sink.deliver(subscriber.op_id, self.payload)
            return False
        result = LiveResult(payload)
        self.digest, self.payload = digest, result
        for subscriber in list(self.subscribers):
            subscriber.sink.deliver(subscriber.op_id, result)
        return True

    def fail(self, errors: list[dict[str, Any]]) -> None:
        for subscriber in list(self.subscribers):
            subscriber.sink.fail(subscriber.op_id, errors)
        self.subscribers.clear()
        self.waiting.clear()
        self.current.clear()
