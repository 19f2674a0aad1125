"""Call a flow's function and turn its answer (or its error) into what the interpreter gives.

The OUT values come back typed by psycopg, as the interpreter's rows do; row
lists come back as JSON text and are converted column by column (timestamps to
datetimes, numbers of decimal fields to ``Decimal``). Errors are classified as
``Run.run_steps`` classifies them, and the "line N" of the error's context
names the node that failed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import decimal
import json
import re
from collections.abc import Mapping
from typing import Any

from psycopg import AsyncConnection, errors

from builder.flows import Actionflow, walk_nodes
from builder.resolved import ResolvedProject
from runtime.actionflows.run import FlowError, db_message
from runtime.actionflows.sqlflow.nodes import RAISE_SQLSTATE
from runtime.actionflows.sqlflow.types import ROWS, Returned, SqlFlow

_LINE = re.compile(r"PL/pgSQL function (?:\S+\.)?\"?(af_\w+?)\"?\(.*?\) line (\d+)")


async def call(conn: AsyncConnection, compiled: SqlFlow, inputs: Mapping[str, Any], session: Mapping[str, Any]) -> tuple[Any, ...]:
    """One round trip: the function's OUT values (the last node's index first)."""
    cursor = conn.cursor()
    try:
        await cursor.execute(compiled.call, [arg(inputs, session) for arg in compiled.args])
        row = await cursor.fetchone()
    finally:
        await cursor.close()
    assert row is not None
    return row


def scope_of(compiled: SqlFlow, project: ResolvedProject, row: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``var`` and ``node`` scopes from the OUT values (the rest of the scope the caller has)."""
    variables: dict[str, Any] = {}
    nodes: dict[str, dict[str, Any]] = {}
    for returned, value in zip(compiled.returned, row[1:]):
        if returned.type == ROWS and value is not None:
            value = _rows(project, returned, value)
        if returned.path[0] == "var":
            variables[returned.path[1]] = value
        else:
            nodes.setdefault(returned.path[1], {})[returned.path[2]] = value
    return variables, nodes


def _rows(project: ResolvedProject, returned: Returned, text: str) -> list[dict[str, Any]]:
    assert returned.table is not None
    table = project.tables[returned.table]
    rows = json.loads(text, parse_float=decimal.Decimal)
    for row in rows:
        for name, column in table.columns.items():
            value = row.get(name)
            if value is None:
                continue
            if column.type == "timestamptz":
                row[name] = dt.datetime.fromisoformat(value)
            elif column.type == "date":
                row[name] = dt.date.fromisoformat(value)
            elif column.type == "decimal":
                row[name] = decimal.Decimal(value)
            elif column.type == "jsonb":
                row[name] = _floats(value)
    return rows


def _floats(value: Any) -> Any:
    """JSON as psycopg loads it: numbers with a fraction are floats."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    return value


def failed_node(compiled: SqlFlow, exc: BaseException) -> int | None:
    """The index of the node whose line raised ``exc`` (None when the error is not from a node)."""
    context = getattr(getattr(exc, "diag", None), "context", None) or ""
    for match in _LINE.finditer(context):
        if match.group(1) == compiled.function:
            line = int(match.group(2))
            position = bisect.bisect_right(compiled.node_lines, (line, 1 << 30)) - 1
            return compiled.node_lines[position][1] if position >= 0 else None
    return None


def flow_error(compiled: SqlFlow, flow: Actionflow, exc: Exception, reached: list[str]) -> Exception:
    """The error the interpreter raises for the same failure (``exc`` itself when it passes through)."""
    index = failed_node(compiled, exc)
    node_id = compiled.nodes[index] if index is not None else None
    if node_id is not None:
        reached.append(node_id)
    if isinstance(exc, errors.TransactionRollback) or node_id is None:
        return exc  # retried by the request executor, or not a node's failure
    name = next(node.name for node in walk_nodes(flow.nodes) if node.id == node_id)
    diag = exc.diag  # type: ignore[attr-defined]
    if index in compiled.raise_nodes and diag.sqlstate == RAISE_SQLSTATE:
        message = diag.message_primary or f"Actionflow {flow.name} stopped at node {name}"
        return FlowError(message, flow=flow.id, node=node_id)
    if isinstance(exc, (errors.QueryCanceled, errors.LockNotAvailable)):
        timeout = "statement timeout" in str(exc) or isinstance(exc, errors.LockNotAvailable)
        message, cause = (f"timed out after {flow.timeout_ms} ms" if timeout else db_message(exc)), "TIMEOUT"
    elif isinstance(exc, errors.IntegrityError):
        message, cause = db_message(exc), "CONSTRAINT_VIOLATION"
    elif isinstance(exc, errors.DataError):
        message, cause = db_message(exc), "BAD_USER_INPUT"
    else:
        return exc
    return FlowError(f"Actionflow {flow.name}, node {name}: {message}", flow=flow.id, node=node_id, cause=cause)
