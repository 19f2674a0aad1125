"""Re-run many live-query groups of one prepared operation in one SQL statement.

Groups that differ only in their scalar variables (1,000 subscribers of
``product_by_pk`` with 1,000 ids) share one compiled plan whose per-execution
parameters are bound late (``Params.late``). As Hasura does, the hub then sends
one statement for all of them: the variable parameters become columns of an
``unnest`` of arrays and the plan's statement runs ``LATERAL`` once per row::

    SELECT m."__i", q.* FROM unnest(%(__i)s::int[], %(__p0)s::text[]) AS m("__i", "p0")
    CROSS JOIN LATERAL (<plan statement, %(p0)s -> m."p0">) AS q

(``runtime.graphql.multiplex`` builds and runs it; HTTP reads use it too.) Other
plans go in one pipeline (one round trip, one statement each); anything else
(introspection, extension fields, a failing statement) returns None and the
caller runs the groups one by one, which yields the usual per-group errors.

This reads the GraphQL engine's compiled plan (``runtime.graphql.prepared``); the
engine owns the SQL, this module only changes how it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg

from runtime.graphql.errors import DocumentErrors
from runtime.graphql.multiplex import (
    Job,
    multiplexable,
    rows_multiplexed,
    rows_pipelined,
)
from runtime.graphql.prepared import plan_for, variables_for
from runtime.graphql.response import RawJSON, Response
from runtime.subscriptions.execution import RunResult
from runtime.types import Session

log = logging.getLogger("minimomen.live")

BATCHABLE_STEPS = frozenset({"sql", "typename", "static"})

def _response(plan: Any, row: Any) -> RunResult:
    data: dict[str, Any] = {}
    for step in plan.steps:
        if step.kind == "sql":
            text = row[step.column] if row is not None else None
            data[step.key] = RawJSON(text) if text is not None else None
        else:
            data[step.key] = step.value
    return RunResult(Response(data).to_bytes().decode())


async def run_batch(
    project: Any, state: Any, session: Session, prepared: Any, variables_list: Sequence[dict[str, Any]]
) -> list[RunResult] | None:
    """One RunResult per variables, in order; None when this operation cannot be batched."""
    results: list[RunResult | None] = [None] * len(variables_list)
    by_plan: dict[int, list[tuple[int, Job]]] = {}
    for index, variables in enumerate(variables_list):
        try:
            coerced = variables_for(prepared, variables, session).coerced
        except DocumentErrors as exc:
            errors = exc.to_graphql_list()
            results[index] = RunResult(Response(errors=errors, has_data=False).to_bytes().decode(), errors)
            continue
        plan = plan_for(state, session, prepared, coerced)
        if plan.statement is None or plan.params is None or plan.introspection is not None:
            return None
        if any(step.kind not in BATCHABLE_STEPS for step in plan.steps):
            return None
        by_plan.setdefault(id(plan), []).append((index, (plan, plan.params.bind(coerced))))
    try:
        async with project.lease.connection() as conn:
            for members in by_plan.values():
                jobs = [job for _, job in members]
                plan = jobs[0][0]
                multiplex = multiplexable(plan, [params for _, params in jobs])
                log.debug("re-running %d live queries %s", len(jobs), "in one statement" if multiplex else "in one pipeline")
                rows = await (rows_multiplexed(conn, plan, [params for _, params in jobs]) if multiplex else rows_pipelined(conn, jobs))
                for (index, _), row in zip(members, rows):
                    results[index] = _response(plan, row)
    except psycopg.Error as exc:
        log.warning("batched live queries failed (%s); running them one by one", exc)
        return None
    return [r for r in results if r is not None] if all(r is not None for r in results) else None
