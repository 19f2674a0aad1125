"""The ASGI entry of GraphQL POSTs, ahead of the framework's routing.

The framework's per-request work (route matching across every router, dependency
machinery) costs more CPU than a cached GraphQL query itself. This middleware
answers every ``POST /p/<slug>/graphql`` and ``POST /zero/<slug>/api/graphql-v2``
with ``runtime.graphql.http.answer_post`` (the only POST handler: the router
serves GET only) and every ``OPTIONS`` (CORS preflight) on those paths; a GET there
passes through with the CORS headers added (``runtime.graphql.cors``); everything
else passes through untouched.

Install: ``app.add_middleware(GraphQLFastPath, runtime=runtime)``. A server should
then run ``outermost(app)``: the same middleware moved in front of the framework's
own middleware stack (error middleware, telemetry checks, body limit), which
otherwise costs several percent of a one-row query's CPU on every request.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from runtime.db_supervisor import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from runtime.graphql import cors
from runtime.graphql.error_codes import public
from runtime.graphql.errors import RequestError
from runtime.graphql.http import JSON, answer_post
from runtime.types import with_client

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = re.compile(r"^/(?:p/(?P<slug>[^/]+)/graphql|zero/(?P<zero>[^/]+)/api/graphql-v2)/?$")


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestError("The client disconnected", code="BAD_REQUEST")
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


# Paths that need the database: answered 503 at once while it is down (runtime.db_supervisor).
_GATED = ("/p/", "/zero/", "/healthz", "/mcp")
_UNAVAILABLE = json.dumps({"errors": [public({"message": "The database is not available right now (it is being restarted); try again in a moment",
                                              "extensions": {"code": DATABASE_UNAVAILABLE}})]}).encode()


def _database_down(runtime: Any) -> bool:
    try:
        supervisor = runtime.database
    except (RuntimeError, AttributeError):  # not started yet
        return False
    return not supervisor.available


async def _unavailable(send: Send) -> None:
    await send({"type": "http.response.start", "status": 503,
                "headers": [_CONTENT_TYPE, (b"content-length", b"%d" % len(_UNAVAILABLE)), (b"retry-after", b"%d" % RETRY_AFTER_SECONDS)]})
    await send({"type": "http.response.body", "body": _UNAVAILABLE})


class GraphQLFastPath:
    def __init__(self, app: ASGIApp, runtime: Any):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(_GATED) and _database_down(self.runtime):
            await _unavailable(send)
            return
        match = PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        slug = match.group("slug") or match.group("zero")
        headers = with_client({key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}, scope.get("client"))
        origin = headers.get("origin")
        granted = cors.grant(origin, cors.own_origin(scope.get("scheme", "http"), headers), cors.allowed_origins(self.runtime.get(slug)),
                             "cookie" in headers)
        if scope["method"] == "OPTIONS":
            status, extra = cors.preflight(origin, granted)
            await send({"type": "http.response.start", "status": status, "headers": [*extra, (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        extra = cors.headers_for(origin, granted)
        if scope["method"] != "POST":
            async def send_with_cors(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            await self.app(scope, receive, send_with_cors)
            return
        status, body, media = await answer_post(self.runtime, slug, headers, _chunks(receive))
        if status == 503:  # the database or the project cannot serve now: say when to retry
            extra.append((b"retry-after", b"%d" % RETRY_AFTER_SECONDS))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", media.encode()), (b"content-length", b"%d" % len(body)), *extra]})
        await send({"type": "http.response.body", "body": body})


_CONTENT_TYPE = (b"content-type", JSON.encode())


def outermost(app: Any) -> ASGIApp:
    """``app`` (a FastAPI/Starlette app) with its ``GraphQLFastPath`` moved in front of the framework's middleware.

    The app must not have served a request yet (its middleware stack is built on
    the first one). An app without the middleware is returned unchanged.
    """
    found = [m for m in app.user_middleware if m.cls is GraphQLFastPath]
    if not found:
        return app  # type: ignore[no-any-return]
    app.user_middleware.remove(found[0])
    return GraphQLFastPath(app, runtime=found[0].kwargs["runtime"])
