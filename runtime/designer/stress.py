"""The designer's stress test: N concurrent invocations of a flow on a throwaway copy.

A hidden copy of the project (database ``<prefix>__stress_<id>_<slug>``) is
migrated to the published definition (without seed rows), filled with a copy of
every table's rows, and served by an in-process ``ProjectRuntime`` without
background services. ``concurrency`` tasks then invoke the flow ``n`` times in
all, each in its own transaction on its own pooled connection, exactly as
GraphQL callers would. The report counts outcomes and shows the final rows;
the copy is dropped afterwards, so the real data is never touched.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from builder.definition import Definition
from builder.resolved import resolve
from runtime.database import DatabaseServer
from runtime.designer.sessions import user_session
from runtime.project import ProjectRuntime, PublishedState
from runtime.system_tables import SCHEMA
from runtime.types import RequestContext, RuntimeError_, Session

FINAL_ROWS = 20


def copy_order(definition: Definition) -> list[str]:
    """Table names with every referenced ('one' side) table before the tables pointing to it."""
    by_id = {t.id: t.name for t in definition.tables}
    needs: dict[str, set[str]] = {t.name: set() for t in definition.tables}
    for rel in definition.relations:
        if rel.from_table in by_id and rel.to_table in by_id and rel.from_table != rel.to_table:
            needs[by_id[rel.to_table]].add(by_id[rel.from_table])
    ordered: list[str] = []
    while needs:
        ready = sorted(name for name, deps in needs.items() if not deps - set(ordered))
        if not ready:  # a cycle: copy the rest in any order (constraints may then refuse)
            ready = sorted(needs)
        for name in ready:
            ordered.append(name)
            needs.pop(name)
    return ordered


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    cur = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (schema, table),
    )
    return [row[0] for row in cur.fetchall()]


def _copy_table(source: psycopg.Connection, target: psycopg.Connection, schema: str, table: str) -> None:
    columns = _columns(target, schema, table)
    if not columns or not _columns(source, schema, table):
        return
    shared = [c for c in columns if c in set(_columns(source, schema, table))]
    names = sql.SQL(", ").join(sql.Identifier(c) for c in shared)
    qualified = sql.Identifier(schema, table)
    with source.cursor().copy(sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(names, qualified)) as out:
        with target.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(qualified, names)) as into:
            for block in out:
                into.write(block)
    if "id" in shared:
        target.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(coalesce(max(id), 0), 1), max(id) IS NOT NULL) FROM {}").format(qualified),
            (f'{schema}."{table}"',),
        )


def copy_data(source_conninfo: str, target_conninfo: str, definition: Definition) -> None:
    """Copy every table's rows (and role assignments) from the project into the copy."""
    tables = copy_order(definition)
    with psycopg.connect(source_conninfo) as source, psycopg.connect(target_conninfo) as target:
        with source.transaction(), target.transaction():
            source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            if tables:
                target.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(sql.Identifier("public", t) for t in tables)))
            for table in tables:
                _copy_table(source, target, "public", table)
            _copy_table(source, target, SCHEMA, "account_role")


def final_state(conninfo: str, definition: Definition) -> dict[str, Any]:
    state: dict[str, Any] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for table in (t.name for t in definition.tables):
            ident = sql.Identifier("public", table)
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()
            rows = conn.execute(sql.SQL("SELECT coalesce(json_agg(r), '[]') FROM (SELECT * FROM {} ORDER BY id LIMIT %s) r").format(ident), (FINAL_ROWS,)).fetchone()
            state[table] = {"count": count[0] if count else 0, "rows": rows[0] if rows else []}
    return state


async def _invoke_all(project: ProjectRuntime, session: Session, flow_id: str, args: dict[str, Any], n: int, concurrency: int) -> Counter[tuple[str, str]]:
    from runtime.actionflows.invoke import invoke

    outcomes: Counter[tuple[str, str]] = Counter()
    turns = iter(range(n))

    async def worker() -> None:
        for _ in turns:
            ctx = RequestContext(project=project, state=project.state, session=session)
            try:
                output = await invoke(ctx, flow_id, args)
                outcomes[("ok", json.dumps(output, sort_keys=True, default=str))] += 1
            except RuntimeError_ as exc:
                outcomes[("error", f"{exc.code}: {exc.message}")] += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported, one failure must not stop the test
                outcomes[("error", type(exc).__name__)] += 1

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
    return outcomes


async def run_stress_test(server: DatabaseServer, project: ProjectRuntime, flow_id: str, args: dict[str, Any], *, n: int, concurrency: int, account_id: int | None) -> dict[str, Any]:
    """Run the stress test; returns counts, outcomes, timing and the copy's final rows."""
    from runtime.migrations import publish_definition
    from runtime.secrets import load_or_create_secrets

    definition = project.state.resolved.definition.model_copy(update={"seed": []})
    if project.state.resolved.actionflow(flow_id) is None:
        from builder.api.callbacks import CallbackError

        raise CallbackError("NOT_FOUND", f"Actionflow `{flow_id}` is not published: publish the app first.", status=404)
    slug = f"__stress_{secrets.token_hex(3)}_{project.slug}"[:40]
    dbname = server.database_name(slug)
    folder = Path(tempfile.mkdtemp(prefix="minimomen-stress-"))
    pool: AsyncConnectionPool | None = None
    copy: ProjectRuntime | None = None
    try:
        plan = await asyncio.to_thread(publish_definition, server, slug, definition, folder)
        conninfo = server.conninfo(dbname)
        await asyncio.to_thread(copy_data, project.conninfo, conninfo, definition)
        pool = AsyncConnectionPool(conninfo, min_size=1, max_size=concurrency + 1, open=False, kwargs={"autocommit": True})
        await pool.open(wait=True)
        copy = ProjectRuntime(
            slug=slug, directory=folder, conninfo=conninfo, pool=pool,
            secrets=await asyncio.to_thread(load_or_create_secrets, conninfo),
            state=PublishedState(version=plan.version, resolved=resolve(definition)),
        )
        session = Session.admin() if account_id is None else await user_session(copy, account_id)
        started = time.perf_counter()
        outcomes = await _invoke_all(copy, session, flow_id, args, n, concurrency)
        seconds = time.perf_counter() - started
        state = await asyncio.to_thread(final_state, conninfo, definition)
    finally:
        if copy is not None:
            await copy.close()
        elif pool is not None:
            await pool.close()
        await asyncio.to_thread(server.drop_database, dbname)
        shutil.rmtree(folder, ignore_errors=True)
    succeeded = sum(count for (kind, _), count in outcomes.items() if kind == "ok")
    return {
        "n": n,
        "concurrency": concurrency,
        "succeeded": succeeded,
        "failed": n - succeeded,
        "seconds": round(seconds, 3),
        "per_second": round(n / seconds, 1) if seconds > 0 else None,
        "outcomes": [
            {"output": json.loads(text), "count": count} if kind == "ok" else {"error": text, "count": count}
            for (kind, text), count in outcomes.most_common()
        ],
        "final_state": state,
    }
