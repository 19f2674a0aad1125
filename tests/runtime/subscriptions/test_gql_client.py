"""A real third-party client, `gql`, runs subscriptions over both subprotocols."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import LiveServer
from tests.runtime.subscriptions.conftest import new_product

QUERY = "subscription Stock($id: bigint!) { product_by_pk(id: $id) { product_name stock } }"


@pytest.mark.parametrize("subprotocol", [WebsocketsTransport.APOLLO_SUBPROTOCOL, WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
def test_gql_subscription_receives_an_update(ws_server: LiveServer, db_url: str, subprotocol: str) -> None:
    product = new_product(db_url, name="gql", stock=3)

    async def scenario() -> list[dict]:
        transport = WebsocketsTransport(
            url=ws_server.ws_url(), subprotocols=[subprotocol], init_payload={"authToken": ws_server.admin_token()}
        )
        received = []
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            assert transport.subprotocol == subprotocol
            async for result in session.subscribe(GraphQLRequest(QUERY, variable_values={"id": product})):
                received.append(result)
                if len(received) == 1:
                    with psycopg.connect(db_url, autocommit=True) as conn:
                        conn.execute("UPDATE product SET stock = 2 WHERE id = %s", (product,))
                else:
                    break
            # and a plain query over the same socket
            result = await session.execute(gql("query { product_aggregate { aggregate { count } } }"))
            assert result["product_aggregate"]["aggregate"]["count"] >= 1
        return received

    received = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert received == [
        {"product_by_pk": {"product_name": "gql", "stock": 3}},
        {"product_by_pk": {"product_name": "gql", "stock": 2}},
    ]
