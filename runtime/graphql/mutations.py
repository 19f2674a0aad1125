"""Mutation root fields (``insert_T``, ``update_T_by_pk`` ...) compiled to one statement each.

The role's grants shape every statement: insert presets override client values,
``check`` rules are verified on the written rows (the executor rolls back when
any row breaks them), update and delete filters are ANDed into the WHERE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import sql

from builder.resolved import ResolvedTable
from runtime.data.mutate import Conflict, MutationCompiler, Written
from runtime.data.select import Output
from runtime.graphql.compile import QueryBuilder
from runtime.graphql.registry import TableAccess
from runtime.graphql.schema import RootField
from runtime.graphql.selection import Selected
from runtime.types import BadUserInput, TableAccessDenied

BoolExp = dict[str, Any]


def _and(*rules: BoolExp | None) -> BoolExp | None:
    present = [r for r in rules if r]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"_and": present}


def _response(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> Written:
    fields: list[Output] = []
    for child in selected.children:
        if child.name == "__typename":
            fields.append(Output(child.key, "constant", value=child.parent.name))
        elif child.name == "affected_rows":
            fields.append(Output(child.key, "fn", function="count"))
        elif child.name == "returning":
            fields.append(Output(child.key, "nodes", children=builder.row_outputs(table, child.children)))
    return Written("response", fields)


def _one(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> Written:
    return Written("one", builder.row_outputs(table, selected.children))


def _access(builder: QueryBuilder, table: ResolvedTable) -> TableAccess:
    access = builder.bundle.access.get(table.name)
    if access is None:
        raise TableAccessDenied(f"no access to table {table.name}")
    return access


def _conflict(access: TableAccess, value: Any) -> Conflict | None:
    if not value:
        return None
    constraints = access.constraints()
    name = value.get("constraint")
    if name not in constraints:
        raise BadUserInput(f"on_conflict: unknown constraint {name!r} on table {access.name}; use one of {', '.join(constraints)}")
    allowed = set(access.update_columns())
    columns = tuple(value.get("update_columns") or ())
    for column in columns:
        if column not in allowed:
            raise BadUserInput(f"on_conflict: field `{column}` of {access.name} cannot be updated")
    return Conflict(constraints[name], columns, value.get("where"))


def _insert(builder: QueryBuilder, table: ResolvedTable, selected: Selected, rows: list[dict[str, Any]], written: Written) -> sql.Composable:
    access = _access(builder, table)
    # Grants from this request's session: the schema bundle's are bound to whichever
    # session of the same roles built it (its presets and filters hold that account's id).
    grant = builder.grants.insert(table)
    if grant is None:
        raise TableAccessDenied(f"inserting into {table.name} is not allowed")
    args = builder.args(selected)
    conflict = _conflict(access, args.get("on_conflict"))
    update = builder.grants.update(table)
    check = grant.check
    if conflict is not None and conflict.update_columns and update is not None:
        check = _and(check, update.check)
    rows = [{k: v for k, v in row.items() if k != "_placeholder"} for row in rows]
    return MutationCompiler(builder.select).insert(
        table, rows, grant.presets, conflict, update.filter if update else None, check, written)


def _insert_many(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable | None:
    rows = builder.args(selected).get("objects") or []
    if not rows:
        return None
    return _insert(builder, table, selected, rows, _response(builder, table, selected))


def _insert_one(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    row = builder.args(selected).get("object") or {}
    return _insert(builder, table, selected, [row], _one(builder, table, selected))


def _update(builder: QueryBuilder, table: ResolvedTable, selected: Selected, where: BoolExp | None, written: Written) -> sql.Composable:
    _access(builder, table)
    grant = builder.grants.update(table)  # per request: see _insert
    if grant is None:
        raise TableAccessDenied(f"updating {table.name} is not allowed")
    args = builder.args(selected)
    return MutationCompiler(builder.select).update(
        table, where, args.get("_set") or {}, args.get("_inc") or {}, grant.presets, grant.filter, grant.check, written)


def _update_many(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    return _update(builder, table, selected, builder.args(selected).get("where"), _response(builder, table, selected))


def _update_by_pk(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    pk = (builder.args(selected).get("pk_columns") or {}).get("id")
    return _update(builder, table, selected, {"id": {"_eq": pk}} if pk is not None else {"id": {"_is_null": True}}, _one(builder, table, selected))


def _delete(builder: QueryBuilder, table: ResolvedTable, selected: Selected, where: BoolExp | None, written: Written) -> sql.Composable:
    _access(builder, table)
    grant = builder.grants.delete(table)  # per request: see _insert
    if grant is None:
        raise TableAccessDenied(f"deleting from {table.name} is not allowed")
    return MutationCompiler(builder.select).delete(table, where, grant.filter, written)


def _delete_many(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    return _delete(builder, table, selected, builder.args(selected).get("where"), _response(builder, table, selected))


def _delete_by_pk(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    pk = builder.args(selected).get("id")
    return _delete(builder, table, selected, {"id": {"_eq": pk}} if pk is not None else {"id": {"_is_null": True}}, _one(builder, table, selected))


MUTATIONS: dict[str, Callable[[QueryBuilder, ResolvedTable, Selected], sql.Composable | None]] = {
    "insert": _insert_many,
    "insert_one": _insert_one,
    "update": _update_many,
    "update_by_pk": _update_by_pk,
    "delete": _delete_many,
    "delete_by_pk": _delete_by_pk,
}


def compile_mutation(builder: QueryBuilder, root: RootField, selected: Selected) -> sql.Composable | None:
    """The statement of one mutation root field; None when there is nothing to write (``objects: []``)."""
    build = MUTATIONS.get(root.kind)
    if build is None or root.table is None:
        raise BadUserInput(f"`{selected.name}` is not a mutation field")
    return build(builder, builder.project.tables[root.table], selected)
