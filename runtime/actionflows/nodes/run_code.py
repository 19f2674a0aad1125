"""``run_code``: JavaScript in the sandbox (``runtime.integrations.sandbox``); its declared result keys, typed, are the outputs.

``context.runGql`` runs on the flow's own connection, inside its transaction, as the
caller's role (``gql_role: admin``: as admin), so its writes commit or roll back with
the flow. Async flows: the node's own transaction, like every other leaf node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.integrations import RunCodeNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output
from runtime.actionflows.values import coerce, to_json
from runtime.integrations.sandbox import CodeFailed, run_code
from runtime.types import BadUserInput, Session

ROLES = ("anonymous", "user", "admin")


@dataclass(frozen=True)
class RunCode:
    node_id: str
    name: str
    node: RunCodeNode
    container: bool = False

    def _session(self, run: Run, role: str | None) -> Session:
        if self.node.gql_role == "admin" and role in (None, "admin"):
            return Session.admin()
        if role not in (None, run.session.role):
            raise BadUserInput(f"runGql may run as the caller's role ({run.session.role}){' or admin' if self.node.gql_role == 'admin' else ''}, not {role}")
        return run.session

    async def run(self, run: Run) -> Output:
        from runtime.graphql.on_connection import execute_on  # the GraphQL package imports the actionflow fields

        args = to_json({name: run.evaluate(expr) for name, expr in self.node.args.items()})

        async def gql(query: str, variables: dict[str, Any], role: str | None) -> str:
            return await execute_on(run.conn, run.state, self._session(run, role), query, variables)

        try:
            outcome = await run_code(self.node.code, args, gql, timeout_ms=self.node.timeout_ms, memory_mb=self.node.memory_mb)
        except CodeFailed as exc:
            raise NodeFailed(exc.message, cause=exc.cause) from None
        result = outcome.result
        if self.node.outputs and not isinstance(result, dict):
            raise NodeFailed("the code must call context.setResult with an object holding its outputs")
        values: dict[str, Any] = {"result": result, "logs": outcome.logs}
        for key, value_type in self.node.outputs.items():
            values[key] = coerce(result.get(key), value_type, False, f"output `{key}`")
        return values


def compile_node(node: RunCodeNode, ctx: CompileContext) -> RunCode:
    return RunCode(node.id, node.name, node)
