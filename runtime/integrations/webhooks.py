"""Webhook triggers: ``POST /p/<slug>/webhooks/<flow id>`` runs a flow for a verified sender.

Verification (``builder.integrations.WebhookTrigger``), before anything runs:
``hmac`` — ``X-Webhook-Timestamp`` within ``tolerance_seconds`` of now and
``X-Webhook-Signature: sha256=<hex>`` equal (constant-time) to the HMAC-SHA256 of
``<timestamp>.<raw body>`` keyed with the project secret; a signature already seen
is a replay and refused (409). ``bearer`` — ``Authorization: Bearer <secret>``.
The JSON body (an object) is the flow's input, checked like any invocation's.
``respond: sync`` answers 200 ``{"output": ...}``; ``async`` answers 202
``{"taskId": ...}`` and the flow runs as a task. The flow runs as admin: the
signature, not an account, authorises the sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from runtime.actionflows import tasks
from runtime.actionflows.invoke import invoke
from runtime.actionflows.values import coerce_inputs
from runtime.graphql.http import MAX_BODY_BYTES, read_body
from runtime.integrations.secrets import MissingSecret, load
from runtime.system_tables import SCHEMA
from runtime.types import RequestContext, RuntimeError_, Session

TIMESTAMP_HEADER = "x-webhook-timestamp"
SIGNATURE_HEADER = "x-webhook-signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``<timestamp>.<body>`` (what a sender puts in ``X-Webhook-Signature``)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Refused(Exception):
    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _answer(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _verify_hmac(trigger: Any, secret: str, headers: Any, body: bytes) -> str:
    stamp, given = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if not stamp or not given:
        raise Refused(401, f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header", "UNAUTHENTICATED")
    if not stamp.isdigit():
        raise Refused(401, f"{TIMESTAMP_HEADER} must be unix seconds", "UNAUTHENTICATED")
    if abs(time.time() - int(stamp)) > trigger.tolerance_seconds:
        raise Refused(401, f"the timestamp is more than {trigger.tolerance_seconds} s from now: a replay or a wrong clock", "REPLAY_REFUSED")
    if not hmac.compare_digest(signature(secret, stamp, body).encode(), given.strip().encode()):
        raise Refused(401, "the signature does not match the body", "UNAUTHENTICATED")
    return given.strip()


def _verify_bearer(secret: str, headers: Any) -> None:
    given = headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
        raise Refused(401, "missing or wrong bearer secret", "UNAUTHENTICATED")


async def _first_delivery(project: Any, flow_id: str, seen: str, tolerance: int) -> bool:
    """Record a verified signature; False when it was recorded before (a replay inside the window)."""
    async with project.pool.connection() as conn:
        await conn.execute(f"DELETE FROM {SCHEMA}.webhook_seen WHERE flow_id = %s AND seen_at < now() - make_interval(secs => %s)",
                           (flow_id, tolerance * 2))
        cur = await conn.execute(f"INSERT INTO {SCHEMA}.webhook_seen (flow_id, signature) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                                 (flow_id, seen))
        return cur.rowcount == 1


async def handle(project: Any, flow_id: str, request: Request) -> JSONResponse:
    state = project.state
    flow = state.resolved.actionflows.get(flow_id)
    trigger = flow.webhook if flow is not None else None
    if flow is None or trigger is None or not trigger.enabled:
        return _answer(404, {"error": f"no webhook `{flow_id}` in this project", "code": "NOT_FOUND"})
    try:
        body = await read_body(request.stream(), request.headers.get("content-length"))
        async with project.pool.connection() as conn:
            secret = (await load(conn, [trigger.secret]))[trigger.secret]
        seen: str | None = None  # a bearer request has no signature to remember
        if trigger.auth == "hmac":
            seen = _verify_hmac(trigger, secret, request.headers, body)
        else:
            _verify_bearer(secret, request.headers)
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            raise Refused(400, "the body is not JSON", "BAD_USER_INPUT") from None
        if not isinstance(args, dict):
            raise Refused(400, "the body must be a JSON object of the flow's inputs", "BAD_USER_INPUT")
        coerce_inputs(flow, args)  # refuse a bad body before anything runs, is queued or counts as delivered
        if seen is not None and not await _first_delivery(project, flow.id, seen, trigger.tolerance_seconds):
            raise Refused(409, "this delivery was received before (a replay)", "REPLAY_REFUSED")
        if trigger.respond == "async":
            task_id = await tasks.create_task(project, state, Session.admin(), flow.id, None, args)
            return _answer(202, {"taskId": task_id})
        output = await invoke(RequestContext(project, state, Session.admin()), flow.id, args)
        return _answer(200, {"output": output})
    except Refused as exc:
        return _answer(exc.status, {"error": exc.message, "code": exc.code})
    except MissingSecret as exc:
        return _answer(503, {"error": exc.message, "code": "WEBHOOK_NOT_CONFIGURED"})
    except RuntimeError_ as exc:
        status = exc.http_status if exc.http_status >= 400 else (400 if exc.code == "BAD_USER_INPUT" else 422)
        return _answer(status, {"error": exc.message, "code": exc.code})


def build_webhook_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    async def post(request: Request) -> JSONResponse:
        slug, flow_id = request.path_params["slug"], request.path_params["flow_id"]
        project = runtime.get(slug)
        if project is None:
            return _answer(404, {"error": f"project `{slug}` not found", "code": "NOT_FOUND"})
        return await handle(project, flow_id, request)

    router.add_route("/p/{slug}/webhooks/{flow_id}", post, methods=["POST"])
    return router


__all__ = ["MAX_BODY_BYTES", "build_webhook_router", "signature"]
