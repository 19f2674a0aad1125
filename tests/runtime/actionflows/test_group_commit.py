"""Group commit: calls of a compiled flow that queue behind a running one share one transaction.

A batch is formed on purpose: a test connection locks the product row, one call
runs alone and blocks on it, the next calls queue in the server; releasing the
lock lets the lone call finish, and the queued calls then run as one statement.
Orders written in one transaction share ``created_at`` (``now()`` is the
transaction's start), which is how the tests see the batch in the database.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.runtime.actionflows.client import FlowServer, start_flow_server
from tests.runtime.actionflows.test_graphql_flows import _hold_row

BUY = "mutation($p: bigint!, $q: bigint!, $e: Boolean) { buy(product_id: $p, quantity: $q, explode: $e) { status } }"
OK = "Order placed successfully"
SHORT = "Stock shortage"


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[FlowServer]:  # type: ignore[no-untyped-def]
    served = start_flow_server(tmp_path_factory.mktemp("ws"), db_server)
    yield served
    served.server.stop()


def _outcome(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return "error: " + body["errors"][0]["message"]
    return body["data"]["buy"]["status"]


async def _post(client: httpx.AsyncClient, flows: FlowServer, product: int, quantity: int, explode: bool = False,
                key: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {flows.admin}", **({"Idempotency-Key": key} if key else {})}
    response = await client.post(flows.url, json={"query": BUY, "variables": {"p": product, "q": quantity, "e": explode}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _blocked(flows: FlowServer) -> int:
    return flows.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")[0][0]


async def _batch_behind_lock(flows: FlowServer, product: int, calls: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The leader (quantity 1) blocks on the locked row; ``calls`` queue behind it in order; then the lock goes."""
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row, args=(flows.conninfo, product, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        async with httpx.AsyncClient(timeout=60) as client:
            leader = asyncio.create_task(_post(client, flows, product, 1))
            deadline = time.monotonic() + 20
            while _blocked(flows) == 0:
                assert time.monotonic() < deadline, "the leader never blocked on the locked row"
                await asyncio.sleep(0.05)
            queued = []
            for call in calls:  # in a known arrival order
                queued.append(asyncio.create_task(_post(client, flows, product, **call)))
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)
            assert _blocked(flows) == 1, "only the leader may wait on the row: the others queue in the server"
            release.set()
            return await leader, list(await asyncio.gather(*queued))
    finally:
        release.set()
        holder.join()


def _orders(flows: FlowServer, product: int) -> list[tuple[int, Any]]:
    return flows.sql('SELECT quantity, created_at FROM "order" WHERE product_id = %s ORDER BY id', (product,))


def test_a_mixed_batch_gives_each_call_its_own_result(flows: FlowServer) -> None:
    product = flows.new_product(stock=10)
    calls = [
        {"quantity": 2},  # ok: 7 left
        {"quantity": 0},  # refused by the flow before any write
        {"quantity": 3, "explode": True},  # orders, then raises: its writes roll back alone
        {"quantity": 100},  # shortage
        {"quantity": 4},  # ok: 3 left
        {"quantity": -1},  # refused
        {"quantity": 3},  # ok: 0 left (the exploded call's 3 came back)
        {"quantity": 1},  # shortage
    ]
    leader, bodies = asyncio.run(_batch_behind_lock(flows, product, calls))
    assert _outcome(leader) == OK
    assert [_outcome(b) for b in bodies] == [
        OK, "error: quantity must be positive", "error: exploded after ordering", SHORT, OK, "error: quantity must be positive", OK, SHORT,
    ]
    assert bodies[2]["errors"][0]["extensions"]["classification"] == "ACTION_FLOW_FAILED"
    orders = _orders(flows, product)
    assert [q for q, _ in orders] == [1, 2, 4, 3]  # only the successful calls' writes exist
    assert flows.stock(product) == 0
    # the leader committed alone; the queued calls in one transaction
    assert orders[0][1] != orders[1][1] and len({at for _, at in orders[1:]}) == 1
    deadline = time.monotonic() + 10  # the run log is written in batches, off the hot path
    while flows.sql("SELECT count(*) FROM minimomen.run_log WHERE actionflow = 'buy' AND status = 'FAILED' AND compiled")[0][0] < 3:
        assert time.monotonic() < deadline, "the failed calls were not logged"
        time.sleep(0.1)


def test_a_repeated_idempotency_key_inside_one_batch_runs_once(flows: FlowServer) -> None:
    product = flows.new_product(stock=100)
    first, second = "k1-" + uuid.uuid4().hex, "k2-" + uuid.uuid4().hex
    calls = [
        {"quantity": 5, "key": first},
        {"quantity": 7, "key": second},
        {"quantity": 5, "key": first},
        {"quantity": 11},
        {"quantity": 7, "key": second},
        {"quantity": 5, "key": first},
    ]
    leader, bodies = asyncio.run(_batch_behind_lock(flows, product, calls))
    assert [_outcome(b) for b in [leader, *bodies]] == [OK] * 7
    orders = _orders(flows, product)
    assert [q for q, _ in orders] == [1, 5, 7, 11]
    assert len({at for _, at in orders[1:]}) == 1  # one batch
    assert flows.stock(product) == 100 - 24
    stored = flows.sql("SELECT key, response FROM minimomen.idempotency_key WHERE key IN (%s, %s)", (first, second))
    assert {k: r["data"]["buy"]["status"] for k, r in stored} == {first: OK, second: OK}
    # A later call with the key replays the stored response without running.
    replay = asyncio.run(_once(flows, product, 5, first))
    assert _outcome(replay) == OK and len(_orders(flows, product)) == 4


async def _once(flows: FlowServer, product: int, quantity: int, key: str | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await _post(client, flows, product, quantity, key=key)


def test_2000_concurrent_calls_on_stock_100(flows: FlowServer) -> None:
    product = flows.new_product(stock=100)

    async def storm() -> list[dict[str, Any]]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        gate = asyncio.Semaphore(100)
        async with httpx.AsyncClient(limits=limits, timeout=120) as client:
            async def buy() -> dict[str, Any]:
                # As a careful client does: a call whose connection dropped (a keep-alive
                # connection closed under it on a loaded machine) is sent again with its key,
                # which must not order twice (checked in the database below).
                key = uuid.uuid4().hex
                async with gate:
                    for attempt in range(3):
                        try:
                            return await _post(client, flows, product, 1, key=key)
                        except httpx.TransportError:
                            if attempt == 2:
                                raise
                raise AssertionError("unreachable")

            return list(await asyncio.gather(*(buy() for _ in range(2000))))

    outcomes = [_outcome(b) for b in asyncio.run(storm())]
    assert outcomes.count(OK) == 100 and outcomes.count(SHORT) == 1900, [o for o in outcomes if o not in (OK, SHORT)][:3]
    orders = _orders(flows, product)
    assert flows.stock(product) == 0 and len(orders) == 100
    assert len({at for _, at in orders}) < 100  # some calls shared a transaction


def test_kill_9_in_the_middle_of_batches(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    """Every order matches a deduction, and nobody was told success for a call that is not in the database."""
    flows = start_flow_server(tmp_path / "ws", db_server)
    initial = 10**9
    try:
        product = flows.new_product(stock=initial)
        told: dict[int, str] = {}

        async def storm() -> None:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            gate = asyncio.Semaphore(64)  # httpx's pool is slow with thousands of requests waiting in it
            async with httpx.AsyncClient(limits=limits, timeout=30) as client:
                async def buy(quantity: int) -> None:  # each call's quantity names it
                    try:
                        async with gate:
                            told[quantity] = _outcome(await _post(client, flows, product, quantity))
                    except (httpx.HTTPError, AssertionError):
                        told[quantity] = "no answer"

                async def kill() -> None:
                    deadline = time.monotonic() + 60
                    while len(told) < 300:
                        assert time.monotonic() < deadline, collections.Counter(told.values())
                        await asyncio.sleep(0.01)
                    flows.server.process.kill()  # SIGKILL, mid-stream

                await asyncio.gather(kill(), *(buy(q) for q in range(1, 3001)))

        asyncio.run(storm())
        flows.server.process.wait(10)
        time.sleep(1.0)  # PostgreSQL aborts the dead client's open statement
        orders = _orders(flows, product)
        quantities = [q for q, _ in orders]
        assert len(quantities) == len(set(quantities))  # no call ran twice
        assert sum(quantities) + flows.stock(product) == initial
        succeeded = {q for q, s in told.items() if s == OK}
        assert 250 <= len(succeeded) < 3000, collections.Counter(told.values())
        assert succeeded <= set(quantities)
        assert len({at for _, at in orders}) < len(orders)  # batches were committed before the kill
    finally:
        flows.server.stop()


def test_group_commit_off(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    flows = start_flow_server(tmp_path / "ws", db_server, extra_env={"MINIMOMEN_GROUP_COMMIT": "0"})
    try:
        product = flows.new_product(stock=10)
        calls = [{"quantity": 2}, {"quantity": 3, "explode": True}, {"quantity": 4}]
        leader, bodies = asyncio.run(_batch_behind_lock_any(flows, product, calls))
        assert [_outcome(b) for b in [leader, *bodies]] == [OK, OK, "error: exploded after ordering", OK]
        orders = _orders(flows, product)
        assert sorted(q for q, _ in orders) == [1, 2, 4]  # the row's lock queue decides their order here
        assert len({at for _, at in orders}) == 3  # each call its own transaction
    finally:
        flows.server.stop()


async def _batch_behind_lock_any(flows: FlowServer, product: int, calls: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """As ``_batch_behind_lock``, where the queued calls wait on the row in the database (no group commit)."""
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row, args=(flows.conninfo, product, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        async with httpx.AsyncClient(timeout=60) as client:
            leader = asyncio.create_task(_post(client, flows, product, 1))
            queued = []
            for call in calls:
                await asyncio.sleep(0.3)
                queued.append(asyncio.create_task(_post(client, flows, product, **call)))
            deadline = time.monotonic() + 20
            while _blocked(flows) < 1 + len(calls):
                assert time.monotonic() < deadline, "every call waits on the row in the database"
                await asyncio.sleep(0.05)
            release.set()
            return await leader, list(await asyncio.gather(*queued))
    finally:
        release.set()
        holder.join()
