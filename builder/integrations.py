"""Models of the flow parts that reach the world: Call API and Run Code nodes, change and webhook triggers.

Registered in ``builder.flows`` (the node union and ``NODE_TYPES``) like every
other node type. Secrets are never part of a definition: a string value may name
one as ``{{secret:<name>}}`` and the runtime puts the value in only as the request
leaves (``runtime.integrations.secrets``), so ``app.json`` can live in git.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from builder.expressions import BoolExp, Expression
from builder.flows_base import Ident, Model, NodeBase, ValueType

SECRET_NAME = r"^[a-z][a-z0-9_]{0,62}$"
SECRET_REF = re.compile(r"\{\{\s*secret:([a-z][a-z0-9_]{0,62})\s*\}\}")
"""A secret named inside a string value: ``Bearer {{secret:stripe_key}}``."""


def secret_names(value: Any) -> set[str]:
    """Every secret a (nested) value names with ``{{secret:<name>}}``."""
    if isinstance(value, str):
        return set(SECRET_REF.findall(value))
    if isinstance(value, dict):
        return set().union(*(secret_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(secret_names(v) for v in value)) if value else set()
    return set()


class CallApiNode(NodeBase):
    """Call an HTTP API. Inline: during the flow, inside its transaction (rows it locked stay locked
    for the call's duration). After commit: queued in the flow's transaction and sent once after it
    commits, retried with backoff; never sent for a rolled-back run. Outputs status, ok, headers, body
    (inline) or outbox_id (after commit); a response schema adds its typed keys."""

    type: Literal["call_api"] = "call_api"
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: Expression = Field(description="http(s) URL; its host must be in settings.outbound_hosts")
    headers: dict[str, Expression] = Field(default_factory=dict)
    query: dict[str, Expression] = Field(default_factory=dict)
    body_type: Literal["none", "json", "form"] = "none"
    body: dict[str, Expression] = Field(default_factory=dict, description="JSON object or form fields")
    mode: Literal["inline", "after_commit"] = "after_commit"
    timeout_ms: int = Field(default=10_000, ge=100, le=60_000)
    retries: int = Field(default=3, ge=0, le=10, description="extra attempts on a network error or a 5xx/429 answer")
    response_schema: dict[str, ValueType] = Field(default_factory=dict, description="keys of the JSON body -> type")


class RunCodeNode(NodeBase):
    """Run JavaScript in a sandbox (no network, files or processes) with time and memory limits.
    ``context.getArg(name)``, ``context.setResult(value)``, ``context.log(...)`` and
    ``await context.runGql(query, variables, {role})`` on the flow's own transaction.
    Outputs the keys of the result object declared in ``outputs`` (typed)."""

    type: Literal["run_code"] = "run_code"
    code: str = Field(min_length=1, max_length=100_000)
    args: dict[str, Expression] = Field(default_factory=dict)
    outputs: dict[Ident, ValueType] = Field(default_factory=dict)
    timeout_ms: int = Field(default=1000, ge=10, le=30_000)
    memory_mb: int = Field(default=64, ge=16, le=512)
    gql_role: Literal["caller", "admin"] = Field(default="caller", description="role of context.runGql: the caller's, or admin")


class ChangeTrigger(Model):
    """Run the flow (as an async task, once, after the writing transaction commits) when rows of a
    table change. The flow may declare inputs ``event`` (text), ``new`` and ``old`` (jsonb)."""

    table: str = Field(description="table id")
    events: list[Literal["insert", "update", "delete"]] = Field(min_length=1)
    condition: BoolExp | None = Field(default=None, description="over new.<field> and old.<field>")
    enabled: bool = True


class WebhookTrigger(Model):
    """Run the flow on a signed request to ``/p/<slug>/webhooks/<flow id>``.

    ``hmac``: header ``X-Webhook-Timestamp`` (unix seconds) and ``X-Webhook-Signature``
    = ``sha256=`` + hex HMAC-SHA256 of ``<timestamp>.<raw body>`` with the secret; a
    timestamp outside the tolerance or a signature seen before is refused.
    ``bearer``: ``Authorization: Bearer <secret>``. The JSON body is the flow's input.
    """

    auth: Literal["hmac", "bearer"] = "hmac"
    secret: str = Field(pattern=SECRET_NAME, description="project secret name")
    respond: Literal["sync", "async"] = Field(default="sync", description="sync: the flow's output; async: 202 and a task id")
    tolerance_seconds: int = Field(default=300, ge=10, le=3600)
    enabled: bool = True
