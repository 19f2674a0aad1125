"""GraphQL over HTTP, independent of the web framework: the one implementation of a request.

``answer_post`` is the whole POST handling (404 unknown project, body limits, content
type, JSON payload or a batch of them, session, execution) for both paths,
``/p/<slug>/graphql`` and Momen's ``/zero/<slug>/api/graphql-v2``; the ASGI fast path
(``runtime.graphql.fastpath``) is its only caller, so the two paths cannot drift apart.
``answer`` runs an already-read request (the GET handler of ``runtime.graphql.routes``
uses it too). Every answer is ``(status, body, media type)``.

The status rule (GraphQL over HTTP, and Hasura for ``application/json``):

- A request that is not a well-formed GraphQL-over-HTTP request is refused with 4xx in
  every case: 404 unknown project (503 when its start-up could not serve it,
  ``PROJECT_NOT_SERVED``), 413 body too large, 415 a POST without a JSON (or
  ``application/graphql``) content type, 400 malformed JSON / no ``query`` / a batch
  over ``MAX_BATCH``, 405 a mutation over GET, 406 an ``Accept`` naming no JSON type.
- A well-formed request whose document does not parse or validate, whose variables do
  not coerce, whose token is invalid or that is denied (a table, a column, an
  actionflow, a permission check of written rows: every denial alike) answers with
  ``application/json`` (asked for, ``*/*`` or no ``Accept``) **200**, as Hasura does;
  with ``Accept: application/graphql-response+json`` that content type and 400 / 401 /
  403 (such a response has no ``data``). Errors met while executing answer 200 with
  ``data`` in both.

A JSON array of operations is a batch: each runs as its own request (own session
check, own transaction, own errors) in order, and the answer is the array of their
responses (status 200 unless the batch itself is malformed).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import cookie_parser

from runtime.auth.sessions import session_from_http
from runtime.graphql.error_codes import public
from runtime.graphql.errors import PayloadTooLarge, RequestError, graphql_error
from runtime.graphql.execute import execute_response
from runtime.types import RuntimeError_

MAX_BODY_BYTES = 1_000_000
MAX_BATCH = 20
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
Answer = tuple[int, bytes, str]
# Statuses of a well-formed request's refusal that application/json answers with 200.
_SOFT = frozenset({400, 401, 403})


def error_answer(status: int, message: str, code: str, media: str = JSON) -> Answer:
    return status, json.dumps({"errors": [public(graphql_error(message, code))]}).encode(), media


def missing_project(runtime: Any, slug: str) -> Answer:
    """No running project ``slug``: 503 with the reason when start-up could not serve it, else 404."""
    reason = runtime.unserved_reason(slug)
    if reason is not None:
        return error_answer(503, reason, "PROJECT_NOT_SERVED")
    return error_answer(404, f"Project {slug!r} not found", "NOT_FOUND")


def refusal(exc: RuntimeError_, media: str = JSON) -> Answer:
    return max(exc.http_status, 400), json.dumps({"errors": [public(exc.to_graphql())]}).encode(), media


def response_media(accept: str | None) -> str | None:
    """The media type to answer with for an ``Accept`` header; None when it names no JSON type (406)."""
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        chosen = {GRAPHQL_RESPONSE: GRAPHQL_RESPONSE, JSON: JSON, "application/*": JSON, "*/*": JSON}.get(media)
        if chosen is None or quality <= 0:
            continue
        # the higher quality wins; on a tie the type the client listed first
        if best is None or quality > best[0]:
            best = (quality, position, chosen)
    return best[2] if best else None


def final(status: int, body: bytes, media: str) -> Answer:
    """The status a well-formed request's answer gets under ``media`` (the module's rule)."""
    if media == JSON and status in _SOFT:
        return 200, body, media
    return status, body, media


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


def check_content_type(content_type: str | None) -> str:
    """``application/json`` or ``application/graphql`` (utf-8 only); RequestError 415 otherwise."""
    media, _, params = (content_type or "").partition(";")
    media = media.strip().lower()
    charset = next((value.strip().strip('"').lower() for name, _, value in (p.strip().partition("=") for p in params.split(";"))
                    if name.strip().lower() == "charset"), "utf-8")
    if media not in (JSON, "application/graphql") or charset not in ("utf-8", "utf8"):
        exc = RequestError("Send the request as `Content-Type: application/json` (UTF-8) with a JSON body "
                           "{\"query\": ..., \"variables\": ...}", code="UNSUPPORTED_MEDIA_TYPE")
        exc.http_status = 415
        raise exc
    return media


def parse_payload(body: bytes, media: str) -> Any:
    """The decoded POST body: a JSON object, a list of them (a batch), or a document (``application/graphql``)."""
    if media == "application/graphql":
        return {"query": body.decode("utf-8", "replace")}
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RequestError("The request body is not valid JSON", code="INVALID_JSON") from None
    except RecursionError:
        raise RequestError("The request body is nested too deeply", code="BAD_REQUEST") from None
    if isinstance(payload, list):
        if not payload:
            raise RequestError("A batch must hold at least one operation", code="BAD_REQUEST")
        if len(payload) > MAX_BATCH:
            raise RequestError(f"A batch holds at most {MAX_BATCH} operations; this one has {len(payload)}", code="BATCH_TOO_LARGE")
        return payload
    if not isinstance(payload, dict):
        raise RequestError("The request body must be a JSON object with a `query`", code="BAD_REQUEST")
    return payload


def parse_object(payload: Any) -> tuple[str, Any, str | None]:
    if not isinstance(payload, dict):
        raise RequestError("Each operation must be a JSON object with a `query`", code="BAD_REQUEST")
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


async def answer(project: Any, headers: Mapping[str, str], method: str, query: str, variables: Any, operation_name: str | None,
                 media: str = JSON) -> Answer:
    """Run a well-formed request for ``project``; ``headers`` have lower-case names. GET refuses mutations (405)."""
    try:
        cookie = headers.get("cookie")
        session = await session_from_http(project, headers.get("authorization"), cookie_parser(cookie) if cookie else {},
                                          headers.get("x-csrf-token"), method)
    except RuntimeError_ as exc:
        return final(*refusal(exc, media))
    response = await execute_response(project, session, query, variables, operation_name, headers=headers, read_only=method == "GET")
    return final(response.status, response.to_bytes(), media)


async def _batch(project: Any, headers: Mapping[str, str], operations: list[Any], media: str) -> Answer:
    bodies: list[bytes] = []
    key = headers.get("idempotency-key")
    for index, operation in enumerate(operations):
        try:
            query, variables, operation_name = parse_object(operation)
        except RuntimeError_ as exc:
            bodies.append(refusal(exc)[1])
            continue
        # One Idempotency-Key covers the batch: each operation is kept under its own position.
        sent = {**headers, "idempotency-key": f"{key}#{index}"} if key is not None else headers
        bodies.append((await answer(project, sent, "POST", query, variables, operation_name, media))[1])
    return 200, b"[" + b",".join(bodies) + b"]", media


async def answer_post(runtime: Any, slug: str, headers: Mapping[str, str], chunks: AsyncIterator[bytes]) -> Answer:
    """The complete answer to ``POST`` on a project's GraphQL path (``headers`` with lower-case names)."""
    project = runtime.get(slug)
    if project is None:
        return missing_project(runtime, slug)
    media = response_media(headers.get("accept"))
    if media is None:
        return error_answer(406, f"Accept {JSON} or {GRAPHQL_RESPONSE}", "BAD_REQUEST")
    try:
        body = await read_body(chunks, headers.get("content-length"))
        payload = parse_payload(body, check_content_type(headers.get("content-type")))
        if isinstance(payload, list):
            return await _batch(project, headers, payload, media)
        query, variables, operation_name = parse_object(payload)
    except RuntimeError_ as exc:
        return refusal(exc, media)
    except Exception:  # noqa: BLE001 - never a stack trace to the client
        return error_answer(400, "The request could not be read", "BAD_REQUEST", media)
    return await answer(project, headers, "POST", query, variables, operation_name, media)
