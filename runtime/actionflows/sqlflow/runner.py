"""Call a flow's function and turn its answer (or its error) into what the interpreter gives.

The OUT values come back typed by psycopg, as the interpreter's rows do; row
lists come back as JSON text and are converted column by column (timestamps to
datetimes, numbers of decimal fields to ``Decimal``). Errors are classified as
``Run.run_steps`` classifies them, and the "line N" of the error's context
names the node that failed.

The flow's time limit is a ``Deadline``: the one statement that runs the
function cannot arm ``statement_timeout`` for itself (it is read when a
statement starts), so at the limit the client asks the server to cancel the
call. The cancelled statement then fails like any other, with the "line N"
of the node that was running, and maps to the interpreter's timeout error.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import decimal
import json
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from psycopg import AsyncConnection, errors
from psycopg.pq import DiagnosticField

from builder.flows import Actionflow, walk_nodes
from builder.resolved import ResolvedProject
from runtime.actionflows.run import FlowError, db_message
from runtime.actionflows.sqlflow.batch import ERROR_FIELDS, FIRST_OUT, BatchFunction
from runtime.actionflows.sqlflow.nodes import RAISE_SQLSTATE
from runtime.actionflows.sqlflow.types import ROWS, Returned, SqlFlow

CANCEL_TIMEOUT_S = 5.0  # a cancel request the server does not answer: give up (the engine's backstop fires)
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


async def call_batch(conn: AsyncConnection, compiled: SqlFlow, batch: BatchFunction,
                     calls: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], str | None, str | None]]) -> list[tuple[Any, ...]]:
    """One round trip for many calls (inputs, session, Idempotency-Key, caller): one row each, in order (see ``batch``)."""
    columns: list[list[Any]] = [[] for _ in compiled.args]
    for inputs, session, _, _ in calls:
        for column, arg in zip(columns, compiled.args):
            column.append(arg(inputs, session))
    params = [*columns, [key for _, _, key, _ in calls], [caller for _, _, _, caller in calls]]
    cursor = conn.cursor()
    try:
        await cursor.execute(batch.call, params)
        rows = await cursor.fetchall()
    finally:
        await cursor.close()
    assert len(rows) == len(calls)
    return rows


_DIAGNOSTICS = dict(zip((name for name, _ in ERROR_FIELDS), (
    DiagnosticField.MESSAGE_PRIMARY, DiagnosticField.MESSAGE_DETAIL, DiagnosticField.MESSAGE_HINT, DiagnosticField.CONTEXT,
    DiagnosticField.CONSTRAINT_NAME, DiagnosticField.TABLE_NAME, DiagnosticField.COLUMN_NAME, DiagnosticField.SCHEMA_NAME,
    DiagnosticField.DATATYPE_NAME,
)))


def batch_outcome(row: tuple[Any, ...]) -> tuple[str | None, Any]:
    """A batch row as ``(None, out_values)`` (the call ran), ``("replay", stored)`` or ``("error", psycopg_error)``.

    The error is of the class and carries the diagnostics the same failure raises
    when the call runs alone, so it maps to the same flow error.
    """
    state = row[0]
    if state is None:
        return None, row[FIRST_OUT:]
    if state == "replay":
        return "replay", row[FIRST_OUT - 1]
    info: dict[int, bytes | None] = {DiagnosticField.SQLSTATE: state.encode(), DiagnosticField.SEVERITY: b"ERROR"}
    for (name, _), value in zip(ERROR_FIELDS, row[1:FIRST_OUT - 1]):
        info[_DIAGNOSTICS[name]] = value.encode() if value else None
    message = row[1] or state
    try:
        kind: type[errors.Error] = errors.lookup(state)
    except KeyError:
        kind = errors.DatabaseError
    return "error", kind(message, info=info)


class Deadline:
    """Cancels the running call on the server once ``timeout_ms`` have passed; ``expired`` says it did.

    No statement is added to the call: a timer on the event loop, and at expiry a
    cancel request on a connection of its own. Leaving the block waits for a
    request in flight, so it lands while this call runs (or on an idle
    connection, where the server ignores it), never on the next statement.
    """

    __slots__ = ("_cancel", "_conn", "_timeout_ms", "_timer", "expired")

    def __init__(self, conn: AsyncConnection, timeout_ms: int):
        self._conn = conn
        self._timeout_ms = timeout_ms
        self._cancel: asyncio.Future[None] | None = None
        self.expired = False

    async def __aenter__(self) -> Deadline:
        self._timer = asyncio.get_running_loop().call_later(self._timeout_ms / 1000, self._expire)
        return self

    def _expire(self) -> None:
        self.expired = True
        self._cancel = asyncio.ensure_future(self._conn.cancel_safe(timeout=CANCEL_TIMEOUT_S))

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._timer.cancel()
        if self._cancel is not None:
            with contextlib.suppress(Exception):  # a failed cancel: the backstop timeout ends the call
                await self._cancel


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


def flow_error(compiled: SqlFlow, flow: Actionflow, exc: Exception, reached: list[str], *, expired: bool = False) -> Exception:
    """The error the interpreter raises for the same failure (``exc`` itself when it passes through).

    ``expired``: the ``Deadline`` cancelled the call, so a cancellation is the flow's timeout.
    """
    index = failed_node(compiled, exc)
    node_id = compiled.nodes[index] if index is not None else None
    if node_id is not None:
        reached.append(node_id)
    if expired and node_id is None and isinstance(exc, errors.QueryCanceled):  # cancelled outside any node's line
        return FlowError(f"Actionflow {flow.name} timed out after {flow.timeout_ms} ms", flow=flow.id, node=None, cause="TIMEOUT")
    if isinstance(exc, errors.TransactionRollback) or node_id is None:
        return exc  # retried by the request executor, or not a node's failure
    name = next(node.name for node in walk_nodes(flow.nodes) if node.id == node_id)
    diag = exc.diag  # type: ignore[attr-defined]
    if index in compiled.raise_nodes and diag.sqlstate == RAISE_SQLSTATE:
        message = diag.message_primary or f"Actionflow {flow.name} stopped at node {name}"
        return FlowError(message, flow=flow.id, node=node_id)
    if isinstance(exc, (errors.QueryCanceled, errors.LockNotAvailable)):
        timeout = expired or "statement timeout" in str(exc) or isinstance(exc, errors.LockNotAvailable)
        message, cause = (f"timed out after {flow.timeout_ms} ms" if timeout else db_message(exc)), "TIMEOUT"
    elif isinstance(exc, errors.IntegrityError):
        message, cause = db_message(exc), "CONSTRAINT_VIOLATION"
    elif isinstance(exc, errors.DataError):
        message, cause = db_message(exc), "BAD_USER_INPUT"
    else:
        return exc
    return FlowError(f"Actionflow {flow.name}, node {name}: {message}", flow=flow.id, node=node_id, cause=cause)
