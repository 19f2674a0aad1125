"""A page whose login expires stops receiving live data and tells the visitor, without retrying."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from playwright.sync_api import expect

from runtime.auth.tokens import issue_token
from runtime.secrets import load_or_create_secrets
from tests.browser.pages_shop import (
    SLUG,
    Shop,
    card,
    open_shop,
    running_shop,
    unique_name,
    wait_live,
)
from tests.conftest import copy_sample

REGISTER = (
    "mutation R($u: String!) { authenticateWithUsername(username: $u, password: \"session-end-1\", register: true)"
    " { account { id } } }"
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("session-end")
    copy_sample(workspace)
    with running_shop(workspace, db_server) as shop:
        yield shop


def test_an_expired_login_ends_the_live_connection(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    username = unique_name("short")
    reply = httpx.post(shop.server.graphql_url(SLUG), json={"query": REGISTER, "variables": {"u": username}}, timeout=30).json()
    account = int(reply["data"]["authenticateWithUsername"]["account"]["id"])
    project = SimpleNamespace(slug=SLUG, secrets=load_or_create_secrets(shop.conninfo))
    token, _ = issue_token(project, account, ttl_minutes=5 / 60)  # type: ignore[arg-type]
    context = contexts(base_url=shop.server.url)
    # as the login page sets it (runtime.pages.cookies), with a token that lasts seconds
    cookie = {"name": "mm_session", "value": token, "domain": "127.0.0.1", "path": f"/p/{SLUG}", "httpOnly": True, "sameSite": "Lax"}
    context.add_cookies([cookie])
    name = unique_name("Live ")
    product = shop.add_product(name, 5)

    page = open_shop(context)
    expect(page.locator("header")).to_contain_text(f"Signed in as {username}")
    wait_live(page)
    shop.sql('UPDATE "product" SET stock = 4 WHERE id = %s RETURNING id', (product,))
    expect(card(page, name)).to_contain_text("stock: 4")

    expect(page.locator("html[data-mm-live=expired]")).to_have_count(1, timeout=20_000)
    expect(page.locator(".mm-live-status")).to_have_text("Your session has ended. Reload the page to continue.")
    shop.sql('UPDATE "product" SET stock = 3 WHERE id = %s RETURNING id', (product,))
    page.wait_for_timeout(1500)
    expect(card(page, name)).to_contain_text("stock: 4")  # no data after the login ended
    assert page.evaluate("window.MiniMomen.page.client.socket") is None  # and no reconnection

    page.reload()  # the server drops the expired cookie: an anonymous visitor, live again
    expect(page.locator("header").get_by_role("button", name="Log in")).to_be_visible()
    wait_live(page)
    expect(card(page, name)).to_contain_text("stock: 3")
