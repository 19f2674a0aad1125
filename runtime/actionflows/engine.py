"""Run a compiled flow: scope set-up, the node tree (or its SQL function), the output, the timeout.

``run_flow`` picks the path: a sync flow compiled to a PL/pgSQL function
(``runtime.actionflows.sqlflow``) whose function is installed runs in one
round trip; every other flow, and async flows (one transaction per node), run
node by node (``execute``). Both give the same outputs and errors; ``Trace``
tells the run log which path ran and the last node that started.

Timeouts: node by node, ``statement_timeout`` fires first on the server side and
``asyncio.timeout`` is the backstop for time spent in Python. The function path
bounds its lock waits with the function's own ``lock_timeout`` and the whole call
with a ``runner.Deadline`` that cancels it on the server at the limit, so the
error names the node that was running, as node by node; ``asyncio.timeout``
stays the backstop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import psycopg
from psycopg import AsyncConnection

from builder.flows import Actionflow
from builder.resolved import ResolvedProject
from runtime.actionflows.compiler import CompiledFlow, FlowSet
from runtime.actionflows.run import FlowError, Run
from runtime.actionflows.sqlflow import runner
from runtime.actionflows.values import initial_variables
from runtime.expressions import ExpressionError, evaluate, lookup
from runtime.types import Session

# The server-side statement timeout should fire first (a clean, cancelled statement);
# the client-side one only catches time spent outside the database.
GRACE_MS = 250


@dataclass
class Trace:
    """How a run went, for the run log: node ids in the order they started, and the path taken."""

    reached: list[str] = field(default_factory=list)
    compiled: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)  # outbound calls (never secret values), for the run log

    @property
    def last(self) -> str | None:
        return self.reached[-1] if self.reached else None


def flow_output(flow: Actionflow, scope: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's output expressions evaluated over ``scope``."""
    output: dict[str, Any] = {}
    resolve: Callable[[str], Any] = lambda path: lookup(scope, path)
    for key, expression in flow.output.items():
        try:
            output[key] = evaluate(expression, resolve)
        except ExpressionError as exc:
            raise FlowError(f"Actionflow {flow.name}, output `{key}`: {exc}", flow=flow.id, node=None, cause="BAD_USER_INPUT") from None
    return output


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
    state: Any = None,
    calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the node tree of ``compiled`` with ``inputs`` (already coerced); return its output."""
    flow = compiled.flow
    scope = {"input": inputs, "var": initial_variables(flow), "node": {}, "session": session.variables(), "loop": {}}
    run = Run(project, flow, session, conn, scope, subflow, per_node_transactions, depth, reached if reached is not None else [],
              state, calls if calls is not None else [])
    await run.run_steps(compiled.steps)
    return flow_output(flow, scope)


async def execute_sql(compiled: CompiledFlow, project: ResolvedProject, session: Session, conn: AsyncConnection,
                      inputs: dict[str, Any], trace: Trace) -> dict[str, Any]:
    """Run ``compiled``'s SQL function (one round trip); return the flow's output."""
    function = compiled.sql
    assert function is not None
    session_values = session.variables()
    trace.compiled = True
    deadline = runner.Deadline(conn, compiled.flow.timeout_ms)
    try:
        async with deadline:
            row = await runner.call(conn, function, inputs, session_values)
    except psycopg.Error as exc:
        raise_flow_error(compiled, exc, trace, expired=deadline.expired)
    return finish_sql(compiled, project, session_values, inputs, row, trace)


def raise_flow_error(compiled: CompiledFlow, exc: psycopg.Error, trace: Trace, *, expired: bool = False) -> NoReturn:
    """Raise what the interpreter raises for the function's error ``exc``."""
    assert compiled.sql is not None
    error = runner.flow_error(compiled.sql, compiled.flow, exc, trace.reached, expired=expired)
    if error is exc:
        raise exc
    raise error from None


def finish_sql(compiled: CompiledFlow, project: ResolvedProject, session_values: Mapping[str, Any], inputs: dict[str, Any],
               row: tuple[Any, ...], trace: Trace) -> dict[str, Any]:
    """The flow's output from the function's OUT values ``row`` (``_last`` first)."""
    function = compiled.sql
    assert function is not None
    trace.compiled = True
    if row[0] is not None:
        trace.reached.append(function.nodes[row[0]])
    variables, nodes = runner.scope_of(function, project, row)
    return flow_output(compiled.flow, {"input": inputs, "var": variables, "node": nodes, "session": session_values, "loop": {}})


async def run_flow(
    conn: AsyncConnection,
    project: ResolvedProject,
    flows: FlowSet,
    compiled: CompiledFlow,
    session: Session,
    inputs: dict[str, Any],
    *,
    per_node_transactions: bool = False,
    trace: Trace | None = None,
    use_sql: bool = True,
    in_transaction: bool = True,
) -> dict[str, Any]:
    """The flow under its timeout, on the SQL path when it has one (``use_sql=False``: node by node).

    One transaction (the caller's): the timeout bounds the whole flow. Per-node
    transactions (async tasks): ``statement_timeout`` bounds each statement only.
    ``in_transaction=False`` (an autocommit connection): the SQL function runs as a
    statement of its own, which is one transaction; node by node gets a transaction here.
    """
    flow = compiled.flow
    trace = trace if trace is not None else Trace()
    timeout_ms = flow.timeout_ms
    if per_node_transactions:
        await conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(timeout_ms),))
        return await execute(compiled, project, session, conn, inputs, flows.get, per_node_transactions=True, reached=trace.reached,
                             state=flows.state, calls=trace.calls)
    sql_path = use_sql and compiled.sql is not None and await flows.functions.installed(conn, compiled.sql.function)
    if not sql_path and not in_transaction:
        async with conn.transaction():
            return await run_flow(conn, project, flows, compiled, session, inputs, trace=trace, use_sql=False)
    if not sql_path:
        await conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(timeout_ms),))
    try:
        async with asyncio.timeout((timeout_ms + GRACE_MS) / 1000):  # no extra task, unlike wait_for
            if sql_path:
                return await execute_sql(compiled, project, session, conn, inputs, trace)
            return await execute(compiled, project, session, conn, inputs, flows.get, reached=trace.reached, state=flows.state, calls=trace.calls)
    except TimeoutError:
        raise FlowError(f"Actionflow {flow.name} timed out after {timeout_ms} ms", flow=flow.id, node=trace.last, cause="TIMEOUT") from None
