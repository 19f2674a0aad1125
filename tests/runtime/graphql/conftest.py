"""A real server on the GraphQL fixture project (``project/gqltest``), with a known data set.

``shop.reset()`` empties the tables (identities restarted) and seeds the same rows
through admin mutations, so every golden case starts from the same state.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import LiveServer, start_server, unique_prefix

PROJECT = Path(__file__).parent / "project" / "gqltest"
SLUG = "gqltest"

SEED = """
mutation Seed {
  accounts: insert_account(objects: [{username: "alice"}, {username: "bob"}]) { affected_rows }
  products: insert_product(objects: [
    {product_name: "Limited Sneakers", price: "199.99", stock: 5, sku: "SNK-1", active: true, details: {color: "red", sizes: [42, 43]}, released: "2024-01-15"},
    {product_name: "Festival Ticket", price: 49.5, stock: 0, sku: "TIX-1", active: true},
    {product_name: "Vinyl Record", price: 25, stock: 12, sku: "VNL-1", active: false, details: {color: "black"}, released: "2023-06-01"},
    {product_name: "order book", price: 10, stock: 100, active: true}
  ]) { affected_rows }
  orders: insert_order(objects: [
    {account_id: 1, product_id: 1, quantity: 2, note: "first"},
    {account_id: 1, product_id: 3, quantity: 1},
    {account_id: 2, product_id: 1, quantity: 1, note: "gift"},
    {account_id: 2, product_id: 2, quantity: 4}
  ]) { affected_rows }
}
"""


@dataclass
class Shop:
    server: LiveServer
    conninfo: str
    token: str
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.graphql_url(SLUG)

    @property
    def ws_url(self) -> str:
        return self.server.ws_url(SLUG)

    def headers(self, role: str) -> dict[str, str]:
        token = self.token_for(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def token_for(self, role: str) -> str | None:
        if role == "admin":
            return self.token
        if role == "anonymous":
            return None
        if role.startswith("user:"):
            if role not in self.tokens:
                self.tokens[role] = self._login(role.split(":", 1)[1])
            return self.tokens[role]
        raise ValueError(f"unknown golden role {role}")

    def _login(self, username: str) -> str:
        result = self.post(
            "mutation ($u: String!, $p: String!) { authenticateWithUsername(username: $u, password: $p, register: true) { jwt { token } } }",
            {"u": username, "p": f"pw-{username}-12345"}, role="anonymous",
        ).json()
        assert "errors" not in result, result
        return result["data"]["authenticateWithUsername"]["jwt"]["token"]

    def post(self, query: str, variables: dict[str, Any] | None = None, *, role: str = "admin", headers: dict[str, str] | None = None,
             url: str | None = None, operation_name: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name is not None:
            body["operationName"] = operation_name
        return httpx.post(url or self.url, json=body, headers={**self.headers(role), **(headers or {})}, timeout=30)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, role: str = "admin") -> dict[str, Any]:
        response = self.post(query, variables, role=role)
        return response.json()

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def reset(self) -> None:
        self.tokens.clear()
        self.sql('TRUNCATE "order", product, account RESTART IDENTITY CASCADE')
        result = self.gql(SEED)
        assert "errors" not in result, result


def make_workspace(root: Path) -> Path:
    workspace = root / "workspace"
    target = workspace / SLUG
    shutil.copytree(PROJECT, target)
    (target / "migrations").mkdir(exist_ok=True)
    return workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[Shop]:
    prefix = unique_prefix()
    server = start_server(make_workspace(tmp_path_factory.mktemp("gql")), db_server, prefix=prefix)
    try:
        shop = Shop(server, db_server.conninfo(prefix + SLUG), server.admin_token(SLUG))
        shop.reset()
        yield shop
    finally:
        server.stop()
