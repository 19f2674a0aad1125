"""The resolved project: a validated definition with every lookup precomputed.

Built once per published version by ``resolve``; immutable afterwards. The
runtime (GraphQL, permissions, actionflows, pages) reads only this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from builder.asset_types import STORAGE_TYPE, asset_type
from builder.definition import (
    ACCOUNT_SYSTEM_FIELDS,
    ACCOUNT_TABLE,
    Definition,
    FieldType,
    TablePermission,
)
from builder.flows import Actionflow
from builder.pages import Page

SYSTEM_COLUMN_TYPES: dict[str, FieldType] = {"id": "bigint", "created_at": "timestamptz", "updated_at": "timestamptz"}


@dataclass(frozen=True)
class Column:
    id: str
    name: str
    type: FieldType
    required: bool = False
    unique: bool = False
    default: object = None
    system: bool = False
    foreign_key: bool = False
    asset: str | None = None  # "image" / "file": ``type`` is then the asset id's bigint




@dataclass(frozen=True)
class Relationship:
    """A navigable field: ``object`` points to one row, ``array`` lists rows."""

    name: str
    kind: Literal["object", "array"]
    table: str  # name of the table this relationship starts from
    target: str  # name of the related table
    local_column: str  # column on ``table``
    remote_column: str  # column on ``target``
    relation_id: str
    unique: bool = False  # one-to-one seen from the 'from' side


@dataclass(frozen=True)
class UniqueKey:
    id: str
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedTable:
    id: str
    name: str
    columns: Mapping[str, Column]
    relationships: Mapping[str, Relationship]
    unique_keys: tuple[UniqueKey, ...] = ()

    @property
    def user_columns(self) -> tuple[Column, ...]:
        """Columns a client may write (not id, created_at, updated_at)."""
        return tuple(c for c in self.columns.values() if c.name not in SYSTEM_COLUMN_TYPES)


@dataclass(frozen=True)
class ResolvedProject:
    definition: Definition
    tables: Mapping[str, ResolvedTable]  # by table name
    tables_by_id: Mapping[str, ResolvedTable]
    actionflows: Mapping[str, Actionflow]  # by id
    pages: Mapping[str, Page]  # by id
    roles: tuple[str, ...]  # custom role names
    table_permissions: Mapping[tuple[str, str], TablePermission] = field(default_factory=dict)  # (role, table name)
    actionflow_rights: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> flow ids

    def table(self, id_or_name: str) -> ResolvedTable:
        """Look a table up by id or by name; KeyError when absent."""
        found = self.tables_by_id.get(id_or_name) or self.tables.get(id_or_name)
        if found is None:
            raise KeyError(id_or_name)
        return found

    def actionflow(self, id_or_name: str) -> Actionflow | None:
        """Find an actionflow by id, or by its display name."""
        flow = self.actionflows.get(id_or_name)
        if flow is None:
            flow = next((f for f in self.actionflows.values() if f.name == id_or_name), None)
        return flow

    def page_by_path(self, path: str) -> Page | None:
        if path == "":
            home = self.definition.settings.home_page
            if home and home in self.pages:
                return self.pages[home]
        return next((p for p in self.pages.values() if p.path == path), None)


def _columns(definition: Definition, table_id: str, table_name: str) -> dict[str, Column]:
    table = next(t for t in definition.tables if t.id == table_id)
    columns: dict[str, Column] = {"id": Column(id=f"{table_id}__id", name="id", type="bigint", required=True, unique=True, system=True)}
    if table_name == ACCOUNT_TABLE:
        for name in ACCOUNT_SYSTEM_FIELDS:
            columns[name] = Column(id=f"{table_id}__{name}", name=name, type="text", required=True, unique=True, system=True)
    for f in table.fields:
        if asset_type(f.type) is not None:
            columns[f.name] = Column(id=f.id, name=f.name, type=STORAGE_TYPE, required=f.required, unique=f.unique, asset=f.type)
            continue
        columns[f.name] = Column(id=f.id, name=f.name, type=f.type, required=f.required, unique=f.unique, default=f.default)
    for rel in definition.relations:
        if rel.to_table == table_id:
            columns[rel.foreign_key.name] = Column(
                id=rel.foreign_key.id,
                name=rel.foreign_key.name,
                type="bigint",
                required=rel.required,
                unique=rel.kind == "one_to_one",
                foreign_key=True,
            )
    for name in ("created_at", "updated_at"):
        columns[name] = Column(id=f"{table_id}__{name}", name=name, type="timestamptz", required=True, system=True)
    return columns


def resolve(definition: Definition) -> ResolvedProject:
    """Precompute lookups for a definition that ``builder.validation`` accepted."""
    names = {t.id: t.name for t in definition.tables}
    relationships: dict[str, dict[str, Relationship]] = {t.name: {} for t in definition.tables}
    for rel in definition.relations:
        source, target = names[rel.from_table], names[rel.to_table]
        relationships[source][rel.from_field] = Relationship(
            name=rel.from_field,
            kind="object" if rel.kind == "one_to_one" else "array",
            table=source,
            target=target,
            local_column="id",
            remote_column=rel.foreign_key.name,
            relation_id=rel.id,
            unique=rel.kind == "one_to_one",
        )
        relationships[target][rel.to_field] = Relationship(
            name=rel.to_field,
            kind="object",
            table=target,
            target=source,
            local_column=rel.foreign_key.name,
            remote_column="id",
            relation_id=rel.id,
        )
    tables: dict[str, ResolvedTable] = {}
    for t in definition.tables:
        keys = tuple(
            UniqueKey(id=c.id, name=c.name, columns=tuple(c.fields)) for c in definition.constraints if c.table == t.id
        )
        tables[t.name] = ResolvedTable(
            id=t.id,
            name=t.name,
            columns=MappingProxyType(_columns(definition, t.id, t.name)),
            relationships=MappingProxyType(relationships[t.name]),
            unique_keys=keys,
        )
    permissions = {(p.role, names[p.table]): p for p in definition.permissions.tables if p.table in names}
    rights = {role: frozenset(flows) for role, flows in definition.permissions.actionflows.items()}
    return ResolvedProject(
        definition=definition,
        tables=MappingProxyType(tables),
        tables_by_id=MappingProxyType({t.id: t for t in tables.values()}),
        actionflows=MappingProxyType({f.id: f for f in definition.actionflows}),
        pages=MappingProxyType({p.id: p for p in definition.pages}),
        roles=tuple(r.name for r in definition.roles),
        table_permissions=MappingProxyType(permissions),
        actionflow_rights=MappingProxyType(rights),
    )
