"""Bad tokens over HTTP and WebSocket: all refused with 401 / UNAUTHENTICATED, nothing written.

Two projects in one workspace (the sample twice), so a token of one is tried on the other.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import jwt
import psycopg
import pytest
import websockets

from runtime.secrets import JWT_SECRET
from tests.conftest import LiveServer, copy_sample, start_server, unique_prefix
from tests.runtime.auth.graphql_client import gql, log_in

SLUG, OTHER = "inventory_deduction", "second_shop"
PRODUCTS = "{ product(order_by: {id: asc}) { id stock } }"
WRITE = "mutation($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: 0}) { stock } }"
PLACE_ORDER = "mutation { place_order(product_id: 1, quantity: 1) { status } }"
# GraphQL over HTTP's own type: a refused token answers 401 (application/json answers 200, as Hasura).
STRICT = {"Accept": "application/graphql-response+json"}


@pytest.fixture(scope="module")
def two_projects(tmp_path_factory, db_server) -> Iterator[tuple[LiveServer, str]]:
    workspace = tmp_path_factory.mktemp("ws")
    copy_sample(workspace)
    shutil.copytree(workspace / SLUG, workspace / OTHER)
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix)
    yield server, prefix
    server.stop()


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _jwt_secret(db_server, prefix: str) -> str:
    with psycopg.connect(db_server.conninfo(prefix + SLUG)) as conn:
        row = conn.execute("SELECT value FROM minimomen.secret WHERE name = %s", (JWT_SECRET,)).fetchone()
    assert row is not None
    return row[0]


def test_bad_tokens_are_refused(two_projects, db_server) -> None:
    server, prefix = two_projects
    url = server.graphql_url(SLUG)
    admin = server.admin_token(SLUG)
    account_id, good = log_in(url, "token_user", "password1", register=True)
    _other_id, other_project_token = log_in(server.graphql_url(OTHER), "token_user", "password1", register=True)
    secret = _jwt_secret(db_server, prefix)
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(account_id), "aud": SLUG, "iss": f"minimomen:{SLUG}", "iat": now, "exp": now + dt.timedelta(hours=1)}
    head, _body, signature = good.split(".")
    flipped = admin[:-1] + ("A" if admin[-1] != "A" else "B")
    bad = {
        "forged signature": f"{head}.{_b64({**claims, 'sub': '1', 'iat': 0, 'exp': 2**40})}.{signature}",
        "signed with another secret": jwt.encode(claims, "not-the-secret-" * 3, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({**claims, 'iat': 0, 'exp': 2**40})}.",
        "expired": jwt.encode({**claims, "iat": now - dt.timedelta(hours=2), "exp": now - dt.timedelta(hours=1)}, secret, algorithm="HS256"),
        "other project": other_project_token,
        "admin token, one character changed": flipped,
        "garbage": "not a token at all",
    }
    stocks = [r["stock"] for r in gql(url, PRODUCTS, token=admin).field("product")]
    for name, token in bad.items():
        for query in (PRODUCTS, WRITE, PLACE_ORDER):
            result = gql(url, query, {"id": 1} if "$id" in query else None, token=token, headers=STRICT)
            assert result.status == 401, (name, result.status, result.body)
            assert result.codes == {"UNAUTHENTICATED"} and not result.data, (name, result.body)
        assert asyncio.run(_ws_refused(server.ws_url(SLUG), token)), name
    # The genuine articles work, and nothing was written by the refused ones.
    assert gql(url, PRODUCTS, token=good).ok and gql(url, PRODUCTS, token=admin).ok
    assert [r["stock"] for r in gql(url, PRODUCTS, token=admin).field("product")] == stocks
    orders = gql(url, "{ order_aggregate { aggregate { count } } }", token=admin).field("order_aggregate")
    assert orders["aggregate"]["count"] == 0
    assert "Traceback" not in server.log()
    assert admin not in server.log() and good not in server.log(), "tokens are never logged"


async def _ws_refused(url: str, token: str) -> bool:
    """A WebSocket whose connection_init carries a bad token is closed (4403/4401), never acked."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except websockets.ConnectionClosed as closed:
            return closed.rcvd is not None and closed.rcvd.code in (4401, 4403)
        return message.get("type") != "connection_ack"


def test_rotation_makes_the_old_admin_token_fail(two_projects) -> None:
    server, _prefix = two_projects
    url = server.graphql_url(OTHER)
    old = server.admin_token(OTHER)
    assert gql(url, PRODUCTS, token=old).ok
    out = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "token", OTHER, "--rotate", "--workspace", str(server.workspace)],
        env=server.env, capture_output=True, text=True, timeout=60, check=True,
    )
    new = out.stdout.strip().splitlines()[-1]
    assert new != old and server.admin_token(OTHER) == new
    deadline = time.monotonic() + 5
    while gql(url, PRODUCTS, token=old, headers=STRICT).status != 401:
        assert time.monotonic() < deadline, "the old admin token still works 5 s after rotation"
        time.sleep(0.2)
    assert gql(url, PRODUCTS, token=new).ok
    assert gql(server.graphql_url(SLUG), PRODUCTS, token=old, headers=STRICT).status == 401, "one project's token never opens another"
