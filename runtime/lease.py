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
a request cancelled while it waited never strands a connection. A connection
unused for ``idle_seconds`` goes back to the pool too, so a burst does not pin
connections for good.

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
# A connection the lease has not needed for this long goes back to the pool (whose own
# ``max_idle`` then closes it), so a burst does not pin connections for good.
IDLE_SECONDS = 30.0


class _Entry:
    __slots__ = ("born", "conn", "used")

    def __init__(self, conn: AsyncConnection, born: float):
        self.conn = conn
        self.born = born
        self.used = born


class Lease:
    def __init__(self, pool: AsyncConnectionPool, size: int | None = None, idle_seconds: float = IDLE_SECONDS):
        self.pool = pool
        self.idle_seconds = idle_seconds
        self._size = size
        self._idle: list[_Entry] = []  # least recently used first
        self._held = 0  # connections taken from the pool and not returned to it
        # A waiter's future gets a connection handed over, or None: "take one from the pool".
        self._waiters: deque[asyncio.Future[_Entry | None]] = deque()
        self._closed = False
        self._trim_timer: asyncio.TimerHandle | None = None
        self._returning: set[asyncio.Task[None]] = set()

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

    async def take(self) -> _Entry:
        if self._closed:
            raise RuntimeError("the lease is closed")
        if self._idle:
            return self._idle.pop()
        if self._held >= self.size:
            future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
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
            return _Entry(await self.pool.getconn(), time.monotonic())
        except BaseException:
            self._pass_on(None)
            raise

    async def give(self, entry: _Entry) -> None:
        conn = entry.conn
        now = time.monotonic()
        if (not self._closed and not conn.closed and conn.pgconn.transaction_status == TransactionStatus.IDLE
                and now - entry.born < self.pool.max_lifetime):
            entry.used = now
            self._pass_on(entry)
            return
        # The pool resets or replaces it; a waiter may take a fresh one from the pool.
        self._pass_on(None)
        await self.pool.putconn(conn)

    def _pass_on(self, entry: _Entry | None) -> None:
        """Hand ``entry`` (None: the right to take one from the pool) to the first waiter still waiting."""
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(entry)
                return
        if entry is None:
            self._held -= 1
            return
        self._idle.append(entry)
        if self._trim_timer is None:
            self._trim_timer = asyncio.get_running_loop().call_later(self.idle_seconds, self._trim)

    def _trim(self) -> None:
        """Return the connections idle for ``idle_seconds`` to the pool; look again later while any are idle."""
        self._trim_timer = None
        cutoff = time.monotonic() - self.idle_seconds
        stale = 0
        while stale < len(self._idle) and self._idle[stale].used <= cutoff:
            stale += 1
        for entry in self._idle[:stale]:
            self._held -= 1
            task = asyncio.get_running_loop().create_task(self.pool.putconn(entry.conn))
            self._returning.add(task)
            task.add_done_callback(self._returning.discard)
        del self._idle[:stale]
        if self._idle:
            wait = self._idle[0].used + self.idle_seconds - time.monotonic()
            self._trim_timer = asyncio.get_running_loop().call_later(max(wait, 0.01), self._trim)

    async def drop_idle(self) -> None:
        """Give every idle connection back to the pool (after the server restarted: they are broken)."""
        idle, self._idle = self._idle, []
        for entry in idle:
            self._held -= 1
            await self.pool.putconn(entry.conn)

    async def close(self) -> None:
        """Give every idle connection back to the pool; connections in use go back when released."""
        self._closed = True
        if self._trim_timer is not None:
            self._trim_timer.cancel()
            self._trim_timer = None
        idle, self._idle = self._idle, []
        for entry in idle:
            self._held -= 1
            await self.pool.putconn(entry.conn)
        if self._returning:
            await asyncio.gather(*self._returning)
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_exception(RuntimeError("the lease is closed"))


class _Leased:
    __slots__ = ("entry", "lease")

    def __init__(self, lease: Lease):
        self.lease = lease
        self.entry: _Entry | None = None

    async def __aenter__(self) -> AsyncConnection:
        self.entry = await self.lease.take()
        return self.entry.conn

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self.entry is not None
        await self.lease.give(self.entry)
