"""Hasura's "stringify numeric types" as a project setting: bigint and numeric as JSON strings.

Off by default (the golden cases see numbers); on, ids, counts stored as bigint and
prices come back as strings, over HTTP and WebSocket, and a bigint past 2^53 keeps
every digit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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

