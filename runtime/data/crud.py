"""Row operations on one table: the data path of actionflow nodes and simple loaders.

Every function takes an open connection (so callers choose the transaction), a
resolved table and plain values (refs already bound). Rows come back as dicts.
Permission rules, when given, are ANDed into the SQL — never checked in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.filters import FilterCompiler
from runtime.data.sql import PG_TYPES, Params, coerce_value, ident
from runtime.types import BadUserInput

WRITABLE_EXCLUDED = frozenset({"id", "created_at", "updated_at"})


@dataclass(frozen=True)
class OrderBy:
    column: str
    direction: Literal["asc", "desc"] = "asc"


def _writable(table: ResolvedTable, column: str, what: str) -> None:
    if column not in table.columns or column in WRITABLE_EXCLUDED:
        raise BadUserInput(f"{what}: field `{column}` does not exist on table {table.name} or cannot be written")


def _values(table: ResolvedTable, values: Mapping[str, Any], params: Params, what: str) -> list[tuple[str, sql.Composable]]:
    out = []
    for column, value in values.items():
        _writable(table, column, what)
        field_type = table.columns[column].type
        out.append((column, params.add(coerce_value(value, field_type, f"{what}, field {column}"), PG_TYPES[field_type])))
    return out


async def _fetch(conn: AsyncConnection, query: sql.Composable, params: Params) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params.values)
        return await cur.fetchall() if cur.description else []


async def select_rows(
    conn: AsyncConnection,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None = None,
    *,
    order_by: Sequence[OrderBy] = (),
    limit: int | None = None,
    offset: int | None = None,
    row_rule: Mapping[str, Any] | None = None,
    lock: Literal["none", "for_update", "for_share"] = "none",
) -> list[dict[str, Any]]:
    params = Params()
    filters = FilterCompiler(project, params)
    conditions = [filters.compile(table, "t", where)]
    if row_rule is not None:
        conditions.append(filters.compile(table, "t", row_rule))
    query = sql.SQL("SELECT * FROM {} AS t WHERE {}").format(ident(table.name), sql.SQL(" AND ").join(conditions))
    if order_by:
        for o in order_by:
            if o.column not in table.columns:
                raise BadUserInput(f"cannot sort by `{o.column}`: it does not exist on table {table.name}")
        query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(
            sql.SQL("{} {}").format(ident("t", o.column), sql.SQL("DESC" if o.direction == "desc" else "ASC")) for o in order_by
        )
    if limit is not None:
        query += sql.SQL(" LIMIT {}").format(params.add(int(limit), "bigint"))
    if offset:
        query += sql.SQL(" OFFSET {}").format(params.add(int(offset), "bigint"))
    if lock == "for_update":
        query += sql.SQL(" FOR UPDATE")
    elif lock == "for_share":
        query += sql.SQL(" FOR SHARE")
    return await _fetch(conn, query, params)


async def insert_rows(
    conn: AsyncConnection,
    table: ResolvedTable,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict_columns: Sequence[str] | None = None,
    on_conflict_update: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Insert rows; with ``on_conflict_columns`` do nothing (or update the given columns)."""
    if not rows:
        return []
    params = Params()
    columns = sorted({c for row in rows for c in row})
    for column in columns:
        _writable(table, column, f"insert into {table.name}")
    if columns:
        tuples = []
        for row in rows:
            cells = []
            for column in columns:
                if column in row:
                    field_type = table.columns[column].type
                    cells.append(params.add(coerce_value(row[column], field_type, f"insert into {table.name}, field {column}"), PG_TYPES[field_type]))
                else:
                    cells.append(sql.SQL("DEFAULT"))
            tuples.append(sql.SQL("({})").format(sql.SQL(", ").join(cells)))
        query = sql.SQL("INSERT INTO {} AS t ({}) VALUES {}").format(
            ident(table.name), sql.SQL(", ").join(ident(c) for c in columns), sql.SQL(", ").join(tuples)
        )
    else:
        query = sql.SQL("INSERT INTO {} AS t DEFAULT VALUES").format(ident(table.name))
    if on_conflict_columns:
        target = sql.SQL(", ").join(ident(c) for c in on_conflict_columns)
        if on_conflict_update:
            sets = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(ident(c), ident(c)) for c in on_conflict_update)
            query += sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(target, sets)
        else:
            query += sql.SQL(" ON CONFLICT ({}) DO NOTHING").format(target)
    query += sql.SQL(" RETURNING *")
    return await _fetch(conn, query, params)


async def update_rows(
    conn: AsyncConnection,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None,
    *,
    set_values: Mapping[str, Any] | None = None,
    increment: Mapping[str, Any] | None = None,
    row_rule: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """``UPDATE ... SET col = v, num = num + d WHERE <where>``: the guarded update."""
    params = Params()
    what = f"update of {table.name}"
    assignments = [sql.SQL("{} = {}").format(ident(c), v) for c, v in _values(table, set_values or {}, params, what)]
    for column, delta in (increment or {}).items():
        _writable(table, column, what)
        field_type = table.columns[column].type
        if field_type not in ("bigint", "decimal"):
            raise BadUserInput(f"{what}: field `{column}` is not a number and cannot be increased or decreased")
        value = params.add(coerce_value(delta, field_type, f"{what}, field {column}"), PG_TYPES[field_type])
        assignments.append(sql.SQL("{} = {} + {}").format(ident(column), ident("t", column), value))
    if not assignments:
        raise BadUserInput(f"{what}: nothing to change")
    filters = FilterCompiler(project, params)
    conditions = [filters.compile(table, "t", where)]
    if row_rule is not None:
        conditions.append(filters.compile(table, "t", row_rule))
    query = sql.SQL("UPDATE {} AS t SET {} WHERE {} RETURNING *").format(
        ident(table.name), sql.SQL(", ").join(assignments), sql.SQL(" AND ").join(conditions)
    )
    return await _fetch(conn, query, params)


async def delete_rows(
    conn: AsyncConnection,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None,
    *,
    row_rule: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    params = Params()
    filters = FilterCompiler(project, params)
    conditions = [filters.compile(table, "t", where)]
    if row_rule is not None:
        conditions.append(filters.compile(table, "t", row_rule))
    query = sql.SQL("DELETE FROM {} AS t WHERE {} RETURNING *").format(ident(table.name), sql.SQL(" AND ").join(conditions))
    return await _fetch(conn, query, params)
