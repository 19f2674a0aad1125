"""Several runs of compiled read plans in one round trip.

Runs of one plan that differ only in their scalar variables (1,000 subscribers of
``product_by_pk`` with 1,000 ids, or concurrent HTTP requests) share one compiled
plan whose per-execution parameters are bound late (``Params.late``). As Hasura
does for live queries, they then go in one statement: the variable parameters
become columns of an ``unnest`` of arrays and the plan's statement runs
``LATERAL`` once per row::

    SELECT m."__i", q.* FROM unnest(%(__i)s::int[], %(__p0)s::text[]) AS m("__i", "p0")
    CROSS JOIN LATERAL (<plan statement, %(p0)s -> m."p0">) AS q

Values travel as text and keep the plan's own casts (``%(p0)s::bigint`` becomes
``m."p0"::bigint``), so only plans whose late parameters all carry a cast, with
int or str values, are multiplexed; other runs go in one pipeline. The GraphQL
engine owns the SQL; this module only changes how it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

Job = tuple[Any, Mapping[str, Any]]  # (plan, bound parameters)


def multiplexable(plan: Any, params_list: Sequence[Mapping[str, Any]]) -> bool:
    """True when the runs of ``plan`` with ``params_list`` can go in one multiplexed statement."""
    statement = plan.statement
    if not isinstance(statement, str) or not plan.params.late:
        return False
    for name in plan.params.late:
        if not re.search(rf"%\({name}\)s::", statement):
            return False
    return all(
        isinstance(params[name], (int, str)) and not isinstance(params[name], bool)
        for params in params_list for name in plan.params.late
    )


def multiplexed_statement(plan: Any) -> str:
    """``plan``'s statement run once per row of an ``unnest`` of its late parameters."""
    late = list(plan.params.late)
    statement: str = plan.statement
    for name in late:
        statement = statement.replace(f"%({name})s", f'm."{name}"')
    arrays = "".join(f", %(__{name})s::text[]" for name in late)
    columns = "".join(f', "{name}"' for name in late)
    return f'SELECT m."__i", q.* FROM unnest(%(__i)s::int[]{arrays}) AS m("__i"{columns}) CROSS JOIN LATERAL ({statement}) AS q'


async def rows_multiplexed(conn: psycopg.AsyncConnection[Any], plan: Any, params_list: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The row of each run of ``plan`` (one per parameters, in order), from one statement."""
    late = set(plan.params.late)
    params: dict[str, Any] = {k: v for k, v in params_list[0].items() if k not in late}
    params["__i"] = list(range(len(params_list)))
    for name in late:
        params[f"__{name}"] = [str(each[name]) for each in params_list]
    cursor = await conn.execute(multiplexed_statement(plan), params)
    rows: list[Any] = [None] * len(params_list)
    for row in await cursor.fetchall():
        rows[row[0]] = row[1:]
    return rows


async def rows_pipelined(conn: psycopg.AsyncConnection[Any], jobs: Sequence[Job]) -> list[Any]:
    """The row of each (plan, parameters) job, in one pipeline: one round trip, one statement each."""
    async with conn.pipeline():
        cursors = [await conn.execute(plan.statement, params) for plan, params in jobs]
    return [await cursor.fetchone() for cursor in cursors]
