"""Row operations on one table: the data path of actionflow nodes and simple loaders.

Every ``*_rows`` function takes an open connection (so callers choose the transaction), a
resolved table and plain values (refs already bound). Rows come back as dicts.
The ``*_statement`` functions build the same SQL without running it: values given
as ``VarRef`` become parameters bound per execution (``Params.bind``), so a caller
that runs one shape of statement many times (an actionflow node) builds it once.
Permission rules, when given, are ANDed into the SQL — never checked in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from builder.definition import FieldType
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.filters import FilterCompiler
from runtime.data.related import related_columns
from runtime.data.sql import PG_TYPES, TOUCH, Params, coerce_value, ident
from runtime.types import BadUserInput

WRITABLE_EXCLUDED = frozenset({"id", "created_at", "updated_at"})


@dataclass(frozen=True)
class OrderBy:
    column: str
    direction: Literal["asc", "desc"] = "asc"


def _writable(table: ResolvedTable, column: str, what: str) -> None:
    if column not in table.columns or column in WRITABLE_EXCLUDED:
        raise BadUserInput(f"{what}: field `{column}` does not exist on table {table.name} or cannot be written")


def _converter(field_type: FieldType, where: str) -> Callable[[Any], Any]:
    return lambda value: coerce_value(value, field_type, where)


def _cell(table: ResolvedTable, column: str, value: Any, params: Params, what: str) -> sql.Composable:
    """A parameter for ``value`` in ``column``; a ``VarRef`` value is bound per execution."""
    field_type = table.columns[column].type
    return params.add_input(value, _converter(field_type, f"{what}, field {column}"), PG_TYPES[field_type])


def _values(table: ResolvedTable, values: Mapping[str, Any], params: Params, what: str) -> list[tuple[str, sql.Composable]]:
    out = []
    for column, value in values.items():
        _writable(table, column, what)
        out.append((column, _cell(table, column, value, params, what)))
    return out


async def fetch_rows(conn: AsyncConnection, query: sql.Composed | bytes, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run a statement built by one of the ``*_statement`` functions; rows as dicts.

    Callers that run a statement many times build it once with ``VarRef`` values
    and pass ``params.bind(variables)`` here.
    """
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, values)
        return await cur.fetchall() if cur.description else []


def _where(project: ResolvedProject, table: ResolvedTable, params: Params, where: Mapping[str, Any] | None, row_rule: Mapping[str, Any] | None) -> sql.Composable:
    filters = FilterCompiler(project, params)
    conditions = [filters.compile(table, "t", where)]
    if row_rule is not None:
        conditions.append(filters.compile(table, "t", row_rule))
    return sql.SQL(" AND ").join(conditions)


def select_statement(
    params: Params,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None = None,
    *,
    order_by: Sequence[OrderBy] = (),
    limit: int | None = None,
    offset: int | None = None,
    row_rule: Mapping[str, Any] | None = None,
    lock: Literal["none", "for_update", "for_share"] = "none",
    related: Sequence[Sequence[str]] = (),
) -> sql.Composed:
    """``SELECT`` the rows; each of ``related`` (a path through relationships) is added as a
    column named by the dotted path (``event.title``), see ``runtime.data.related``."""
    extra = related_columns(project, table, "t", related)
    query = sql.SQL("SELECT t.*{} FROM {} AS t WHERE {}").format(extra, ident(table.name), _where(project, table, params, where, row_rule))
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
    return query


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
    query = select_statement(params, project, table, where, order_by=order_by, limit=limit, offset=offset, row_rule=row_rule, lock=lock)
    return await fetch_rows(conn, query, params.values)


def insert_statement(
    params: Params,
    table: ResolvedTable,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict_columns: Sequence[str] | None = None,
    on_conflict_update: Sequence[str] | None = None,
    project: ResolvedProject | None = None,
    related: Sequence[Sequence[str]] = (),
) -> sql.Composed:
    """``INSERT … RETURNING *`` plus, with ``project``, each of ``related`` read from the new row."""
    what = f"insert into {table.name}"
    columns = sorted({c for row in rows for c in row})
    for column in columns:
        _writable(table, column, what)
    if columns:
        tuples = []
        for row in rows:
            cells = [_cell(table, column, row[column], params, what) if column in row else sql.SQL("DEFAULT") for column in columns]
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
    extra = related_columns(project, table, "t", related) if project is not None else sql.SQL("")
    return query + sql.SQL(" RETURNING *{}").format(extra)


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
    query = insert_statement(params, table, rows, on_conflict_columns=on_conflict_columns, on_conflict_update=on_conflict_update)
    return await fetch_rows(conn, query, params.values)


def update_statement(
    params: Params,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None,
    *,
    set_values: Mapping[str, Any] | None = None,
    increment: Mapping[str, Any] | None = None,
    row_rule: Mapping[str, Any] | None = None,
    related: Sequence[Sequence[str]] = (),
) -> sql.Composed:
    what = f"update of {table.name}"
    assignments = [sql.SQL("{} = {}").format(ident(c), v) for c, v in _values(table, set_values or {}, params, what)]
    for column, delta in (increment or {}).items():
        _writable(table, column, what)
        if table.columns[column].type not in ("bigint", "decimal"):
            raise BadUserInput(f"{what}: field `{column}` is not a number and cannot be increased or decreased")
        value = _cell(table, column, delta, params, what)
        assignments.append(sql.SQL("{} = {} + {}").format(ident(column), ident("t", column), value))
    if not assignments:
        raise BadUserInput(f"{what}: nothing to change")
    assignments.append(TOUCH)
    return sql.SQL("UPDATE {} AS t SET {} WHERE {} RETURNING *{}").format(
        ident(table.name), sql.SQL(", ").join(assignments), _where(project, table, params, where, row_rule),
        related_columns(project, table, "t", related),
    )


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
    query = update_statement(params, project, table, where, set_values=set_values, increment=increment, row_rule=row_rule)
    return await fetch_rows(conn, query, params.values)


def delete_statement(
    params: Params, project: ResolvedProject, table: ResolvedTable, where: Mapping[str, Any] | None, *, row_rule: Mapping[str, Any] | None = None
) -> sql.Composed:
    return sql.SQL("DELETE FROM {} AS t WHERE {} RETURNING *").format(ident(table.name), _where(project, table, params, where, row_rule))


async def delete_rows(
    conn: AsyncConnection,
    project: ResolvedProject,
    table: ResolvedTable,
    where: Mapping[str, Any] | None,
    *,
    row_rule: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    params = Params()
    return await fetch_rows(conn, delete_statement(params, project, table, where, row_rule=row_rule), params.values)
