"""Invoking a flow on behalf of a caller: find it, check the right to invoke, run, log.

The one entry used by the GraphQL fields and the task worker. Flows run with
the flow's rights (admin-level data access, as in Momen) once the caller's right
to invoke has been checked; inputs are validated before anything runs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection

from builder.flows import Actionflow
from runtime.actionflows.compiler import compiled_flows
from runtime.actionflows.engine import Trace, run_flow
from runtime.actionflows.idempotency import caller_of
from runtime.actionflows.run import FlowError
from runtime.actionflows.runlog import RunRecord, record
from runtime.actionflows.values import coerce_inputs, to_json
from runtime.files.flow_assets import with_asset_objects
from runtime.integrations import outbox
from runtime.permissions import grants_for
from runtime.types import (
    ActionflowAccessDenied,
    BadUserInput,
    RequestContext,
    RuntimeError_,
    Session,
)


def find_flow(state: Any, flow_ref: str, version: int | None) -> Actionflow:
    """The published flow named by id or display name, at the published version."""
    flow = state.resolved.actionflow(flow_ref) if isinstance(flow_ref, str) else None
    if flow is None:
        raise BadUserInput(f"actionflow `{flow_ref}` does not exist")
    if version is not None and version != state.version:
        raise BadUserInput(f"version {version} of actionflow {flow.name} is not published; the published version is {state.version}")
    return flow


def describe_caller(session: Session) -> str:
    if session.account_id is not None:
        return f"User {session.account_id}"
    return "Anonymous user" if not session.is_admin else "Admin"


def check_invoke(state: Any, session: Session, flow: Actionflow) -> None:
    if not grants_for(state.resolved, session).may_invoke(flow.id):
        raise ActionflowAccessDenied(f"{describe_caller(session)} has no permission on invocation of action flow: {flow.id}")


@asynccontextmanager
async def _connection(ctx: RequestContext) -> AsyncIterator[tuple[AsyncConnection, bool]]:
    """The request's transaction when there is one, else a pool connection in autocommit
    (``run_flow`` opens a transaction there unless the flow runs as one SQL statement)."""
    if ctx.connection is not None:
        yield ctx.connection, True
        return
    async with ctx.project.lease.connection() as conn:
        yield conn, False


async def invoke(ctx: RequestContext, flow_ref: str, args: Any, version: int | None = None) -> dict[str, Any]:
    """Run a synchronous flow for ``ctx.session`` in one transaction; return its JSON output."""
    state = ctx.state
    started = time.perf_counter()
    trace = Trace()
    flow_id = str(flow_ref)
    try:
        flow = find_flow(state, flow_ref, version)
        flow_id = flow.id
        check_invoke(state, ctx.session, flow)
        if flow.mode == "async":
            raise BadUserInput(f"actionflow {flow.name} runs asynchronously: start it with fz_create_action_flow_task")
        inputs = coerce_inputs(flow, args)
        flows = compiled_flows(state)
        compiled = flows.get(flow.id)
        assert compiled is not None, "every published flow is compiled"
        async with _connection(ctx) as (conn, in_transaction):
            output = await run_flow(conn, state.resolved, flows, compiled, ctx.session, inputs, trace=trace, in_transaction=in_transaction)
    except RuntimeError_ as exc:
        _log(ctx, flow_id, started, "FAILED", exc.message, exc.node if isinstance(exc, FlowError) else trace.last, trace)
        raise
    except BaseException as exc:
        _log(ctx, flow_id, started, "FAILED", type(exc).__name__, trace.last, trace)
        raise
    _log(ctx, flow_id, started, "COMPLETED", None, trace.last, trace)
    if ctx.connection is None:  # committed now (else the request's transaction commits later and the poll finds it)
        outbox.wake_if_queued(ctx.project, trace.calls)
    return to_json(await with_asset_objects(ctx.project, flow, output))


def _log(ctx: RequestContext, flow_id: str, started: float, status: str, error: str | None, node: str | None, trace: Trace) -> None:
    duration = (time.perf_counter() - started) * 1000
    record(ctx.project, RunRecord(flow_id, ctx.state.version, caller_of(ctx.session), status, error, node, duration, trace.compiled,
                                  calls=tuple(trace.calls)))
