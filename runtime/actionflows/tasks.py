"""Async actionflow tasks: created by a request, run by a background worker per process.

Lifecycle ``CREATED -> PROCESSING -> COMPLETED | FAILED`` in ``minimomen.task``.
This module creates tasks and reads them (who may: ``may_read``); the worker that
claims and runs them, and fails those of dead processes, is ``task_worker``.

``start/publish/stop(project)`` are called by ``runtime.services``; they start the
worker (``runtime.actionflows.task_worker``) and the run log writer
(``runtime.actionflows.runlog``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from runtime.actionflows.invoke import check_invoke, find_flow
from runtime.actionflows.runlog import SERVICE as RUNLOG
from runtime.actionflows.runlog import RunLog
from runtime.actionflows.task_worker import TaskWorker, session_from_json, session_json
from runtime.actionflows.values import coerce_inputs, to_json
from runtime.files.flow_assets import with_asset_objects
from runtime.project import ProjectRuntime
from runtime.system_tables import SCHEMA
from runtime.types import NotFound, Session

log = logging.getLogger("minimomen.actionflows")

SERVICE = "tasks"
LISTEN_POLL_SECONDS = 0.1
TERMINAL = ("COMPLETED", "FAILED")
SECRET_BYTES = 24  # 192 bits


# ---------------------------------------------------------------- requests


async def create_task(project: ProjectRuntime, state: Any, session: Session, flow_ref: str, version: int | None, args: Any) -> int:
    """Queue a flow run for ``session`` (inputs checked now); return the task id at once.

    Anyone may read the result of a task they own (same account) and admin any task;
    a task started by an anonymous caller has no owner, so only admin can read it
    (``create_task_handle`` gives anonymous callers a secret to read theirs with).
    """
    return await _insert_task(project, state, session, flow_ref, version, args, None)


async def create_task_handle(project: ProjectRuntime, state: Any, session: Session, flow_ref: str, version: int | None, args: Any) -> dict[str, Any]:
    """``create_task`` plus an unguessable secret: whoever holds it may read the result."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    task_id = await _insert_task(project, state, session, flow_ref, version, args, _digest(secret))
    return {"taskId": task_id, "secret": secret}


async def _insert_task(project: ProjectRuntime, state: Any, session: Session, flow_ref: str, version: int | None, args: Any,
                       secret_hash: bytes | None) -> int:
    flow = find_flow(state, flow_ref, version)
    check_invoke(state, session, flow)
    inputs = coerce_inputs(flow, args)
    async with project.pool.connection() as conn:
        task_id = await queue_task(conn, flow.id, state.version, inputs, session, secret_hash)
    wake_worker(project)
    return task_id


async def queue_task(conn: AsyncConnection[Any], flow_id: str, version: int, inputs: Mapping[str, Any], session: Session,
                     secret_hash: bytes | None = None) -> int:
    """Insert a task row on ``conn`` (inside the caller's transaction, if any); its id. Call ``wake_worker`` once committed."""
    cur = await conn.execute(
        f"INSERT INTO {SCHEMA}.task (actionflow, version, args, session, secret_hash) VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (flow_id, version, Jsonb(to_json(dict(inputs))), Jsonb(session_json(session)), secret_hash),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def wake_worker(project: ProjectRuntime) -> None:
    """Tell this process's task worker that a task is waiting (others find it on their next poll)."""
    worker = project.services.get(SERVICE)
    if worker is not None:
        worker.wake()


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def may_read(session: Session, creator: Session, secret_hash: bytes | None, secret: str | None) -> bool:
    """Admin, the holder of the task's secret, or the logged-in account that created it."""
    if session.is_admin:
        return True
    if secret is not None:
        return secret_hash is not None and hmac.compare_digest(_digest(secret), bytes(secret_hash))
    return session.account_id is not None and creator.account_id == session.account_id


async def read_task(project: ProjectRuntime, session: Session, task_id: int, secret: str | None = None) -> dict[str, Any]:
    """``{id, status, output, error}`` of a task ``session`` may read (``may_read``), else NOT_FOUND."""
    async with project.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"SELECT id, actionflow, status, output, error, session, secret_hash FROM {SCHEMA}.task WHERE id = %s", (task_id,))
        row = await cur.fetchone()
    if row is None or not may_read(session, session_from_json(row["session"]), row["secret_hash"], secret):
        raise NotFound(f"task {task_id} does not exist")
    return {"id": row["id"], "status": row["status"], "output": await _with_assets(project, row["actionflow"], row["output"]),
            "error": row["error"]}


async def _with_assets(project: ProjectRuntime, flow_id: str, output: Any) -> Any:
    """The stored output (asset ids) as the synchronous answer gives it: asset objects with URLs signed now."""
    flow = project.state.resolved.actionflow(flow_id) if isinstance(output, dict) else None
    return to_json(await with_asset_objects(project, flow, output)) if flow is not None else output


async def listen_task(project: ProjectRuntime, session: Session, task_id: int, secret: str | None = None) -> AsyncIterator[dict[str, Any]]:
    """Yield the task's result now and on every status change, until it completes or fails."""
    last: str | None = None
    while True:
        result = await read_task(project, session, task_id, secret)
        if result["status"] != last:
            last = result["status"]
            yield result
        if last in TERMINAL:
            return
        await asyncio.sleep(LISTEN_POLL_SECONDS)


# ---------------------------------------------------------------- service hooks


async def start(project: ProjectRuntime) -> None:
    runlog = RunLog(project.pool)
    runlog.start()
    project.services[RUNLOG] = runlog
    worker = TaskWorker(project)
    project.services[SERVICE] = worker
    await worker.start()


async def publish(project: ProjectRuntime) -> None:
    return None  # the worker reads project.state for every task


async def stop(project: ProjectRuntime) -> None:
    worker = project.services.pop(SERVICE, None)
    if worker is not None:
        await worker.stop()
    runlog = project.services.pop(RUNLOG, None)
    if runlog is not None:
        await runlog.stop()
