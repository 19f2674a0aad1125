"""Run a compiled flow: scope set-up, the node tree, the output, the per-flow timeout.

``execute`` runs the tree on a connection the caller chose (the request's
transaction for sync flows). ``run_flow`` adds the timeout: ``statement_timeout``
for the server side and ``asyncio.timeout`` as the backstop for time spent in
Python; either way the caller gets "timed out after N ms" and rolls back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from psycopg import AsyncConnection

from builder.resolved import ResolvedProject
from runtime.actionflows.compiler import CompiledFlow, FlowSet
from runtime.actionflows.run import FlowError, Run
from runtime.actionflows.values import initial_variables
from runtime.expressions import ExpressionError
from runtime.types import Session

# The server-side statement timeout should fire first (a clean, cancelled statement);
# the client-side one only catches time spent outside the database.
GRACE_MS = 250


async def execute(
    compiled: CompiledFlow,
    project: ResolvedProject,
    session: Session,
    conn: AsyncConnection,
    inputs: dict[str, Any],
    subflow: Callable[[str], CompiledFlow | None],
    *,
    per_node_transactions: bool = False,
    depth: int = 0,
    reached: list[str] | None = None,
) -> dict[str, Any]:
    """Run the node tree of ``compiled`` with ``inputs`` (already coerced); return its output."""
    flow = compiled.flow
    scope = {"input": inputs, "var": initial_variables(flow), "node": {}, "session": session.variables(), "loop": {}}
    run = Run(project, flow, session, conn, scope, subflow, per_node_transactions, depth, reached if reached is not None else [])
    await run.run_steps(compiled.steps)
    output: dict[str, Any] = {}
    for key, expression in flow.output.items():
        try:
            output[key] = run.evaluate(expression)
        except ExpressionError as exc:
            raise FlowError(f"Actionflow {flow.name}, output `{key}`: {exc}", flow=flow.id, node=None, cause="BAD_USER_INPUT") from None
    return output


async def run_flow(
    conn: AsyncConnection,
    project: ResolvedProject,
    flows: FlowSet,
    compiled: CompiledFlow,
    session: Session,
    inputs: dict[str, Any],
    *,
    per_node_transactions: bool = False,
    reached: list[str] | None = None,
) -> dict[str, Any]:
    """``execute`` under the flow's timeout.

    One transaction (the caller's): the timeout bounds the whole flow. Per-node
    transactions (async tasks): ``statement_timeout`` bounds each statement only.
    """
    flow = compiled.flow
    reached = reached if reached is not None else []
    timeout_ms = flow.timeout_ms
    if per_node_transactions:
        await conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(timeout_ms),))
        return await execute(compiled, project, session, conn, inputs, flows.get, per_node_transactions=True, reached=reached)
    await conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(timeout_ms),))
    try:
        async with asyncio.timeout((timeout_ms + GRACE_MS) / 1000):  # no extra task, unlike wait_for
            return await execute(compiled, project, session, conn, inputs, flows.get, reached=reached)
    except TimeoutError:
        raise FlowError(
            f"Actionflow {flow.name} timed out after {timeout_ms} ms",
            flow=flow.id,
            node=reached[-1] if reached else None,
            cause="TIMEOUT",
        ) from None

