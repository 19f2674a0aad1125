"""Output types of a table: the row type ``T``, ``T_aggregate`` and ``T_mutation_response``.

Resolvers are never attached: table fields are compiled to SQL by
``runtime.graphql.compile``; the types only drive validation and introspection.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)

from builder.asset_types import ASSET_TYPES
from runtime.graphql.aggregates import AGGREGATE_FUNCTIONS
from runtime.graphql.input_types import InputTypes
from runtime.graphql.registry import TableAccess, Types
from runtime.graphql.scalars import FIELD_SCALARS


class TableTypes:
    """Builds (once per name) the output types of every visible table of one schema."""

    def __init__(self, types: Types, access: Mapping[str, TableAccess], inputs: InputTypes):
        self.types = types
        self.access = access
        self.inputs = inputs

    def _existing(self, name: str) -> GraphQLObjectType | None:
        found = self.types.get(name)
        assert found is None or isinstance(found, GraphQLObjectType)
        return found

    def row(self, table: str) -> GraphQLObjectType:
        if (found := self._existing(table)) is not None:
            return found
        access = self.access[table]

        def fields() -> dict[str, GraphQLField]:
            out: dict[str, GraphQLField] = {}
            for name in access.columns:
                column = access.table.columns[name]
                if column.asset:
                    kind = self.asset(column.asset)
                    out[name] = GraphQLField(GraphQLNonNull(kind) if column.required else kind, description=f"the stored {column.asset}")
                    continue
                scalar = self.types.scalar(FIELD_SCALARS[column.type])
                assert isinstance(scalar, GraphQLScalarType)
                out[name] = GraphQLField(GraphQLNonNull(scalar) if column.required or column.system else scalar)
            for rel in access.table.relationships.values():
                target = self.access.get(rel.target)
                if target is None:
                    continue
                if rel.kind == "object":
                    out[rel.name] = GraphQLField(self.row(rel.target), description=f"An object relationship to {rel.target}")
                    continue
                args = self.inputs.select_arguments(rel.target)
                out[rel.name] = GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(self.row(rel.target)))), args,
                                             description=f"An array relationship to {rel.target}")
                if target.select.aggregate:
                    out[f"{rel.name}_aggregate"] = GraphQLField(GraphQLNonNull(self.aggregate(rel.target)), args,
                                                                description=f"An aggregate relationship to {rel.target}")
            return out

        created = self.types.add(GraphQLObjectType(table, fields, description=f'columns and relationships of "{table}"'))
        assert isinstance(created, GraphQLObjectType)
        return created

    def asset(self, kind: str) -> GraphQLObjectType:
        """``FZ_Image`` / ``FZ_File``: the stored file of an image / file field."""
        spec = ASSET_TYPES[kind]
        if (found := self._existing(spec.graphql_type)) is not None:
            return found
        bigint, string, integer = self.types.scalar("bigint"), self.types.scalar("String"), self.types.scalar("Int")
        fields: dict[str, GraphQLField] = {
            "id": GraphQLField(GraphQLNonNull(bigint)),  # type: ignore[arg-type]
            "url": GraphQLField(GraphQLNonNull(string), {  # type: ignore[arg-type]
                "width": GraphQLArgument(integer), "height": GraphQLArgument(integer),  # type: ignore[arg-type]
                "fit": GraphQLArgument(string, description="cover (crop to fill), contain (fit inside) or fill (stretch)"),  # type: ignore[arg-type]
            } if spec.image else {}, description="a signed link, valid for one to two hours" + (
                "; with width / height, a resized copy" if spec.image else "")),
            "filename": GraphQLField(GraphQLNonNull(string)),  # type: ignore[arg-type]
            "content_type": GraphQLField(GraphQLNonNull(string)),  # type: ignore[arg-type]
            "size": GraphQLField(GraphQLNonNull(bigint), description="bytes"),  # type: ignore[arg-type]
            "created_at": GraphQLField(GraphQLNonNull(self.types.scalar("timestamptz"))),  # type: ignore[arg-type]
        }
        if spec.image:
            fields["width"] = GraphQLField(integer)  # type: ignore[arg-type]
            fields["height"] = GraphQLField(integer)  # type: ignore[arg-type]
        created = self.types.add(GraphQLObjectType(spec.graphql_type, fields, description=spec.description))
        assert isinstance(created, GraphQLObjectType)
        return created

    def aggregate(self, table: str) -> GraphQLObjectType:
        name = f"{table}_aggregate"
        if (found := self._existing(name)) is not None:
            return found
        created = self.types.add(GraphQLObjectType(name, lambda: {
            "aggregate": GraphQLField(self.aggregate_fields(table)),
            "nodes": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(self.row(table))))),
        }, description=f'aggregated selection of "{table}"'))
        assert isinstance(created, GraphQLObjectType)
        return created

    def aggregate_fields(self, table: str) -> GraphQLObjectType:
        name = f"{table}_aggregate_fields"
        if (found := self._existing(name)) is not None:
            return found
        access = self.access[table]
        fields: dict[str, GraphQLField] = {
            "count": GraphQLField(GraphQLNonNull(GraphQLInt), {
                "columns": GraphQLArgument(GraphQLList(GraphQLNonNull(self.inputs.select_column(table)))),
                "distinct": GraphQLArgument(GraphQLBoolean),
            }),
        }
        # only the columns the role may read: a hidden column is in none of the T_<fn>_fields
        for function, spec in AGGREGATE_FUNCTIONS.items():
            columns = [c for c in access.columns if access.table.columns[c].type in spec.columns and not access.table.columns[c].asset]
            if not columns:
                continue
            per_column = {c: GraphQLField(self.types.scalar(spec.scalar_for(access.table.columns[c].type))) for c in columns}  # type: ignore[arg-type]
            fields[function] = GraphQLField(self.types.add(GraphQLObjectType(f"{table}_{function}_fields", per_column,  # type: ignore[arg-type]
                                                                             description=f'aggregate {function} on columns of "{table}"')))
        created = self.types.add(GraphQLObjectType(name, fields, description=f'aggregate fields of "{table}"'))
        assert isinstance(created, GraphQLObjectType)
        return created

    def mutation_response(self, table: str) -> GraphQLObjectType:
        name = f"{table}_mutation_response"
        if (found := self._existing(name)) is not None:
            return found
        created = self.types.add(GraphQLObjectType(name, lambda: {
            "affected_rows": GraphQLField(GraphQLNonNull(GraphQLInt), description="number of rows affected by the mutation"),
            "returning": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(self.row(table)))), description="data from the rows affected by the mutation"),
        }, description=f'response of any mutation on the table "{table}"'))
        assert isinstance(created, GraphQLObjectType)
        return created
