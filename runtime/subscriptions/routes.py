"""GraphQL over WebSocket: the GraphQL path and Momen's aliases, both subprotocols.

A browser handshake from an origin the project does not allow (``runtime.graphql.cors``,
the same list as for HTTP) is refused before accept (HTTP 403).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket

from runtime.graphql import cors
from runtime.subscriptions.connection import LiveConnection
from runtime.subscriptions.hub import hub_of
from runtime.subscriptions.protocols import choose_protocol

PATHS = (
    "/p/{slug}/graphql",
    "/zero/{slug}/api/graphql-subscription",
    "/zero/{slug}/api/graphql-v2",
)


def build_subscription_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    async def graphql_websocket(websocket: WebSocket, slug: str) -> None:
        project = runtime.get(slug)
        hub = hub_of(project) if project is not None else None
        protocol = choose_protocol(list(websocket.scope.get("subprotocols") or []))
        headers = websocket.headers
        granted = cors.grant(headers.get("origin"), cors.own_origin(websocket.url.scheme, headers), cors.allowed_origins(project),
                             "cookie" in headers)
        if hub is None or protocol is None or granted is None:
            await websocket.close(code=1008)  # before accept: the handshake is refused (HTTP 403)
            return
        offered = websocket.scope.get("subprotocols") or []
        await websocket.accept(subprotocol=protocol.name if protocol.name in offered else None)
        await LiveConnection(websocket, protocol, project, hub).serve()

    for path in PATHS:
        router.add_api_websocket_route(path, graphql_websocket)
    return router
