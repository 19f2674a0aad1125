"""``call_api``: an HTTP request, inline (inside the flow's transaction) or after commit (through the outbox).

Inline: the answer is the output (``status``, ``ok``, ``headers``, ``body``, and the
keys of ``response_schema`` typed); a network failure after the retries, or a
refused host, fails the node. After commit: the request is written to
``minimomen.outbox`` on the flow's connection, so it exists only if the flow commits;
the output is ``outbox_id``. Secret values are read on the flow's connection just
before an inline call and never enter the flow's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.integrations import CallApiNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output
from runtime.actionflows.values import coerce, to_json
from runtime.integrations import outbox
from runtime.integrations.outbound import Request, send, text_value
from runtime.integrations.secrets import load


@dataclass(frozen=True)
class CallApi:
    node_id: str
    name: str
    node: CallApiNode
    container: bool = False

    def request(self, run: Run) -> Request:
        node = self.node
        url = run.evaluate(node.url)
        if not isinstance(url, str) or not url:
            raise NodeFailed("the URL is empty or not text")
        return Request(
            method=node.method,
            url=url,
            headers={k: text_value(to_json(run.evaluate(v))) for k, v in node.headers.items()},
            query={k: text_value(to_json(run.evaluate(v))) for k, v in node.query.items()},
            body_type=node.body_type,
            body={k: to_json(run.evaluate(v)) for k, v in node.body.items()},
            timeout_ms=node.timeout_ms,
        )

    async def run(self, run: Run) -> Output:
        request = self.request(run)
        if self.node.mode == "after_commit":
            outbox_id = await outbox.enqueue(run.conn, run.flow.id, self.node_id, request, self.node.retries + 1)
            run.calls.append({"node": self.node_id, "mode": "after_commit", "method": request.method, "host": request.host,
                              "outbox_id": outbox_id, "status": None})
            return {"outbox_id": outbox_id}
        secrets = await load(run.conn, request.secrets())
        outcome = await send(request, secrets, run.project.definition.settings.outbound_hosts, self.node.retries)
        run.calls.append(outcome.log_entry(request, self.node_id, "inline"))
        if outcome.status is None:
            raise NodeFailed(f"{request.method} {request.host}: {outcome.error}", cause="CALL_API_FAILED")
        values: dict[str, Any] = {"status": outcome.status, "ok": outcome.ok, "headers": outcome.headers, "body": outcome.body}
        body = outcome.body if isinstance(outcome.body, dict) else {}
        for key, value_type in self.node.response_schema.items():
            values[key] = coerce(body.get(key), value_type, False, f"response `{key}`")
        return values


def compile_node(node: CallApiNode, ctx: CompileContext) -> CallApi:
    return CallApi(node.id, node.name, node)
