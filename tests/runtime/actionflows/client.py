"""Talking to a real server: GraphQL over HTTP, user registration, the project database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.conftest import LiveServer, copy_sample, start_server, unique_prefix
from tests.runtime.actionflows.flows import write_test_project

SLUG = "inventory_deduction"
PLACE_ORDER = "mutation($p: bigint!, $q: bigint!) { place_order(product_id: $p, quantity: $q) { status } }"
INVOKE = "mutation($id: String!, $args: JSON, $v: Int) { fz_invoke_action_flow(actionFlowId: $id, args: $args, versionId: $v) }"
REGISTER = """mutation($u: String!, $p: String!) {
  authenticateWithUsername(username: $u, password: $p, register: true) { account { id } jwt { token } }
}"""


@dataclass
class FlowServer:
    """A server on a workspace holding the test definition, and its project database."""

    server: LiveServer
    prefix: str
    conninfo: str
    admin: str

    @property
    def url(self) -> str:
        return self.server.graphql_url(SLUG)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        response = httpx.post(self.url, json={"query": query, "variables": variables or {}}, headers=all_headers, timeout=60)
        return response.json()

    def register(self, username: str | None = None) -> tuple[int, str]:
        """A new account (logged in): its id and JWT."""
        username = username or "buyer_" + uuid.uuid4().hex[:8]
        body = self.gql(REGISTER, {"u": username, "p": "correct horse battery"})
        assert "errors" not in body, body
        auth = body["data"]["authenticateWithUsername"]
        return int(auth["account"]["id"]), auth["jwt"]["token"]

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def new_product(self, stock: int, name: str | None = None) -> int:
        name = name or "p_" + uuid.uuid4().hex[:8]
        return self.sql("INSERT INTO product (product_name, price, stock) VALUES (%s, 10, %s) RETURNING id", (name, stock))[0][0]

    def stock(self, product: int) -> int:
        return self.sql("SELECT stock FROM product WHERE id = %s", (product,))[0][0]

    def orders(self, product: int) -> list[tuple[Any, ...]]:
        return self.sql('SELECT account_id, product_id, quantity FROM "order" WHERE product_id = %s ORDER BY id', (product,))

    def restart(self, db_server: Any) -> None:
        """Start a new server process on the same workspace and databases."""
        self.server = start_server(self.server.workspace, db_server, prefix=self.prefix)


def start_flow_server(workspace: Path, db_server: Any, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> FlowServer:
    project_dir = copy_sample(workspace)
    write_test_project(project_dir)
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix, workers=workers, extra_env=extra_env)
    conninfo = db_server.conninfo(prefix + SLUG)
    return FlowServer(server, prefix, conninfo, server.admin_token(SLUG))
