"""The connection lease against a real PostgreSQL: reuse, waiting in order, clean hand-back, cancellation, close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from runtime.lease import Lease
from tests.conftest import unique_prefix


@pytest.fixture
def conninfo(db_server) -> Iterator[str]:
    name = unique_prefix() + "lease"
    db_server.ensure_database(name)
    yield db_server.conninfo(name)
    db_server.drop_database(name)  # fails if the lease stranded an open connection


@asynccontextmanager
async def lease_on(conninfo: str, *, max_size: int = 4, size: int | None = None, timeout: float = 30,
                   idle_seconds: float = 30) -> AsyncIterator[Lease]:
    pool = AsyncConnectionPool(conninfo, min_size=1, max_size=max_size, open=False, timeout=timeout, kwargs={"autocommit": True})
    await pool.open(wait=True)
    lease = Lease(pool, size, idle_seconds=idle_seconds)
    try:
        yield lease
    finally:
        await lease.close()
        await pool.close()


async def backend_pid(lease: Lease) -> int:
    async with lease.connection() as conn:
        row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        return int(row[0])


def test_default_size_keeps_a_quarter_of_the_pool_for_everything_else(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, max_size=20) as lease:
            assert lease.size == 15
        async with lease_on(conninfo, max_size=2) as lease:
            assert lease.size == 1

    asyncio.run(main())


def test_a_released_connection_is_reused_without_going_back_to_the_pool(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo) as lease:
            first = await backend_pid(lease)
            checked_out = lease.pool.get_stats().get("requests_num", 0)
            for _ in range(5):
                assert await backend_pid(lease) == first
            assert lease.pool.get_stats().get("requests_num", 0) == checked_out
            assert lease.held == 1

    asyncio.run(main())


def test_requests_beyond_the_size_wait_and_are_served_in_order(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, max_size=6, size=2) as lease:
            order: list[int] = []
            in_use = 0
            most = 0

            async def request(n: int) -> None:
                nonlocal in_use, most
                async with lease.connection() as conn:
                    order.append(n)  # the order connections are granted in (completion order may differ under load)
                    in_use += 1
                    most = max(most, in_use)
                    await conn.execute("SELECT pg_sleep(0.02)")
                    in_use -= 1

            tasks = []
            for n in range(8):
                tasks.append(asyncio.create_task(request(n)))
                await asyncio.sleep(0)  # arrive one after the other
            await asyncio.gather(*tasks)
            assert most == 2 and lease.held == 2
            assert sorted(order) == list(range(8))
            assert order[2:] == sorted(order[2:]), "waiters are served first come, first served"

    asyncio.run(main())


def test_a_connection_left_in_a_transaction_goes_back_to_the_pool_not_to_the_next_request(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, size=1) as lease:
            async with lease.connection() as conn:
                await conn.execute("BEGIN")
                await conn.execute("CREATE TEMP TABLE leftover (x int)")
                dirty_pid = conn.info.backend_pid
            assert lease.held == 0
            async with lease.connection() as conn:
                row = await (await conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'leftover'")).fetchone()
                assert row == (0,), "the next request must not see the abandoned transaction"
                assert conn.info.transaction_status.name == "IDLE"
            assert dirty_pid > 0

    asyncio.run(main())


def test_a_closed_connection_is_replaced(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, size=1) as lease:
            async with lease.connection() as conn:
                await conn.close()
            assert await backend_pid(lease) > 0

    asyncio.run(main())


def test_a_waiter_cancelled_at_hand_over_passes_the_connection_on(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, size=1) as lease:
            holder = await lease.take()
            waiter = asyncio.create_task(lease.take())
            second = asyncio.create_task(backend_pid(lease))
            await asyncio.sleep(0.01)
            await lease.give(holder)  # handed to ``waiter`` ...
            waiter.cancel()  # ... which is cancelled before it runs
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert await asyncio.wait_for(second, 5) == holder.conn.info.backend_pid
            assert lease.held == 1

    asyncio.run(main())


def test_waiting_longer_than_the_pool_timeout_is_a_pool_timeout(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, size=1, timeout=0.2) as lease:
            holder = await lease.take()
            with pytest.raises(PoolTimeout, match="no database connection became free"):
                await lease.take()
            await lease.give(holder)
            assert await backend_pid(lease) == holder.conn.info.backend_pid

    asyncio.run(main())


def test_close_gives_idle_connections_back_so_the_database_can_be_dropped(conninfo: str, db_server) -> None:
    async def main() -> None:
        async with lease_on(conninfo, max_size=4, size=3) as lease:
            await asyncio.gather(*(backend_pid(lease) for _ in range(3)))
            assert lease.held == 3
            await lease.close()
            assert lease.held == 0
            with pytest.raises(RuntimeError, match="closed"):
                await lease.take()

    asyncio.run(main())


def test_connections_unused_for_a_while_go_back_to_the_pool(conninfo: str) -> None:
    async def main() -> None:
        async with lease_on(conninfo, max_size=4, size=3, idle_seconds=0.3) as lease:
            await asyncio.gather(*(backend_pid(lease) for _ in range(3)))
            assert lease.held == 3
            for _ in range(6):  # one connection stays busy: only the two others are unused
                await asyncio.sleep(0.1)
                await backend_pid(lease)
            assert lease.held == 1
            await asyncio.sleep(0.6)
            assert lease.held == 0
            stats = lease.pool.get_stats()
            assert stats["pool_available"] == stats["pool_size"], "every connection is back in the pool"

    asyncio.run(main())
