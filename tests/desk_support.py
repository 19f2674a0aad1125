"""Test support for the second sample, ``projects/support_desk``: a served copy, its database,
accounts signed up through the app's own login endpoint, and its page-write endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from runtime.database import with_dbname
from tests.conftest import LiveServer, copy_sample, start_server

SLUG = "support_desk"
BASE = f"/p/{SLUG}"


@dataclass
class Desk:
    server: LiveServer
    token: str

    @property
    def conninfo(self) -> str:
        return with_dbname(self.server.env["DATABASE_URL"], self.server.env["MINIMOMEN_DB_PREFIX"] + SLUG)

    def admin(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(self.server.graphql_url(SLUG), json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def account_id(self, username: str) -> int:
        return int(self.sql("SELECT id FROM account WHERE username = %s", (username,))[0][0])

    def make_staff(self, username: str) -> None:
        self.admin('mutation ($id: bigint!) { fz_assign_role(account_id: $id, role: "staff") { id } }', {"id": self.account_id(username)})

    def add_ticket(self, requester: str, title: str, **fields: Any) -> int:
        row = {"title": title, "requester_id": self.account_id(requester), **fields}
        data = self.admin("mutation ($o: ticket_insert_input!) { insert_ticket_one(object: $o) { id } }", {"o": row})
        return int(data["insert_ticket_one"]["id"])

    def client(self, username: str, password: str = "correct-horse-1") -> httpx.Client:
        """An HTTP client signed up as ``username`` through the app's login endpoint (cookies + CSRF)."""
        client = httpx.Client(base_url=self.server.url, timeout=30)
        client.get(f"{BASE}/login")
        csrf = client.cookies.get("mm_csrf") or ""
        response = client.post(f"{BASE}/login", json={"username": username, "password": password, "register": True},
                               headers={"x-csrf-token": csrf})
        assert response.status_code == 200, response.text
        return client


def write(client: httpx.Client, page: str, action: str, refs: dict[str, Any], *, csrf: bool = True) -> httpx.Response:
    """A row write sent by hand over the page's own endpoint."""
    headers = {"x-csrf-token": client.cookies.get("mm_csrf") or ""} if csrf else {}
    return client.post(f"{BASE}/_write", json={"page": page, "action": action, "refs": refs}, headers=headers)


@contextmanager
def running_desk(workspace: Path, db_server: Any) -> Iterator[Desk]:
    """A real server on a fresh copy of the support desk, stopped afterwards."""
    copy_sample(workspace, SLUG)
    server = start_server(workspace, db_server)
    try:
        yield Desk(server=server, token=server.admin_token(SLUG))
    finally:
        server.stop()
