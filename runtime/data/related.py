"""A value reached from a row through relationships, as one correlated SQL expression.

``related_value(project, table, alias, path)`` reads ``path`` from the row ``alias`` of
``table``: object relationships to any depth ending in a column (``event.venue.city``),
or a total of an array relationship in the page runtime's shape
(``bookings_aggregate.aggregate.count``, ``….aggregate.sum.seats``). Only identifiers
go into the SQL; a path that names nothing known gives ``None`` (the validator reports it).
Rows are read as the caller of the statement reads them (actionflows: every row).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from psycopg import sql

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.select import aggregate_call
from runtime.data.sql import ident

NUMBER_AGGREGATES = ("sum", "avg", "min", "max")


def related_columns(project: ResolvedProject, table: ResolvedTable, alias: str, related: Sequence[Sequence[str]]) -> sql.Composable:
    """``, <value> AS "event.title"`` for each path of ``related`` that names something: extra
    output columns of a ``SELECT`` list or a ``RETURNING`` clause on row ``alias``."""
    extra: sql.Composable = sql.SQL("")
    for path in related:
        value = related_value(project, table, alias, path)
        if value is not None:
            extra += sql.SQL(", {} AS {}").format(value, ident(".".join(path)))
    return extra


def related_value(project: ResolvedProject, table: ResolvedTable, alias: str, path: Sequence[str],
                  aliases: Iterator[int] | None = None) -> sql.Composable | None:
    """SQL for ``path`` read from row ``alias`` of ``table``; ``None`` when the path names nothing."""
    counter = aliases if aliases is not None else itertools.count(1)
    if not path:
        return None
    head, rest = path[0], path[1:]
    if head in table.columns:
        return ident(alias, head) if not rest else None
    rel = table.relationships.get(head)
    if rel is not None and rel.kind == "object":
        target = project.tables[rel.target]
        inner = f"rel{next(counter)}"
        value = related_value(project, target, inner, rest, counter)
        if value is None:
            return None
        return sql.SQL("(SELECT {} FROM {} AS {} WHERE {} = {} LIMIT 1)").format(
            value, ident(target.name), ident(inner), ident(inner, rel.remote_column), ident(alias, rel.local_column))
    rel = table.relationships.get(head.removesuffix("_aggregate")) if head.endswith("_aggregate") else None
    if rel is None or rel.kind != "array" or len(rest) < 2 or rest[0] != "aggregate":
        return None
    target = project.tables[rel.target]
    inner = f"rel{next(counter)}"
    if list(rest[1:]) == ["count"]:
        total: sql.Composable = sql.SQL("count(*)")
    elif len(rest) == 3 and rest[1] in NUMBER_AGGREGATES and rest[2] in target.columns:
        total = aggregate_call(rest[1], ident(inner, rest[2]))
    else:
        return None
    return sql.SQL("(SELECT {} FROM {} AS {} WHERE {} = {})").format(
        total, ident(target.name), ident(inner), ident(inner, rel.remote_column), ident(alias, rel.local_column))
