"""Test support for page tests: a served copy of the sample shop, its admin API and its database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from playwright.sync_api import BrowserContext, Page, expect

from runtime.database import with_dbname
from tests.conftest import LiveServer, start_server

SLUG = "inventory_deduction"
HOME = f"/p/{SLUG}/"


@dataclass
class Shop:
    server: LiveServer
    token: str

    @property
    def conninfo(self) -> str:
        return with_dbname(self.server.env["DATABASE_URL"], self.server.env["MINIMOMEN_DB_PREFIX"] + SLUG)

    def admin(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(self.server.graphql_url(SLUG), json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def add_product(self, name: str, stock: int, price: str = "10.00") -> int:
        data = self.admin(
            "mutation ($o: product_insert_input!) { insert_product_one(object: $o) { id } }",
            {"o": {"product_name": name, "stock": stock, "price": price}},
        )
        return int(data["insert_product_one"]["id"])

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def stock(self, product_id: int) -> int:
        return int(self.sql('SELECT stock FROM "product" WHERE id = %s', (product_id,))[0][0])

    def orders(self, product_id: int) -> list[tuple[Any, ...]]:
        return self.sql('SELECT o.account_id, a.username, o.product_id, o.quantity FROM "order" o LEFT JOIN "account" a ON a.id = o.account_id WHERE o.product_id = %s ORDER BY o.id', (product_id,))


@contextmanager
def running_shop(workspace: Path, db_server: Any) -> Iterator[Shop]:
    """A real server on ``workspace`` (the sample already copied in), stopped afterwards."""
    server = start_server(workspace, db_server)
    try:
        yield Shop(server=server, token=server.admin_token(SLUG))
    finally:
        server.stop()


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def open_shop(context: BrowserContext, path: str = HOME) -> Page:
    page = context.new_page()
    page.goto(path)
    expect(page.locator("html[data-mm-ready]")).to_have_count(1)
    return page


def wait_live(page: Page) -> None:
    """Wait until the page's live connection is acknowledged (subscriptions are running)."""
    expect(page.locator("html[data-mm-live=online]")).to_have_count(1)


def sign_up(context: BrowserContext, username: str, password: str = "correct-horse-1") -> Page:
    """Sign up through the login page, coming from the shop; returns the shop page, logged in."""
    page = open_shop(context)
    page.locator("header").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/login?next=*")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"**{HOME}")
    expect(page.locator("html[data-mm-ready]")).to_have_count(1)
    expect(page.locator("header")).to_contain_text(f"Signed in as {username}")
    return page


def card(page: Page, product_name: str):  # type: ignore[no-untyped-def]
    return page.locator(".mm-item", has=page.get_by_role("heading", name=product_name, exact=True))


def order(page: Page, product_name: str, quantity: str) -> None:
    item = card(page, product_name)
    item.get_by_label("Quantity").fill(quantity)
    item.get_by_role("button", name="Place Order").click()


def expect_toast(page: Page, text: str, timeout: float = 10_000) -> None:
    expect(page.locator(".mm-toast", has_text=text).last).to_be_visible(timeout=timeout)
