"""GraphQL over WebSocket on a real server: live results, both subprotocols, auth, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
from websockets.exceptions import InvalidStatus

from tests.conftest import LiveServer
from tests.runtime.subscriptions.conftest import SLUG, new_product
from tests.runtime.subscriptions.wsclient import LEGACY, TRANSPORT, WsClient

BOTH = pytest.mark.parametrize("protocol", [LEGACY, TRANSPORT])
BY_PK = "subscription Stock($id: bigint!) { product_by_pk(id: $id) { id stock } }"


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 60))


def stock_of(payload: dict[str, Any]) -> int:
    return int(payload["data"]["product_by_pk"]["stock"])


def test_committed_changes_reach_both_protocols(ws_server: LiveServer, db_url: str) -> None:
    product = new_product(db_url, stock=10)

    async def scenario() -> None:
        clients = [await WsClient.connect(ws_server.ws_url(), p) for p in (LEGACY, TRANSPORT)]
        for client in clients:
            await client.start("1", BY_PK, {"id": product})
            assert stock_of(await client.result("1")) == 10
        async with await psycopg.AsyncConnection.connect(db_url) as writer:
            await writer.execute("UPDATE product SET stock = 9 WHERE id = %s", (product,))
            for client in clients:
                await client.nothing(0.6)  # not committed: nothing
            await writer.rollback()
            for client in clients:
                await client.nothing(0.4)  # rolled back: nothing
            await writer.execute("UPDATE product SET stock = 7 WHERE id = %s", (product,))
            await writer.commit()
        for client in clients:
            assert stock_of(await client.result("1")) == 7
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as writer:
            # committed, but nothing the subscription selects changed: nothing is sent
            await writer.execute("UPDATE product SET product_name = 'renamed' WHERE id = %s", (product,))
            await writer.execute("UPDATE product SET stock = stock + 0 WHERE id = %s", (product,))
            for client in clients:
                await client.nothing(0.6)
            await writer.execute("UPDATE product SET stock = 3 WHERE id = %s", (product,))
        for client in clients:
            assert stock_of(await client.result("1")) == 3
            await client.close()

    run(scenario)


def test_list_and_aggregate_subscriptions_follow_inserts_and_deletes(ws_server: LiveServer, db_url: str) -> None:
    marker = "list-test"

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), TRANSPORT)
        where = {"product_name": {"_eq": marker}}
        await client.start("list", "subscription L($w: product_bool_exp) { product(where: $w) { stock } }", {"w": where})
        assert (await client.result("list"))["data"]["product"] == []
        await client.start("agg", "subscription A($w: product_bool_exp) { product_aggregate(where: $w) { aggregate { count } } }", {"w": where})
        assert (await client.result("agg"))["data"]["product_aggregate"]["aggregate"]["count"] == 0
        product = new_product(db_url, name=marker, stock=5)
        got = {m["id"]: m["payload"]["data"] for m in [await client.recv(), await client.recv()]}
        assert got == {"list": {"product": [{"stock": 5}]}, "agg": {"product_aggregate": {"aggregate": {"count": 1}}}}
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM product WHERE id = %s", (product,))
        got = {m["id"]: m["payload"]["data"] for m in [await client.recv(), await client.recv()]}
        assert got == {"list": {"product": []}, "agg": {"product_aggregate": {"aggregate": {"count": 0}}}}
        await client.close()

    run(scenario)


@BOTH
def test_anonymous_cannot_subscribe_to_a_closed_table(ws_server: LiveServer, protocol: str) -> None:
    async def scenario() -> None:
        anonymous = await WsClient.connect(ws_server.ws_url(), protocol)
        await anonymous.start("1", "subscription { order { id quantity } }")
        message = await anonymous.recv()
        assert message["type"] == "error" and message["id"] == "1", message
        errors = message["payload"] if protocol == TRANSPORT else [message["payload"]]
        assert "order" in errors[0]["message"] and errors[0]["extensions"]["code"]
        # the connection stays usable, and the admin may subscribe to the same table
        await anonymous.start("2", "subscription { product_aggregate { aggregate { count } } }")
        assert (await anonymous.result("2"))["data"]["product_aggregate"]["aggregate"]["count"] >= 1
        admin = await WsClient.connect(ws_server.ws_url(), protocol, {"authToken": ws_server.admin_token()})
        await admin.start("1", "subscription { order_aggregate { aggregate { count } } }")
        assert "order_aggregate" in (await admin.result("1"))["data"]
        await anonymous.close()
        await admin.close()

    run(scenario)


@BOTH
def test_keepalive_arrives(ws_server: LiveServer, protocol: str) -> None:
    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        kinds = [(await client.recv(3, keepalives=True))["type"] for _ in range(2)]
        assert kinds == (["ka", "ka"] if protocol == LEGACY else ["ping", "ping"])
        if protocol == TRANSPORT:  # the client may ping too
            await client.send({"type": "ping"})
            while (message := await client.recv(3, keepalives=True))["type"] == "ping":
                pass
            assert message == {"type": "pong"}
        await client.close()

    run(scenario)


@BOTH
def test_stop_and_clean_close(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    product = new_product(db_url)

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        await client.start("a", BY_PK, {"id": product})
        await client.start("b", BY_PK, {"id": product})
        first = {m["id"]: stock_of(m["payload"]) for m in [await client.recv(), await client.recv()]}
        assert first == {"a": 10, "b": 10}
        await client.stop("a")
        if protocol == LEGACY:
            assert await client.recv() == {"type": "complete", "id": "a"}
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = 11 WHERE id = %s", (product,))
        assert stock_of(await client.result("b")) == 11  # only the running one
        await client.nothing(0.4)
        if protocol == LEGACY:
            await client.send({"type": "connection_terminate"})
            assert (await client.closed())[0] == 1000
        else:
            await client.close()
        # a client that vanishes without a close frame leaves the server serving
        for _ in range(5):
            gone = await WsClient.connect(ws_server.ws_url(), protocol)
            await gone.start("1", BY_PK, {"id": product})
            await gone.result("1")
            gone.ws.transport.abort()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = 12 WHERE id = %s", (product,))
        fresh = await WsClient.connect(ws_server.ws_url(), protocol)
        await fresh.start("1", BY_PK, {"id": product})
        assert stock_of(await fresh.result("1")) == 12
        await fresh.close()

    run(scenario)


@BOTH
def test_subscription_limit_per_connection(ws_server: LiveServer, protocol: str) -> None:
    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol)
        query = "subscription S($n: Int) { product(limit: $n) { id } }"
        for n in range(100):
            await client.start(str(n), query, {"n": n + 1})
        for _ in range(100):  # every one of the 100 answers with a result
            assert "product" in (await client.result())["data"]
        await client.start("one-too-many", query, {"n": 1})
        while (message := await client.recv())["type"] != "error":
            pass
        assert message["id"] == "one-too-many"
        error = message["payload"] if protocol == LEGACY else message["payload"][0]
        assert error["extensions"]["classification"] == "TOO_MANY_SUBSCRIPTIONS"
        await client.stop("0")
        await client.start("after-stop", query, {"n": 1})
        while (message := await client.recv())["type"] == "complete":
            pass
        assert message["id"] == "after-stop" and message["type"] != "error", message
        await client.close()

    run(scenario)


@BOTH
def test_queries_and_mutations_over_the_socket(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    product = new_product(db_url, stock=4)

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol, {"headers": {"Authorization": f"Bearer {ws_server.admin_token()}"}})
        await client.start("q", "query Q($id: bigint!) { product_by_pk(id: $id) { stock } }", {"id": product})
        assert (await client.result("q"))["data"] == {"product_by_pk": {"stock": 4}}
        assert await client.recv() == {"type": "complete", "id": "q"}
        mutation = "mutation M($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _inc: {stock: 2}) { stock } }"
        await client.start("m", mutation, {"id": product})
        assert (await client.result("m"))["data"] == {"update_product_by_pk": {"stock": 6}}
        assert await client.recv() == {"type": "complete", "id": "m"}
        await client.close()

    run(scenario)


@pytest.mark.parametrize("place", ["authToken", "headers", "Authorization", "authorization"])
def test_token_places_in_connection_init(ws_server: LiveServer, place: str) -> None:
    token = ws_server.admin_token()
    payload = {
        "authToken": {"authToken": token},
        "headers": {"headers": {"authorization": f"Bearer {token}"}},
        "Authorization": {"Authorization": f"Bearer {token}"},
        "authorization": {"authorization": token},
    }[place]

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), LEGACY, payload)
        await client.start("1", "subscription { order_aggregate { aggregate { count } } }")
        assert "order_aggregate" in (await client.result("1"))["data"]
        await client.close()

    run(scenario)


def test_invalid_token_is_refused(ws_server: LiveServer) -> None:
    async def scenario() -> None:
        modern = await WsClient.open(ws_server.ws_url(), TRANSPORT)
        await modern.send({"type": "connection_init", "payload": {"authToken": "not-a-token"}})
        assert await modern.closed() == (4403, "Forbidden")
        legacy = await WsClient.open(ws_server.ws_url(), LEGACY)
        await legacy.send({"type": "connection_init", "payload": {"headers": {"Authorization": "Bearer nope"}}})
        message = await legacy.recv()
        assert message["type"] == "connection_error" and message["payload"]["message"]
        assert (await legacy.closed())[0] == 4403

    run(scenario)


def test_session_cookie_counts_only_from_the_same_origin(ws_server: LiveServer) -> None:
    token = ws_server.admin_token()
    cookie = {"Cookie": f"mm_session={token}"}
    closed_table = "subscription { order_aggregate { aggregate { count } } }"

    async def scenario() -> None:
        same = await WsClient.connect(ws_server.ws_url(), TRANSPORT, headers=cookie, origin=ws_server.url)
        await same.start("1", closed_table)
        assert "order_aggregate" in (await same.result("1"))["data"]
        # no Origin at all (not a browser): the cookie does not count, the caller is anonymous
        other = await WsClient.connect(ws_server.ws_url(), TRANSPORT, headers=cookie, origin=None)
        await other.start("1", closed_table)
        assert (await other.recv())["type"] == "error"
        await other.close()
        # another site is not even let in: its handshake is refused (runtime.graphql.cors)
        with pytest.raises(InvalidStatus) as refused:
            await WsClient.connect(ws_server.ws_url(), TRANSPORT, headers=cookie, origin="http://evil.example")
        assert refused.value.response.status_code == 403
        await same.close()

    run(scenario)


def test_transport_protocol_faults_close_with_its_codes(ws_server: LiveServer) -> None:
    async def scenario() -> None:
        silent = await WsClient.open(ws_server.ws_url(), TRANSPORT)
        assert (await silent.closed())[0] == 4408  # no connection_init within the (test) 1 s
        early = await WsClient.open(ws_server.ws_url(), TRANSPORT)
        await early.start("1", BY_PK, {"id": 1})
        assert (await early.closed())[0] == 4401
        twice = await WsClient.connect(ws_server.ws_url(), TRANSPORT)
        await twice.start("1", BY_PK, {"id": 1})
        await twice.start("1", BY_PK, {"id": 1})
        assert (await twice.closed())[0] == 4409
        garbage = await WsClient.connect(ws_server.ws_url(), TRANSPORT)
        await garbage.ws.send("not json")
        assert (await garbage.closed())[0] == 4400

    run(scenario)


def test_legacy_errors_do_not_close(ws_server: LiveServer) -> None:
    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), LEGACY)
        await client.ws.send("not json")
        assert (await client.recv())["type"] == "error"
        await client.start("bad", "subscription { product_by_pk(id: 1) { no_such_field } }")
        message = await client.recv()
        assert message["type"] == "error" and message["id"] == "bad"
        assert message["payload"]["extensions"]["classification"] == "GRAPHQL_VALIDATION_FAILED"
        await client.start("bad-vars", BY_PK, {"id": "not a number"})
        message = await client.recv()
        assert message["type"] == "error" and message["id"] == "bad-vars", message
        await client.start("ok", BY_PK, {"id": 1})
        assert (await client.result("ok"))["data"]["product_by_pk"]["id"] == 1
        await client.close()

    run(scenario)


@pytest.mark.parametrize("path", ["/zero/{slug}/api/graphql-subscription", "/zero/{slug}/api/graphql-v2"])
def test_momen_paths(ws_server: LiveServer, path: str) -> None:
    url = f"ws://127.0.0.1:{ws_server.port}" + path.format(slug=SLUG)

    async def scenario() -> None:
        client = await WsClient.connect(url, LEGACY)
        await client.start("1", BY_PK, {"id": 1})
        assert (await client.result("1"))["data"]["product_by_pk"]["id"] == 1
        await client.close()

    run(scenario)


@BOTH
def test_extension_subscription_streams_until_done(ws_server: LiveServer, db_url: str, protocol: str) -> None:
    """``fz_listen_action_flow_result`` is not a live query: its own stream, then complete."""
    product = new_product(db_url, stock=5)

    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), protocol, {"authToken": ws_server.admin_token()})
        create = "mutation C($args: JSON) { fz_create_action_flow_task(actionFlowId: \"place_order\", args: $args) }"
        await client.start("create", create, {"args": {"product_id": product, "quantity": 2}})
        task = (await client.result("create"))["data"]["fz_create_action_flow_task"]
        assert await client.recv() == {"type": "complete", "id": "create"}
        await client.start("listen", "subscription L($t: bigint!) { fz_listen_action_flow_result(taskId: $t) { status output } }", {"t": task})
        statuses = []
        while (message := await client.recv(20))["type"] != "complete":
            assert message["id"] == "listen", message
            statuses.append(message["payload"]["data"]["fz_listen_action_flow_result"])
        assert statuses[-1] == {"status": "COMPLETED", "output": {"status": "Order placed successfully"}}, statuses
        await client.close()

    run(scenario)


def test_one_statement_over_many_rows_reaches_each_subscriber_with_its_own_row(ws_server: LiveServer, db_url: str) -> None:
    """Groups differing only in variables re-run together (one multiplexed SQL); results must not mix."""
    count = 60  # more rows than a notification names: every group of the table re-runs
    products = [new_product(db_url, name=f"multi-{i}", stock=i) for i in range(count)]
    by_name = "subscription N($name: String!) { product(where: {product_name: {_eq: $name}}) { stock } }"

    async def scenario() -> None:
        by_pk, by_names = await WsClient.connect(ws_server.ws_url(), TRANSPORT), await WsClient.connect(ws_server.ws_url(), TRANSPORT)
        for i, product in enumerate(products):
            await by_pk.start(f"pk{i}", BY_PK, {"id": product})
            await by_names.start(f"name{i}", by_name, {"name": f"multi-{i}"})
        for _ in range(count):
            await by_pk.result()
            await by_names.result()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = stock * 10 + 1 WHERE id = ANY(%s)", (products,))
        got: dict[str, Any] = {}
        for client in (by_pk, by_names):
            for _ in range(count):
                message = await client.recv()
                assert message["type"] == "next", message
                got[message["id"]] = message["payload"]["data"]
            await client.nothing(0.3)
            await client.close()
        for i, product in enumerate(products):
            assert got[f"pk{i}"] == {"product_by_pk": {"id": product, "stock": i * 10 + 1}}
            assert got[f"name{i}"] == {"product": [{"stock": i * 10 + 1}]}

    run(scenario)


def test_row_permission_filter_holds_for_live_orders(ws_server: LiveServer, db_url: str) -> None:
    """Each user sees only their own orders, live: another user's order sends them nothing."""
    register = (
        "mutation R($u: String!) { authenticateWithUsername(username: $u, password: \"live-password-1\", register: true)"
        " { account { id } jwt { token } } }"
    )

    def account(username: str) -> tuple[int, str]:
        reply = httpx.post(ws_server.graphql_url(), json={"query": register, "variables": {"u": username}}, timeout=30).json()
        auth = reply["data"]["authenticateWithUsername"]
        return int(auth["account"]["id"]), auth["jwt"]["token"]

    (alice, alice_token), (bob, bob_token) = account("live-alice"), account("live-bob")
    product = new_product(db_url)
    orders = "subscription { order(order_by: {id: asc}) { quantity account_id } }"

    async def scenario() -> None:
        clients = {}
        for name, token in (("alice", alice_token), ("bob", bob_token)):
            clients[name] = await WsClient.connect(ws_server.ws_url(), LEGACY, {"authToken": token})
            await clients[name].start("orders", orders)
            assert (await clients[name].result("orders"))["data"] == {"order": []}
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute('INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, 3)', (bob, product))
        assert (await clients["bob"].result("orders"))["data"] == {"order": [{"quantity": 3, "account_id": bob}]}
        await clients["alice"].nothing(0.6)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute('INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, 1)', (alice, product))
        assert (await clients["alice"].result("orders"))["data"] == {"order": [{"quantity": 1, "account_id": alice}]}
        await clients["bob"].nothing(0.6)
        for client in clients.values():
            await client.close()

    run(scenario)


def test_an_oversized_message_closes_the_connection(ws_server: LiveServer) -> None:
    async def scenario() -> None:
        client = await WsClient.connect(ws_server.ws_url(), TRANSPORT)
        await client.ws.send('{"type":"ping","payload":"' + "x" * (2 * 1024 * 1024) + '"}')  # 2 MiB > the 1 MiB default
        assert (await client.closed())[0] == 1009  # message too big
        fine = await WsClient.connect(ws_server.ws_url(), TRANSPORT)  # others are unaffected
        await fine.ws.close()

    run(scenario)
