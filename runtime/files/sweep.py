"""The orphan sweep: files no row points to are deleted after a grace period.

A file becomes an orphan when its row is deleted, its field is replaced or cleared,
or it was uploaded and never attached. Deleting rows never deletes files inline, so a
rolled-back transaction cannot lose a file a committed row points to. The sweep runs in
two steps at least ``grace`` apart: it marks unreferenced assets (``orphaned_at``) and
unmarks referenced ones, then deletes those still unreferenced and marked for longer
than the grace period. The foreign keys (ON DELETE RESTRICT) are the final guard: a
row inserted meanwhile makes the DELETE fail (or wait, up to a short lock timeout),
and that asset is kept. Storage objects go only after their rows are gone.

Runs as a per-project service every ``MINIMOMEN_FILES_SWEEP_SECONDS`` (default one hour),
with a grace of ``MINIMOMEN_FILES_GRACE_SECONDS`` (default one day).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from runtime.background import cancel_and_wait
from runtime.files.store import store_for
from runtime.system_tables import SCHEMA

log = logging.getLogger("minimomen.files")
SERVICE = "files.sweep"


@dataclass
class SweepResult:
    marked: int = 0
    deleted: int = 0
    kept: int = 0  # a row started pointing to it while the sweep ran


def _referenced(project: Any) -> sql.Composable:
    """SQL true when asset ``a`` is the value of some image / file field."""
    checks = [
        sql.SQL("EXISTS (SELECT 1 FROM public.{} AS r WHERE r.{} = a.id)").format(sql.Identifier(table.name), sql.Identifier(column.name))
        for table in project.state.resolved.tables.values() for column in table.columns.values() if column.asset
    ]
    return sql.SQL(" OR ").join(checks) if checks else sql.SQL("false")


async def sweep(project: Any, grace_seconds: float) -> SweepResult:
    """One pass: mark, unmark, delete the long-marked; see the module docstring."""
    result = SweepResult()
    referenced = _referenced(project)
    grace = sql.SQL("make_interval(secs => {})").format(sql.Literal(grace_seconds))
    async with project.pool.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute(sql.SQL("UPDATE {}.asset AS a SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL AND ({})").format(
            sql.Identifier(SCHEMA), referenced))
        marked = await conn.execute(sql.SQL(
            "UPDATE {}.asset AS a SET orphaned_at = now() WHERE orphaned_at IS NULL AND created_at <= now() - {} AND NOT ({})"
        ).format(sql.Identifier(SCHEMA), grace, referenced))
        result.marked = marked.rowcount
        await conn.execute(sql.SQL("DELETE FROM {}.upload WHERE expires_at < now() - {}").format(sql.Identifier(SCHEMA), grace))
        candidates = await (await conn.execute(sql.SQL(
            "SELECT id FROM {}.asset AS a WHERE orphaned_at <= now() - {} AND NOT ({}) ORDER BY id LIMIT 1000"
        ).format(sql.Identifier(SCHEMA), grace, referenced))).fetchall()
        keys: list[str] = []
        for (asset_id,) in candidates:
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL lock_timeout = '2s'")
                    rows = await (await conn.execute(
                        f"""WITH v AS (SELECT storage_key FROM {SCHEMA}.variant WHERE asset_id = %(id)s),
                                 a AS (DELETE FROM {SCHEMA}.asset WHERE id = %(id)s RETURNING storage_key)
                            SELECT storage_key FROM a UNION ALL SELECT storage_key FROM v WHERE EXISTS (SELECT 1 FROM a)""",
                        {"id": asset_id})).fetchall()
            except (psycopg.errors.ForeignKeyViolation, psycopg.errors.LockNotAvailable):
                result.kept += 1  # a row points to it now (or is about to): keep it
                continue
            if rows:
                result.deleted += 1
                keys.extend(r[0] for r in rows)
    store = store_for(project)
    for key in keys:
        try:
            await store.delete(key)
        except Exception as exc:  # noqa: BLE001 - an object left behind costs space, never correctness
            log.warning("files of %s: could not delete %s: %s", project.slug, key, exc)
    return result


async def _forever(project: Any, every: float, grace: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await sweep(project, grace)
        except (psycopg.Error, OSError) as exc:
            log.warning("file sweep of %s: %s", project.slug, exc)


async def start(project: Any) -> None:
    every = float(os.environ.get("MINIMOMEN_FILES_SWEEP_SECONDS", "3600"))
    grace = float(os.environ.get("MINIMOMEN_FILES_GRACE_SECONDS", str(24 * 3600)))
    project.services[SERVICE] = asyncio.create_task(_forever(project, every, grace), name=f"file sweep {project.slug}")


async def publish(project: Any) -> None:
    """Nothing to reload: each pass reads the current state's asset fields."""


async def stop(project: Any) -> None:
    await cancel_and_wait(project.services.pop(SERVICE, None))
