"""The physical schema a definition asks for, keyed by stable ids.

Migrations compare two ``SchemaSpec``s (the last applied definition's and the
new one's) by ids, so a renamed table, field or constraint is recognised as the
same object. Constraint names follow Hasura's conventions (``order_pkey``,
``account_username_key``, ``order_product_id_fkey``); a composite unique
constraint is named by the builder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from builder.asset_types import ASSET_SCHEMA, ASSET_TABLE, STORAGE_TYPE, asset_type
from builder.definition import ACCOUNT_TABLE, Definition, FieldType

ConstraintKind = Literal["primary_key", "unique", "foreign_key"]
MAX_IDENTIFIER = 63

ON_DELETE_SQL: dict[str, str] = {"restrict": "RESTRICT", "cascade": "CASCADE", "set_null": "SET NULL"}
DEFAULT_ACCOUNT_ID = "tbl_account"
ASSET_TARGET = f"{ASSET_SCHEMA}.{ASSET_TABLE}"  # a foreign-key target outside the user tables


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    name: str
    type: FieldType
    nullable: bool = True
    default: Any = None  # a JSON literal, or None for no default


@dataclass(frozen=True)
class ConstraintSpec:
    key: str  # stable: "pk", "uq:<column id>", "uc:<constraint id>", "fk:<relation id>"
    name: str
    kind: ConstraintKind
    columns: tuple[str, ...]  # column ids
    target: str | None = None  # referenced table id (foreign keys)
    on_delete: str | None = None

    def same_shape(self, other: ConstraintSpec) -> bool:
        """Equal but for the name: a rename, not a re-creation."""
        return (self.kind, self.columns, self.target, self.on_delete) == (other.kind, other.columns, other.target, other.on_delete)


@dataclass(frozen=True)
class TableSpec:
    id: str
    name: str
    columns: dict[str, ColumnSpec] = field(default_factory=dict)  # by id, in creation order
    constraints: dict[str, ConstraintSpec] = field(default_factory=dict)  # by key

    def column_name(self, column_id: str) -> str:
        return self.columns[column_id].name if column_id in self.columns else column_id.rsplit("__", 1)[-1]


@dataclass(frozen=True)
class SchemaSpec:
    tables: dict[str, TableSpec] = field(default_factory=dict)  # by id, account first

    def table_by_name(self, name: str) -> TableSpec | None:
        return next((t for t in self.tables.values() if t.name == name), None)


def constraint_name(*parts: str, suffix: str) -> str:
    """``<parts>_<suffix>`` cut to PostgreSQL's 63 bytes, with a hash when cut, so names stay distinct."""
    name = "_".join((*parts, suffix))
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    keep = MAX_IDENTIFIER - len(suffix) - len(digest) - 2
    return f"{'_'.join(parts)[:keep]}_{digest}_{suffix}"


def system_column_id(table_id: str, name: str) -> str:
    return f"{table_id}__{name}"


def schema_spec(definition: Definition) -> SchemaSpec:
    """The tables, columns and constraints ``definition`` asks for (system columns implicit, except username)."""
    tables: dict[str, TableSpec] = {}
    ordered = sorted(definition.tables, key=lambda t: t.name != ACCOUNT_TABLE)
    if not any(t.name == ACCOUNT_TABLE for t in ordered):
        tables[DEFAULT_ACCOUNT_ID] = _account_only(DEFAULT_ACCOUNT_ID)
    for table in ordered:
        spec = _account_only(table.id) if table.name == ACCOUNT_TABLE else TableSpec(id=table.id, name=table.name)
        spec.constraints["pk"] = ConstraintSpec("pk", constraint_name(table.name, suffix="pkey"), "primary_key", (system_column_id(table.id, "id"),))
        for f in table.fields:
            if asset_type(f.type) is not None:  # the asset's id, kept while a row points to it
                spec.columns[f.id] = ColumnSpec(f.id, f.name, STORAGE_TYPE, nullable=not f.required)
                spec.constraints[f"fa:{f.id}"] = ConstraintSpec(f"fa:{f.id}", constraint_name(table.name, f.name, suffix="fkey"),
                                                                "foreign_key", (f.id,), target=ASSET_TARGET, on_delete="restrict")
                continue
            spec.columns[f.id] = ColumnSpec(f.id, f.name, f.type, nullable=not f.required, default=f.default)
            if f.unique:
                spec.constraints[f"uq:{f.id}"] = ConstraintSpec(f"uq:{f.id}", constraint_name(table.name, f.name, suffix="key"), "unique", (f.id,))
        tables[table.id] = spec
    for rel in definition.relations:
        holder = tables.get(rel.to_table)
        if holder is None or rel.from_table not in tables:
            continue  # validation reports it; nothing to build
        fk = rel.foreign_key
        holder.columns[fk.id] = ColumnSpec(fk.id, fk.name, "bigint", nullable=not rel.required)
        holder.constraints[f"fk:{rel.id}"] = ConstraintSpec(
            f"fk:{rel.id}",
            constraint_name(holder.name, fk.name, suffix="fkey"),
            "foreign_key",
            (fk.id,),
            target=rel.from_table,
            on_delete=rel.on_delete,
        )
        if rel.kind == "one_to_one":
            holder.constraints[f"uq:{fk.id}"] = ConstraintSpec(f"uq:{fk.id}", constraint_name(holder.name, fk.name, suffix="key"), "unique", (fk.id,))
    for uc in definition.constraints:
        owner = tables.get(uc.table)
        if owner is None:
            continue
        by_name = {c.name: c.id for c in owner.columns.values()} | {n: system_column_id(owner.id, n) for n in ("id", "created_at", "updated_at")}
        if all(name in by_name for name in uc.fields):
            owner.constraints[f"uc:{uc.id}"] = ConstraintSpec(f"uc:{uc.id}", uc.name, "unique", tuple(by_name[n] for n in uc.fields))
    return SchemaSpec(tables=tables)


def _account_only(table_id: str) -> TableSpec:
    """The built-in account table: ``username`` is unique and required; credentials live elsewhere."""
    username = system_column_id(table_id, "username")
    spec = TableSpec(id=table_id, name=ACCOUNT_TABLE, columns={username: ColumnSpec(username, "username", "text", nullable=False)})
    spec.constraints["pk"] = ConstraintSpec("pk", "account_pkey", "primary_key", (system_column_id(table_id, "id"),))
    spec.constraints[f"uq:{username}"] = ConstraintSpec(f"uq:{username}", "account_username_key", "unique", (username,))
    return spec
