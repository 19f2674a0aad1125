"""GraphQL over HTTP, independent of the web framework: the one implementation of a request.

``answer_post`` is the whole POST handling (404 unknown project, body limits, JSON
payload, session, execution) for both paths, ``/p/<slug>/graphql`` and Momen's
``/zero/<slug>/api/graphql-v2``; the ASGI fast path (``runtime.graphql.fastpath``)
is its only caller, so the two paths cannot drift apart. ``answer`` runs an
already-read request (the GET handler of ``runtime.graphql.routes`` uses it too).
Every refusal is a JSON GraphQL error with a code and the right status: 404 unknown
project, 503 a project start-up could not serve (``PROJECT_NOT_SERVED``), 413 body
too large, 400 malformed JSON / missing query / document over the limits or invalid,
401 invalid token, 403 a document naming what the role may not use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import cookie_parser

from runtime.auth.sessions import session_from_http
from runtime.graphql.errors import PayloadTooLarge, RequestError, graphql_error
from runtime.graphql.execute import execute_response
from runtime.types import RuntimeError_

MAX_BODY_BYTES = 1_000_000
JSON = "application/json"
Answer = tuple[int, bytes]


def error_answer(status: int, message: str, code: str) -> Answer:
    return status, json.dumps({"errors": [graphql_error(message, code)]}).encode()


def missing_project(runtime: Any, slug: str) -> Answer:
    """No running project ``slug``: 503 with the reason when start-up could not serve it, else 404."""
    reason = runtime.unserved_reason(slug)
    if reason is not None:
        return error_answer(503, reason, "PROJECT_NOT_SERVED")
    return error_answer(404, f"Project {slug!r} not found", "NOT_FOUND")


def refusal(exc: RuntimeError_) -> Answer:
    return max(exc.http_status, 400), json.dumps({"errors": [exc.to_graphql()]}).encode()


async def read_body(chunks: AsyncIterator[bytes], declared: str | None) -> bytes:
    """The body, refused (413) past ``MAX_BODY_BYTES`` whether declared or counted while reading."""
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
        parts.append(chunk)
    return b"".join(parts)


def parse_payload(body: bytes, content_type: str) -> tuple[str, Any, str | None]:
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
    return parse_parts(payload.get("query"), payload.get("variables"), payload.get("operationName"))


def parse_parts(query: Any, variables: Any, operation_name: Any) -> tuple[str, Any, str | None]:
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


async def answer(project: Any, headers: Mapping[str, str], method: str, query: str, variables: Any, operation_name: str | None) -> Answer:
    """Run a read request for ``project``; ``headers`` have lower-case names. GET refuses mutations (405)."""
    try:
        cookie = headers.get("cookie")
        session = await session_from_http(project, headers.get("authorization"), cookie_parser(cookie) if cookie else {},
                                          headers.get("x-csrf-token"), method)
    except RuntimeError_ as exc:
        return refusal(exc)
    response = await execute_response(project, session, query, variables, operation_name, headers=headers, read_only=method == "GET")
    return response.status, response.to_bytes()


async def answer_post(runtime: Any, slug: str, headers: Mapping[str, str], chunks: AsyncIterator[bytes]) -> Answer:
    """The complete answer to ``POST`` on a project's GraphQL path (``headers`` with lower-case names)."""
    project = runtime.get(slug)
    if project is None:
        return missing_project(runtime, slug)
    try:
        body = await read_body(chunks, headers.get("content-length"))
        query, variables, operation_name = parse_payload(body, headers.get("content-type", JSON))
    except RuntimeError_ as exc:
        return refusal(exc)
    except Exception:  # noqa: BLE001 - never a stack trace to the client
        return error_answer(400, "The request could not be read", "BAD_REQUEST")
    return await answer(project, headers, "POST", query, variables, operation_name)
