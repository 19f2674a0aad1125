"""Hasura's "stringify numeric types" as a project setting: bigint and numeric as JSON strings.

Off by default (the golden cases see numbers); on, ids, counts stored as bigint and
prices come back as strings, over HTTP and WebSocket, and a bigint past 2^53 keeps
every digit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import LiveServer, start_server, unique_prefix
from tests.runtime.graphql.conftest import SLUG, make_workspace

BIG = 2**53 + 3  # 9007199254740995: a double cannot hold it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[LiveServer]:
    workspace = make_workspace(tmp_path_factory.mktemp("stringify"))
    app = workspace / SLUG / "app.json"
    definition = json.loads(app.read_text())
    definition.setdefault("settings", {})["stringify_numeric_types"] = True
    app.write_text(json.dumps(definition))
    live = start_server(workspace, db_server, prefix=unique_prefix())
    try:
        yield live
    finally:
        live.stop()


def test_bigint_and_numeric_are_strings(server: LiveServer) -> None:
    token = server.admin_token(SLUG)
    url = server.graphql_url(SLUG)
    headers = {"Authorization": f"Bearer {token}"}
    inserted = httpx.post(url, json={"query": "mutation ($s: bigint!) { insert_product_one(object: {product_name: \"Big\", price: \"12.50\", "
                                              "stock: $s, sku: \"BIG-1\"}) { id stock price product_name } }", "variables": {"s": str(BIG)}},
                          headers=headers, timeout=30).json()
    row = inserted["data"]["insert_product_one"]
    assert row["stock"] == str(BIG) and row["price"] == "12.50" and isinstance(row["id"], str) and row["product_name"] == "Big"
    query = "query ($id: bigint!) { product_by_pk(id: $id) { id stock price } }"
    read = httpx.post(url, json={"query": query, "variables": {"id": row["id"]}}, headers=headers, timeout=30).json()
    assert read == {"data": {"product_by_pk": {"id": row["id"], "stock": str(BIG), "price": "12.50"}}}
    with connect(server.ws_url(SLUG), subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": headers}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription " + query[6:], "variables": {"id": row["id"]}}}))
        message = json.loads(ws.recv(timeout=20))
    assert message["payload"] == read



AGGREGATE = ("{ count sum { stock price } avg { stock } max { stock price product_name released } min { stock } "
             "stddev_pop { price } }")


def test_aggregates_follow_the_setting(server: LiveServer) -> None:
    """As Hasura: every per-column aggregate of a bigint/numeric column is a string; ``count`` stays an Int.

    Hasura applies its stringify rule by the aggregated column's type, so ``avg``/``stddev``
    of a bigint or numeric column (a Float in the schema) come back as strings too, and
    ``max`` of a text or date column is unchanged.
    """
    headers = {"Authorization": f"Bearer {server.admin_token(SLUG)}"}
    url = server.graphql_url(SLUG)

    def gql(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=30).json()
        assert "errors" not in answer, answer
        return answer["data"]  # type: ignore[no-any-return]

    made = gql("mutation ($s: bigint!) { insert_product(objects: [{product_name: \"Agg A\", price: \"10.25\", stock: $s, sku: \"AGG-1\", "
               "released: \"2024-02-01\"}, {product_name: \"Agg B\", price: \"2.75\", stock: 1, sku: \"AGG-2\"}]) { returning { id } } }",
               {"s": str(BIG)})
    first = made["insert_product"]["returning"][0]["id"]
    gql("mutation ($p: bigint!, $q: bigint!) { insert_order(objects: [{product_id: $p, quantity: $q}, {product_id: $p, quantity: 2}]) "
        "{ affected_rows } }", {"p": first, "q": str(BIG)})
    where = '(where: {sku: {_like: "AGG-%"}})'
    root = gql(f"{{ product_aggregate{where} {{ aggregate {AGGREGATE} }} }}")["product_aggregate"]["aggregate"]
    assert root["count"] == 2
    assert root["sum"] == {"stock": str(BIG + 1), "price": "13.00"}
    assert isinstance(root["avg"]["stock"], str) and Decimal(root["avg"]["stock"]) == Decimal(BIG + 1) / 2
    assert root["max"] == {"stock": str(BIG), "price": "10.25", "product_name": "Agg B", "released": "2024-02-01"}
    assert root["min"] == {"stock": "1"}
    assert isinstance(root["stddev_pop"]["price"], str) and Decimal(root["stddev_pop"]["price"]) == Decimal("3.75")

    related_query = ("query ($id: bigint!) { product_by_pk(id: $id) { orders_aggregate { aggregate { count sum { quantity } "
                     "max { quantity } } } } }")
    related = gql(related_query, {"id": first})["product_by_pk"]["orders_aggregate"]["aggregate"]
    assert related == {"count": 2, "sum": {"quantity": str(BIG + 2)}, "max": {"quantity": str(BIG)}}

    with connect(server.ws_url(SLUG), subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"headers": headers}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe",
                            "payload": {"query": f"subscription {{ product_aggregate{where} {{ aggregate {AGGREGATE} }} }}"}}))
        live = json.loads(ws.recv(timeout=20))
        ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": "subscription " + related_query[6:],
                                                                        "variables": {"id": first}}}))
        live_related = json.loads(ws.recv(timeout=20))
    assert live["payload"]["data"]["product_aggregate"]["aggregate"] == root
    assert live_related["payload"]["data"]["product_by_pk"]["orders_aggregate"]["aggregate"] == related
