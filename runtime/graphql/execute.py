"""Public execution API of the generated GraphQL API.

- ``execute(project, session, query, variables, operation_name, headers=, state=)`` -> response dict
- ``prepare(project, state, session, query, operation_name)`` -> ``Prepared`` (raises ``RuntimeError_``;
  defined in ``runtime.graphql.prepared`` with ``Variables`` and ``plan_for``)
- ``run_prepared(project, state, session, prepared, variables)`` -> response dict; a
  subscription operation runs as a one-shot query (that is how live queries re-run)
- ``subscribe_extension(project, state, session, prepared, variables)`` -> async iterator of
  response dicts, for a subscription whose root is an extension field with ``subscribe``
  (``prepared.extension_subscription``)

``execute_response`` / ``run_prepared_response`` return a ``Response`` whose
``to_bytes()`` splices PostgreSQL's JSON text without re-encoding it (HTTP uses them).
Queries: every table root field is one SQL expression and all of them go in one
SELECT. Mutations: root fields run in order inside one transaction, retried on
serialization failures and deadlocks.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Mapping
from typing import Any

import psycopg
from graphql import execute_sync
from graphql.execution.values import get_argument_values

from runtime.actionflows import idempotency
from runtime.db_errors import DatabaseUnavailable
from runtime.graphql.errors import (
    DocumentErrors,
    MethodNotAllowed,
    errors_of,
    from_database,
    graphql_error,
    is_retryable,
)
from runtime.graphql.plan import (
    Plan,
    Step,
)
from runtime.graphql.prepared import Prepared, Variables, plan_for, prepare, variables_for
from runtime.graphql.projection import project as project_value
from runtime.graphql.response import RawJSON, Response
from runtime.graphql.selection import collect
from runtime.graphql.text_input import text_problem
from runtime.types import BadUserInput, RequestContext, RuntimeError_, Session, TableAccessDenied

log = logging.getLogger("minimomen.graphql")
MAX_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.02


_Replayed = idempotency.Replayed


async def _extension(project: Any, state: Any, session: Session, step: Step, variable_values: Variables, headers: Mapping[str, str],
                     connection: Any, key: str | None = None) -> Any:
    """The field's projected value; ``key``: the field handles the request's Idempotency-Key itself (``own_idempotency``)."""
    assert step.root is not None and step.root.extension is not None and step.selected is not None
    extension = step.root.extension
    selected = step.selected
    definition = selected.definition
    assert definition is not None and extension.resolve is not None
    args = get_argument_values(definition, selected.node, variable_values.full)
    ctx = RequestContext(project, state, session, dict(headers), connection if extension.transactional else None)
    if key is not None:
        ctx.idempotency_key = key
        ctx.respond = lambda value: Response({step.key: project_value(value, definition.type, selected.children, [step.key])}).to_dict()
    value = await extension.resolve(ctx, args)
    return project_value(value, definition.type, selected.children, [step.key])


def _introspect(prepared: Prepared, plan: Plan, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    assert plan.introspection is not None
    result = execute_sync(prepared.bundle.schema, plan.introspection, variable_values=dict(variables or {}),
                          operation_name=prepared.operation_name)
    if result.errors:
        raise DocumentErrors([graphql_error(e.message, "GRAPHQL_VALIDATION_FAILED", e.locations) for e in result.errors])
    return result.data or {}


async def _run_query(project: Any, state: Any, session: Session, prepared: Prepared, variables: Mapping[str, Any] | None,
                     headers: Mapping[str, str]) -> Response:
    variable_values = variables_for(prepared, variables, session)
    coerced = variable_values.coerced
    plan = plan_for(state, session, prepared, coerced)
    row: Any = ()
    if plan.statement is not None:
        assert plan.params is not None
        params = plan.params.bind(coerced)
        row = await project.reads.fetch(plan, params)
    introspected = _introspect(prepared, plan, variables) if plan.introspection is not None else {}
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for step in plan.steps:
        if step.kind == "sql":
            text = row[step.column]
            data[step.key] = RawJSON(text) if text is not None else None
        elif step.kind == "introspection":
            data[step.key] = introspected.get(step.key)
        elif step.kind == "extension":
            try:
                data[step.key] = await _extension(project, state, session, step, variable_values, headers, None)
            except RuntimeError_ as exc:
                data[step.key] = None
                errors.append({**exc.to_graphql(), "path": [step.key]})
        else:
            data[step.key] = step.value
    return Response(data, errors)


async def _mutation_transaction(project: Any, state: Any, session: Session, plan: Plan, variable_values: Any,
                                headers: Mapping[str, str], key: str | None) -> Response:
    coerced = variable_values.coerced
    caller = idempotency.caller_of(session)
    async with project.pool.connection() as conn:
        async with conn.transaction():
            if key is not None:
                stored = await idempotency.claim(conn, key, caller)
                if stored is not None:
                    raise _Replayed(stored)
            data: dict[str, Any] = {}
            for step in plan.steps:
                if step.kind == "mutation":
                    assert step.params is not None and step.statement is not None
                    cursor = await conn.execute(step.statement, step.params.bind(coerced))
                    violations, text = await cursor.fetchone()  # type: ignore[misc]
                    if violations:
                        name = step.selected.name if step.selected else step.key
                        if step.item is None:
                            raise TableAccessDenied(f"{name}: the written rows break this role's permission check", path=[step.key],
                                                    code="PERMISSION_CHECK")
                        raise TableAccessDenied(f"{name}, update {step.item + 1}: the written rows break this role's permission check",
                                                path=[step.key, step.item], code="PERMISSION_CHECK")
                    value = RawJSON(text) if text is not None else None
                    if step.item is None:
                        data[step.key] = value
                    else:  # one of the statements of update_T_many, answered in a list
                        data.setdefault(step.key, []).append(value)
                elif step.kind == "extension":
                    try:
                        data[step.key] = await _extension(project, state, session, step, variable_values, headers, conn)
                    except RuntimeError_ as exc:
                        exc.path = exc.path or [step.key]
                        raise
                else:
                    data[step.key] = step.value
            response = Response(data)
            if key is not None:
                await idempotency.record(conn, key, caller, response.to_dict())
            return response


def _standalone(plan: Plan, key: str | None) -> bool:
    """A lone extension field that guarantees its own atomicity needs no request transaction
    (with an Idempotency-Key: only a field that claims the key itself)."""
    if len(plan.steps) != 1 or plan.steps[0].kind != "extension":
        return False
    root = plan.steps[0].root
    extension = root.extension if root is not None else None
    return extension is not None and extension.standalone and (key is None or extension.own_idempotency)


async def _run_mutation(project: Any, state: Any, session: Session, prepared: Prepared, variables: Mapping[str, Any] | None,
                        headers: Mapping[str, str]) -> Response:
    variable_values = variables_for(prepared, variables, session)
    plan = plan_for(state, session, prepared, variable_values.coerced)
    key = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None)
    for attempt in range(MAX_ATTEMPTS):
        try:
            if _standalone(plan, key):
                step = plan.steps[0]
                try:
                    return Response({step.key: await _extension(project, state, session, step, variable_values, headers, None, key)})
                except RuntimeError_ as exc:
                    exc.path = exc.path or [step.key]
                    raise
            return await _mutation_transaction(project, state, session, plan, variable_values, headers, key)
        except _Replayed as replay:
            return Response(replay.response.get("data"), list(replay.response.get("errors") or []))
        except SCHEMA_GONE:
            raise  # execute_response retries on the version now served
        except psycopg.Error as exc:
            if is_retryable(exc) and attempt < MAX_ATTEMPTS - 1:
                # a short random pause: two retried losers of the same conflict should not meet again
                await asyncio.sleep(random.uniform(0, RETRY_PAUSE_SECONDS) * (attempt + 1))
                continue
            if is_retryable(exc):
                return Response(None, [graphql_error("The request conflicted with concurrent requests; please retry", "CONFLICT")])
            return _database_failure(exc)
    raise AssertionError("unreachable")


async def _respond(project: Any, state: Any, session: Session, prepared: Prepared, variables: Mapping[str, Any] | None,
                   headers: Mapping[str, str]) -> Response:
    try:
        if prepared.operation == "mutation":
            return await _run_mutation(project, state, session, prepared, variables, headers)
        return await _run_query(project, state, session, prepared, variables, headers)
    except DocumentErrors as exc:
        return Response(errors=exc.to_graphql_list(), status=400, has_data=False)
    except RuntimeError_ as exc:
        return _failure(exc)
    except SCHEMA_GONE:
        raise  # execute_response retries on the version now served
    except psycopg.Error as exc:
        return _database_failure(exc)


def _database_failure(exc: psycopg.Error) -> Response:
    """The answer to a database error: 503 DATABASE_UNAVAILABLE (retryable) when the database cannot be reached."""
    error = from_database(exc)
    if isinstance(error, DatabaseUnavailable):
        return _failure(error)
    return Response(None, errors_of(error))


# A statement compiled for the definition a request started with met tables a publish has
# changed: retryable (extensions.code SCHEMA_CHANGED, HTTP 503), never INTERNAL.
SCHEMA_GONE = (psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedTable, psycopg.errors.UndefinedFunction,
               psycopg.errors.UndefinedObject, psycopg.errors.DatatypeMismatch)
SCHEMA_CHANGED = "SCHEMA_CHANGED"


def _failure(exc: RuntimeError_) -> Response:
    status = exc.http_status if exc.http_status >= 400 else 200
    return Response(errors=errors_of(exc), status=status, has_data=status == 200)


async def execute_response(project: Any, session: Session, query: str, variables: Mapping[str, Any] | None = None,
                           operation_name: str | None = None, *, headers: Mapping[str, str] | None = None, state: Any = None,
                           read_only: bool = False, _retried: bool = False) -> Response:
    """``execute`` as a ``Response``; ``read_only`` (HTTP GET) refuses mutations with 405."""
    state = state if state is not None else project.state  # once per request: a publish never changes it midway
    try:
        problem = text_problem(query) if isinstance(query, str) else None
        if problem:
            raise BadUserInput(f"the query {problem}")
        prepared = prepare(project, state, session, query, operation_name)
        if read_only and prepared.operation == "mutation":
            raise MethodNotAllowed("Mutations must be sent with POST")
        return await _respond(project, state, session, prepared, variables, headers or {})
    except RuntimeError_ as exc:
        return _failure(exc)
    except SCHEMA_GONE:
        # A publish changed the tables under this request (its statement was compiled for the
        # version it started with, and the failed statement changed nothing). Run it once more on
        # the version now served; if that one is not in place yet, say so with a retryable code.
        if project.state is not state and not _retried:
            return await execute_response(project, session, query, variables, operation_name, headers=headers,
                                          read_only=read_only, _retried=True)
        log.warning("GraphQL request met a changed schema (a publish in progress?)", exc_info=True)
        return Response(None, [graphql_error("The app was published while this request ran; send it again", SCHEMA_CHANGED)],
                        status=503, has_data=False)
    except Exception:
        log.exception("GraphQL request failed")
        return Response(None, [graphql_error("Internal error: the request could not be completed", "INTERNAL")])


async def execute(project: Any, session: Session, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None,
                  *, headers: dict[str, str] | None = None, state: Any = None) -> dict[str, Any]:
    """Run one GraphQL request; returns the complete response, never raises for client errors."""
    response = await execute_response(project, session, query, variables, operation_name, headers=headers, state=state)
    return response.to_dict()


async def run_prepared_response(project: Any, state: Any, session: Session, prepared: Prepared, variables: Mapping[str, Any] | None,
                                headers: Mapping[str, str] | None = None) -> Response:
    try:
        return await _respond(project, state, session, prepared, variables, headers or {})
    except Exception:
        log.exception("GraphQL request failed")
        return Response(None, [graphql_error("Internal error: the request could not be completed", "INTERNAL")])


async def run_prepared(project: Any, state: Any, session: Session, prepared: Prepared, variables: dict[str, Any] | None) -> dict[str, Any]:
    """Run a prepared query, or a subscription operation as a one-shot query."""
    return (await run_prepared_response(project, state, session, prepared, variables)).to_dict()


async def subscribe_extension(project: Any, state: Any, session: Session, prepared: Prepared,
                              variables: dict[str, Any] | None) -> AsyncIterator[dict[str, Any]]:
    """Successive responses of a subscription whose root is an extension field with ``subscribe``."""
    field = prepared.subscription_field
    if field is None or field.subscribe is None:
        raise RuntimeError_("this subscription is not an extension subscription", code="BAD_USER_INPUT")
    variable_values = variables_for(prepared, variables, session)
    root_type = prepared.bundle.schema.subscription_type
    assert root_type is not None
    (selected,) = [s for s in collect(root_type, [prepared.node.selection_set], prepared.document.fragments, variable_values.coerced)
                   if s.name == field.name]
    assert selected.definition is not None
    args = get_argument_values(selected.definition, selected.node, variable_values.full)
    ctx = RequestContext(project, state, session, {}, None)
    async for value in field.subscribe(ctx, args):
        try:
            data = {selected.key: project_value(value, selected.definition.type, selected.children, [selected.key])}
            yield Response(data).to_dict()
        except RuntimeError_ as exc:
            yield Response({selected.key: None}, errors_of(exc)).to_dict()


def compiled_sql(state: Any, session: Session, query: str, variables: Mapping[str, Any] | None = None,
                 operation_name: str | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL statement and parameters a query operation runs (for benchmarks and debugging)."""
    prepared = prepare(None, state, session, query, operation_name)
    coerced = variables_for(prepared, variables, session).coerced
    plan = plan_for(state, session, prepared, coerced)
    if plan.statement is None or plan.params is None:
        raise RuntimeError_("this operation runs no SQL query", code="BAD_USER_INPUT")
    return plan.statement, plan.params.bind(coerced)
