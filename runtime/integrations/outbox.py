"""The after-commit outbox of Call API nodes, and the worker (a per-project service) that delivers it.

``enqueue`` writes the request on the flow's connection, inside its transaction: a
rolled-back run leaves nothing to send. The worker claims due rows with ``FOR UPDATE
SKIP LOCKED`` and marks them SENDING in that same short transaction, so several
processes never send one row at the same time; each row is then sent once per attempt.
A 2xx answer marks it SENT; a network error or a 5xx/429 answer schedules the next
attempt after an exponential backoff, until ``max_attempts`` (then FAILED); any other
answer (a 4xx: the request itself is wrong) fails it at once. Every attempt leaves a
run log row (caller ``outbox``) with the call's method, host, status and time.
Each request carries ``Idempotency-Key: outbox-<id>`` so a receiver can drop the
duplicate that a crash between sending and recording could cause: a row left SENDING
by a dead process is attempted again after ``STALE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from runtime.actionflows.runlog import RunRecord, record
from runtime.background import cancel_and_wait
from runtime.integrations.outbound import Outcome, Request, send_once
from runtime.integrations.secrets import MissingSecret, load_found
from runtime.project import ProjectRuntime
from runtime.system_tables import SCHEMA

log = logging.getLogger("minimomen.integrations")

SERVICE = "outbox"
BATCH = 50
CONCURRENCY = 16
POLL_SECONDS = 0.2
IDLE_POLL_SECONDS = 2.0  # nothing due: the poll slows down to this (a workspace of many idle projects); a wake or a due retry cuts it short
STALE_SECONDS = 600
MAX_BACKOFF_SECONDS = 300.0

_CLAIM = f"""UPDATE {SCHEMA}.outbox o SET status = 'SENDING', attempts = attempts + 1, updated_at = now()
FROM (SELECT id FROM {SCHEMA}.outbox WHERE status = 'PENDING' AND next_attempt_at <= now()
      ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED) due
WHERE o.id = due.id RETURNING o.id, o.actionflow, o.node, o.request, o.attempts, o.max_attempts"""
_STALE = f"""UPDATE {SCHEMA}.outbox SET status = 'PENDING', updated_at = now()
WHERE status = 'SENDING' AND updated_at < now() - make_interval(secs => %s)"""
_DONE = f"""UPDATE {SCHEMA}.outbox SET status = %s, last_status = %s, last_error = %s, updated_at = now(),
next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s"""


async def enqueue(conn: AsyncConnection[Any], flow_id: str, node_id: str, request: Request, max_attempts: int) -> int:
    """Queue ``request`` in the caller's transaction; its outbox id."""
    cur = await conn.execute(
        f"INSERT INTO {SCHEMA}.outbox (actionflow, node, request, max_attempts) VALUES (%s, %s, %s, %s) RETURNING id",
        (flow_id, node_id, Jsonb(request.to_json()), max_attempts),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def wake_if_queued(project: Any, calls: Iterable[dict[str, Any]]) -> None:
    """Wake this process's worker when a committed run queued a request."""
    if any(call.get("mode") == "after_commit" for call in calls):
        worker = project.services.get(SERVICE) if project is not None else None
        if worker is not None:
            worker.wake()


def backoff_seconds() -> float:
    """The pause before the second attempt (doubling after each); ``MINIMOMEN_OUTBOX_BACKOFF_SECONDS`` overrides 1 s."""
    return float(os.environ.get("MINIMOMEN_OUTBOX_BACKOFF_SECONDS", "1.0"))


class OutboxWorker:
    def __init__(self, project: ProjectRuntime, backoff: float | None = None):
        self.project = project
        self.backoff = backoff if backoff is not None else backoff_seconds()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._retry_at: float | None = None  # monotonic time of the soonest retry this worker scheduled

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._deliver_forever(), name=f"minimomen-outbox-{self.project.slug}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _deliver_forever(self) -> None:
        last_sweep = 0.0
        wait = POLL_SECONDS
        while True:
            self._wakeup.clear()
            if self._retry_at is not None and self._retry_at <= time.monotonic():
                self._retry_at = None  # due now: this round claims it
            try:
                if time.monotonic() - last_sweep > 60:
                    last_sweep = time.monotonic()
                    async with self.project.pool.connection() as conn:
                        await conn.execute(_STALE, (STALE_SECONDS,))
                delivered = await self.deliver_due()
            except (psycopg.Error, OSError) as exc:
                log.warning("outbox of %s: %s", self.project.slug, exc)
                delivered = 0
            if delivered >= BATCH:
                continue  # more may be due at once
            wait = POLL_SECONDS if delivered else min(wait * 2, IDLE_POLL_SECONDS)
            if self._retry_at is not None:
                wait = min(wait, max(self._retry_at - time.monotonic(), 0.01))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)
            if self._wakeup.is_set():
                wait = POLL_SECONDS

    async def deliver_due(self) -> int:
        """Claim up to ``BATCH`` due rows, send them (several at a time), record the outcomes; how many were claimed."""
        async with self.project.pool.connection() as conn:
            rows = await (await conn.execute(_CLAIM, (BATCH,))).fetchall()
            if not rows:
                return 0
            requests = {row[0]: Request.from_json(row[3]) for row in rows}
            secrets = await load_found(conn, set().union(*(r.secrets() for r in requests.values())))
        done = await asyncio.gather(*(self._deliver(row, requests[row[0]], secrets) for row in rows))
        async with self.project.pool.connection() as conn, conn.cursor() as cur:
            await cur.executemany(_DONE, done)
        return len(rows)

    async def _deliver(self, row: tuple[Any, ...], request: Request, secrets: dict[str, str]) -> tuple[Any, ...]:
        """Send one claimed row; the parameters of its ``_DONE`` update (its run log row is queued)."""
        outbox_id, flow_id, node_id, _, attempts, max_attempts = row
        request = Request(**{**request.to_json(), "headers": {"Idempotency-Key": f"outbox-{outbox_id}", **request.headers}})
        async with self._slots:
            missing = sorted(request.secrets() - set(secrets))
            if missing:
                outcome = Outcome(error=MissingSecret(*missing).message, attempts=1, refused=True)
            else:
                outcome = await send_once(request, secrets, self.project.state.resolved.definition.settings.outbound_hosts)
        outcome.attempts = attempts
        if outcome.ok:
            status, delay = "SENT", 0.0
        elif outcome.retryable and attempts < max_attempts:
            status, delay = "PENDING", min(self.backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            retry_at = time.monotonic() + delay
            self._retry_at = retry_at if self._retry_at is None else min(self._retry_at, retry_at)
        else:
            status, delay = "FAILED", 0.0
        error = outcome.error or (None if outcome.ok else f"answered {outcome.status}")
        logged = {"SENT": "COMPLETED", "PENDING": "RETRYING", "FAILED": "FAILED"}[status]
        message = None if outcome.ok else f"{request.method} {request.host} (attempt {attempts} of {max_attempts}): {error}"
        if status == "FAILED" and not outcome.ok:
            message = f"gave up: {message}"
        record(self.project, RunRecord(flow_id, self.project.state.version, "outbox", logged, message, node_id, outcome.duration_ms,
                                       calls=(outcome.log_entry(request, node_id, "after_commit"),)))
        return (status, outcome.status, error, delay, outbox_id)


# ---------------------------------------------------------------- service hooks


async def start(project: ProjectRuntime) -> None:
    worker = OutboxWorker(project)
    project.services[SERVICE] = worker
    worker.start()


async def publish(project: ProjectRuntime) -> None:
    return None  # the worker reads project.state for every delivery


async def stop(project: ProjectRuntime) -> None:
    worker = project.services.pop(SERVICE, None)
    if worker is not None:
        await worker.stop()
