"""A publish swaps the schema under running subscriptions: still-valid ones go on, broken ones end with an error.

The publish closes the product table to anonymous visitors: their live queries
become invalid and end; the admin's live query on the same table goes on.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import psycopg

from tests.conftest import DESIGNER_TOKEN, LiveServer
from tests.runtime.subscriptions.conftest import SLUG, database_url
from tests.runtime.subscriptions.wsclient import LEGACY, TRANSPORT, WsClient

NAME = "subscription { product_by_pk(id: 1) { product_name } }"


def _publish_closing_product_to_anonymous(server: LiveServer) -> None:
    path = server.workspace / SLUG / "app.json"
    definition = json.loads(path.read_text())
    rules = definition["permissions"]["tables"]
    definition["permissions"]["tables"] = [r for r in rules if not (r["role"] == "anonymous" and r["table"] == "tbl_product")]
    path.write_text(json.dumps(definition, indent=2))
    with httpx.Client(base_url=server.url, timeout=60) as designer:
        assert designer.get(f"/designer/?token={DESIGNER_TOKEN}", follow_redirects=False).status_code == 303
        csrf = designer.get("/api/session").json()["csrf"]
        response = designer.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False}, headers={"X-Designer-CSRF": csrf})
        assert response.status_code == 200, response.text


def test_publish_ends_broken_subscriptions_and_keeps_valid_ones(live_server: LiveServer, db_server) -> None:  # type: ignore[no-untyped-def]
    token = live_server.admin_token()

    async def scenario() -> None:
        anonymous = {p: await WsClient.connect(live_server.ws_url(), p) for p in (LEGACY, TRANSPORT)}
        admin = {p: await WsClient.connect(live_server.ws_url(), p, {"authToken": token}) for p in (LEGACY, TRANSPORT)}
        for client in (*anonymous.values(), *admin.values()):
            await client.start("name", NAME)
            assert (await client.result("name"))["data"]["product_by_pk"]["product_name"]
        await asyncio.to_thread(_publish_closing_product_to_anonymous, live_server)
        for protocol, client in anonymous.items():
            message = await client.recv()
            assert message["type"] == "error" and message["id"] == "name", message
            error = message["payload"] if protocol == LEGACY else message["payload"][0]
            assert "product" in error["message"], error
        for client in admin.values():
            await client.nothing(0.5)  # re-ran with the new schema: same result, nothing sent
        with psycopg.connect(database_url(live_server, db_server), autocommit=True) as conn:
            conn.execute("UPDATE product SET product_name = 'Renamed sneakers' WHERE id = 1")
        for client in admin.values():
            assert (await client.result("name"))["data"] == {"product_by_pk": {"product_name": "Renamed sneakers"}}
        for client in anonymous.values():
            await client.nothing(0.3)
            await client.start("again", NAME)
            assert (await client.recv())["type"] == "error"
        for client in (*anonymous.values(), *admin.values()):
            await client.close()

    asyncio.run(asyncio.wait_for(scenario(), 90))
