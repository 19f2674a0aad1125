"""The schema of one role on one published state, built with graphql-core and cached.

Root fields come from a table of *families* (``T``, ``T_by_pk``, ``insert_T_one`` ...):
each family says for which tables it exists and how its field looks; the compiler
looks up the family of a root field by its ``kind``. Extension fields (actionflows,
authentication) are added from ``runtime.graphql.extensions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    assert_valid_schema,
)

from runtime.graphql.cache import LRU
from runtime.graphql.extensions import ExtensionField, extension_fields
from runtime.graphql.input_types import InputTypes
from runtime.graphql.jsonb_inputs import jsonb_arguments
from runtime.graphql.registry import TableAccess, Types
from runtime.graphql.table_types import TableTypes
from runtime.permissions import Grants, grants_for
from runtime.project import PublishedState
from runtime.types import Session

Operation = Literal["query", "mutation", "subscription"]
ROOT_TYPE_NAMES: dict[Operation, str] = {"query": "query_root", "mutation": "mutation_root", "subscription": "subscription_root"}
CACHE_KEY = "graphql"


@dataclass(frozen=True)
class RootField:
    """What a root field of the schema does: a table family (``kind`` + ``table``) or an extension."""

    kind: str
    table: str | None = None
    extension: ExtensionField | None = None


@dataclass(frozen=True)
class Family:
    kind: str
    operations: tuple[Operation, ...]
    name: Callable[[str], str]
    exists: Callable[[TableAccess], bool]
    build: Callable[[TableAccess, TableTypes, InputTypes], GraphQLField]


def _bigint_id(types: TableTypes) -> dict[str, GraphQLArgument]:
    return {"id": GraphQLArgument(GraphQLNonNull(types.types.scalar("bigint")))}  # type: ignore[arg-type]


def _conflict(args: dict[str, GraphQLArgument], inputs: InputTypes, table: str) -> dict[str, GraphQLArgument]:
    on_conflict = inputs.on_conflict(table)
    if on_conflict is not None:
        args["on_conflict"] = GraphQLArgument(on_conflict, description="upsert condition")
    return args


def _changes(inputs: InputTypes, table: str) -> dict[str, GraphQLArgument]:
    args: dict[str, GraphQLArgument] = {}
    if (set_input := inputs.set_input(table)) is not None:
        args["_set"] = GraphQLArgument(set_input, description="sets the columns of the filtered rows to the given values")
    if (inc_input := inputs.inc_input(table)) is not None:
        args["_inc"] = GraphQLArgument(inc_input, description="increments the numeric columns with given value of the filtered values")
    args.update(jsonb_arguments(inputs.types, inputs.access[table]))
    return args


FAMILIES: tuple[Family, ...] = (
    Family("select", ("query", "subscription"), lambda t: t, lambda a: True,
           lambda a, tt, it: GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(tt.row(a.name)))), it.select_arguments(a.name),
                                          description=f'fetch data from the table: "{a.name}"')),
    Family("select_by_pk", ("query", "subscription"), lambda t: f"{t}_by_pk", lambda a: True,
           lambda a, tt, it: GraphQLField(tt.row(a.name), _bigint_id(tt), description=f'fetch data from the table: "{a.name}" using primary key columns')),
    Family("select_aggregate", ("query", "subscription"), lambda t: f"{t}_aggregate", lambda a: a.select.aggregate,
           lambda a, tt, it: GraphQLField(GraphQLNonNull(tt.aggregate(a.name)), it.select_arguments(a.name),
                                          description=f'fetch aggregated fields from the table: "{a.name}"')),
    Family("stream", ("subscription",), lambda t: f"{t}_stream", lambda a: True,
           lambda a, tt, it: GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(tt.row(a.name)))), it.stream_arguments(a.name),
                                          description=f'fetch data from the table in a streaming manner: "{a.name}"')),
    Family("insert", ("mutation",), lambda t: f"insert_{t}", lambda a: a.insert is not None,
           lambda a, tt, it: GraphQLField(tt.mutation_response(a.name), _conflict(
               {"objects": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(it.insert_input(a.name)))))}, it, a.name),
               description=f'insert data into the table: "{a.name}"')),
    Family("insert_one", ("mutation",), lambda t: f"insert_{t}_one", lambda a: a.insert is not None,
           lambda a, tt, it: GraphQLField(tt.row(a.name), _conflict(
               {"object": GraphQLArgument(GraphQLNonNull(it.insert_input(a.name)))}, it, a.name),
               description=f'insert a single row into the table: "{a.name}"')),
    Family("update", ("mutation",), lambda t: f"update_{t}", lambda a: bool(a.update_columns()),
           lambda a, tt, it: GraphQLField(tt.mutation_response(a.name), {
               "where": GraphQLArgument(GraphQLNonNull(it.bool_exp(a.name)), description="filter the rows which have to be updated"),
               **_changes(it, a.name)}, description=f'update data of the table: "{a.name}"')),
    Family("update_by_pk", ("mutation",), lambda t: f"update_{t}_by_pk", lambda a: bool(a.update_columns()),
           lambda a, tt, it: GraphQLField(tt.row(a.name), {
               "pk_columns": GraphQLArgument(GraphQLNonNull(it.pk_columns(a.name))), **_changes(it, a.name)},
               description=f'update single row of the table: "{a.name}"')),
    Family("update_many", ("mutation",), lambda t: f"update_{t}_many", lambda a: bool(a.update_columns()),
           lambda a, tt, it: GraphQLField(GraphQLList(tt.mutation_response(a.name)), {
               "updates": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(it.updates(a.name)))),
                                          description="updates to execute, in order, in one transaction")},
               description=f'update rows of the table "{a.name}" in several steps, each with its own filter and changes')),
    Family("delete", ("mutation",), lambda t: f"delete_{t}", lambda a: a.delete is not None,
           lambda a, tt, it: GraphQLField(tt.mutation_response(a.name), {
               "where": GraphQLArgument(GraphQLNonNull(it.bool_exp(a.name)), description="filter the rows which have to be deleted")},
               description=f'delete data from the table: "{a.name}"')),
    Family("delete_by_pk", ("mutation",), lambda t: f"delete_{t}_by_pk", lambda a: a.delete is not None,
           lambda a, tt, it: GraphQLField(tt.row(a.name), _bigint_id(tt), description=f'delete single row from the table: "{a.name}"')),
)


@dataclass
class SchemaBundle:
    """A role's schema and what the executor needs next to it; caches live as long as the state."""

    key: tuple[Any, ...]
    schema: GraphQLSchema
    access: Mapping[str, TableAccess]
    roots: dict[Operation, dict[str, RootField]]
    documents: LRU[Any, Any] = field(default_factory=lambda: LRU(1000))
    plans: LRU[Any, Any] = field(default_factory=lambda: LRU(2000))
    admin: Callable[[], SchemaBundle] | None = None  # the admin schema of the same state (None: this is it)

    def root(self, operation: Operation, name: str) -> RootField | None:
        return self.roots[operation].get(name)


def table_access(state: PublishedState, grants: Grants) -> dict[str, TableAccess]:
    """The tables a role can see (those with a select grant), with all its grants on them."""
    access: dict[str, TableAccess] = {}
    for table in state.resolved.tables.values():
        select = grants.select(table)
        if select is None:
            continue
        access[table.name] = TableAccess(table, select, grants.insert(table), grants.update(table), grants.delete(table))
    return access


def build_schema(state: PublishedState, grants: Grants) -> SchemaBundle:
    types = Types()
    access = table_access(state, grants)
    inputs = InputTypes(types, access)
    outputs = TableTypes(types, access, inputs)
    fields: dict[Operation, dict[str, GraphQLField]] = {"query": {}, "mutation": {}, "subscription": {}}
    roots: dict[Operation, dict[str, RootField]] = {"query": {}, "mutation": {}, "subscription": {}}
    for table in access.values():
        for family in FAMILIES:
            if not family.exists(table):
                continue
            built = family.build(table, outputs, inputs)
            for operation in family.operations:
                fields[operation][family.name(table.name)] = built
                roots[operation][family.name(table.name)] = RootField(family.kind, table.name)
    for extension in extension_fields(state, grants, types):
        fields[extension.operation][extension.name] = extension.field
        roots[extension.operation][extension.name] = RootField("extension", extension=extension)
    if not fields["query"]:
        fields["query"]["no_queries_available"] = GraphQLField(GraphQLNonNull(GraphQLString), description="this role may not read any table")
        roots["query"]["no_queries_available"] = RootField("placeholder")
    query, mutation, subscription = (
        GraphQLObjectType(ROOT_TYPE_NAMES[op], fields[op]) if fields[op] else None for op in ("query", "mutation", "subscription")  # type: ignore[index]
    )
    assert query is not None
    schema = GraphQLSchema(query=query, mutation=mutation, subscription=subscription, types=types.all())
    assert_valid_schema(schema)
    return SchemaBundle(grants.cache_key(), schema, access, roots)


def schema_for(state: PublishedState, grants: Grants) -> SchemaBundle:
    """The cached schema of ``grants``' role on ``state`` (built on first use)."""
    schemas: dict[tuple[Any, ...], SchemaBundle] = state.cache.setdefault(CACHE_KEY, {})
    key = grants.cache_key()
    bundle = schemas.get(key)
    if bundle is None:
        bundle = schemas[key] = build_schema(state, grants)
        if not grants.is_admin:
            admin = grants_for(state.resolved, Session.admin())
            bundle.admin = lambda: schema_for(state, admin)
    return bundle
