"""Aggregation predicates of a boolean expression: ``<array relationship>_aggregate``.

Hasura's shape, with the numeric functions of its newer versions:

    {"bookings_aggregate": {"count": {"arguments": ["seats"], "distinct": true,
                                      "filter": {...}, "predicate": {"_gt": 2}},
                            "sum": {"arguments": "seats", "filter": {...}, "predicate": {"_gte": 10}}}}

Each function becomes a correlated scalar subquery over the related rows compared by
``predicate``. The related rows are those the caller may read (the related table's row
rule is ANDed in, as for relationship filters), so a count cannot reveal hidden rows;
inside a permission rule (trusted) every related row counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from psycopg import sql

from builder.expressions import AGGREGATE_PREDICATES
from builder.resolved import Relationship, ResolvedTable
from runtime.data.sql import ident
from runtime.types import BadUserInput

if TYPE_CHECKING:
    from runtime.data.filters import FilterCompiler

NUMERIC = frozenset({"bigint", "decimal"})
# The type a function's result is compared as (count: bigint; the others over numbers: numeric).
RESULT_TYPES = {"count": "bigint", "sum": "decimal", "avg": "decimal", "min": "decimal", "max": "decimal"}
_KEYS = {"count": {"arguments", "distinct", "filter", "predicate"}}


def aggregate_relationship(table: ResolvedTable, key: str) -> Relationship | None:
    """The array relationship that ``<name>_aggregate`` names on ``table``, if any."""
    if not key.endswith("_aggregate"):
        return None
    rel = table.relationships.get(key[: -len("_aggregate")])
    return rel if rel is not None and rel.kind == "array" else None


def compile_aggregate(compiler: FilterCompiler, table: ResolvedTable, alias: str, rel: Relationship, spec: Any) -> sql.Composable:
    """SQL for ``<rel>_aggregate: {<function>: {arguments, distinct, filter, predicate}, ...}``."""
    where = f"filter on {table.name}.{rel.name}_aggregate"
    if not isinstance(spec, Mapping) or not spec:
        raise BadUserInput(f"{where} expects an object such as {{\"count\": {{\"predicate\": {{\"_gt\": 0}}}}}}")
    target = compiler.project.tables[rel.target]
    parts = []
    for function, body in spec.items():
        if function not in AGGREGATE_PREDICATES:
            raise BadUserInput(f"{where}: unknown aggregate `{function}`; use one of {', '.join(AGGREGATE_PREDICATES)}")
        parts.append(_predicate(compiler, table, alias, rel, target, function, body, f"{where}.{function}"))
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("(") + sql.SQL(" AND ").join(sql.SQL("({})").format(p) for p in parts) + sql.SQL(")")


def _predicate(compiler: FilterCompiler, table: ResolvedTable, alias: str, rel: Relationship, target: ResolvedTable,
               function: str, body: Any, where: str) -> sql.Composable:
    if not isinstance(body, Mapping):
        raise BadUserInput(f"{where} expects an object with a `predicate`")
    unknown = set(body) - _KEYS.get(function, {"arguments", "filter", "predicate"})
    if unknown:
        raise BadUserInput(f"{where}: unknown key `{sorted(unknown)[0]}`")
    predicate = body.get("predicate")
    if not isinstance(predicate, Mapping) or not predicate:
        raise BadUserInput(f"{where} needs a `predicate` such as {{\"_gt\": 0}}")
    inner = compiler.alias()
    value = _value(compiler, target, inner, function, body, where)
    conditions: list[sql.Composable] = [sql.SQL("{} = {}").format(ident(inner, rel.remote_column), ident(alias, rel.local_column))]
    if body.get("filter"):
        conditions.append(compiler.compile(target, inner, body["filter"]))
    rule = compiler.visible_rows(target)
    if rule is not None:
        conditions.append(compiler.compile_rule(target, inner, rule))
    subquery = sql.SQL("(SELECT {} FROM {} AS {} WHERE {})").format(
        value, compiler.source(target), ident(inner), sql.SQL(" AND ").join(sql.SQL("({})").format(c) for c in conditions))
    return compiler.compare_value(subquery, RESULT_TYPES[function], where, predicate)


def _value(compiler: FilterCompiler, target: ResolvedTable, inner: str, function: str, body: Mapping[str, Any], where: str) -> sql.Composable:
    arguments = body.get("arguments")
    if function == "count":
        columns = [arguments] if isinstance(arguments, str) else list(arguments or [])
        for column in columns:
            _check(compiler, target, column, where)
        distinct = body.get("distinct") is True
        if not columns:
            return sql.SQL("count(DISTINCT {}.*)").format(ident(inner)) if distinct else sql.SQL("count(*)")
        args = ident(inner, columns[0]) if len(columns) == 1 else sql.SQL("({})").format(sql.SQL(", ").join(ident(inner, c) for c in columns))
        return sql.SQL("count({}{})").format(sql.SQL("DISTINCT ") if distinct else sql.SQL(""), args)
    if isinstance(arguments, list) and len(arguments) == 1:
        arguments = arguments[0]
    if not isinstance(arguments, str):
        raise BadUserInput(f"{where}: `arguments` names the number field to {function}")
    _check(compiler, target, arguments, where)
    if target.columns[arguments].type not in NUMERIC:
        raise BadUserInput(f"{where}: `{arguments}` is not a number field")
    return sql.SQL("{}({})").format(sql.SQL(function), ident(inner, arguments))


def _check(compiler: FilterCompiler, target: ResolvedTable, column: Any, where: str) -> None:
    if not isinstance(column, str) or column not in target.columns:
        raise BadUserInput(f"{where}: field `{column}` does not exist on table {target.name}")
    compiler.check_column(target, column)
