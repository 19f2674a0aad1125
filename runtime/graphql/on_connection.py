"""GraphQL on a connection the caller owns, inside its open transaction (Run Code's ``context.runGql``).

Table queries and mutations only: the statements run on ``conn`` in a savepoint, so
their writes commit or roll back with the caller's transaction and a failed statement
undoes only itself. Extension fields (actionflows, auth) are refused here: a flow runs
other flows with a Run Actionflow node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from runtime.graphql.errors import DocumentErrors, errors_of, from_database, graphql_error
from runtime.graphql.prepared import plan_for, prepare, variables_for
from runtime.graphql.response import RawJSON, Response
from runtime.types import RuntimeError_, Session, TableAccessDenied


async def _statements(state: Any, session: Session, query: str, variables: Mapping[str, Any] | None, conn: Any) -> Response:
    prepared = prepare(None, state, session, query, None)
    if prepared.operation == "subscription":
        return Response(None, [graphql_error("runGql runs queries and mutations, not subscriptions", "BAD_USER_INPUT")])
    variable_values = variables_for(prepared, variables, session)
    coerced = variable_values.coerced
    plan = plan_for(state, session, prepared, coerced)
    if any(step.kind == "extension" for step in plan.steps):
        return Response(None, [graphql_error("runGql runs table queries and mutations; run actionflows with a Run Actionflow node", "BAD_USER_INPUT")])
    data: dict[str, Any] = {}
    row: Any = ()
    if prepared.operation != "mutation" and plan.statement is not None:
        assert plan.params is not None
        row = await (await conn.execute(plan.statement, plan.params.bind(coerced))).fetchone()
    for step in plan.steps:
        if step.kind == "sql":
            text = row[step.column]
            data[step.key] = RawJSON(text) if text is not None else None
        elif step.kind == "mutation":
            assert step.params is not None and step.statement is not None
            violations, text = await (await conn.execute(step.statement, step.params.bind(coerced))).fetchone()
            if violations:
                raise TableAccessDenied(f"{step.key}: the written rows break this role's permission check", path=[step.key])
            value = RawJSON(text) if text is not None else None
            if step.item is None:
                data[step.key] = value
            else:
                data.setdefault(step.key, []).append(value)
        elif step.kind != "introspection":
            data[step.key] = step.value
    return Response(data)


async def execute_on(conn: Any, state: Any, session: Session, query: str, variables: Mapping[str, Any] | None = None) -> str:
    """Run ``query`` as ``session`` on ``conn`` (in a savepoint); the response as JSON text."""
    try:
        async with conn.transaction():  # a savepoint: a failed statement undoes only itself
            response = await _statements(state, session, query, variables, conn)
    except DocumentErrors as exc:
        response = Response(errors=exc.to_graphql_list(), status=400, has_data=False)
    except RuntimeError_ as exc:
        response = Response(None, errors_of(exc))
    except psycopg.errors.QueryCanceled:
        raise  # the flow's timeout: the flow fails, not only this call
    except psycopg.Error as exc:
        response = Response(None, errors_of(from_database(exc)))
    return response.to_bytes().decode()
