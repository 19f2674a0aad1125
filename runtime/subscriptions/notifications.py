"""Committed changes, as announced by the table triggers over LISTEN/NOTIFY.

One ``Listener`` per project and process holds one autocommit connection that
LISTENs on ``NOTIFY_CHANNEL``. PostgreSQL delivers a notification only when the
writing transaction commits, so rolled-back and uncommitted writes never show.
If the connection drops, the listener reconnects with backoff and reports a
``Change(table=None)`` ("anything may have changed") because notifications sent
while it was away are lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from runtime.system_tables import NOTIFY_CHANNEL

log = logging.getLogger("minimomen.live")


@dataclass(frozen=True)
class Change:
    """One committed statement's footprint: a table and, for small statements, the row ids."""

    table: str | None  # None: unknown, every live query must re-run
    ids: frozenset[int] | None = None  # None: any row of the table


def parse_payload(payload: str) -> Change:
    """``{"t": "product", "ids": [1, 2]}``, ``{"t": "product"}`` or a bare table name."""
    if not payload.startswith("{"):
        return Change(payload or None)
    try:
        data = json.loads(payload)
    except ValueError:
        log.warning("unreadable change notification %r", payload[:200])
        return Change(None)
    table = data.get("t")
    ids = data.get("ids")
    if not isinstance(table, str):
        return Change(None)
    if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
        return Change(table, frozenset(ids))
    return Change(table)


OnChange = Callable[[Change], None]


class Listener:
    """LISTENs for one project's changes until stopped; survives dropped connections."""

    def __init__(self, conninfo: str, on_change: OnChange, *, max_reconnect_delay: float = 5.0):
        self.conninfo = conninfo
        self.on_change = on_change
        self.max_reconnect_delay = max_reconnect_delay
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection: psycopg.AsyncConnection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="minimomen-listen")

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def drop_connection(self) -> None:
        """Close the LISTEN connection under the listener's feet (for failure tests)."""
        if self._connection is not None:
            await self._connection.close()

    async def _run(self) -> None:
        delay = 0.1
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
                    self._connection = conn
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.connected.set()
                    if not first:
                        log.info("live queries: LISTEN connection restored")
                        self.on_change(Change(None))
                    first, delay = False, 0.1
                    async for notify in conn.notifies():
                        self.on_change(parse_payload(notify.payload))
                    # notifies() ends only when the connection is closed
                    raise psycopg.OperationalError("LISTEN connection closed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means: reconnect
                self.connected.clear()
                self._connection = None
                log.warning("live queries: LISTEN connection lost (%s); retrying in %.1fs", exc, delay)
                first = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_reconnect_delay)
