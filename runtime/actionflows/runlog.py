"""The run log: one row per actionflow invocation in ``minimomen.run_log``.

Written after the outcome is known, on a pool connection of its own (so a
rolled-back flow still leaves its FAILED row), in batches by a background task
so the hot path only appends to a queue. ``recent`` is what ``minimomen logs``
prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from runtime.background import cancel_and_wait
from runtime.system_tables import SCHEMA

log = logging.getLogger("minimomen.actionflows")

SERVICE = "runlog"
MAX_BATCH = 500
FLUSH_SECONDS = 0.2
MAX_QUEUED = 50_000  # beyond this (database down for long) new records are dropped, not the app

_INSERT = f"""INSERT INTO {SCHEMA}.run_log (actionflow, version, caller, status, error, node, duration_ms, compiled, created_at, calls)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""


@dataclass(frozen=True)
class RunRecord:
    actionflow: str
    version: int
    caller: str
    status: str  # COMPLETED | FAILED
    error: str | None
    node: str | None  # the last node that started
    duration_ms: float
    compiled: bool = False  # ran as the flow's SQL function (one round trip), not node by node
    at: float = field(default_factory=time.time)  # when it ended (a datetime only when written: off the hot path)
    calls: tuple[dict[str, Any], ...] = ()  # outbound calls: method, host, status, time (never secret values)

    def row(self) -> tuple[Any, ...]:
        at = datetime.datetime.fromtimestamp(self.at, datetime.UTC)
        calls = Jsonb(list(self.calls)) if self.calls else None
        return (self.actionflow, self.version, self.caller, self.status, self.error, self.node, self.duration_ms, self.compiled, at, calls)


class RunLog:
    """A queue of records and the task that writes them in batches."""

    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool
        self.queue: asyncio.Queue[RunRecord] = asyncio.Queue(MAX_QUEUED)
        self._task: asyncio.Task[None] | None = None
        self._unwritten = 0  # queued, or taken off the queue by the writer and not yet written
        self._written = asyncio.Event()
        self._written.set()

    def record(self, record: RunRecord) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(record)
            self._unwritten += 1
            self._written.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self._write_forever(), name="minimomen-runlog")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.flush()

    async def flush(self) -> None:
        """Write everything queued now, and wait for the batch the writer task already holds."""
        while not self.queue.empty():
            await self._write(self._drain([]))
        await self._written.wait()

    def _drain(self, batch: list[RunRecord]) -> list[RunRecord]:
        while len(batch) < MAX_BATCH and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def _write_forever(self) -> None:
        while True:
            first = await self.queue.get()
            try:
                await asyncio.sleep(FLUSH_SECONDS)  # let a burst collect into one batch
            finally:
                # Also on cancellation (stop): the record taken off the queue is written.
                await self._write(self._drain([first]))

    async def _write(self, batch: list[RunRecord]) -> None:
        if not batch:
            return
        try:
            async with self.pool.connection() as conn, conn.transaction():
                async with conn.cursor() as cur:
                    await cur.executemany(_INSERT, [r.row() for r in batch])
        except (psycopg.Error, OSError) as exc:
            log.warning("could not write %d run log records: %s", len(batch), exc)
        finally:  # written or given up on: either way no longer pending
            self._unwritten -= len(batch)
            if self._unwritten <= 0:
                self._unwritten = 0
                self._written.set()


def record(project: Any, entry: RunRecord) -> None:
    """Queue ``entry`` in the project's run log (no-op when the service is not running)."""
    runlog = project.services.get(SERVICE) if project is not None else None
    if runlog is not None:
        runlog.record(entry)


def recent(conninfo: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` run log rows of a project database, newest first."""
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""SELECT id, created_at, actionflow, version, caller, status, error, node, duration_ms, compiled, calls
            FROM {SCHEMA}.run_log ORDER BY created_at DESC, id DESC LIMIT %s""",
            (max(1, int(limit)),),
        )
        return cur.fetchall()
