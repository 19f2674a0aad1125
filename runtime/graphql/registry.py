"""Named types of one schema, plus what the schema builder knows about each visible table."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLNamedType,
    GraphQLScalarType,
)

from builder.resolved import ResolvedTable
from runtime.data.order_by import DIRECTIONS
from runtime.graphql.scalars import build_scalars
from runtime.permissions import DeleteGrant, InsertGrant, SelectGrant, UpdateGrant


class Types:
    """The ``TypeRegistry`` of ``runtime.graphql.extensions``: one instance per name and schema."""

    def __init__(self) -> None:
        self._types: dict[str, GraphQLNamedType] = dict(build_scalars())
        self._scalars = frozenset(self._types)
        self.add(GraphQLEnumType("order_by", {name: GraphQLEnumValue(name) for name in DIRECTIONS},
                                 description="column ordering options"))

    def get(self, name: str) -> GraphQLNamedType | None:
        return self._types.get(name)

    def add(self, type_: GraphQLNamedType) -> GraphQLNamedType:
        return self._types.setdefault(type_.name, type_)

    def scalar(self, name: str) -> GraphQLNamedType:
        if name not in self._scalars:
            raise KeyError(f"unknown scalar {name}")
        found = self._types[name]
        assert isinstance(found, GraphQLScalarType)
        return found

    def all(self) -> list[GraphQLNamedType]:
        return list(self._types.values())


@dataclass(frozen=True)
class TableAccess:
    """What one role's schema exposes of a table (structure only; row filters come per request)."""

    table: ResolvedTable
    select: SelectGrant
    insert: InsertGrant | None
    update: UpdateGrant | None
    delete: DeleteGrant | None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> list[str]:
        """Selectable columns, in the table's order."""
        return [c for c in self.table.columns if c in self.select.columns]

    def insert_columns(self) -> list[str]:
        if self.insert is None:
            return []
        given = [c.name for c in self.table.user_columns if c.name in self.insert.columns and c.name not in self.insert.presets]
        return ["id", *given] if self.insert.explicit_id else given

    def update_columns(self) -> list[str]:
        if self.update is None:
            return []
        return [c.name for c in self.table.user_columns if c.name in self.update.columns and c.name not in self.update.presets]

    def constraints(self) -> dict[str, tuple[str, ...]]:
        """``T_constraint`` values -> the columns of the unique index they name."""
        found: dict[str, tuple[str, ...]] = {f"{self.name}_pkey": ("id",)}
        for column in self.table.columns.values():
            if column.unique and column.name != "id":
                found[f"{self.name}_{column.name}_key"] = (column.name,)
        for key in self.table.unique_keys:
            found[key.name] = key.columns
        return found
