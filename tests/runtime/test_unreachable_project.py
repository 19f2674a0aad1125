"""A project whose database refuses connections is served 503 with the reason while the others run; the server never exits."""

from __future__ import annotations

from pathlib import Path

import httpx
from psycopg import sql

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
