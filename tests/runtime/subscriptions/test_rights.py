"""A WebSocket keeps its rights only while its token does: expiry, rotation, deletion, role changes.

A real server re-checks tokens every second here (``MINIMOMEN_LIVE_REVALIDATE=1``).
The sample gets a custom role ``auditor`` that may read every order (a user reads
only their own).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import psycopg
import pytest

from runtime.auth.tokens import issue_token
from runtime.secrets import load_or_create_secrets
from tests.conftest import LiveServer, copy_sample, start_server
from tests.runtime.subscriptions.conftest import (
    FAST_ENV,
    SLUG,
    database_url,
    new_product,
)
from tests.runtime.subscriptions.wsclient import LEGACY, TRANSPORT, WsClient

BOTH = pytest.mark.parametrize("protocol", [LEGACY, TRANSPORT])
BY_PK = "subscription Stock($id: bigint!) { product_by_pk(id: $id) { id stock } }"
ORDERS = "subscription { order(order_by: {id: asc}) { id account_id } }"
REGISTER = (
    "mutation R($u: String!) { authenticateWithUsername(username: $u, password: \"rights-password-1\", register: true)"
    " { account { id } jwt { token } } }"
)
ROLE = "mutation($a: bigint!, $r: String!) { %s(account_id: $a, role: $r) { roles } }"


def _with_auditor(workspace: Path) -> None:
    app = workspace / SLUG / "app.json"
    data = json.loads(app.read_text())
    data["roles"] = [{"id": "role_auditor", "name": "auditor", "description": "reads every order"}]
    data["permissions"]["tables"].append({"role": "auditor", "table": "tbl_order", "select": {"columns": "*"}})
    app.write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="module")
def rights_server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace: Path = tmp_path_factory.mktemp("rights")
    copy_sample(workspace)
    _with_auditor(workspace)
    server = start_server(workspace, db_server, extra_env={**FAST_ENV, "MINIMOMEN_LIVE_REVALIDATE": "1"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rights_db(rights_server: LiveServer, db_server) -> str:  # type: ignore[no-untyped-def]
    return database_url(rights_server, db_server)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 90))


def register(server: LiveServer, username: str) -> tuple[int, str]:
    reply = httpx.post(server.graphql_url(), json={"query": REGISTER, "variables": {"u": username}}, timeout=30).json()
    auth = reply["data"]["authenticateWithUsername"]
    return int(auth["account"]["id"]), auth["jwt"]["token"]


def admin_call(server: LiveServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {server.admin_token()}"}
    reply: dict[str, Any] = httpx.post(server.graphql_url(), json={"query": query, "variables": variables}, headers=headers, timeout=30).json()
    assert not reply.get("errors"), reply
    return reply


def order_for(db_url: str, account: int, product: int) -> int:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute('INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, 1) RETURNING id', (account, product)).fetchone()
        assert row is not None
        return int(row[0])


async def expect_forbidden(client: WsClient, reason: str, timeout: float) -> None:
    """The server ends the connection: legacy says connection_error first; both close with 4403."""
    if client.protocol == LEGACY:
        message = await client.recv(timeout)
        assert message["type"] == "connection_error" and message["payload"]["message"], message
    assert await client.closed(timeout) == (4403, f"Forbidden: {reason}")


@BOTH
def test_an_expiring_token_closes_the_connection_at_its_expiry(rights_server: LiveServer, rights_db: str, protocol: str) -> None:
    account, _ = register(rights_server, f"rights-expiring-{protocol}")
    product = new_product(rights_db, stock=10)
    project = SimpleNamespace(slug=SLUG, secrets=load_or_create_secrets(rights_db))
    token, expires = issue_token(project, account, ttl_minutes=4 / 60)  # type: ignore[arg-type]

    async def scenario() -> None:
        client = await WsClient.connect(rights_server.ws_url(), protocol, {"authToken": token})
        anonymous = await WsClient.connect(rights_server.ws_url(), protocol)
        for each in (client, anonymous):
            await each.start("1", BY_PK, {"id": product})
            assert (await each.result("1"))["data"]["product_by_pk"]["stock"] == 10
        with psycopg.connect(rights_db, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = 9 WHERE id = %s", (product,))
        assert (await client.result("1"))["data"]["product_by_pk"]["stock"] == 9  # valid until it expires
        await anonymous.result("1")
        await expect_forbidden(client, "token expired", timeout=15)
        # JWT expiry has one-second resolution: closed at it, not before
        assert dt.datetime.now(dt.UTC) >= expires.replace(microsecond=0)
        # a connection without a token goes on
        with psycopg.connect(rights_db, autocommit=True) as conn:
            conn.execute("UPDATE product SET stock = 8 WHERE id = %s", (product,))
        assert (await anonymous.result("1"))["data"]["product_by_pk"]["stock"] == 8
        await anonymous.close()
        # and the expired token cannot open a new one
        late = await WsClient.open(rights_server.ws_url(), protocol)
        await late.send({"type": "connection_init", "payload": {"authToken": token}})
        if protocol == LEGACY:
            assert (await late.recv())["type"] == "connection_error"
        assert (await late.closed())[0] == 4403

    run(scenario)


def test_a_rotated_admin_token_ends_its_connections(rights_server: LiveServer) -> None:
    old = rights_server.admin_token()

    async def scenario() -> None:
        admins = [await WsClient.connect(rights_server.ws_url(), p, {"authToken": old}) for p in (LEGACY, TRANSPORT)]
        for admin in admins:
            await admin.start("1", "subscription { order_aggregate { aggregate { count } } }")
            assert "order_aggregate" in (await admin.result("1"))["data"]
        rotated = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "runtime.cli", "token", SLUG, "--rotate", "--workspace", str(rights_server.workspace)],
            env=rights_server.env, capture_output=True, text=True, timeout=60, check=True,
        )
        new = rotated.stdout.strip().splitlines()[-1]
        assert new != old
        for admin in admins:
            await expect_forbidden(admin, "token revoked", timeout=15)
        fresh = await WsClient.connect(rights_server.ws_url(), TRANSPORT, {"authToken": new})
        await fresh.start("1", "subscription { order_aggregate { aggregate { count } } }")
        assert "order_aggregate" in (await fresh.result("1"))["data"]
        await fresh.close()

    run(scenario)


def test_a_deleted_account_ends_its_connections(rights_server: LiveServer, rights_db: str) -> None:
    account, token = register(rights_server, "rights-deleted")
    product = new_product(rights_db)

    async def scenario() -> None:
        client = await WsClient.connect(rights_server.ws_url(), LEGACY, {"authToken": token})
        await client.start("1", BY_PK, {"id": product})
        await client.result("1")
        with psycopg.connect(rights_db, autocommit=True) as conn:
            conn.execute("DELETE FROM account WHERE id = %s", (account,))
        await expect_forbidden(client, "token revoked", timeout=15)

    run(scenario)


def test_a_role_change_applies_to_running_subscriptions(rights_server: LiveServer, rights_db: str) -> None:
    carol, carol_token = register(rights_server, "rights-carol")
    dave, _ = register(rights_server, "rights-dave")
    product = new_product(rights_db)
    daves_order = order_for(rights_db, dave, product)
    admin_call(rights_server, ROLE % "fz_assign_role", {"a": carol, "r": "auditor"})

    async def scenario() -> None:
        client = await WsClient.connect(rights_server.ws_url(), TRANSPORT, {"authToken": carol_token})
        await client.start("orders", ORDERS)
        seen = (await client.result("orders"))["data"]["order"]
        assert {"id": daves_order, "account_id": dave} in seen  # the auditor reads every order

        admin_call(rights_server, ROLE % "fz_remove_role", {"a": carol, "r": "auditor"})
        assert (await client.result("orders", timeout=15))["data"] == {"order": []}  # only her own now
        order_for(rights_db, dave, product)
        await client.nothing(2.5)  # another account's order: nothing, even across re-checks
        own = order_for(rights_db, carol, product)
        assert (await client.result("orders"))["data"] == {"order": [{"id": own, "account_id": carol}]}

        admin_call(rights_server, ROLE % "fz_assign_role", {"a": carol, "r": "auditor"})
        seen = (await client.result("orders", timeout=15))["data"]["order"]
        assert {"id": daves_order, "account_id": dave} in seen and {"id": own, "account_id": carol} in seen
        await client.close()

    run(scenario)
