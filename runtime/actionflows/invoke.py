"""Invoking a flow on behalf of a caller: find it, check the right to invoke, run, log.

The one entry used by the GraphQL fields and the task worker. Flows run with
the flow's rights (admin-level data access, as in Momen) once the caller's right
to invoke has been checked; inputs are validated before anything runs.
"""

from __future__ import annotations

import time
from typing import Any

from builder.flows import Actionflow
from runtime.actionflows import groupcommit, idempotency
from runtime.actionflows.compiler import CompiledFlow, FlowSet, compiled_flows
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


async def _answer(ctx: RequestContext, flow: Actionflow, output: dict[str, Any]) -> Any:
    """The caller's JSON answer from the flow's output (asset ids become asset objects)."""
    return to_json(await with_asset_objects(ctx.project, flow, output))


async def _alone(ctx: RequestContext, flows: FlowSet, compiled: CompiledFlow, inputs: dict[str, Any], trace: Trace) -> Any:
    """Run the flow by itself: in the request's transaction when there is one, else on a leased connection,
    where the SQL function runs as a statement of its own (``run_flow`` opens a transaction for node by node),
    or, with an Idempotency-Key, in a transaction that claims the key and stores the response."""
    project, session, key = ctx.state.resolved, ctx.session, ctx.idempotency_key
    if ctx.connection is not None:
        return await _answer(ctx, compiled.flow, await run_flow(ctx.connection, project, flows, compiled, session, inputs, trace=trace,
                                                                in_transaction=True))
    async with ctx.project.lease.connection() as conn:
        if key is None:
            return await _answer(ctx, compiled.flow, await run_flow(conn, project, flows, compiled, session, inputs, trace=trace,
                                                                    in_transaction=False))
        async with conn.transaction():
            caller = caller_of(session)
            stored = await idempotency.claim(conn, key, caller)
            if stored is not None:
                raise idempotency.Replayed(stored)
            value = await _answer(ctx, compiled.flow, await run_flow(conn, project, flows, compiled, session, inputs, trace=trace,
                                                                     in_transaction=True))
            await idempotency.record(conn, key, caller, ctx.respond(value))
            return value


async def _run(ctx: RequestContext, flows: FlowSet, compiled: CompiledFlow, inputs: dict[str, Any], trace: Trace) -> Any:
    """The flow's JSON output: in a group commit when it can join one (``groupcommit``), else alone."""
    batch, function = compiled.batch, compiled.sql
    group = None
    # Before the first call asked which functions exist (known() is None), a call joins too: it runs
    # alone (which asks), and no batch forms before it returns.
    if ctx.connection is None and batch is not None and function is not None and flows.functions.known(batch.function) is not False:
        group = groupcommit.of(ctx.project)
    if group is None:
        return await _alone(ctx, flows, compiled, inputs, trace)
    assert function is not None
    call = groupcommit.Call(compiled, ctx.state.resolved, ctx.session.variables(), inputs, trace,
                            lambda: _alone(ctx, flows, compiled, inputs, trace), lambda output: _answer(ctx, compiled.flow, output),
                            ctx.idempotency_key, caller_of(ctx.session), ctx.respond)
    return await group.run(call)


async def invoke(ctx: RequestContext, flow_ref: str, args: Any, version: int | None = None) -> dict[str, Any]:
    """Run a synchronous flow for ``ctx.session`` in one transaction; return its JSON output.

    With ``ctx.idempotency_key`` (a field with ``own_idempotency``), the key is claimed in
    that transaction and ``ctx.respond(output)`` stored for it; a key that already ran
    raises ``idempotency.Replayed``.
    """
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
        if ctx.idempotency_key is not None:
            idempotency.check_key(ctx.idempotency_key)
        inputs = coerce_inputs(flow, args)
        flows = compiled_flows(state)
        compiled = flows.get(flow.id)
        assert compiled is not None, "every published flow is compiled"
        output = await _run(ctx, flows, compiled, inputs, trace)
    except idempotency.Replayed:
        raise  # it ran before: nothing ran now
    except RuntimeError_ as exc:
        _log(ctx, flow_id, started, "FAILED", exc.message, exc.node if isinstance(exc, FlowError) else trace.last, trace)
        raise
    except BaseException as exc:
        _log(ctx, flow_id, started, "FAILED", type(exc).__name__, trace.last, trace)
        raise
    _log(ctx, flow_id, started, "COMPLETED", None, trace.last, trace)
    if ctx.connection is None:  # committed now (else the request's transaction commits later and the poll finds it)
        outbox.wake_if_queued(ctx.project, trace.calls)
    return output  # type: ignore[no-any-return]


def _log(ctx: RequestContext, flow_id: str, started: float, status: str, error: str | None, node: str | None, trace: Trace) -> None:
    duration = (time.perf_counter() - started) * 1000
    record(ctx.project, RunRecord(flow_id, ctx.state.version, caller_of(ctx.session), status, error, node, duration, trace.compiled,
                                  calls=tuple(trace.calls)))
