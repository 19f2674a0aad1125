"""A tolerant view of the data model for checks: tables by id, their columns and relationships.

Unlike ``builder.resolved`` it accepts a definition with dangling references
(relations to missing tables are skipped) so every other check can still run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from builder.asset_types import STORAGE_TYPE, asset_type
from builder.definition import (
    ACCOUNT_SYSTEM_FIELDS,
    ACCOUNT_TABLE,
    SYSTEM_FIELDS,
    Definition,
)

SYSTEM_TYPES: dict[str, str] = {"id": "bigint", "created_at": "timestamptz", "updated_at": "timestamptz", "username": "text"}
READ_ONLY: frozenset[str] = frozenset(SYSTEM_FIELDS)
NUMERIC_TYPES: frozenset[str] = frozenset({"bigint", "decimal"})


@dataclass(frozen=True)
class RelationshipInfo:
    name: str
    kind: str  # "object" or "array"
    target: str  # table id


@dataclass
class TableInfo:
    id: str
    name: str
    columns: dict[str, str] = field(default_factory=dict)  # name -> type
    required: set[str] = field(default_factory=set)  # columns that need a value on insert
    unique: set[str] = field(default_factory=set)  # single columns with a unique index
    constraints: set[str] = field(default_factory=set)  # ids of unique constraints
    relationships: dict[str, RelationshipInfo] = field(default_factory=dict)

    def writable(self, column: str) -> bool:
        return column in self.columns and column not in READ_ONLY


@dataclass(frozen=True)
class Catalog:
    tables: dict[str, TableInfo]  # by id

    def table(self, table_id: str) -> TableInfo | None:
        return self.tables.get(table_id)

    def account(self) -> TableInfo | None:
        return next((t for t in self.tables.values() if t.name == ACCOUNT_TABLE), None)


def build_catalog(definition: Definition) -> Catalog:
    tables: dict[str, TableInfo] = {}
    for table in definition.tables:
        if table.id in tables:
            continue
        info = TableInfo(id=table.id, name=table.name, columns={"id": "bigint"}, unique={"id"})
        if table.name == ACCOUNT_TABLE:
            info.columns.update({name: "text" for name in ACCOUNT_SYSTEM_FIELDS})
            info.unique.update(ACCOUNT_SYSTEM_FIELDS)
        for f in table.fields:
            info.columns.setdefault(f.name, STORAGE_TYPE if asset_type(f.type) else f.type)  # an asset field holds its asset id
            if f.required and f.default is None:
                info.required.add(f.name)
            if f.unique:
                info.unique.add(f.name)
        info.columns.update({"created_at": "timestamptz", "updated_at": "timestamptz"})
        tables[table.id] = info
    for constraint in definition.constraints:
        if constraint.table in tables:
            tables[constraint.table].constraints.add(constraint.id)
    for rel in definition.relations:
        source, target = tables.get(rel.from_table), tables.get(rel.to_table)
        if source is None or target is None:
            continue
        target.columns.setdefault(rel.foreign_key.name, "bigint")
        if rel.required:
            target.required.add(rel.foreign_key.name)
        if rel.kind == "one_to_one":
            target.unique.add(rel.foreign_key.name)
        kind = "object" if rel.kind == "one_to_one" else "array"
        source.relationships.setdefault(rel.from_field, RelationshipInfo(rel.from_field, kind, target.id))
        target.relationships.setdefault(rel.to_field, RelationshipInfo(rel.to_field, "object", source.id))
    return Catalog(tables)


def suggestion(name: str, choices: Iterable[str]) -> str:
    """`` Did you mean `stock`?`` when a close name exists, else ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""
