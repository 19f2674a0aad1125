"""Mutation root fields (``insert_T``, ``update_T_by_pk`` ...) compiled to one statement each.

The role's grants shape every statement: insert presets override client values,
``check`` rules are verified on the written rows (the executor rolls back when
any row breaks them), update and delete filters are ANDed into the WHERE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import sql

from builder.resolved import Relationship, ResolvedTable
from runtime.data import jsonb_updates
from runtime.data.insert_tree import (
    InsertRow,
    InsertSpec,
    Nested,
    has_nested,
    insert_tree,
)
from runtime.data.mutate import Conflict, MutationCompiler, Written
from runtime.data.select import Output
from runtime.data.sql import Params
from runtime.graphql.compile import QueryBuilder
from runtime.graphql.registry import TableAccess
from runtime.graphql.schema import RootField
from runtime.graphql.selection import Selected
from runtime.types import BadUserInput, TableAccessDenied

BoolExp = dict[str, Any]
MAX_NESTING = 6  # levels of nested inserts below the root field
MAX_NESTED_ROWS = 500  # rows of a nested insert in all (each row with nested rows is a CTE of its own)
MAX_UPDATES = 500  # elements of one update_T_many (each is a statement)
Part = tuple[Params, sql.Composable]  # a statement with the parameters it was built with


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


def _spec(builder: QueryBuilder, table: ResolvedTable, rows: list[dict[str, Any]], on_conflict: Any, budget: _Budget) -> InsertSpec:
    """The rows for ``table`` with their nested rows, under this request's insert rules for each table."""
    access = _access(builder, table)
    # Grants from this request's session: the schema bundle's are bound to whichever
    # session of the same roles built it (its presets and filters hold that account's id).
    grant = builder.grants.insert(table)
    if grant is None:
        raise TableAccessDenied(f"inserting into {table.name} is not allowed")
    conflict = _conflict(access, on_conflict)
    update = builder.grants.update(table)
    check = grant.check
    if conflict is not None and conflict.update_columns and update is not None:
        check = _and(check, update.check)
    spec = InsertSpec(table, [], grant.presets, conflict, update.filter if update else None, check)
    budget.spend(len(rows))
    for given in rows:
        values = {k: v for k, v in given.items() if k != "_placeholder" and k not in table.relationships}
        nested = [_nested(builder, table, table.relationships[k], v, budget) for k, v in given.items() if k in table.relationships]
        spec.rows.append(InsertRow(values, [n for n in nested if n is not None]))
    for row in spec.rows:
        for link in row.nested:
            _check_link(spec, row, link)
    return spec


def _check_link(spec: InsertSpec, row: InsertRow, link: Nested) -> None:
    """The foreign key a relationship sets is the relationship's: neither the client nor a preset sets it."""
    holders = [row.values] if link.before else [r.values for r in link.spec.rows]
    presets = spec.presets if link.before else link.spec.presets
    if link.link_column in presets or any(link.link_column in values for values in holders):
        raise BadUserInput(f"insert into {spec.table.name}: `{link.relationship.name}` sets field `{link.link_column}`; "
                           "leave it out of the inserted object")


def _nested(builder: QueryBuilder, table: ResolvedTable, rel: Relationship, value: Any, budget: _Budget) -> Nested | None:
    if not isinstance(value, dict) or "data" not in value:
        raise BadUserInput(f"insert into {table.name}: `{rel.name}` expects {{data: ...}}")
    data = value["data"]
    rows = [data] if rel.kind == "object" else list(data or [])
    if rel.kind == "object" and not isinstance(data, dict):
        raise BadUserInput(f"insert into {table.name}: `{rel.name}.data` expects one object")
    if not rows:
        return None
    with budget.deeper():
        return Nested(rel, _spec(builder, builder.project.tables[rel.target], rows, value.get("on_conflict"), budget))


class _Budget:
    """Bounds a nested insert: levels of nesting and rows in all (each nested row is a CTE)."""

    def __init__(self) -> None:
        self.depth = 0
        self.rows = 0

    def spend(self, rows: int) -> None:
        self.rows += rows

    @contextmanager
    def deeper(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise BadUserInput(f"nested inserts may be at most {MAX_NESTING} levels deep")
        try:
            yield
        finally:
            self.depth -= 1


def _insert(builder: QueryBuilder, table: ResolvedTable, selected: Selected, rows: list[dict[str, Any]], written: Written) -> sql.Composable:
    budget = _Budget()
    spec = _spec(builder, table, rows, builder.args(selected).get("on_conflict"), budget)
    compiler = MutationCompiler(builder.select, lambda t: (grant := builder.grants.insert(t)) is not None and grant.explicit_id)
    if has_nested(spec.rows):
        if budget.rows > MAX_NESTED_ROWS:
            raise BadUserInput(f"a nested insert may write at most {MAX_NESTED_ROWS} rows in all; insert in batches")
        return insert_tree(compiler, spec, written)
    return compiler.insert(table, [row.values for row in spec.rows], spec.presets, spec.conflict, spec.conflict_filter, spec.check, written)


def _insert_many(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable | None:
    rows = builder.args(selected).get("objects") or []
    if not rows:
        return None
    return _insert(builder, table, selected, rows, _response(builder, table, selected))


def _insert_one(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    row = builder.args(selected).get("object") or {}
    return _insert(builder, table, selected, [row], _one(builder, table, selected))


def _update(builder: QueryBuilder, table: ResolvedTable, where: BoolExp | None, changes: dict[str, Any], written: Written) -> sql.Composable:
    """One UPDATE under this request's update rule (row filter, columns, presets, check); ``changes`` holds ``_set`` / ``_inc``."""
    _access(builder, table)
    grant = builder.grants.update(table)  # per request: see _insert
    if grant is None:
        raise TableAccessDenied(f"updating {table.name} is not allowed")
    return MutationCompiler(builder.select).update(
        table, where, changes.get("_set") or {}, changes.get("_inc") or {}, grant.presets, grant.filter, grant.check, written,
        json_changes={op: changes[op] for op in jsonb_updates.OPERATORS if changes.get(op)})


def _update_where(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    args = builder.args(selected)
    return _update(builder, table, args.get("where"), args, _response(builder, table, selected))


def _update_by_pk(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    args = builder.args(selected)
    pk = (args.get("pk_columns") or {}).get("id")
    return _update(builder, table, {"id": {"_eq": pk}} if pk is not None else {"id": {"_is_null": True}}, args, _one(builder, table, selected))


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
    "update": _update_where,
    "update_by_pk": _update_by_pk,
    "delete": _delete_many,
    "delete_by_pk": _delete_by_pk,
}


def _update_steps(new_builder: Callable[[], QueryBuilder], table: ResolvedTable, selected: Selected) -> list[Part]:
    """``update_T_many``: one UPDATE per element, each under the role's update rule, run in order."""
    updates = new_builder().args(selected).get("updates") or []
    if len(updates) > MAX_UPDATES:
        raise BadUserInput(f"{selected.name} takes at most {MAX_UPDATES} updates; send the rest in another request")
    parts: list[Part] = []
    for index, update in enumerate(updates):
        if not isinstance(update, dict):
            raise BadUserInput(f"{selected.name}: update {index + 1} must be an object {{where, _set, _inc}}")
        builder = new_builder()  # parameters of its own: each element is a statement of its own
        parts.append((builder.params, _update(builder, table, update.get("where"), update, _response(builder, table, selected))))
    return parts


# Root fields that write in several statements, run in order in the request's transaction.
MUTATION_STEPS: dict[str, Callable[[Callable[[], QueryBuilder], ResolvedTable, Selected], list[Part]]] = {
    "update_many": _update_steps,
}


def compile_mutation_steps(new_builder: Callable[[], QueryBuilder], root: RootField, selected: Selected) -> list[Part] | None:
    """The statements of a root field that writes in several steps (``update_T_many``), in order;
    None for a field that is one statement (``compile_mutation``)."""
    build = MUTATION_STEPS.get(root.kind)
    if build is None or root.table is None:
        return None
    return build(new_builder, new_builder().project.tables[root.table], selected)


def compile_mutation(builder: QueryBuilder, root: RootField, selected: Selected) -> sql.Composable | None:
    """The statement of one mutation root field; None when there is nothing to write (``objects: []``)."""
    build = MUTATIONS.get(root.kind)
    if build is None or root.table is None:
        raise BadUserInput(f"`{selected.name}` is not a mutation field")
    return build(builder, builder.project.tables[root.table], selected)
