"""Nested selections compiled to ONE SQL expression that builds the JSON in PostgreSQL.

A ``RowsQuery`` names a table, the fields of each row object (columns, constants,
relationships) and the usual ``where / order_by / limit / offset / distinct_on``.
``SelectCompiler`` turns it into a scalar subquery: a JSON array of row objects
(``rows``), one object or null (``one``), or an aggregate object (``aggregate``).
Relationships become correlated subqueries, so a list of 100 rows with their
related rows is still one statement. The role's row rule (``rule``) is ANDed in at
every level, including filters through relationships.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from psycopg import sql

from builder.asset_types import ASSET_SCHEMA, ASSET_TABLE
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.asset_variants import ASSET_COLUMNS, variant_spec
from runtime.data.filters import FilterCompiler
from runtime.data.order_by import DIRECTIONS, OrderTerm
from runtime.data.sql import Params, ident
from runtime.types import BadUserInput

BoolExp = dict[str, Any]
RuleFor = Callable[[ResolvedTable], "BoolExp | None"]
MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
# Per-column aggregates (Hasura's names are PostgreSQL's): the only function names ever put in SQL.
AGGREGATE_SQL: frozenset[str] = frozenset({"sum", "avg", "max", "min", "stddev", "stddev_pop", "stddev_samp",
                                           "variance", "var_pop", "var_samp"})


@dataclass
class Output:
    r"""One key of a JSON object being built.

    kind: ``column`` (a column of the current row), ``constant`` (``value``, e.g. __typename),
    ``object`` / ``array`` / ``aggregate`` (a relationship, ``query`` describes the related rows),
    ``fn`` (inside an aggregate: ``function`` over ``column``/``columns``),
    ``group`` (a nested object of ``children``, e.g. ``sum { price }``),
    ``nodes`` (inside an aggregate: the rows themselves, as an array),
    ``asset`` (an image / file ``column`` read as the stored file's object: ``children``
    are its ``column``\s, constants and ``url``\s, a url's ``value`` its variant spec).
    """

    key: str
    kind: Literal["column", "constant", "object", "array", "aggregate", "fn", "group", "nodes", "asset", "url"]
    column: str | None = None
    value: Any = None
    relationship: str | None = None
    query: RowsQuery | None = None
    function: str | None = None
    columns: tuple[str, ...] = ()
    distinct: bool = False
    children: list[Output] = field(default_factory=list)


@dataclass
class RowsQuery:
    table: ResolvedTable
    fields: list[Output] = field(default_factory=list)  # of each row (or of the aggregate object)
    where: BoolExp | None = None
    order_by: list[OrderTerm] = field(default_factory=list)
    limit: Any = None  # int or VarRef
    offset: Any = None
    distinct_on: list[str] = field(default_factory=list)


def _join(parts: Sequence[sql.Composable], word: str = "AND") -> sql.Composable:
    parts = [p for p in parts if p is not None]
    if not parts:
        return sql.SQL("TRUE")
    if len(parts) == 1:
        return parts[0]
    return sql.SQL(f" {word} ").join(sql.SQL("({})").format(p) for p in parts)


def json_object(pairs: Sequence[tuple[str, sql.Composable]]) -> sql.Composable:
    """``json_build_object`` in key order; very wide objects are merged from chunks."""
    if len(pairs) <= MAX_PAIRS:
        return sql.SQL("json_build_object({})").format(
            sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(k), v) for k, v in pairs)
        )
    chunks = [pairs[i : i + MAX_PAIRS] for i in range(0, len(pairs), MAX_PAIRS)]
    merged = sql.SQL(" || ").join(
        sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(k), v) for k, v in chunk))
        for chunk in chunks
    )
    return sql.SQL("({})::json").format(merged)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadUserInput(f"{what} must be a non-negative integer")
    return value


NUMERIC_TYPES = frozenset({"bigint", "decimal"})


class SelectCompiler:
    """Compiles ``RowsQuery`` trees against one project, for one role's row rules."""

    def __init__(self, project: ResolvedProject, params: Params, rule_for: RuleFor | None = None,
                 columns_allowed: Callable[[ResolvedTable], frozenset[str] | None] | None = None,
                 cap_for: Callable[[ResolvedTable], int | None] | None = None, stringify_numbers: bool = False):
        self.project = project
        # Hasura's "stringify numeric types": bigint and decimal columns as JSON strings (JavaScript loses digits past 2^53).
        self.stringify_numbers = stringify_numbers
        self.params = params
        self.rule_for = rule_for or (lambda table: None)
        self.cap_for = cap_for or (lambda table: None)
        self.filters = FilterCompiler(project, params, row_rule=self.rule_for, columns_allowed=columns_allowed)
        self.columns_allowed = columns_allowed
        # Who writes asset ids: (account id or None,) — a client may attach only files it
        # uploaded itself (minimomen.own_asset refuses others); None for admin and flows.
        self.asset_writer: tuple[int | None] | None = None
        self._aliases = 0

    def alias(self) -> str:
        self._aliases += 1
        return f"s{self._aliases}"

    # ----- public entry points ---------------------------------------------

    def rows(self, query: RowsQuery, join_alias: Callable[[str], sql.Composable] | None = None) -> sql.Composable:
        """A scalar subquery: the JSON array of the matching row objects (``[]`` when none)."""
        alias = self.alias()
        source = self._source(query, alias, join_alias)
        return sql.SQL("(SELECT coalesce(json_agg({out}.j), '[]') FROM (SELECT {row} AS j FROM {source}) AS {out})").format(
            out=ident(alias + "o"), row=self.row_object(query.table, alias, query.fields), source=source
        )

    def one(self, query: RowsQuery, join_alias: Callable[[str], sql.Composable] | None = None) -> sql.Composable:
        """A scalar subquery: the first matching row object, or SQL NULL."""
        alias = self.alias()
        query.limit = 1 if query.limit is None else query.limit
        return sql.SQL("(SELECT {row} FROM {source})").format(
            row=self.row_object(query.table, alias, query.fields), source=self._source(query, alias, join_alias)
        )

    def aggregate(self, query: RowsQuery, join_alias: Callable[[str], sql.Composable] | None = None) -> sql.Composable:
        """A scalar subquery: ``{aggregate: {...}, nodes: [...]}`` as selected by ``query.fields``."""
        alias = self.alias()
        out = alias + "o"
        nodes = [f for f in query.fields if f.kind == "nodes"]
        rows = sql.SQL("").join(
            sql.SQL(", {} AS {}").format(self.row_object(query.table, alias, f.children), ident(f"__node{i}")) for i, f in enumerate(nodes)
        )
        body = self._aggregate_object(query.table, out, query.fields, [f.key for f in nodes])
        return sql.SQL("(SELECT {body} FROM (SELECT {alias}.*{rows} FROM {source}) AS {out})").format(
            body=body, alias=ident(alias), rows=rows, source=self._source(query, alias, join_alias), out=ident(out)
        )

    # ----- row objects -------------------------------------------------------

    def row_object(self, table: ResolvedTable, alias: str, fields: Sequence[Output]) -> sql.Composable:
        pairs = [(f.key, self._row_value(table, alias, f)) for f in fields]
        return json_object(pairs) if pairs else sql.SQL("json_build_object()")

    def _row_value(self, table: ResolvedTable, alias: str, out: Output) -> sql.Composable:
        if out.kind == "constant":
            return sql.Literal(out.value)
        if out.kind == "column":
            assert out.column is not None
            column = table.columns.get(out.column)
            if self.stringify_numbers and column is not None and column.type in NUMERIC_TYPES:
                return sql.SQL("{}::text").format(ident(alias, out.column))
            return ident(alias, out.column)
        if out.kind == "asset":
            assert out.column is not None
            return self._asset(alias, out)
        assert out.relationship is not None and out.query is not None
        rel = table.relationships[out.relationship]
        link = self._link(alias, rel.local_column, rel.remote_column)
        if out.kind == "object":
            return self.one(out.query, link)
        if out.kind == "array":
            return self.rows(out.query, link)
        return self.aggregate(out.query, link)

    def _asset(self, alias: str, out: Output) -> sql.Composable:
        """The stored file's object, or null; urls are signed in SQL (``minimomen.file_url``)."""
        inner = self.alias()
        pairs: list[tuple[str, sql.Composable]] = []
        for child in out.children:
            if child.kind == "constant":
                pairs.append((child.key, sql.Literal(child.value)))
            elif child.kind == "url":
                spec = self.params.add_input(child.value, variant_spec, "text")
                pairs.append((child.key, sql.SQL("{}.file_url({}.id, {})").format(ident(ASSET_SCHEMA), ident(inner), spec)))
            else:
                assert child.column in ASSET_COLUMNS
                pairs.append((child.key, ident(inner, child.column)))  # type: ignore[arg-type]
        return sql.SQL("(SELECT {} FROM {}.{} AS {} WHERE {}.id = {})").format(
            json_object(pairs) if pairs else sql.SQL("json_build_object()"), ident(ASSET_SCHEMA), ident(ASSET_TABLE), ident(inner),
            ident(inner), ident(alias, out.column))  # type: ignore[arg-type]

    @staticmethod
    def _link(outer: str, local: str, remote: str) -> Callable[[str], sql.Composable]:
        return lambda inner: sql.SQL("{} = {}").format(ident(inner, remote), ident(outer, local))

    # ----- aggregates --------------------------------------------------------

    def _aggregate_object(self, table: ResolvedTable, alias: str, fields: Sequence[Output], nodes: Sequence[str] = ()) -> sql.Composable:
        pairs: list[tuple[str, sql.Composable]] = []
        for f in fields:
            if f.kind == "constant":
                pairs.append((f.key, sql.Literal(f.value)))
            elif f.kind == "nodes":
                column = f"__node{list(nodes).index(f.key)}"
                pairs.append((f.key, sql.SQL("coalesce(json_agg({}), '[]')").format(ident(alias, column))))
            elif f.kind == "group":
                pairs.append((f.key, self._aggregate_object(table, alias, f.children)))
            elif f.kind == "fn":
                pairs.append((f.key, self._function(table, alias, f)))
            else:
                raise BadUserInput(f"`{f.key}` cannot be selected in an aggregate")
        return json_object(pairs) if pairs else sql.SQL("json_build_object()")

    def _function(self, table: ResolvedTable, alias: str, out: Output) -> sql.Composable:
        if out.function == "count":
            for column in out.columns:
                self._check_column(table, column)
            distinct = sql.SQL("DISTINCT ") if out.distinct else sql.SQL("")
            if not out.columns:
                return sql.SQL("count(*)") if not out.distinct else sql.SQL("count(DISTINCT {}.*)").format(ident(alias))
            if len(out.columns) == 1:
                return sql.SQL("count({}{})").format(distinct, ident(alias, out.columns[0]))
            return sql.SQL("count({}({}))").format(distinct, sql.SQL(", ").join(ident(alias, c) for c in out.columns))
        assert out.column is not None and out.function is not None
        self._check_column(table, out.column)
        value = aggregate_call(out.function, ident(alias, out.column))
        # As Hasura: stringified by the aggregated column's type (avg of a bigint too); count stays a number.
        if self.stringify_numbers and table.columns[out.column].type in NUMERIC_TYPES:
            return sql.SQL("{}::text").format(value)
        return value

    def _check_column(self, table: ResolvedTable, column: str) -> None:
        allowed = self.columns_allowed(table) if self.columns_allowed else None
        if column not in table.columns or (allowed is not None and column not in allowed):
            raise BadUserInput(f"field `{column}` does not exist on table {table.name}")

    # ----- the FROM part: filters, order, paging -----------------------------

    def _conditions(self, query: RowsQuery, alias: str, join_alias: Callable[[str], sql.Composable] | None) -> sql.Composable:
        parts: list[sql.Composable] = []
        if join_alias is not None:
            parts.append(join_alias(alias))
        if query.where:
            parts.append(self.filters.compile(query.table, alias, query.where))
        rule = self.rule_for(query.table)
        if rule:
            parts.append(self.filters.compile_rule(query.table, alias, rule))
        return _join(parts)

    def _source(self, query: RowsQuery, alias: str, join_alias: Callable[[str], sql.Composable] | None) -> sql.Composable:
        """``"t" AS alias WHERE ... ORDER BY ... LIMIT ... OFFSET ...`` (with DISTINCT ON when asked)."""
        table = self.filters.source(query.table)
        if query.distinct_on:
            for column in query.distinct_on:
                self._check_column(query.table, column)
            _check_distinct_order(query)
            inner = alias + "d"
            leading = [OrderTerm((), c, "asc") for c in query.distinct_on]
            distinct = sql.SQL(", ").join(ident(inner, c) for c in query.distinct_on)
            from_ = sql.SQL("(SELECT DISTINCT ON ({d}) {i}.* FROM {t} AS {i} WHERE {w} ORDER BY {o}) AS {a}").format(
                d=distinct, i=ident(inner), t=table, w=self._conditions(query, inner, join_alias),
                o=self._order(query.table, inner, leading + query.order_by), a=ident(alias))
            clause = from_
        else:
            clause = sql.SQL("{} AS {} WHERE {}").format(table, ident(alias), self._conditions(query, alias, join_alias))
        if query.order_by:
            clause += sql.SQL(" ORDER BY {}").format(self._order(query.table, alias, query.order_by))
        limit = self._limit(query)
        if limit is not None:
            clause += sql.SQL(" LIMIT {}").format(limit)
        if query.offset is not None:
            clause += sql.SQL(" OFFSET {}").format(self.params.add_input(query.offset, lambda v: _count(v, "offset"), "bigint"))
        return clause

    def _limit(self, query: RowsQuery) -> sql.Composable | None:
        cap = self.cap_for(query.table)
        if query.limit is None:
            return sql.Literal(cap) if cap is not None else None
        if isinstance(query.limit, int) and not isinstance(query.limit, bool) and cap is None:
            return sql.Literal(_count(query.limit, "limit"))
        value = self.params.add_input(query.limit, lambda v: _count(v, "limit"), "bigint")
        return value if cap is None else sql.SQL("LEAST({}, {})").format(value, sql.Literal(cap))

    def _order(self, table: ResolvedTable, alias: str, terms: Sequence[OrderTerm]) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.SQL("{} {}").format(self._order_value(table, alias, t.path, t), sql.SQL(DIRECTIONS[t.direction])) for t in terms
        )

    def _order_value(self, table: ResolvedTable, alias: str, path: tuple[str, ...], term: OrderTerm) -> sql.Composable:
        if not path:
            assert term.column is not None
            self._check_column(table, term.column)
            return ident(alias, term.column)
        rel = table.relationships.get(path[0])
        if rel is None:
            raise BadUserInput(f"cannot sort by `{path[0]}`: it is not a relationship of table {table.name}")
        target = self.project.tables[rel.target]
        inner = self.alias()
        conditions: list[sql.Composable] = [sql.SQL("{} = {}").format(ident(inner, rel.remote_column), ident(alias, rel.local_column))]
        rule = self.rule_for(target)
        if rule:
            conditions.append(self.filters.compile_rule(target, inner, rule))
        if rel.kind == "array":
            function = term.function or "count"
            if function == "count":
                value: sql.Composable = sql.SQL("count(*)")
            else:
                assert term.column is not None
                self._check_column(target, term.column)
                value = aggregate_call(function, ident(inner, term.column))
            return sql.SQL("(SELECT {} FROM {} AS {} WHERE {})").format(value, self.filters.source(target), ident(inner), _join(conditions))
        value = self._order_value(target, inner, path[1:], term)
        return sql.SQL("(SELECT {} FROM {} AS {} WHERE {} LIMIT 1)").format(value, self.filters.source(target), ident(inner), _join(conditions))


def aggregate_call(function: str, column: sql.Composable) -> sql.Composable:
    """``function(column)`` for a known per-column aggregate; any other name is refused."""
    if function not in AGGREGATE_SQL:
        raise BadUserInput(f"unknown aggregate function `{function}`; use one of {', '.join(sorted(AGGREGATE_SQL))}")
    return sql.SQL("{}({})").format(sql.SQL(function), column)


def _check_distinct_order(query: RowsQuery) -> None:
    """As in Hasura (and PostgreSQL's DISTINCT ON): the first sort keys must be the distinct_on columns."""
    if not query.order_by:
        return
    leading = query.order_by[: len(query.distinct_on)]
    if len(leading) < len(query.distinct_on) or any(t.path or t.function for t in leading) or \
            {t.column for t in leading} != set(query.distinct_on):
        raise BadUserInput('"distinct_on" columns must match initial "order_by" columns '
                           f"(order_by must start with {', '.join(query.distinct_on)})")
