"""Who an MCP session is and what it may touch.

A ``Grant`` is the rights of the token a session presented: the designer token
reaches every project of the workspace, a project's admin token that project
alone. ``minimomen mcp`` over stdio runs with the rights of whoever can start it
(the whole workspace, or the one project of ``--project``). Tokens are compared
in constant time; anything else (a user's JWT, no token) is refused before the
MCP layer sees the request.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

GRANT_STATE_KEY = "minimomen_mcp_grant"
MCP_PATH = "/mcp"


@dataclass(frozen=True)
class Grant:
    """The rights of one MCP session: ``projects`` None means every project."""

    kind: str  # "designer", "admin" or "local"
    projects: frozenset[str] | None
    origin: str  # who, for the write log: transport, token kind, peer

    @property
    def identity(self) -> str:
        """The key rate limits count under."""
        scope = "*" if self.projects is None else ",".join(sorted(self.projects))
        return f"{self.kind}:{scope}"

    def allows(self, slug: str) -> bool:
        return self.projects is None or slug in self.projects

    @property
    def whole_workspace(self) -> bool:
        return self.projects is None


def same_secret(given: str, expected: str | None) -> bool:
    """Constant-time comparison; an unset secret never matches."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


Authenticate = Callable[[str, str], Awaitable[Grant | None]]
Asgi = Callable[..., Awaitable[None]]


class McpEndpoint:
    """ASGI middleware: ``/mcp`` goes to the SDK's Streamable HTTP app once the bearer token is known.

    The grant travels in ``scope["state"]``, which the SDK hands to tools as the
    request; every other path goes on to the app unchanged.
    """

    def __init__(self, app: Asgi, *, mcp_app: Asgi, authenticate: Authenticate) -> None:
        self.app = app
        self.mcp_app = mcp_app
        self.authenticate = authenticate

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") not in (MCP_PATH, MCP_PATH + "/"):
            await self.app(scope, receive, send)
            return
        token = bearer(list(scope.get("headers", [])))
        client = scope.get("client") or ("?", 0)
        grant = await self.authenticate(token, f"http {client[0]}") if token else None
        if grant is None:
            await _refuse(send)
            return
        scope = {**scope, "path": MCP_PATH, "state": {**scope.get("state", {}), GRANT_STATE_KEY: grant}}
        await self.mcp_app(scope, receive, send)


async def _refuse(send: Any) -> None:
    body = json.dumps({"error": "unauthorized",
                       "message": "Send the designer token or the project's admin token as `Authorization: Bearer <token>`."}).encode()
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="minimomen-mcp"'),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
