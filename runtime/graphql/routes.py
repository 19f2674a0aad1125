"""GraphQL over HTTP: ``POST/GET /p/<slug>/graphql`` and Momen's ``/zero/<slug>/api/graphql-v2``.

Every refusal is a JSON GraphQL error with a code and the right status: 404 unknown
project, 413 body too large, 400 malformed JSON / missing query / document over the
limits or invalid, 401 invalid token. Plain starlette routes (no FastAPI
dependency injection) keep the hot path short.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response

from runtime.auth.sessions import session_from_http
from runtime.graphql.errors import PayloadTooLarge, RequestError, graphql_error
from runtime.graphql.execute import execute_response
from runtime.graphql.graphiql import graphiql_page
from runtime.types import RuntimeError_

MAX_BODY_BYTES = 1_000_000
JSON = "application/json"


def _error(status: int, message: str, code: str) -> Response:
    return Response(json.dumps({"errors": [graphql_error(message, code)]}), status_code=status, media_type=JSON)


def _refusal(exc: RuntimeError_) -> Response:
    return Response(json.dumps({"errors": [exc.to_graphql()]}), status_code=max(exc.http_status, 400), media_type=JSON)


async def _body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _payload(body: bytes, content_type: str) -> tuple[str, Any, str | None]:
    """(query, variables, operationName) of a POST body; RequestError when unusable."""
    if content_type.startswith("application/graphql"):
        return body.decode("utf-8", "replace"), None, None
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RequestError("The request body is not valid JSON", code="BAD_REQUEST") from None
    except RecursionError:
        raise RequestError("The request body is nested too deeply", code="BAD_REQUEST") from None
    if not isinstance(payload, dict):
        raise RequestError("The request body must be a JSON object with a `query`", code="BAD_REQUEST")
    return _parts(payload.get("query"), payload.get("variables"), payload.get("operationName"))


def _parts(query: Any, variables: Any, operation_name: Any) -> tuple[str, Any, str | None]:
    if not isinstance(query, str) or not query.strip():
        raise RequestError("The request has no `query` (a GraphQL document as a string)", code="BAD_REQUEST")
    if isinstance(variables, str):
        try:
            variables = json.loads(variables) if variables.strip() else None
        except (ValueError, RecursionError):
            raise RequestError("`variables` is not valid JSON", code="BAD_REQUEST") from None
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("`variables` must be a JSON object", code="BAD_REQUEST")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("`operationName` must be a string", code="BAD_REQUEST")
    return query, variables, operation_name or None


def build_graphql_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    async def run(request: Request, slug: str, query: str, variables: Any, operation_name: str | None, read_only: bool = False) -> Response:
        project = runtime.get(slug)
        if project is None:
            return _error(404, f"Project {slug!r} not found", "NOT_FOUND")
        try:
            session = await session_from_http(project, request.headers.get("authorization"), request.cookies,
                                              request.headers.get("x-csrf-token"), request.method)
        except RuntimeError_ as exc:
            return _refusal(exc)
        response = await execute_response(project, session, query, variables, operation_name, headers=dict(request.headers), read_only=read_only)
        return Response(response.to_bytes(), status_code=response.status, media_type=JSON)

    async def post(request: Request) -> Response:
        slug = request.path_params["slug"]
        if runtime.get(slug) is None:
            return _error(404, f"Project {slug!r} not found", "NOT_FOUND")
        try:
            body = await _body(request)
            query, variables, operation_name = _payload(body, request.headers.get("content-type", JSON))
        except RuntimeError_ as exc:
            return _refusal(exc)
        except ClientDisconnect:
            return Response(status_code=400)
        return await run(request, slug, query, variables, operation_name)

    async def get(request: Request) -> Response:
        slug = request.path_params["slug"]
        if runtime.get(slug) is None:
            return _error(404, f"Project {slug!r} not found", "NOT_FOUND")
        params = request.query_params
        if "query" not in params:
            return HTMLResponse(graphiql_page(str(request.url.path), slug))
        try:
            query, variables, operation_name = _parts(params.get("query"), params.get("variables"), params.get("operationName"))
        except RuntimeError_ as exc:
            return _refusal(exc)
        return await run(request, slug, query, variables, operation_name, read_only=True)

    router.add_route("/p/{slug}/graphql", post, methods=["POST"])
    router.add_route("/p/{slug}/graphql", get, methods=["GET"])
    router.add_route("/zero/{slug}/api/graphql-v2", post, methods=["POST"])
    router.add_route("/zero/{slug}/api/graphql-v2", get, methods=["GET"])
    return router
