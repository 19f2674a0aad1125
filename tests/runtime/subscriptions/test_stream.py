"""``T_stream`` subscriptions on a real server, over both WebSocket subprotocols.

A stream sends the rows after its cursor: first the batch after ``initial_value``,
then, as committed changes arrive, every row past the last one sent, in batches of
at most ``batch_size``, each row once, never an empty batch.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import LiveServer
from tests.runtime.subscriptions.conftest import database_url
from tests.runtime.subscriptions.test_publish import (
    _publish_closing_product_to_anonymous,
)
from tests.runtime.subscriptions.test_rights import (  # noqa: F401 - rights_server / rights_db are fixtures
    ROLE,
    admin_call,
    order_for,
    register,
    rights_db,
    rights_server,
)
from tests.runtime.subscriptions.wsclient import LEGACY, TRANSPORT, WsClient

BOTH = pytest.mark.parametrize("protocol", [LEGACY, TRANSPORT])
BY_ID = ("subscription S($after: bigint!, $name: String!, $size: Int!) { product_stream(batch_size: $size, "
         "cursor: {initial_value: {id: $after}}, where: {product_name: {_eq: $name}}) { id stock } }")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 90))


def marker() -> str:
    return f"stream-{uuid.uuid4().hex[:10]}"


def insert_products(db_url: str, name: str, stocks: list[int]) -> list[int]:
    """Rows committed in one transaction of another connection; their ids in order."""
    ids = []
    with psycopg.connect(db_url) as conn:
        for stock in stocks:
            row = conn.execute("INSERT INTO product (product_name, price, stock) VALUES (%s, 1, %s) RETURNING id", (name, stock)).fetchone()
            assert row is not None
            ids.append(int(row[0]))
        conn.commit()
    return ids


async def batches(client: WsClient, op_id: str, rows: int) -> list[list[dict[str, Any]]]:
    """Results of ``op_id`` until ``rows`` rows arrived; every batch non-empty."""
    got: list[list[dict[str, Any]]] = []
    while sum(len(b) for b in got) < rows:
        payload = await client.result(op_id)
        batch = payload["data"]["product_stream"]
        assert batch, "an empty batch was sent"
        got.append(batch)
    return got


@BOTH
def test_initial_batch_then_committed_rows_in_order_exactly_once(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    name = marker()
    existing = insert_products(db_url, name, [1, 2, 3])

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("s", BY_ID, {"after": existing[0], "name": name, "size": 10})
        first = (await client.result("s"))["data"]["product_stream"]
        assert first == [{"id": existing[1], "stock": 2}, {"id": existing[2], "stock": 3}]
        added = []
        for stock in range(10, 16):  # six commits, one row each
            added += insert_products(db_url, name, [stock])
        got = [row for batch in await batches(client, "s", 6) for row in batch]
        assert got == [{"id": i, "stock": s} for i, s in zip(added, range(10, 16))]
        # a change to a row already sent, and rows of other names: nothing
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = 99 WHERE id = ANY(%s)", (existing + added,))
        insert_products(db_url, marker(), [1])
        await client.nothing(0.6)
        await client.stop("s")
        if protocol == LEGACY:
            assert await client.recv() == {"type": "complete", "id": "s"}
        insert_products(db_url, name, [20])
        await client.nothing(0.6)  # stopped: no more batches
        await client.close()

    run(scenario)


@BOTH
def test_a_rolled_back_insert_sends_nothing(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    name = marker()
    [start] = insert_products(db_url, name, [0])

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("s", BY_ID, {"after": start, "name": name, "size": 5})
        assert (await client.result("s"))["data"]["product_stream"] == []  # the first message, even when empty
        async with await psycopg.AsyncConnection.connect(db_url) as writer:
            await writer.execute("INSERT INTO product (product_name, price, stock) VALUES (%s, 1, 7)", (name,))
            await client.nothing(0.5)  # not committed
            await writer.rollback()
        await client.nothing(0.6)  # rolled back
        [kept] = insert_products(db_url, name, [8])
        assert (await client.result("s"))["data"]["product_stream"] == [{"id": kept, "stock": 8}]
        await client.close()

    run(scenario)


@BOTH
def test_a_burst_of_25_rows_arrives_in_batches_of_10(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    name = marker()
    [start] = insert_products(db_url, name, [0])

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("s", BY_ID, {"after": start, "name": name, "size": 10})
        assert (await client.result("s"))["data"]["product_stream"] == []
        ids = insert_products(db_url, name, list(range(25)))
        got = await batches(client, "s", 25)
        assert [len(b) for b in got] == [10, 10, 5]
        assert [row["id"] for batch in got for row in batch] == ids
        await client.nothing(0.6)
        await client.close()

    run(scenario)


@BOTH
def test_desc_ordering_and_ties_on_a_non_unique_cursor(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    """DESC by stock (several rows per value, batches ending among them): each row once, in (stock, id) order."""
    name = marker()
    ids = insert_products(db_url, name, [7, 8, 7, 8, 7, 5])
    query = ("subscription S($name: String!) { product_stream(batch_size: 2, cursor: {initial_value: {stock: 100}, ordering: DESC}, "
             "where: {product_name: {_eq: $name}}) { id stock } }")

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("s", query, {"name": name})
        got = await batches(client, "s", 6)  # a full batch is followed by the next one at once
        assert [len(b) for b in got] == [2, 2, 2]
        expected = sorted(zip([7, 8, 7, 8, 7, 5], ids), reverse=True)
        assert [(row["stock"], row["id"]) for batch in got for row in batch] == expected
        insert_products(db_url, name, [9, 6])  # above the start of a DESC stream, and between sent values: before the cursor
        await client.nothing(0.6)
        [low] = insert_products(db_url, name, [4])
        assert (await client.result("s"))["data"]["product_stream"] == [{"id": low, "stock": 4}]
        await client.close()

    run(scenario)


@BOTH
def test_rows_the_role_may_not_see_never_arrive(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    register = ("mutation R($u: String!) { authenticateWithUsername(username: $u, password: \"stream-password-1\", register: true)"
                " { account { id } jwt { token } } }")

    def account(username: str) -> tuple[int, str]:
        reply = httpx.post(ws_server.graphql_url(), json={"query": register, "variables": {"u": username}}, timeout=30).json()
        auth = reply["data"]["authenticateWithUsername"]
        return int(auth["account"]["id"]), auth["jwt"]["token"]

    (mine, token), (other, _) = account(marker()), account(marker())
    [product] = insert_products(db_url, marker(), [5])
    query = "subscription { order_stream(batch_size: 10, cursor: {initial_value: {id: 0}}) { id account_id quantity } }"

    def order(account_id: int, quantity: int) -> int:
        with psycopg.connect(db_url, autocommit=True) as conn:
            row = conn.execute('INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, %s) RETURNING id',
                               (account_id, product, quantity)).fetchone()
            assert row is not None
            return int(row[0])

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol, {"authToken": token})
        await client.start("s", query)
        assert (await client.result("s"))["data"] == {"order_stream": []}
        order(other, 3)
        await client.nothing(0.6)
        own = order(mine, 1)
        assert (await client.result("s"))["data"] == {"order_stream": [{"id": own, "account_id": mine, "quantity": 1}]}
        order(other, 2)
        await client.nothing(0.6)
        await client.close()

    run(scenario)


@BOTH
def test_a_bad_batch_size_ends_the_operation_with_bad_user_input(ws_server: LiveServer, protocol: str) -> None:
    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("s", "subscription { product_stream(batch_size: 0, cursor: {initial_value: {id: 0}}) { id } }")
        message = await client.recv()
        assert message["type"] == "error" and message["id"] == "s", message
        error = message["payload"] if protocol == LEGACY else message["payload"][0]
        assert error["extensions"]["classification"] == "BAD_USER_INPUT"
        assert "batch_size must be a whole number from 1 to 1000" in error["message"]
        await client.close()

    run(scenario)


def test_gql_client_runs_a_stream(ws_server: LiveServer, db_url: str) -> None:
    name = marker()
    [start] = insert_products(db_url, name, [1])
    query = ("subscription S($after: bigint!, $name: String!) { product_stream(batch_size: 5, cursor: {initial_value: {id: $after}}, "
             "where: {product_name: {_eq: $name}}) { id stock } }")

    async def scenario() -> list[dict[str, Any]]:
        transport = WebsocketsTransport(url=ws_server.ws_url(), subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
                                        init_payload={"authToken": ws_server.admin_token()})
        received: list[dict[str, Any]] = []
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            async for result in session.subscribe(GraphQLRequest(query, variable_values={"after": start - 1, "name": name})):
                received.append(result)
                if len(received) == 1:
                    added.extend(insert_products(db_url, name, [2, 3]))
                else:
                    break
        return received

    added: list[int] = []
    received = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert received == [
        {"product_stream": [{"id": start, "stock": 1}]},
        {"product_stream": [{"id": added[0], "stock": 2}, {"id": added[1], "stock": 3}]},
    ]


def test_new_rights_apply_to_a_running_stream_which_keeps_its_cursor(rights_server: LiveServer, rights_db: str) -> None:  # noqa: F811
    """The hub's token re-check (every second here) re-keys a stream: an auditor sees every order, a user only their own."""
    carol, carol_token = register(rights_server, marker())
    dave, _ = register(rights_server, marker())
    [product] = insert_products(rights_db, marker(), [5])
    daves = order_for(rights_db, dave, product)
    admin_call(rights_server, ROLE % "fz_assign_role", {"a": carol, "r": "auditor"})
    query = ("subscription S($after: bigint!, $who: [bigint!]) { order_stream(batch_size: 10, cursor: {initial_value: {id: $after}}, "
             "where: {account_id: {_in: $who}}) { id account_id } }")

    async def scenario() -> None:
        client = await WsClient.connect(rights_server.ws_url(), TRANSPORT, {"authToken": carol_token})
        await client.start("s", query, {"after": daves - 1, "who": [carol, dave]})
        assert (await client.result("s"))["data"]["order_stream"] == [{"id": daves, "account_id": dave}]
        admin_call(rights_server, ROLE % "fz_remove_role", {"a": carol, "r": "auditor"})
        await asyncio.sleep(2.5)  # re-checked: now a plain user
        order_for(rights_db, dave, product)
        await client.nothing(1.5)
        own = order_for(rights_db, carol, product)
        assert (await client.result("s"))["data"]["order_stream"] == [{"id": own, "account_id": carol}]
        admin_call(rights_server, ROLE % "fz_assign_role", {"a": carol, "r": "auditor"})
        await asyncio.sleep(2.5)
        later = order_for(rights_db, dave, product)
        # the cursor stayed: dave's order written while carol was a user is behind it, this one is not
        assert (await client.result("s"))["data"]["order_stream"] == [{"id": later, "account_id": dave}]
        await client.close()

    run(scenario)


def test_a_publish_ends_streams_it_breaks_and_others_keep_their_cursor(live_server: LiveServer, db_server) -> None:  # type: ignore[no-untyped-def]
    """After a publish closing product to anonymous, their stream ends with an error; the admin's goes on from its cursor."""
    db_url = database_url(live_server, db_server)
    name = marker()
    [first] = insert_products(db_url, name, [1])
    variables = {"after": first - 1, "name": name, "size": 10}

    async def scenario() -> None:
        anonymous = await WsClient.connect(live_server.ws_url(), TRANSPORT)
        admin = await WsClient.connect(live_server.ws_url(), LEGACY, {"authToken": live_server.admin_token()})
        for client in (anonymous, admin):
            await client.start("s", BY_ID, variables)
            assert (await client.result("s"))["data"]["product_stream"] == [{"id": first, "stock": 1}]
        await asyncio.to_thread(_publish_closing_product_to_anonymous, live_server)
        message = await anonymous.recv()
        assert message["type"] == "error" and message["id"] == "s", message
        assert message["payload"][0]["extensions"]["classification"] == "TABLE_ACCESS", message
        await admin.nothing(0.5)  # prepared again under the new definition: no new row, nothing sent
        [added] = insert_products(db_url, name, [2])
        assert (await admin.result("s"))["data"]["product_stream"] == [{"id": added, "stock": 2}]
        await anonymous.nothing(0.3)
        for client in (anonymous, admin):
            await client.close()

    run(scenario)


def test_over_http_a_stream_answers_its_first_batch_and_checks_every_batch_size(ws_server: LiveServer, db_url: str) -> None:
    name = marker()
    ids = insert_products(db_url, name, [1, 2, 3])

    def post(size: int) -> dict[str, Any]:
        variables = {"after": ids[0] - 1, "name": name, "size": size}
        reply: dict[str, Any] = httpx.post(ws_server.graphql_url(), json={"query": BY_ID, "variables": variables}, timeout=30).json()
        return reply

    assert post(2) == {"data": {"product_stream": [{"id": ids[0], "stock": 1}, {"id": ids[1], "stock": 2}]}}
    for size in (0, 1001):  # the same query again: its compiled plan is reused, the value is still checked
        refused = post(size)
        assert refused["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT", refused
        assert "batch_size must be a whole number from 1 to 1000" in refused["errors"][0]["message"]
    assert post(3)["data"]["product_stream"] == [{"id": i, "stock": s} for i, s in zip(ids, [1, 2, 3])]
