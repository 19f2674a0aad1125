"""Async actionflow tasks: created by a request, run by a background worker per process.

Lifecycle ``CREATED -> PROCESSING -> COMPLETED | FAILED`` in ``minimomen.task``.
A worker claims a task with ``FOR UPDATE SKIP LOCKED`` (several workers, on
several hosts, never take the same task) and, before the PROCESSING state is
committed, takes a session advisory lock on it. The lock lives exactly as long
as the worker's connection, so a PROCESSING task whose lock is free belongs to a
dead process: the sweep at start marks it FAILED ("interrupted by a server
restart") instead of dropping it.

``start/publish/stop(project)`` are called by ``runtime.services``; they also run
the run log writer (``runtime.actionflows.runlog``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from runtime.actionflows.compiler import compiled_flows
from runtime.actionflows.engine import Trace, run_flow
from runtime.actionflows.idempotency import caller_of
from runtime.actionflows.invoke import check_invoke, find_flow
from runtime.actionflows.run import FlowError
from runtime.actionflows.runlog import SERVICE as RUNLOG
from runtime.actionflows.runlog import RunLog, RunRecord, record
from runtime.actionflows.values import coerce_inputs, to_json
from runtime.integrations import changes, outbox
from runtime.project import ProjectRuntime
from runtime.system_tables import SCHEMA
from runtime.types import NotFound, RuntimeError_, Session

log = logging.getLogger("minimomen.actionflows")

SERVICE = "tasks"
LOCK_CLASS = 7321  # advisory lock namespace of task ids
POLL_SECONDS = 0.5  # other processes' new tasks are found by polling; our own wake us at once
IDLE_POLL_SECONDS = 2.0  # none found: the poll slows down to this (a workspace of many idle projects)
CONCURRENCY = 4
SWEEP_SECONDS = 60.0  # also fail tasks of a peer process that died while this one runs
LISTEN_POLL_SECONDS = 0.1
TERMINAL = ("COMPLETED", "FAILED")
SECRET_BYTES = 24  # 192 bits
INTERRUPTED = "interrupted by a server restart"

_LOCK = "pg_advisory_lock(%s, (%s %% 2147483647)::int)"
_TRY_LOCK = "pg_try_advisory_lock(%s, (%s %% 2147483647)::int)"
_UNLOCK = "pg_advisory_unlock(%s, (%s %% 2147483647)::int)"


def session_json(session: Session) -> dict[str, Any]:
    return {"role": session.role, "account_id": session.account_id, "roles": list(session.roles), "username": session.username}


def session_from_json(data: dict[str, Any]) -> Session:
    return Session(role=data.get("role", "anonymous"), account_id=data.get("account_id"), roles=tuple(data.get("roles") or ()), username=data.get("username"))


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
        await cur.execute(f"SELECT id, status, output, error, session, secret_hash FROM {SCHEMA}.task WHERE id = %s", (task_id,))
        row = await cur.fetchone()
    if row is None or not may_read(session, session_from_json(row["session"]), row["secret_hash"], secret):
        raise NotFound(f"task {task_id} does not exist")
    return {"id": row["id"], "status": row["status"], "output": row["output"], "error": row["error"]}


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


# ---------------------------------------------------------------- worker


class TaskWorker:
    """Claims CREATED tasks of one project and runs them, a few at a time."""

    def __init__(self, project: ProjectRuntime):
        self.project = project
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def start(self) -> None:
        await self.fail_interrupted()
        self._loop_task = asyncio.create_task(self._claim_forever(), name=f"minimomen-tasks-{self.project.slug}")

    async def stop(self) -> None:
        for task in [self._loop_task, *self._running]:
            if task is not None:
                task.cancel()
        for task in [self._loop_task, *self._running]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._loop_task = None

    async def fail_interrupted(self) -> int:
        """Mark FAILED every PROCESSING task whose worker is gone; return how many."""
        failed = 0
        async with self.project.pool.connection() as conn:
            cur = await conn.execute(f"SELECT id FROM {SCHEMA}.task WHERE status = 'PROCESSING'")
            for (task_id,) in await cur.fetchall():
                got = await (await conn.execute(f"SELECT {_TRY_LOCK}", (LOCK_CLASS, task_id))).fetchone()
                if not got or not got[0]:
                    continue  # a live worker holds it
                try:
                    cur = await conn.execute(
                        f"UPDATE {SCHEMA}.task SET status = 'FAILED', error = %s, updated_at = now() WHERE id = %s AND status = 'PROCESSING'",
                        (INTERRUPTED, task_id),
                    )
                    failed += cur.rowcount
                finally:
                    await conn.execute(f"SELECT {_UNLOCK}", (LOCK_CLASS, task_id))
        return failed

    async def _claim_forever(self) -> None:
        last_sweep = time.monotonic()
        wait = POLL_SECONDS
        while True:
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                last_sweep = time.monotonic()
                with contextlib.suppress(psycopg.Error, OSError):
                    await self.fail_interrupted()
            await self._slots.acquire()
            try:
                started = await self._claim_one()
            except (psycopg.Error, OSError) as exc:
                log.warning("task worker of %s: %s", self.project.slug, exc)
                started = False
            if started:
                wait = POLL_SECONDS
                continue
            self._slots.release()
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)
            wait = POLL_SECONDS if self._wakeup.is_set() else min(wait * 2, IDLE_POLL_SECONDS)

    async def _claim_one(self) -> bool:
        """Claim the oldest CREATED task and start running it; False when there is none."""
        pool = self.project.pool
        conn = await pool.getconn()
        try:
            async with conn.transaction():
                cur = await conn.execute(
                    f"SELECT id, actionflow, args, session FROM {SCHEMA}.task WHERE status = 'CREATED' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                )
                row = await cur.fetchone()
                if row is not None:
                    await conn.execute(f"SELECT {_LOCK}", (LOCK_CLASS, row[0]))
                    await conn.execute(f"UPDATE {SCHEMA}.task SET status = 'PROCESSING', updated_at = now() WHERE id = %s", (row[0],))
        except BaseException:
            await pool.putconn(conn)
            raise
        if row is None:
            await pool.putconn(conn)
            return False
        task = asyncio.create_task(self._run_and_release(conn, *row))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    async def _run_and_release(self, conn: AsyncConnection, task_id: int, flow_id: str, args: dict[str, Any], session_data: dict[str, Any]) -> None:
        """Run one claimed task on its claiming connection (which holds the task's lock)."""
        pool = self.project.pool
        try:
            try:
                status, output, error = await self._run(conn, flow_id, args, session_from_json(session_data), session_data.get("change_depth"))
            except asyncio.CancelledError:
                # Shutting down: the task stays PROCESSING; closing the connection frees its
                # lock, so the next start marks it FAILED (interrupted).
                await conn.close()
                raise
            except Exception as exc:
                log.exception("task %s failed unexpectedly", task_id)
                status, output, error = "FAILED", None, f"internal error ({type(exc).__name__})"
            await self._finish(conn, task_id, status, output, error)
        finally:
            await pool.putconn(conn)  # a closed connection is discarded by the pool
            self._slots.release()

    async def _finish(self, conn: AsyncConnection, task_id: int, status: str, output: Any, error: str | None) -> None:
        values = (status, Jsonb(output) if output is not None else None, error, task_id)
        query = f"UPDATE {SCHEMA}.task SET status = %s, output = %s, error = %s, updated_at = now() WHERE id = %s"
        try:
            await conn.execute(query, values)
            await conn.execute(f"SELECT {_UNLOCK}", (LOCK_CLASS, task_id))
            await conn.execute("RESET statement_timeout")
            await conn.execute(f"SELECT set_config('{changes.DEPTH_SETTING}', '', false)")
        except psycopg.Error:
            await conn.close()  # drops the lock with the session
            async with self.project.pool.connection() as fresh:
                await fresh.execute(query, values)

    async def _run(self, conn: AsyncConnection, flow_id: str, args: dict[str, Any], session: Session,
                   change_depth: int | None = None) -> tuple[str, Any, str | None]:
        state = self.project.state
        started = time.perf_counter()
        trace = Trace()
        try:
            flows = compiled_flows(state)
            compiled = flows.get(flow_id)
            if compiled is None:
                raise NotFound(f"actionflow `{flow_id}` is no longer published")
            if change_depth is not None:  # started by a database change (runtime.integrations.changes)
                found = changes.change_arguments(compiled.flow, args)
                if found is None:
                    return "COMPLETED", None, None  # its condition does not hold for this change
                args = found
                await conn.execute(f"SELECT set_config('{changes.DEPTH_SETTING}', %s, false)", (str(int(change_depth)),))
            inputs = coerce_inputs(compiled.flow, args)
            if compiled.flow.mode == "async":
                output = await run_flow(conn, state.resolved, flows, compiled, session, inputs, per_node_transactions=True, trace=trace)
            else:  # one transaction (the SQL function's own statement, or one run_flow opens)
                output = await run_flow(conn, state.resolved, flows, compiled, session, inputs, trace=trace, in_transaction=False)
        except RuntimeError_ as exc:
            node = exc.node if isinstance(exc, FlowError) else trace.last
            self._log(flow_id, state.version, session, started, "FAILED", exc.message, node, trace)
            return "FAILED", None, exc.message
        self._log(flow_id, state.version, session, started, "COMPLETED", None, trace.last, trace)
        outbox.wake_if_queued(self.project, trace.calls)
        return "COMPLETED", to_json(output), None

    def _log(self, flow_id: str, version: int, session: Session, started: float, status: str, error: str | None, node: str | None,
             trace: Trace) -> None:
        duration = (time.perf_counter() - started) * 1000
        record(self.project, RunRecord(flow_id, version, caller_of(session), status, error, node, duration, trace.compiled,
                                       calls=tuple(trace.calls)))


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
