"""Compare two schema specs by ids and list the steps that turn one into the other.

Order matters and is fixed in ``diff_schemas``: drops (under the old names),
renames, then creations and changes (under the new names), constraints last so
that the columns they name exist.
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.asset_types import ASSET_SCHEMA, ASSET_TABLE
from runtime.migrations.ops import (
    AddColumn,
    AddForeignKey,
    AddUnique,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropTable,
    RenameColumn,
    RenameConstraint,
    RenameTable,
    Step,
)
from runtime.migrations.ops_alter import AlterDefault, AlterNullable, AlterType
from runtime.migrations.spec import ASSET_TARGET, ConstraintSpec, SchemaSpec, TableSpec

_TEMPORARY = "__minimomen_tmp_{}"


def diff_schemas(old: SchemaSpec, new: SchemaSpec) -> list[Step]:
    """Steps that migrate a database built for ``old`` to ``new``."""
    kept = [t for t in new.tables if t in old.tables]
    created = [t for t in new.tables if t not in old.tables]
    dropped = [t for t in old.tables if t not in new.tables]
    steps: list[Step] = []
    # 1. drops, with the old names
    for tid in kept:
        steps += _dropped_constraints(old.tables[tid], new.tables[tid])
    for tid in kept:
        o, n = old.tables[tid], new.tables[tid]
        steps += [DropColumn(o.name, o.columns[cid].name) for cid in o.columns if cid not in n.columns]
    steps += [DropTable(old.tables[tid].name) for tid in dropped]
    # 2. renames
    steps += _renames(RenameTable, [(old.tables[t].name, new.tables[t].name) for t in kept])
    for tid in kept:
        o, n = old.tables[tid], new.tables[tid]
        pairs = [(o.columns[c].name, n.columns[c].name) for c in n.columns if c in o.columns]
        steps += _renames(RenameColumn, pairs, n.name)
    for tid in kept:
        o, n = old.tables[tid], new.tables[tid]
        pairs = [
            (o.constraints[k].name, c.name)
            for k, c in n.constraints.items()
            if k in o.constraints and o.constraints[k].same_shape(c)
        ]
        steps += _renames(RenameConstraint, pairs, n.name)
    # 3. creations and changes, with the new names
    steps += [CreateTable(new.tables[tid]) for tid in created]
    for tid in kept:
        steps += list(_column_changes(old.tables[tid], new.tables[tid]))
    for tid in new.tables:
        before = old.tables.get(tid)
        steps += list(_added_constraints(before, new.tables[tid], new))
    return steps


def _dropped_constraints(old: TableSpec, new: TableSpec) -> list[Step]:
    gone = [c for k, c in old.constraints.items() if k not in new.constraints or not c.same_shape(new.constraints[k])]
    gone.sort(key=lambda c: c.kind != "foreign_key")  # foreign keys first: they may depend on unique keys
    return [DropConstraint(old.name, c) for c in gone if c.kind != "primary_key"]


def _added_constraints(old: TableSpec | None, new: TableSpec, schema: SchemaSpec) -> Iterator[Step]:
    for key, c in new.constraints.items():
        if c.kind == "primary_key":
            continue
        if old is not None and key in old.constraints and old.constraints[key].same_shape(c):
            continue
        columns = tuple(new.column_name(cid) for cid in c.columns)
        if c.kind == "unique":
            yield AddUnique(new.name, c, columns)
    for key, c in new.constraints.items():
        if c.kind != "foreign_key" or (c.target not in schema.tables and c.target != ASSET_TARGET):
            continue
        if old is not None and key in old.constraints and old.constraints[key].same_shape(c):
            continue
        if c.target == ASSET_TARGET:
            yield AddForeignKey(new.name, c, new.column_name(c.columns[0]), ASSET_TABLE, target_schema=ASSET_SCHEMA)
            continue
        yield AddForeignKey(new.name, c, new.column_name(c.columns[0]), schema.tables[c.target].name)


def _column_changes(old: TableSpec, new: TableSpec) -> Iterator[Step]:
    for cid, column in new.columns.items():
        before = old.columns.get(cid)
        if before is None:
            yield AddColumn(new.name, column, old_table=old.name)
            continue
        type_changed = before.type != column.type
        if type_changed:
            yield AlterType(new.name, column.name, before.type, column.type, old.name, before.name, had_default=before.default is not None)
        if (type_changed and column.default is not None) or (not type_changed and before.default != column.default):
            yield AlterDefault(new.name, column)
        if before.nullable != column.nullable:
            yield AlterNullable(new.name, column, old.name, before.name)


def _renames(kind: type, pairs: list[tuple[str, str]], *table: str) -> list[Step]:
    """Rename steps; when a new name is another's old name (a swap), go through temporary names."""
    moves = [(a, b) for a, b in pairs if a != b]
    sources = {a for a, _ in moves}
    if not any(b in sources for _, b in moves):
        return [kind(*table, a, b) for a, b in moves]
    first = [kind(*table, a, _TEMPORARY.format(i), temporary=True) for i, (a, _) in enumerate(moves)]
    second = [kind(*table, _TEMPORARY.format(i), b) for i, (_, b) in enumerate(moves)]
    return first + second


def constraint_columns(table: TableSpec, constraint: ConstraintSpec) -> tuple[str, ...]:
    return tuple(table.column_name(cid) for cid in constraint.columns)
