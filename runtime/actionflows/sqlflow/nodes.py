"""One emitter per node type: the node's PL/pgSQL, written into a ``Body``.

Table nodes reuse the statement builders of ``runtime.data.crud`` (the same SQL
the interpreter sends), wrapped as ``WITH _q AS (<statement>) SELECT ... INTO
<slots> FROM _q LIMIT 1`` so the referenced outputs land in their slots. A
filter value that may be null changes the statement's shape in the interpreter
(``_eq: null`` means no restriction), so each such value gets its own variant
behind an ``IF``. Types without an emitter (loop, run_actionflow) keep the
flow interpreted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from psycopg import sql

from builder.expressions import is_ref
from builder.flows import (
    ConditionNode,
    DeleteNode,
    GetCurrentAccountNode,
    InsertNode,
    QueryNode,
    RaiseErrorNode,
    SetVariableNode,
    UpdateNode,
)
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.actionflows.nodes.insert import conflict_columns
from runtime.actionflows.nodes.query import MAX_ROWS
from runtime.actionflows.nodes.update import negate
from runtime.actionflows.sqlflow.scope import Scope, SlotParams
from runtime.actionflows.sqlflow.types import ROWS, NotCompilable, SlotRef
from runtime.actionflows.sqlflow.values import (
    NUMBERS,
    condition_sql,
    message_text,
    typed,
    value_of,
)
from runtime.actionflows.types import NodeFailed
from runtime.data.crud import (
    OrderBy,
    delete_statement,
    insert_statement,
    select_statement,
    update_statement,
)
from runtime.expressions import ExpressionError
from runtime.types import BadUserInput

MAX_NULLABLE_FILTER_VALUES = 3  # 2**n statement variants
RAISE_SQLSTATE = "P0001"


class Body(Protocol):
    """What an emitter writes into (``runtime.actionflows.sqlflow.function.Body``)."""

    project: ResolvedProject
    scope: Scope

    def start(self, node: Any) -> None:
        """Mark ``node`` as started (the run log's last node) and tag the lines that follow."""
        ...

    def emit(self, line: sql.Composable | str) -> None: ...

    def nodes(self, nodes: list[Any]) -> None: ...

    def used(self, node_id: str) -> frozenset[str]:
        """Output keys of ``node_id`` that the flow reads."""
        ...


Emitter = Callable[[Any, Body], None]


def _table(project: ResolvedProject, table_id: str) -> ResolvedTable:
    try:
        return project.table(table_id)
    except KeyError:
        raise NotCompilable(f"table `{table_id}` does not exist") from None


# ---------------------------------------------------------------- simple nodes


def _get_current_account(node: GetCurrentAccountNode, body: Body) -> None:
    body.start(node)
    used, scope = body.used(node.id), body.scope
    if "account_id" in used:
        body.emit(sql.SQL("{} := {};").format(scope.resolve(f"node.{node.id}.account_id").sql, scope.resolve("session.account_id").sql))
    if "username" not in used:
        return
    username = scope.resolve(f"node.{node.id}.username").sql
    body.emit(sql.SQL("{} := {};").format(username, scope.resolve("session.username").sql))
    table = body.project.tables.get("account")
    if table is None or "username" not in table.columns:
        return
    account = scope.ref("session.account_id")
    lookup = select_statement(SlotParams(scope), body.project, table, {"id": {"_eq": account}}, limit=1)
    body.emit(sql.SQL('IF {} IS NULL AND {} IS NOT NULL THEN SELECT _q."username" INTO {} FROM ({}) AS _q; END IF;').format(
        username, account.expr, username, lookup))


def _condition(node: ConditionNode, body: Body) -> None:
    body.start(node)
    branch_slot = body.scope.resolve(f"node.{node.id}.branch").sql if "branch" in body.used(node.id) else None
    for i, branch in enumerate(node.branches):
        if branch.condition is None:
            body.emit("ELSE" if i else "IF TRUE THEN")
        else:
            keyword = "ELSIF" if i else "IF"
            body.emit(sql.SQL("{} {} THEN").format(sql.SQL(keyword), condition_sql(branch.condition, body.scope)))
        if branch_slot is not None:
            body.emit(sql.SQL("{} := {};").format(branch_slot, body.scope.constant(branch.id, "text")))
        body.nodes(branch.nodes)
        if branch.condition is None:
            break  # "otherwise" wins: later branches never run
    body.emit("END IF;")


def _set_variable(node: SetVariableNode, body: Body) -> None:
    body.start(node)
    declared = {v.name: v for v in body.scope.flow.variables}
    targets, values = [], []
    for name, expression in node.assignments.items():
        variable = declared.get(name)
        if variable is None:
            raise NotCompilable(f"variable `{name}` is not declared")
        slot = body.scope.resolve(f"var.{name}")
        targets.append(slot.sql)
        values.append(typed(value_of(expression, body.scope), variable.type, body.scope, f"variable `{name}`"))
    if len(targets) == 1:
        body.emit(sql.SQL("{} := {};").format(targets[0], values[0]))
    else:  # every value first: assignments in one node see the old values
        body.emit(sql.SQL("SELECT {} INTO {};").format(sql.SQL(", ").join(values), sql.SQL(", ").join(targets)))


def _raise_error(node: RaiseErrorNode, body: Body) -> None:
    body.start(node)
    message = message_text(value_of(node.message, body.scope), body.scope)
    body.emit(sql.SQL("RAISE EXCEPTION USING ERRCODE = {}, MESSAGE = {};").format(sql.Literal(RAISE_SQLSTATE), message))


# ---------------------------------------------------------------- table nodes

Build = Callable[[SlotParams, Any], sql.Composed]


def _bind(value: Any, scope: Scope, nulls: frozenset[str]) -> Any:
    """A filter with refs as slots, or as null for the slots in ``nulls`` (as ``statements._bind``)."""
    if is_ref(value):
        ref = scope.ref(value["ref"])
        return None if ref.name in nulls else ref
    if isinstance(value, dict):
        if len(value) == 1 and "literal" in value:
            return value["literal"]
        return {k: _bind(v, scope, nulls) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind(v, scope, nulls) for v in value]
    return value


def _nullable(value: Any, scope: Scope) -> list[SlotRef]:
    if is_ref(value):
        slot = scope.resolve(value["ref"])
        return [scope.ref(value["ref"])] if slot.nullable else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [ref for item in items for ref in _nullable(item, scope)]


def _statement(body: Body, node: Any, table: ResolvedTable, build: Build, filter_: Any = None) -> None:
    """Run ``build``'s statement (one variant per null/non-null filter value); fill the used outputs."""
    scope = body.scope
    items: list[sql.Composable] = []
    targets: list[sql.Composable] = []
    fixes: list[sql.Composable] = []
    for key in sorted(body.used(node.id)):
        slot = scope.resolve(f"node.{node.id}.{key}").sql
        if key in table.columns:
            items.append(sql.SQL("_q.{}").format(sql.Identifier(key)))
        elif key == "affected_rows":
            items.append(sql.SQL("count(*) OVER ()"))
            fixes.append(sql.SQL("{} := coalesce({}, 0);").format(slot, slot))
        elif key in ("rows", "returning"):
            items.append(sql.SQL("jsonb_agg(to_jsonb(_q)) OVER ()"))
            fixes.append(sql.SQL("{} := coalesce({}, '[]');").format(slot, slot))
        elif key == "found":
            items.append(sql.SQL("TRUE"))
            fixes.append(sql.SQL("{} := coalesce({}, FALSE);").format(slot, slot))
        targets.append(slot)
    if not items:
        items, targets = [sql.SQL("1")], [sql.Identifier("_x")]
    nullable = list({ref.name: ref for ref in _nullable(filter_, scope)}.values())
    if len(nullable) > MAX_NULLABLE_FILTER_VALUES:
        raise NotCompilable(f"more than {MAX_NULLABLE_FILTER_VALUES} filter values that may be empty")
    variants = list(itertools.product((False, True), repeat=len(nullable)))
    for i, nulls in enumerate(variants):
        null_names = frozenset(ref.name for ref, is_null in zip(nullable, nulls) if is_null)
        try:
            statement = build(SlotParams(scope), _bind(filter_, scope, null_names))
        except (BadUserInput, NodeFailed) as exc:
            raise NotCompilable(exc.message) from None
        line = sql.SQL("WITH _q AS ({}) SELECT {} INTO {} FROM _q LIMIT 1;").format(
            statement, sql.SQL(", ").join(items), sql.SQL(", ").join(targets))
        if len(variants) > 1:
            guard = sql.SQL(" AND ").join(
                sql.SQL("{} IS NULL" if is_null else "{} IS NOT NULL").format(ref.expr) for ref, is_null in zip(nullable, nulls))
            body.emit(sql.SQL("{} {} THEN").format(sql.SQL("ELSIF" if i else "IF"), guard))
        body.emit(line)
    if len(variants) > 1:
        body.emit("END IF;")
    for fix in fixes:
        body.emit(fix)


def _cells(values: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    """Node values as the statement builders take them: slots, or constants they convert."""
    cells: dict[str, Any] = {}
    for column, expression in values.items():
        value = value_of(expression, scope)
        cells[column] = value.constant if value.slot is None else SlotRef(value.slot.name, value.slot.type, value.slot.sql)
    return cells


def _decrements(values: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for column, expression in values.items():
        value = value_of(expression, scope)
        if value.slot is None:
            try:
                cells[column] = negate(value.constant, column)
            except (NodeFailed, ExpressionError) as exc:
                raise NotCompilable(str(exc)) from None
        elif value.slot.nullable or value.slot.type not in NUMBERS:
            raise NotCompilable(f"decreasing `{column}` by a value that may be empty")
        else:
            cells[column] = SlotRef(value.slot.name, value.slot.type, sql.SQL("-({})").format(value.slot.sql))
    return cells


def _query(node: QueryNode, body: Body) -> None:
    body.start(node)
    table = _table(body.project, node.table)
    limit = 1 if node.one else (node.limit or MAX_ROWS)
    order_by = tuple(OrderBy(o.field, o.direction) for o in node.order_by)
    _statement(body, node, table, lambda params, where: select_statement(
        params, body.project, table, where, order_by=order_by, limit=limit, lock=node.lock), node.filter)


def _insert(node: InsertNode, body: Body) -> None:
    body.start(node)
    table = _table(body.project, node.table)
    columns = update = None
    if node.on_conflict is not None:
        try:
            columns = conflict_columns(table, node.on_conflict)
        except NodeFailed as exc:
            raise NotCompilable(exc.message) from None
        update = tuple(node.on_conflict.update_fields) if node.on_conflict.action == "update" else None
    cells = _cells(node.values, body.scope)
    _statement(body, node, table, lambda params, _: insert_statement(
        params, table, [cells], on_conflict_columns=columns, on_conflict_update=update))


def _update(node: UpdateNode, body: Body) -> None:
    body.start(node)
    table = _table(body.project, node.table)
    set_values = _cells(node.set, body.scope)
    increment = {**_cells(node.increment, body.scope), **_decrements(node.decrement, body.scope)}
    _statement(body, node, table, lambda params, where: update_statement(
        params, body.project, table, where, set_values=set_values, increment=increment), node.filter)


def _delete(node: DeleteNode, body: Body) -> None:
    body.start(node)
    table = _table(body.project, node.table)
    _statement(body, node, table, lambda params, where: delete_statement(params, body.project, table, where), node.filter)


EMITTERS: Mapping[str, Emitter] = MappingProxyType(
    {
        "get_current_account": _get_current_account,
        "condition": _condition,
        "query": _query,
        "insert": _insert,
        "update": _update,
        "delete": _delete,
        "set_variable": _set_variable,
        "raise_error": _raise_error,
    }
)


def output_keys(node: Any, project: ResolvedProject) -> tuple[dict[str, str], str | None]:
    """The output keys of ``node`` with their types, and the table its row lists hold."""
    if node.type == "get_current_account":
        return {"account_id": "bigint", "username": "text"}, None
    if node.type == "condition":
        return {"branch": "text"}, None
    if node.type not in ("query", "insert", "update", "delete"):
        return {}, None
    table = _table(project, node.table)
    columns = {name: column.type for name, column in table.columns.items()}
    by_type: dict[str, dict[str, str]] = {
        "query": {**columns, "rows": ROWS, "found": "boolean"} if getattr(node, "one", False) else {"rows": ROWS},
        "insert": {**columns, "affected_rows": "bigint"},
        "update": {**columns, "affected_rows": "bigint", "returning": ROWS},
        "delete": {"affected_rows": "bigint", "returning": ROWS},
    }
    return by_type[node.type], table.name
