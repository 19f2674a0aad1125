"""Two server processes on one database: a write through one is pushed by the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import psycopg

from tests.conftest import copy_sample, start_server, unique_prefix
from tests.runtime.subscriptions.conftest import FAST_ENV, database_url
from tests.runtime.subscriptions.wsclient import LEGACY, TRANSPORT, WsClient

BY_PK = "subscription Stock($id: bigint!) { product_by_pk(id: $id) { stock } }"


def test_second_process_pushes_changes_written_through_the_first(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    prefix = unique_prefix()
    server_a = start_server(workspace, db_server, prefix=prefix, extra_env=FAST_ENV)
    try:
        db_url = database_url(server_a, db_server)
        with psycopg.connect(db_url) as conn:
            products_before = conn.execute("SELECT count(*) FROM product").fetchone()
        server_b = start_server(workspace, db_server, prefix=prefix, extra_env=FAST_ENV)
        try:
            with psycopg.connect(db_url) as conn:
                assert conn.execute("SELECT count(*) FROM product").fetchone() == products_before  # not seeded twice
            token = server_a.admin_token()

            async def scenario() -> None:
                clients = [await WsClient.connect(server_b.ws_url(), p) for p in (LEGACY, TRANSPORT)]
                for client in clients:
                    await client.start("1", BY_PK, {"id": 2})
                    assert (await client.result("1"))["data"]["product_by_pk"]["stock"] == 100
                async with httpx.AsyncClient(timeout=10) as http:
                    response = await http.post(
                        server_a.graphql_url(),
                        json={"query": "mutation { update_product_by_pk(pk_columns: {id: 2}, _set: {stock: 77}) { stock } }"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                assert response.json() == {"data": {"update_product_by_pk": {"stock": 77}}}
                for client in clients:
                    assert (await client.result("1"))["data"]["product_by_pk"]["stock"] == 77
                    await client.close()

            asyncio.run(asyncio.wait_for(scenario(), 60))
        finally:
            server_b.stop()
    finally:
        server_a.stop()
