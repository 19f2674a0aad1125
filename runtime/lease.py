"""Short leases of pool connections for requests that need one for a moment.

``psycopg_pool`` does a lot on every check-out and return (two lock round trips,
statistics, a reset check, waking its waiters): for a one-row GraphQL lookup that
is more CPU than the query. A ``Lease`` keeps up to ``size`` connections it has
taken from the pool and hands them from request to request itself; a request
finding none free waits for the next one given back, in order. Everything else
(transactions of mutations, the task worker, sign-ins) still goes through the
pool, which keeps ``pool.max_size - size`` connections for it.

A connection comes back to the lease only in a clean state: idle (no transaction
or result pending) and open. Anything else, and a connection older than the
pool's ``max_lifetime``, goes back to the pool, which resets or replaces it;
a request cancelled while it waited never strands a connection.

    lease = Lease(pool)
    async with lease.connection() as conn:
        row = await (await conn.execute(statement, params)).fetchone()
    await lease.close()  # before pool.close()
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from types import TracebackType

from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool, PoolTimeout

# The share of the pool that stays with the pool for everything that is not leased.
POOL_RESERVE = 0.25


class Lease:
    def __init__(self, pool: AsyncConnectionPool, size: int | None = None):
        self.pool = pool
        self._size = size
        self._idle: list[tuple[AsyncConnection, float]] = []
        self._held = 0  # connections taken from the pool and not returned to it
        # A waiter's future gets a connection handed over, or None: "take one from the pool".
        self._waiters: deque[asyncio.Future[tuple[AsyncConnection, float] | None]] = deque()
        self._closed = False

    def connection(self) -> _Leased:
        return _Leased(self)

    @property
    def size(self) -> int:
        """How many connections the lease may hold at once (by default, the pool less its reserve)."""
        if self._size is None:
            self._size = max(1, self.pool.max_size - max(1, round(self.pool.max_size * POOL_RESERVE)))
        return self._size

    @property
    def held(self) -> int:
        return self._held

    async def take(self) -> tuple[AsyncConnection, float]:
        if self._closed:
            raise RuntimeError("the lease is closed")
        if self._idle:
            return self._idle.pop()
        if self._held >= self.size:
            future: asyncio.Future[tuple[AsyncConnection, float] | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                async with asyncio.timeout(self.pool.timeout):
                    handed = await future
            except (TimeoutError, asyncio.CancelledError) as exc:
                if future.done() and not future.cancelled():
                    self._pass_on(future.result())  # handed over just as this request gave up
                if isinstance(exc, TimeoutError):
                    raise PoolTimeout(f"no database connection became free within {self.pool.timeout:g} s") from None
                raise
            if handed is not None:
                return handed
        else:
            self._held += 1
        try:
            return await self.pool.getconn(), time.monotonic()
        except BaseException:
            self._pass_on(None)
            raise

    async def give(self, entry: tuple[AsyncConnection, float]) -> None:
        conn, since = entry
        clean = (not conn.closed and conn.pgconn.transaction_status == TransactionStatus.IDLE
                 and time.monotonic() - since < self.pool.max_lifetime)
        if clean and not self._closed:
            self._pass_on(entry)
            return
        # The pool resets or replaces it; a waiter may take a fresh one from the pool.
        self._pass_on(None)
        await self.pool.putconn(conn)

    def _pass_on(self, entry: tuple[AsyncConnection, float] | None) -> None:
        """Hand ``entry`` (None: the right to take one from the pool) to the first waiter still waiting."""
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(entry)
                return
        if entry is None:
            self._held -= 1
        else:
            self._idle.append(entry)

    async def close(self) -> None:
        """Give every idle connection back to the pool; connections in use go back when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            self._held -= 1
            await self.pool.putconn(conn)
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_exception(RuntimeError("the lease is closed"))


class _Leased:
    __slots__ = ("entry", "lease")

    def __init__(self, lease: Lease):
        self.lease = lease
        self.entry: tuple[AsyncConnection, float] | None = None

    async def __aenter__(self) -> AsyncConnection:
        self.entry = await self.lease.take()
        return self.entry[0]

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self.entry is not None
        await self.lease.give(self.entry)
