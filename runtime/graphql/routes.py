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

from runtime.db_supervisor import RETRY_AFTER_SECONDS
from runtime.graphql.graphiql import ASSET_PREFIX, graphiql_asset, graphiql_page
from runtime.graphql.http import (
    JSON,
    MAX_BODY_BYTES,
    Answer,
    answer,
    error_answer,
    missing_project,
    parse_parts,
    refusal,
    response_media,
)
from runtime.types import RuntimeError_, with_client

__all__ = ["MAX_BODY_BYTES", "build_graphql_router"]


def _response(answered: Answer) -> Response:
    status, body, media = answered
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return Response(body, status_code=status, media_type=media, headers=headers)


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
        media = response_media(request.headers.get("accept"))
        if media is None:
            return _response(error_answer(406, f"Accept {JSON} or application/graphql-response+json", "BAD_REQUEST"))
        try:
            query, variables, operation_name = parse_parts(params.get("query"), params.get("variables"), params.get("operationName"))
        except RuntimeError_ as exc:
            return _response(refusal(exc, media))
        return _response(await answer(project, with_client(dict(request.headers), request.scope.get("client")), "GET", query, variables,
                                      operation_name, media))

    async def asset(request: Request) -> Response:
        return graphiql_asset(request.path_params["name"])

    router.add_route(ASSET_PREFIX + "/{name}", asset, methods=["GET"])
    router.add_route("/p/{slug}/graphql", get, methods=["GET"])
    router.add_route("/zero/{slug}/api/graphql-v2", get, methods=["GET"])
    return router
