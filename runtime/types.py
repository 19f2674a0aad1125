"""The contracts of the runtime package: sessions, request contexts, errors.

Every layer (GraphQL, actionflows, pages, permissions) speaks in these shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADMIN = "admin"
ANONYMOUS = "anonymous"
USER = "user"
# The client's address rides in a request's header mapping under a name no HTTP header can
# have (it holds a space), set by the server from the connection, never from the client.
CLIENT_ADDRESS = "minimomen client-address"


def with_client(headers: dict[str, str], client: Any) -> dict[str, str]:
    """``headers`` plus the connection's client address (``client`` is ASGI's ``(host, port)`` or None)."""
    headers[CLIENT_ADDRESS] = str(client[0]) if client else ""
    return headers


@dataclass(frozen=True)
class Session:
    """Who is asking. ``roles`` are the effective roles (``user`` plus custom roles)."""

    role: str  # "admin", "anonymous" or "user"
    account_id: int | None = None
    roles: tuple[str, ...] = ()
    username: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def variables(self) -> dict[str, Any]:
        """Values for ``session.*`` references in filters and flows."""
        return {"account_id": self.account_id, "role": self.role, "roles": list(self.roles), "username": self.username}

    @classmethod
    def anonymous(cls) -> Session:
        return cls(role=ANONYMOUS, roles=(ANONYMOUS,))

    @classmethod
    def admin(cls) -> Session:
        return cls(role=ADMIN, roles=(ADMIN,))


class RuntimeError_(Exception):
    """Base of errors a client may see. ``code`` goes to ``extensions.code``."""

    code = "INTERNAL"
    http_status = 200

    def __init__(self, message: str, *, code: str | None = None, path: list[str | int] | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.path = path
        self.extra = extra or {}

    def to_graphql(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "extensions": {"code": self.code, **self.extra}}
        if self.path:
            error["path"] = self.path
        return error


class BadUserInput(RuntimeError_):
    code = "BAD_USER_INPUT"


class TableAccessDenied(RuntimeError_):
    code = "TABLE_ACCESS"
    http_status = 403  # every denial answers alike (runtime.graphql.http decides the status per Accept)


class ActionflowAccessDenied(RuntimeError_):
    code = "ACTION_FLOW"
    http_status = 403


class ConstraintViolation(RuntimeError_):
    code = "CONSTRAINT_VIOLATION"


class NotFound(RuntimeError_):
    code = "NOT_FOUND"


class ActionflowFailed(RuntimeError_):
    """An actionflow aborted (raise_error, a failing node, a timeout): everything rolled back."""

    code = "ACTION_FLOW_FAILED"


class Conflict(RuntimeError_):
    code = "CONFLICT"
    http_status = 409


@dataclass
class RequestContext:
    """What a resolver, a node or a page loader gets for one request."""

    project: Any  # runtime.project.ProjectRuntime
    state: Any  # runtime.project.PublishedState, fixed for the whole request
    session: Session
    headers: dict[str, str] = field(default_factory=dict)
    connection: Any = None  # psycopg.AsyncConnection inside a transaction, when one is open
    idempotency_key: str | None = None  # set for an ``own_idempotency`` field: the key it claims itself
    respond: Any = None  # with ``idempotency_key``: value -> the response dict stored for the key
