"""Live queries respect row rules: user B never receives user A's orders, directly or via a relationship."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.runtime.auth.graphql_client import DENIED, log_in

PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"
ORDERS = "subscription { order(order_by: {id: asc}) { id account_id } }"
PRODUCT_ORDERS = "subscription { product(order_by: {id: asc}) { id orders { id account_id } } }"


class Subscriber:
    """One graphql-transport-ws connection with one subscription; collects every payload."""

    def __init__(self, url: str, token: str | None, query: str):
        self.url, self.token, self.query = url, token, query
        self.payloads: list[dict[str, Any]] = []
        self.errors: list[Any] = []

    async def __aenter__(self) -> Subscriber:
        self.ws = await websockets.connect(self.url, subprotocols=["graphql-transport-ws"])
        await self.ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": self.token} if self.token else {}}))
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.query}}))
        self.task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "next":
                self.payloads.append(message["payload"])
            elif message["type"] == "error":
                self.errors.append(message["payload"])
            elif message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))

    async def wait_for(self, condition, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition(self):
            assert asyncio.get_running_loop().time() < deadline, (self.payloads, self.errors)
            await asyncio.sleep(0.05)

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        await self.ws.close()


def _account_ids(payload: dict[str, Any]) -> set[int]:
    data = payload.get("data") or {}
    rows = data.get("order") or [o for p in data.get("product") or [] for o in p["orders"]]
    return {int(r["account_id"]) for r in rows}


async def _place(url: str, token: str, product: int) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json={"query": PLACE_ORDER, "variables": {"p": product, "q": 1}}, headers={"Authorization": f"Bearer {token}"})
        assert response.json()["data"]["place_order"]["status"] == "Order placed successfully", response.text


def test_b_never_receives_a_rows(module_server) -> None:
    url, ws_url = module_server.graphql_url(), module_server.ws_url()
    a_id, a_token = log_in(url, "sub_a", "password-a", register=True)
    b_id, b_token = log_in(url, "sub_b", "password-b", register=True)
    product = 2

    async def scenario() -> None:
        async with Subscriber(ws_url, b_token, ORDERS) as direct, Subscriber(ws_url, b_token, PRODUCT_ORDERS) as nested, \
                Subscriber(ws_url, a_token, ORDERS) as a_view:
            for sub in (direct, nested, a_view):
                await sub.wait_for(lambda s: len(s.payloads) >= 1)
            await _place(url, a_token, product)
            # A's own subscription sees the order: the change was published ...
            await a_view.wait_for(lambda s: a_id in _account_ids(s.payloads[-1]))
            # ... and B's subscriptions become live for B's own order, without ever showing A's.
            await _place(url, b_token, product)
            for sub in (direct, nested):
                await sub.wait_for(lambda s: b_id in _account_ids(s.payloads[-1]))
            for sub in (direct, nested):
                assert not sub.errors
                assert all(_account_ids(p) <= {b_id} for p in sub.payloads), sub.payloads

    asyncio.run(scenario())


def test_anonymous_cannot_subscribe_to_orders(module_server) -> None:
    async def scenario() -> None:
        async with Subscriber(module_server.ws_url(), None, ORDERS) as anonymous:
            await anonymous.wait_for(lambda s: s.errors or s.payloads)
            assert not anonymous.payloads
            codes = {(e.get("extensions") or {}).get("classification") for e in anonymous.errors[0]}
            assert codes and codes <= DENIED, anonymous.errors

    asyncio.run(scenario())
