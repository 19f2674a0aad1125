"""A pure-ASGI fast path for GraphQL POSTs, ahead of the framework's routing.

The framework's per-request work (route matching across every router, dependency
machinery) costs more CPU than a cached GraphQL query itself. This middleware
answers ``POST /p/<slug>/graphql`` and ``POST /zero/<slug>/api/graphql-v2``
directly, with exactly the behaviour of ``runtime.graphql.routes`` (same body
limits, errors and statuses); everything else passes through untouched.

Install: ``app.add_middleware(GraphQLFastPath, runtime=runtime)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import cookie_parser

from runtime.auth.sessions import session_from_http
from runtime.graphql.errors import PayloadTooLarge, RequestError, graphql_error
from runtime.graphql.execute import execute_response
from runtime.graphql.routes import JSON, MAX_BODY_BYTES, _payload
from runtime.types import RuntimeError_

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PATH = re.compile(r"^/(?:p/(?P<slug>[^/]+)/graphql|zero/(?P<zero>[^/]+)/api/graphql-v2)/?$")


async def _read_body(receive: Receive, declared: str | None) -> bytes:
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestError("The client disconnected", code="BAD_REQUEST")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class GraphQLFastPath:
    def __init__(self, app: ASGIApp, runtime: Any):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = _PATH.match(scope["path"])
            if match is not None:
                project = self.runtime.get(match.group("slug") or match.group("zero"))
                if project is not None:
                    status, body = await self._handle(project, scope, receive)
                    await send({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

    async def _handle(self, project: Any, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        try:
            body = await _read_body(receive, headers.get("content-length"))
            query, variables, operation_name = _payload(body, headers.get("content-type", JSON))
            session = await session_from_http(project, headers.get("authorization"), cookie_parser(headers.get("cookie", "")),
                                              headers.get("x-csrf-token"), "POST")
        except RuntimeError_ as exc:
            status = max(exc.http_status, 400)
            return status, json.dumps({"errors": [exc.to_graphql()]}).encode()
        except Exception:  # noqa: BLE001 - never a stack trace to the client
            return 400, json.dumps({"errors": [graphql_error("The request could not be read", "BAD_REQUEST")]}).encode()
        response = await execute_response(project, session, query, variables, operation_name, headers=headers)
        return response.status, response.to_bytes()
