"""From selected GraphQL fields to the data layer's ``RowsQuery`` trees, for one role.

Row rules, column lists and row caps come from the session's grants; anything the
role may not see is either absent from its schema (validation refuses it) or
refused here, and the rules are ANDed into every level of the SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import ListValueNode, ObjectValueNode, VariableNode
from psycopg import sql

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.jsonb_updates import OPERATORS as JSONB_UPDATE_OPERATORS
from runtime.data.order_by import parse_order_by
from runtime.data.select import Output, RowsQuery, SelectCompiler
from runtime.data.sql import Params
from runtime.graphql.aggregates import AGGREGATE_FUNCTIONS
from runtime.graphql.schema import RootField, SchemaBundle
from runtime.graphql.selection import Selected, arguments, literal
from runtime.graphql.stream import stream_root
from runtime.permissions import Grants
from runtime.types import BadUserInput

BoolExp = dict[str, Any]


class QueryBuilder:
    """Builds the SQL of table root fields for one request (one role, one set of variables)."""

    def __init__(self, bundle: SchemaBundle, grants: Grants, project: ResolvedProject, params: Params,
                 variables: Mapping[str, Any], refs: frozenset[str]):
        self.bundle = bundle
        self.grants = grants
        self.project = project
        self.params = params
        self.variables = variables
        self.refs = refs
        self._rules: dict[str, BoolExp | None] = {}
        self.select = SelectCompiler(project, params, self.rule_for, self.columns_allowed, self.cap_for,
                                     stringify_numbers=project.definition.settings.stringify_numeric_types)
        if not grants.session.is_admin:
            self.select.asset_writer = (grants.session.account_id,)

    # ----- permissions -------------------------------------------------------

    def rule_for(self, table: ResolvedTable) -> BoolExp | None:
        if table.name not in self._rules:
            # A table the role cannot select is only reachable from the definition's own
            # permission rules (never from a client filter: it is not in the schema), and
            # those rules see every row of it.
            grant = self.grants.select(table)
            self._rules[table.name] = grant.filter or None if grant is not None else None
        return self._rules[table.name]

    def columns_allowed(self, table: ResolvedTable) -> frozenset[str] | None:
        access = self.bundle.access.get(table.name)
        return access.select.columns if access else frozenset()

    def cap_for(self, table: ResolvedTable) -> int | None:
        access = self.bundle.access.get(table.name)
        return access.select.limit if access else None

    # ----- roots -------------------------------------------------------------

    def root(self, root: RootField, selected: Selected) -> sql.Composable:
        """A scalar SQL expression producing the JSON of one table root field."""
        build = ROOTS.get(root.kind)
        if build is None or root.table is None:
            raise BadUserInput(f"`{selected.name}` is not a query field")
        return build(self, self.project.tables[root.table], selected)

    def args(self, selected: Selected) -> dict[str, Any]:
        return arguments(selected, self.variables, self.refs)

    def rows_query(self, table: ResolvedTable, selected: Selected, fields: list[Output]) -> RowsQuery:
        args = self.args(selected)
        distinct = args.get("distinct_on") or []
        return RowsQuery(
            table=table,
            fields=fields,
            where=args.get("where"),
            order_by=parse_order_by(self.project, table, args.get("order_by")),
            limit=args.get("limit"),
            offset=args.get("offset"),
            distinct_on=list(distinct),
        )

    # ----- objects -----------------------------------------------------------

    def row_outputs(self, table: ResolvedTable, children: list[Selected]) -> list[Output]:
        outputs: list[Output] = []
        for child in children:
            if child.name == "__typename":
                outputs.append(Output(child.key, "constant", value=child.parent.name))
            elif child.name in table.columns and table.columns[child.name].asset:
                outputs.append(Output(child.key, "asset", column=child.name, children=self.asset_outputs(child.children)))
            elif child.name in table.columns:
                outputs.append(Output(child.key, "column", column=child.name))
            elif child.name in table.relationships:
                rel = table.relationships[child.name]
                target = self.project.tables[rel.target]
                fields = self.row_outputs(target, child.children)
                if rel.kind == "object":
                    outputs.append(Output(child.key, "object", relationship=rel.name, query=RowsQuery(target, fields)))
                else:
                    outputs.append(Output(child.key, "array", relationship=rel.name, query=self.rows_query(target, child, fields)))
            elif child.name.endswith("_aggregate") and child.name[: -len("_aggregate")] in table.relationships:
                rel = table.relationships[child.name[: -len("_aggregate")]]
                target = self.project.tables[rel.target]
                query = self.rows_query(target, child, self.aggregate_outputs(target, child.children))
                outputs.append(Output(child.key, "aggregate", relationship=rel.name, query=query))
            else:
                raise BadUserInput(f"field `{child.name}` does not exist on table {table.name}")
        return outputs

    def asset_outputs(self, children: list[Selected]) -> list[Output]:
        """Fields of ``FZ_Image`` / ``FZ_File``: asset columns, ``url(width, height, fit)``, ``__typename``."""
        outputs: list[Output] = []
        for child in children:
            if child.name == "__typename":
                outputs.append(Output(child.key, "constant", value=child.parent.name))
            elif child.name == "url":
                outputs.append(Output(child.key, "url", value=self.args(child)))
            else:
                outputs.append(Output(child.key, "column", column=child.name))
        return outputs

    def aggregate_outputs(self, table: ResolvedTable, children: list[Selected]) -> list[Output]:
        """Fields of ``T_aggregate``: ``aggregate { ... }``, ``nodes { ... }``, ``__typename``."""
        outputs: list[Output] = []
        for child in children:
            if child.name == "__typename":
                outputs.append(Output(child.key, "constant", value=child.parent.name))
            elif child.name == "nodes":
                outputs.append(Output(child.key, "nodes", children=self.row_outputs(table, child.children)))
            elif child.name == "aggregate":
                outputs.append(Output(child.key, "group", children=self._aggregate_fields(child.children)))
        return outputs

    def _aggregate_fields(self, children: list[Selected]) -> list[Output]:
        outputs: list[Output] = []
        for child in children:
            if child.name == "__typename":
                outputs.append(Output(child.key, "constant", value=child.parent.name))
            elif child.name == "count":
                args = self.args(child)
                outputs.append(Output(child.key, "fn", function="count", columns=tuple(args.get("columns") or ()),
                                      distinct=bool(args.get("distinct"))))
            elif child.name in AGGREGATE_FUNCTIONS:
                group = [
                    Output(c.key, "constant", value=c.parent.name) if c.name == "__typename"
                    else Output(c.key, "fn", function=child.name, column=c.name)
                    for c in child.children
                ]
                outputs.append(Output(child.key, "group", children=group))
        return outputs


def _select(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    return builder.select.rows(builder.rows_query(table, selected, builder.row_outputs(table, selected.children)))


def _select_by_pk(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    args = builder.args(selected)
    pk = args.get("id")
    where = {"id": {"_eq": pk}} if pk is not None else {"id": {"_is_null": True}}
    query = RowsQuery(table, builder.row_outputs(table, selected.children), where=where)
    return builder.select.one(query)


def _select_aggregate(builder: QueryBuilder, table: ResolvedTable, selected: Selected) -> sql.Composable:
    return builder.select.aggregate(builder.rows_query(table, selected, builder.aggregate_outputs(table, selected.children)))


ROOTS: dict[str, Callable[[QueryBuilder, ResolvedTable, Selected], sql.Composable]] = {
    "select": _select,
    "select_by_pk": _select_by_pk,
    "select_aggregate": _select_aggregate,
    "stream": stream_root,  # a stream run once: its first batch
}


def _has_variable(node: Any) -> bool:
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ListValueNode):
        return any(_has_variable(v) for v in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_has_variable(f.value) for f in node.fields)
    return False


class _TableWalk:
    """Collects the tables an operation reads; see ``tables_read``."""

    def __init__(self, grants: Grants, project: ResolvedProject):
        self.grants = grants
        self.project = project
        self.seen: set[str] = set()
        self._rules_done: set[str] = set()

    def add(self, table: ResolvedTable) -> None:
        self.seen.add(table.name)
        if table.name in self._rules_done:
            return
        self._rules_done.add(table.name)
        grant = self.grants.select(table)
        if grant is not None and grant.filter:
            self.filter(table, grant.filter)

    def filter(self, table: ResolvedTable, where: Any) -> None:
        """Tables named by a boolean expression (relationship keys, at any depth)."""
        if isinstance(where, list):
            for part in where:
                self.filter(table, part)
            return
        if not isinstance(where, Mapping):
            return
        for key, value in where.items():
            if key in ("_and", "_or", "_not"):
                self.filter(table, value)
            elif key in table.relationships:
                target = self.project.tables[table.relationships[key].target]
                self.add(target)
                self.filter(target, value)
            elif key.endswith("_aggregate") and key[: -len("_aggregate")] in table.relationships:
                target = self.project.tables[table.relationships[key[: -len("_aggregate")]].target]
                self.add(target)
                for body in value.values() if isinstance(value, Mapping) else ():
                    if isinstance(body, Mapping):  # an aggregation predicate's own filter
                        self.filter(target, body.get("filter"))

    def everything_from(self, table: ResolvedTable) -> None:
        """A filter given by a variable can name any related table: take them all."""
        pending = [table.name]
        while pending:
            for rel in self.project.tables[pending.pop()].relationships.values():
                if rel.target not in self.seen:
                    self.add(self.project.tables[rel.target])
                    pending.append(rel.target)

    def selection(self, table: ResolvedTable, selected: Selected) -> None:
        self.add(table)
        for argument in selected.node.arguments or ():
            if argument.name.value not in ("where", "order_by", "on_conflict", "_set", "_inc", "objects", "object", *JSONB_UPDATE_OPERATORS):
                continue
            if _has_variable(argument.value):
                self.everything_from(table)
            else:
                value = literal(argument.value, {})
                if argument.name.value == "on_conflict" and isinstance(value, Mapping):
                    value = value.get("where")
                self.filter(table, value)
        for child in selected.children:
            name = child.name.removesuffix("_aggregate")
            rel = table.relationships.get(name)
            if rel is not None:
                self.selection(self.project.tables[rel.target], child)
            elif child.name in ("returning", "nodes"):
                self.selection(table, child)


def tables_read(bundle: SchemaBundle, grants: Grants, project: ResolvedProject, roots: list[tuple[RootField, Selected]]) -> frozenset[str]:
    """Every table an operation may read: the selected ones, those named by filters and
    sort keys (literal ones exactly; one given by a variable counts every table
    reachable from its table), and those named by the role's row rules."""
    walk = _TableWalk(grants, project)
    for root, selected in roots:
        if root.table is not None:
            walk.selection(project.tables[root.table], selected)
    return frozenset(walk.seen)
