"""Watches the PostgreSQL server: notices it died, restarts the embedded one, lets requests fail fast meanwhile.

A probe connection runs ``SELECT 1`` every ``interval`` seconds. When it fails the
server is marked unavailable: HTTP requests to the apps get 503 with ``Retry-After``
at once (``runtime.graphql.fastpath``) instead of waiting for a pool timeout. The
embedded server is started again (``pg_ctl start``) with a doubling wait between
attempts, bounded by ``max_backoff`` (2 s: a crashed server usually starts at the 2nd to
4th attempt, once its orphaned backends are gone) and by ``slow_backoff`` after
``SLOW_AFTER`` attempts (a server that will not start is not hammered), each attempt logged; an external server
(``DATABASE_URL``) is simply probed until it answers. When it is back, the broken
connections of every project's pool and lease are dropped, and requests flow again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg

from runtime.background import cancel_and_wait

log = logging.getLogger("minimomen.database")

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"  # extensions.code of the 503 answered meanwhile (retryable)
RETRY_AFTER_SECONDS = 2
SLOW_AFTER = 20  # restart attempts before the wait between them grows to ``slow_backoff``


class DatabaseSupervisor:
    def __init__(self, runtime: Any, *, interval: float = 0.5, max_backoff: float = 2.0, slow_backoff: float = 30.0,
                 probe_timeout: float = 2.0):
        self.runtime = runtime
        self.interval, self.max_backoff, self.slow_backoff, self.probe_timeout = interval, max_backoff, slow_backoff, probe_timeout
        self.available = True
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="database supervisor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._drop_probe()

    async def _watch(self) -> None:
        backoff = self.interval
        attempt = 0
        while True:
            if await self._probe():
                if not self.available:
                    await self._recovered(attempt)
                backoff, attempt = self.interval, 0
                await asyncio.sleep(self.interval)
                continue
            if self.available:
                self.available = False
                log.warning("PostgreSQL is not answering: requests get 503 until it is back")
            attempt += 1
            await self._restart(attempt)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff if attempt < SLOW_AFTER else self.slow_backoff)

    async def _probe(self) -> bool:
        try:
            async with asyncio.timeout(self.probe_timeout):
                if self._conn is None or self._conn.closed:
                    self._conn = await psycopg.AsyncConnection.connect(self.runtime.server.url, autocommit=True,
                                                                       connect_timeout=max(1, int(self.probe_timeout)))
                await self._conn.execute("SELECT 1")
            return True
        except (psycopg.Error, OSError, TimeoutError):
            await self._drop_probe()
            return False

    async def _drop_probe(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    async def _restart(self, attempt: int) -> None:
        handle = getattr(self.runtime.server, "_embedded", None)
        if handle is None:
            return  # an external server: keep probing until it answers
        from runtime.embedded_postgres import restart_embedded

        log.warning("restarting the embedded PostgreSQL (attempt %d)", attempt)
        try:
            running = await asyncio.wait_for(asyncio.to_thread(restart_embedded, handle), timeout=30)
        except Exception as exc:  # noqa: BLE001 - logged; the next attempt comes after the back-off
            log.warning("restarting the embedded PostgreSQL failed (attempt %d): %s", attempt, exc)
            return
        log.warning("embedded PostgreSQL %s", "running again" if running else "still not running")

    async def _recovered(self, attempts: int) -> None:
        for project in list(self.runtime.projects.values()):
            with contextlib.suppress(Exception):
                await project.lease.drop_idle()
            with contextlib.suppress(Exception):
                await project.pool.check()
        self.available = True
        log.warning("PostgreSQL answers again (after %d restart attempt%s): serving", attempts, "" if attempts == 1 else "s")
