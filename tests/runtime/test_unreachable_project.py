"""A project whose database refuses connections is served 503 with the reason while the others run; the server never exits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from psycopg import sql
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from runtime.auth.state import ACCOUNT_TTL_SECONDS
from runtime.database import DatabaseServer
from tests.conftest import copy_sample, start_server, unique_prefix
from tests.runtime.shared_servers import drop_databases


def test_one_unreachable_project_does_not_stop_the_others(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    copy_sample(workspace, "support_desk")
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix)  # creates both databases
    server.stop()
    named = DatabaseServer(db_server.url, prefix=prefix)
    blocked = named.database_name("support_desk")
    with db_server.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(blocked)))
    try:
        server = start_server(workspace, db_server, prefix=prefix)
        try:
            query = {"query": "{ __typename }"}
            assert httpx.post(server.graphql_url("inventory_deduction"), json=query).status_code == 200
            refused = httpx.post(server.graphql_url("support_desk"), json=query)
            assert refused.status_code == 503, refused.text
            error = refused.json()["errors"][0]
            assert "database cannot be reached" in error["message"] and blocked not in error["message"]
            assert server.process.poll() is None
        finally:
            server.stop()
    finally:
        with db_server.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(blocked)))
        drop_databases(db_server, prefix)


def _assert_socket_told_to_retry(ws_url: str, token: str) -> None:
    """A WebSocket whose connection_init meets the unavailable database: told to retry, on both subprotocols."""
    init = json.dumps({"type": "connection_init", "payload": {"headers": {"Authorization": f"Bearer {token}"}}})
    with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(init)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=15)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013, closed.value
    assert "try again" in closed.value.rcvd.reason
    with connect(ws_url, subprotocols=["graphql-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(init)
        message = json.loads(ws.recv(timeout=15))
    assert message["type"] == "connection_error", message
    assert message["payload"]["extensions"]["classification"] == "DATABASE_UNAVAILABLE", message


REGISTER = 'mutation { authenticateWithUsername(username: "ann", password: "ann-password-1", register: true) { jwt { token } } }'


def test_a_project_that_loses_its_database_answers_503_while_the_others_serve(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    copy_sample(workspace, "support_desk")
    prefix = unique_prefix()
    named = DatabaseServer(db_server.url, prefix=prefix)
    blocked = named.database_name("inventory_deduction")
    server = start_server(workspace, db_server, prefix=prefix, extra_env={"MINIMOMEN_POOL_TIMEOUT": "1"})
    try:
        url = server.graphql_url("inventory_deduction")
        token = httpx.post(url, json={"query": REGISTER}, timeout=30).json()["data"]["authenticateWithUsername"]["jwt"]["token"]
        query = {"query": "{ product(limit: 1) { id } }"}
        assert httpx.post(url, json=query, timeout=30).json()["data"]["product"]
        with db_server.connect(autocommit=True) as conn:  # the project's connections die, new ones are refused
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(blocked)))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (blocked,))
        for headers in ({}, {"Authorization": f"Bearer {token}"}, {}, {"Authorization": f"Bearer {token}"}):
            refused = httpx.post(url, json=query, headers=headers, timeout=30)
            assert refused.status_code == 503, refused.text
            assert int(refused.headers["retry-after"]) >= 1
            error = refused.json()["errors"][0]
            assert error["extensions"]["classification"] == "DATABASE_UNAVAILABLE", error
            assert "try again" in error["message"] and blocked not in error["message"]
            other = httpx.post(server.graphql_url("support_desk"), json={"query": "{ __typename }"}, timeout=30)
            assert other.status_code == 200 and "errors" not in other.json(), other.text
        time.sleep(ACCOUNT_TTL_SECONDS + 0.5)  # past the account cache: connection_init must look the account up
        _assert_socket_told_to_retry(server.ws_url(), token)
        assert server.process.poll() is None
    finally:
        with db_server.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(blocked)))
        server.stop()
        drop_databases(db_server, prefix)
