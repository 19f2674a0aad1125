"""Input types of a table: ``T_bool_exp``, ``T_order_by``, insert / set / inc inputs, ``on_conflict``.

Only columns the role may use appear (a hidden column is not in the schema at all).
Fields are thunks so that tables can refer to each other through relationships.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
)

from builder.expressions import AGGREGATE_PREDICATES
from builder.resolved import Relationship
from runtime.data.insert_tree import link_column
from runtime.graphql.aggregates import AGGREGATE_FUNCTIONS
from runtime.graphql.comparisons import comparison_exp
from runtime.graphql.registry import TableAccess, Types
from runtime.graphql.scalars import FIELD_SCALARS, NUMERIC_TYPES, ORDERED_TYPES


class InputTypes:
    """Builds the input types of every visible table of one schema."""

    def __init__(self, types: Types, access: Mapping[str, TableAccess]):
        self.types = types
        self.access = access

    def _named(self, name: str) -> GraphQLInputObjectType | GraphQLEnumType:
        found = self.types.get(name)
        assert isinstance(found, (GraphQLInputObjectType, GraphQLEnumType)), name
        return found

    def bool_exp(self, table: str) -> GraphQLInputObjectType:
        name = f"{table}_bool_exp"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        access = self.access[table]

        def fields() -> dict[str, GraphQLInputField]:
            me = self.bool_exp(table)
            out = {
                "_and": GraphQLInputField(GraphQLList(GraphQLNonNull(me))),
                "_or": GraphQLInputField(GraphQLList(GraphQLNonNull(me))),
                "_not": GraphQLInputField(me),
            }
            for column in access.columns:
                out[column] = GraphQLInputField(comparison_exp(self.types, FIELD_SCALARS[access.table.columns[column].type]))
            for rel in access.table.relationships.values():
                if rel.target in self.access:
                    out[rel.name] = GraphQLInputField(self.bool_exp(rel.target))
                    if rel.kind == "array" and self.access[rel.target].select.aggregate:
                        out[f"{rel.name}_aggregate"] = GraphQLInputField(self.aggregate_bool_exp(rel.target))
            return out

        created = self.types.add(GraphQLInputObjectType(name, fields, description=f"Boolean expression to filter rows of the table {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def aggregate_bool_exp(self, table: str) -> GraphQLInputObjectType:
        """``T_aggregate_bool_exp``: Hasura's aggregation predicates (``count``; ``sum avg min max`` of numbers)."""
        name = f"{table}_aggregate_bool_exp"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        access = self.access[table]

        def fields() -> dict[str, GraphQLInputField]:
            count = self.types.add(GraphQLInputObjectType(f"{name}_count", lambda: {
                "arguments": GraphQLInputField(GraphQLList(GraphQLNonNull(self.select_column(table)))),
                "distinct": GraphQLInputField(GraphQLBoolean),
                "filter": GraphQLInputField(self.bool_exp(table)),
                "predicate": GraphQLInputField(GraphQLNonNull(comparison_exp(self.types, "Int"))),
            }, description=f"count the related rows of {table} (of distinct values of `arguments`) that match `filter`"))
            out = {"count": GraphQLInputField(count)}  # type: ignore[arg-type]
            numbers = [c for c in access.columns if access.table.columns[c].type in NUMERIC_TYPES and not access.table.columns[c].asset]
            if numbers:
                columns = self.types.add(GraphQLEnumType(f"{name}_numeric_columns", {c: GraphQLEnumValue(c) for c in numbers},
                                                         description=f"number columns of table {table}"))
                for function in AGGREGATE_PREDICATES[1:]:
                    out[function] = GraphQLInputField(self.types.add(GraphQLInputObjectType(f"{name}_{function}", lambda: {
                        "arguments": GraphQLInputField(GraphQLNonNull(columns)),  # type: ignore[arg-type]
                        "filter": GraphQLInputField(self.bool_exp(table)),
                        "predicate": GraphQLInputField(GraphQLNonNull(comparison_exp(self.types, "numeric"))),
                    }, description=f"{function}() of a number column over the related rows of {table} that match `filter`")))  # type: ignore[arg-type]
            return out

        created = self.types.add(GraphQLInputObjectType(name, fields, description=f"aggregation predicates over related rows of {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def order_by(self, table: str) -> GraphQLInputObjectType:
        name = f"{table}_order_by"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        access = self.access[table]
        direction = self.types.get("order_by")

        def fields() -> dict[str, GraphQLInputField]:
            out = {column: GraphQLInputField(direction) for column in access.columns}  # type: ignore[arg-type]
            for rel in access.table.relationships.values():
                if rel.target not in self.access:
                    continue
                if rel.kind == "object":
                    out[rel.name] = GraphQLInputField(self.order_by(rel.target))
                else:
                    out[f"{rel.name}_aggregate"] = GraphQLInputField(self.aggregate_order_by(rel.target))
            return out

        created = self.types.add(GraphQLInputObjectType(name, fields, description=f"Ordering options when selecting data from {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def aggregate_order_by(self, table: str) -> GraphQLInputObjectType:
        name = f"{table}_aggregate_order_by"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        access = self.access[table]
        direction = self.types.get("order_by")
        fields: dict[str, GraphQLInputField] = {"count": GraphQLInputField(direction)}  # type: ignore[arg-type]
        for function, spec in AGGREGATE_FUNCTIONS.items():
            columns = [c for c in access.columns if access.table.columns[c].type in spec.columns and not access.table.columns[c].asset]
            if columns:
                fields[function] = GraphQLInputField(self.types.add(GraphQLInputObjectType(
                    f"{table}_{function}_order_by", {c: GraphQLInputField(direction) for c in columns},  # type: ignore[arg-type]
                    description=f"order by {function}() on columns of table {table}")))
        created = self.types.add(GraphQLInputObjectType(name, fields, description=f"Order by aggregate values of table {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def select_column(self, table: str) -> GraphQLEnumType:
        name = f"{table}_select_column"
        if (found := self.types.get(name)) is None:
            columns = self.access[table].columns
            found = self.types.add(GraphQLEnumType(name, {c: GraphQLEnumValue(c) for c in columns},
                                                   description=f"select columns of table {table}"))
        assert isinstance(found, GraphQLEnumType)
        return found

    def select_arguments(self, table: str) -> dict[str, GraphQLArgument]:
        """``where, order_by, limit, offset, distinct_on`` of a list or aggregate field."""
        return {
            "distinct_on": GraphQLArgument(GraphQLList(GraphQLNonNull(self.select_column(table))), description="distinct select on columns"),
            "limit": GraphQLArgument(GraphQLInt, description="limit the number of rows returned"),
            "offset": GraphQLArgument(GraphQLInt, description="skip the first n rows"),
            "order_by": GraphQLArgument(GraphQLList(GraphQLNonNull(self.order_by(table))), description="sort the rows by one or more columns"),
            "where": GraphQLArgument(self.bool_exp(table), description="filter the rows returned"),
        }

    # ----- mutation inputs -------------------------------------------------

    def _column_input(self, table: str, suffix: str, columns: list[str], description: str) -> GraphQLInputObjectType | None:
        if not columns:
            return None
        access = self.access[table]
        name = f"{table}_{suffix}"
        if (found := self.types.get(name)) is None:
            found = self.types.add(GraphQLInputObjectType(
                name, {c: GraphQLInputField(self.types.scalar(FIELD_SCALARS[access.table.columns[c].type])) for c in columns},  # type: ignore[arg-type]
                description=description))
        assert isinstance(found, GraphQLInputObjectType)
        return found

    def insert_input(self, table: str) -> GraphQLInputObjectType:
        """``T_insert_input``: writable columns, plus relationships the role may insert through."""
        name = f"{table}_insert_input"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        access = self.access[table]

        def fields() -> dict[str, GraphQLInputField]:
            out = {c: GraphQLInputField(self.types.scalar(FIELD_SCALARS[access.table.columns[c].type]))  # type: ignore[arg-type]
                   for c in access.insert_columns()}
            for rel in access.table.relationships.values():
                if self._insertable_through(access, rel):
                    out[rel.name] = GraphQLInputField(self._relationship_insert_input(rel))
            # every writable column is preset: graphql-core needs at least one field
            return out or {"_placeholder": GraphQLInputField(GraphQLBoolean, description="unused")}

        created = self.types.add(GraphQLInputObjectType(name, fields, description=f"input type for inserting data into table {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def _insertable_through(self, access: TableAccess, rel: Relationship) -> bool:
        """Nested inserts need insert rights on the related table and on the linking foreign key."""
        target = self.access.get(rel.target)
        if target is None or target.insert is None or access.insert is None:
            return False
        side, column = link_column(rel)
        grant = access.insert if side == "parent" else target.insert
        return column in grant.columns

    def _relationship_insert_input(self, rel: Relationship) -> GraphQLInputObjectType:
        """``T_obj_rel_insert_input`` / ``T_arr_rel_insert_input`` (T is the related table)."""
        kind = "obj" if rel.kind == "object" else "arr"
        name = f"{rel.target}_{kind}_rel_insert_input"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found

        def fields() -> dict[str, GraphQLInputField]:
            data = self.insert_input(rel.target)
            out = {"data": GraphQLInputField(GraphQLNonNull(data) if kind == "obj" else GraphQLNonNull(GraphQLList(GraphQLNonNull(data))))}
            if (on_conflict := self.on_conflict(rel.target)) is not None:
                out["on_conflict"] = GraphQLInputField(on_conflict, description="upsert condition")
            return out

        description = f"input type for inserting {'an object' if kind == 'obj' else 'array'} relation for remote table \"{rel.target}\""
        created = self.types.add(GraphQLInputObjectType(name, fields, description=description))
        assert isinstance(created, GraphQLInputObjectType)
        return created

    def set_input(self, table: str) -> GraphQLInputObjectType | None:
        return self._column_input(table, "set_input", self.access[table].update_columns(), f"input type for updating data in table {table}")

    def inc_input(self, table: str) -> GraphQLInputObjectType | None:
        access = self.access[table]
        numeric = [c for c in access.update_columns() if access.table.columns[c].type in NUMERIC_TYPES and not access.table.columns[c].asset]
        return self._column_input(table, "inc_input", numeric, f"input type for incrementing numeric columns in table {table}")

    def updates(self, table: str) -> GraphQLInputObjectType:
        """``T_updates``: one element of ``update_T_many`` (a filter and its changes)."""
        name = f"{table}_updates"
        if (found := self.types.get(name)) is None:
            fields = {"where": GraphQLInputField(GraphQLNonNull(self.bool_exp(table)), description="filter the rows which have to be updated")}
            if (set_input := self.set_input(table)) is not None:
                fields["_set"] = GraphQLInputField(set_input, description="sets the columns of the filtered rows to the given values")
            if (inc_input := self.inc_input(table)) is not None:
                fields["_inc"] = GraphQLInputField(inc_input, description="increments the numeric columns with given value of the filtered values")
            found = self.types.add(GraphQLInputObjectType(name, fields, description=f"one update of update_{table}_many"))
        assert isinstance(found, GraphQLInputObjectType)
        return found

    # ----- streaming subscriptions ---------------------------------------------

    def stream_arguments(self, table: str) -> dict[str, GraphQLArgument]:
        """``batch_size, cursor, where`` of ``T_stream``."""
        return {
            "batch_size": GraphQLArgument(GraphQLNonNull(GraphQLInt), description="maximum number of rows returned in a single batch"),
            "cursor": GraphQLArgument(GraphQLNonNull(GraphQLList(self.stream_cursor(table))), description="cursor to stream the results returned by the query"),
            "where": GraphQLArgument(self.bool_exp(table), description="filter the rows returned"),
        }

    def stream_cursor(self, table: str) -> GraphQLInputObjectType:
        """``T_stream_cursor_input``: where the stream starts (``initial_value``) and in which direction."""
        name = f"{table}_stream_cursor_input"
        if (found := self.types.get(name)) is None:
            ordering = self.types.add(GraphQLEnumType("cursor_ordering", {
                "ASC": GraphQLEnumValue("ASC", description="ascending ordering of the cursor"),
                "DESC": GraphQLEnumValue("DESC", description="descending ordering of the cursor"),
            }, description="ordering argument of a cursor"))
            access = self.access[table]
            # the cursor may be any column the role can read whose values sort (id is always one)
            columns = [c for c in access.columns if access.table.columns[c].type in ORDERED_TYPES]
            value = self.types.add(GraphQLInputObjectType(
                f"{table}_stream_cursor_value_input",
                {c: GraphQLInputField(self.types.scalar(FIELD_SCALARS[access.table.columns[c].type])) for c in columns},  # type: ignore[arg-type]
                description="Initial value of the column from where the streaming should start"))
            found = self.types.add(GraphQLInputObjectType(name, {
                "initial_value": GraphQLInputField(GraphQLNonNull(value), description="Stream column input with initial value"),  # type: ignore[arg-type]
                "ordering": GraphQLInputField(ordering, default_value="ASC", description="cursor ordering"),  # type: ignore[arg-type]
            }, description=f"Streaming cursor of the table \"{table}\""))
        assert isinstance(found, GraphQLInputObjectType)
        return found

    def pk_columns(self, table: str) -> GraphQLInputObjectType:
        name = f"{table}_pk_columns_input"
        if (found := self.types.get(name)) is None:
            found = self.types.add(GraphQLInputObjectType(name, {"id": GraphQLInputField(GraphQLNonNull(self.types.scalar("bigint")))},  # type: ignore[arg-type]
                                                          description=f"primary key columns input for table {table}"))
        assert isinstance(found, GraphQLInputObjectType)
        return found

    def on_conflict(self, table: str) -> GraphQLInputObjectType | None:
        """``T_on_conflict``: only for roles that may also update the table (as in Hasura)."""
        access = self.access[table]
        if access.update is None:
            return None
        name = f"{table}_on_conflict"
        if (found := self.types.get(name)) is not None:
            assert isinstance(found, GraphQLInputObjectType)
            return found
        constraint = self.types.add(GraphQLEnumType(f"{table}_constraint", {c: GraphQLEnumValue(c) for c in access.constraints()},
                                                    description=f"unique or primary key constraints on table {table}"))
        update_values = {c: GraphQLEnumValue(c) for c in access.update_columns()} or {"_PLACEHOLDER": GraphQLEnumValue("_PLACEHOLDER")}
        update_column = self.types.add(GraphQLEnumType(f"{table}_update_column", update_values,
                                                       description=f"update columns of table {table}"))
        created = self.types.add(GraphQLInputObjectType(name, {
            "constraint": GraphQLInputField(GraphQLNonNull(constraint)),  # type: ignore[arg-type]
            "update_columns": GraphQLInputField(GraphQLNonNull(GraphQLList(GraphQLNonNull(update_column))), default_value=[]),  # type: ignore[arg-type]
            "where": GraphQLInputField(self.bool_exp(table)),
        }, description=f"on_conflict condition type for table {table}"))
        assert isinstance(created, GraphQLInputObjectType)
        return created
