"""GraphQL over HTTP GET (and the GraphiQL page) on ``/p/<slug>/graphql`` and Momen's ``/zero/<slug>/api/graphql-v2``.

POSTs on the same paths never reach this router: ``runtime.graphql.fastpath`` (which
the app factory always installs) answers them with ``runtime.graphql.http.answer_post``.
GET runs queries only (a mutation is refused with 405). Plain starlette routes (no
FastAPI dependency injection) keep the path short.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runtime.graphql.graphiql import graphiql_page
from runtime.graphql.http import (
    JSON,
    MAX_BODY_BYTES,
    answer,
    missing_project,
    parse_parts,
    refusal,
)
from runtime.types import RuntimeError_, with_client

__all__ = ["MAX_BODY_BYTES", "build_graphql_router"]


def _response(status_and_body: tuple[int, bytes]) -> Response:
    status, body = status_and_body
    return Response(body, status_code=status, media_type=JSON)


def build_graphql_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    async def get(request: Request) -> Response:
        slug = request.path_params["slug"]
        project = runtime.get(slug)
        if project is None:
            return _response(missing_project(runtime, slug))
        params = request.query_params
        if "query" not in params:
            return HTMLResponse(graphiql_page(str(request.url.path), slug))
        try:
            query, variables, operation_name = parse_parts(params.get("query"), params.get("variables"), params.get("operationName"))
        except RuntimeError_ as exc:
            return _response(refusal(exc))
        return _response(await answer(project, with_client(dict(request.headers), request.scope.get("client")), "GET", query, variables, operation_name))

    router.add_route("/p/{slug}/graphql", get, methods=["GET"])
    router.add_route("/zero/{slug}/api/graphql-v2", get, methods=["GET"])
    return router
