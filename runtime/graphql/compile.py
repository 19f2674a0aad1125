"""From selected GraphQL fields to the data layer's ``RowsQuery`` trees, for one role.

Row rules, column lists and row caps come from the session's grants; anything the
role may not see is either absent from its schema (validation refuses it) or
refused here, and the rules are ANDed into every level of the SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg import sql

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.select import Output, RowsQuery, SelectCompiler, parse_order_by
from runtime.data.sql import Params
from runtime.graphql.schema import RootField, SchemaBundle
from runtime.graphql.selection import Selected, arguments
from runtime.permissions import Grants
from runtime.types import BadUserInput

BoolExp = dict[str, Any]
AGGREGATE_GROUPS = ("sum", "avg", "max", "min")


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
        self.select = SelectCompiler(project, params, self.rule_for, self.columns_allowed, self.cap_for)

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
            elif child.name in AGGREGATE_GROUPS:
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
}


def tables_read(bundle: SchemaBundle, grants: Grants, project: ResolvedProject, roots: list[tuple[RootField, Selected]]) -> frozenset[str]:
    """Every table an operation may read: selected ones, and (over-approximated) every
    table reachable from a filtered or sorted one, or from one with a row rule."""
    seen: set[str] = set()
    filtered: set[str] = set()

    def visit(table: ResolvedTable, selected: Selected) -> None:
        seen.add(table.name)
        given = {a.name.value for a in selected.node.arguments or ()}
        grant = grants.select(table)
        if given & {"where", "order_by", "pk_columns", "on_conflict"} or (grant is not None and grant.filter):
            filtered.add(table.name)
        for child in selected.children:
            name = child.name[: -len("_aggregate")] if child.name.endswith("_aggregate") else child.name
            rel = table.relationships.get(name)
            if rel is not None:
                visit(project.tables[rel.target], child)
            elif child.name in ("returning", "nodes"):
                visit(table, child)
            elif child.name == "aggregate":
                seen.add(table.name)

    for root, selected in roots:
        if root.table is not None:
            visit(project.tables[root.table], selected)
    reached = set(filtered)
    pending = list(filtered)
    while pending:
        for rel in project.tables[pending.pop()].relationships.values():
            if rel.target not in reached:
                reached.add(rel.target)
                pending.append(rel.target)
    return frozenset(seen | reached)
