"""The task worker of one project in one process: claims CREATED tasks and runs them, a few at a time.

A worker claims a task with ``FOR UPDATE SKIP LOCKED`` (several workers, on several
hosts, never take the same task) and, before the PROCESSING state is committed,
takes a session advisory lock on it. The lock lives exactly as long as the worker's
connection, so a PROCESSING task whose lock is free belongs to a dead process: the
sweep at start (and every ``SWEEP_SECONDS``) marks it FAILED ("interrupted by a
server restart") instead of dropping it. ``runtime.actionflows.tasks`` creates
tasks, reads them, and starts this worker as a project service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from runtime.actionflows.compiler import compiled_flows
from runtime.actionflows.engine import Trace, run_flow
from runtime.actionflows.idempotency import caller_of
from runtime.actionflows.run import FlowError
from runtime.actionflows.runlog import RunRecord, record
from runtime.actionflows.values import coerce_inputs, to_json
from runtime.integrations import changes, outbox
from runtime.project import ProjectRuntime
from runtime.system_tables import SCHEMA
from runtime.types import NotFound, RuntimeError_, Session

log = logging.getLogger("minimomen.actionflows")

LOCK_CLASS = 7321  # advisory lock namespace of task ids
POLL_SECONDS = 0.5  # other processes' new tasks are found by polling; our own wake us at once
IDLE_POLL_SECONDS = 2.0  # none found: the poll slows down to this (a workspace of many idle projects)
CONCURRENCY = 4
SWEEP_SECONDS = 60.0  # also fail tasks of a peer process that died while this one runs
INTERRUPTED = "interrupted by a server restart"

_LOCK = "pg_advisory_lock(%s, (%s %% 2147483647)::int)"
_TRY_LOCK = "pg_try_advisory_lock(%s, (%s %% 2147483647)::int)"
_UNLOCK = "pg_advisory_unlock(%s, (%s %% 2147483647)::int)"


def session_json(session: Session) -> dict[str, Any]:
    return {"role": session.role, "account_id": session.account_id, "roles": list(session.roles), "username": session.username}


def session_from_json(data: dict[str, Any]) -> Session:
    return Session(role=data.get("role", "anonymous"), account_id=data.get("account_id"), roles=tuple(data.get("roles") or ()), username=data.get("username"))


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
