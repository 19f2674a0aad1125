"""The flagship: thousands of concurrent buyers over HTTP never oversell; Idempotency-Key buys once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.runtime.actionflows.client import PLACE_ORDER, FlowServer, start_flow_server

OK = "Order placed successfully"
SHORT = "Stock shortage"
CONNECTIONS = 100


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[FlowServer]:  # type: ignore[no-untyped-def]
    served = start_flow_server(tmp_path_factory.mktemp("ws"), db_server)
    yield served
    served.server.stop()


@pytest.fixture(scope="module")
def buyers(flows: FlowServer) -> list[tuple[int, str]]:
    return [flows.register() for _ in range(10)]


async def _storm(flows: FlowServer, product: int, quantities: list[int], tokens: list[str], headers: list[dict[str, str]] | None = None) -> list[dict]:
    """POST place_order once per quantity, at most CONNECTIONS at a time, on CONNECTIONS connections."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        gate = asyncio.Semaphore(CONNECTIONS)

        async def buy(i: int, quantity: int) -> dict:
            extra = headers[i] if headers else {}
            async with gate:
                response = await client.post(
                    flows.url,
                    json={"query": PLACE_ORDER, "variables": {"p": product, "q": quantity}},
                    headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}", **extra},
                )
            return response.json()

        return await asyncio.gather(*(buy(i, q) for i, q in enumerate(quantities)))


def _statuses(bodies: list[dict]) -> list[str]:
    return [b["data"]["place_order"]["status"] if b.get("data") and b["data"].get("place_order") else f"error: {b}" for b in bodies]


def test_flash_sale_2000_buyers_stock_100(flows: FlowServer, buyers: list[tuple[int, str]]) -> None:
    product = flows.new_product(stock=100)
    statuses = _statuses(asyncio.run(_storm(flows, product, [1] * 2000, [t for _, t in buyers])))
    assert statuses.count(OK) == 100, [s for s in statuses if s not in (OK, SHORT)][:3]
    assert statuses.count(SHORT) == 1900
    assert flows.stock(product) == 0
    orders = flows.orders(product)
    assert len(orders) == 100 and all(q == 1 for _, _, q in orders)
    assert {a for a, _, _ in orders} <= {a for a, _ in buyers}


def test_flash_sale_mixed_quantities(flows: FlowServer, buyers: list[tuple[int, str]]) -> None:
    product = flows.new_product(stock=100)
    quantities = [1 + i % 3 for i in range(2000)]
    statuses = _statuses(asyncio.run(_storm(flows, product, quantities, [t for _, t in buyers])))
    assert set(statuses) <= {OK, SHORT}, [s for s in statuses if s not in (OK, SHORT)][:3]
    stock = flows.stock(product)
    orders = flows.orders(product)
    sold = sum(q for _, _, q in orders)
    assert stock >= 0 and sold + stock == 100
    assert len(orders) == statuses.count(OK)
    # Every successful request's quantity is accounted for, and none was refused while enough stock remained for it.
    assert sorted(q for (q, s) in zip(quantities, statuses) if s == OK) == sorted(q for _, _, q in orders)
    assert stock < 3


def test_same_idempotency_key_twenty_times_places_one_order(flows: FlowServer, buyers: list[tuple[int, str]]) -> None:
    account, token = buyers[0]
    product = flows.new_product(stock=50)
    key = "buy-" + uuid.uuid4().hex
    bodies = asyncio.run(_storm(flows, product, [1] * 20, [token], [{"Idempotency-Key": key}] * 20))
    assert flows.orders(product) == [(account, product, 1)]
    assert flows.stock(product) == 49
    for body in bodies:
        if "errors" in body:
            assert body["errors"][0]["extensions"]["classification"] == "CONFLICT", body
        else:
            assert body["data"]["place_order"]["status"] == OK
    assert sum("errors" not in b for b in bodies) >= 1


def test_different_idempotency_keys_place_different_orders(flows: FlowServer, buyers: list[tuple[int, str]]) -> None:
    _, token = buyers[1]
    product = flows.new_product(stock=50)
    keys = [{"Idempotency-Key": f"k{i}-" + uuid.uuid4().hex} for i in range(5)]
    bodies = asyncio.run(_storm(flows, product, [1] * 5, [token], keys))
    assert _statuses(bodies) == [OK] * 5
    assert len(flows.orders(product)) == 5 and flows.stock(product) == 45
    # A retry with a used key replays the first response and buys nothing more.
    again = asyncio.run(_storm(flows, product, [1], [token], keys[:1]))
    assert _statuses(again) == [OK]
    assert len(flows.orders(product)) == 5
