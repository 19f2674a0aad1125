"""The tutorial's verification on the sample page, in real Chromium against a real server.

Covers: login required, sign up and log in through the login page, invalid
quantity, stock shortage (stock unchanged), a successful order (stock shown
drops, the order row is right), a second visitor seeing the change live, escaping
of product names, inline value-type validation and the double click.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot_path
from tests.browser.pages_shop import (
    HOME,
    SLUG,
    Shop,
    card,
    expect_toast,
    open_shop,
    order,
    running_shop,
    sign_up,
    unique_name,
    wait_live,
)
from tests.conftest import copy_sample


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("shop")
    copy_sample(workspace)
    with running_shop(workspace, db_server) as shop:
        yield shop


def test_tutorial_verification(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    sneakers = shop.sql("SELECT id FROM product WHERE product_name = 'Limited Sneakers'")[0][0]
    assert shop.stock(sneakers) == 2
    buyer = contexts(base_url=shop.server.url)
    page = open_shop(buyer)
    expect(card(page, "Limited Sneakers")).to_contain_text("stock: 2")
    expect(card(page, "Limited Sneakers")).to_contain_text("$129.00")

    # Step 1: not logged in.
    card(page, "Limited Sneakers").get_by_role("button", name="Place Order").click()
    expect_toast(page, "Please log in first")

    username = "alice"  # fresh databases per module: a stable name keeps the screenshot stable
    page = sign_up(buyer, username)
    watcher = open_shop(contexts(base_url=shop.server.url))  # a second visitor, anonymous
    wait_live(page)
    wait_live(watcher)
    watcher.evaluate("window.__notReloaded = true")

    # Step 2: invalid quantity.
    order(page, "Limited Sneakers", "0")
    expect_toast(page, "Please enter a valid quantity")

    # Step 3: stock shortage; the database is unchanged.
    order(page, "Limited Sneakers", "3")
    expect_toast(page, "Stock shortage")
    assert shop.stock(sneakers) == 2
    assert shop.orders(sneakers) == []

    # Step 4: success; the stock shown drops, for this visitor and, live, for the other.
    page.evaluate("document.querySelectorAll('.mm-toast').forEach((t) => t.remove())")  # a clean screenshot
    order(page, "Limited Sneakers", "1")
    expect_toast(page, "Order placed successfully")
    committed = time.monotonic()
    expect(card(page, "Limited Sneakers")).to_contain_text("stock: 1")
    expect(card(watcher, "Limited Sneakers")).to_contain_text("stock: 1", timeout=1_000)
    assert time.monotonic() - committed < 1.0
    assert watcher.evaluate("window.__notReloaded") is True
    assert shop.stock(sneakers) == 1
    account_id = shop.sql("SELECT id FROM account WHERE username = %s", (username,))[0][0]
    assert shop.orders(sneakers) == [(account_id, username, sneakers, 1)]

    page.mouse.move(0, 0)
    page.set_viewport_size({"width": 1100, "height": 560})
    page.wait_for_timeout(300)  # let the toast finish sliding in
    page.screenshot(path=str(screenshot_path("page-order.png")))


def test_login_page_messages_and_logout(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    username = unique_name("bob_")
    context = contexts(base_url=shop.server.url)
    page = sign_up(context, username, "right-password-1")
    page.locator("header").get_by_role("button", name="Log out").click()
    expect(page.locator("header").get_by_role("button", name="Log in")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "mm_session"]

    page.goto(f"/p/{SLUG}/login?next=//evil.example/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong username or password", ignore_case=True)

    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("already taken")

    page.get_by_label("Password").fill("right-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{HOME}")  # an off-site `next` is ignored
    assert page.url == shop.server.url + HOME
    session = next(c for c in context.cookies() if c["name"] == "mm_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == f"/p/{SLUG}"
    assert page.evaluate("document.cookie").find("mm_session") == -1
    assert page.evaluate("JSON.stringify(localStorage)") == "{}"


def test_product_names_render_as_text(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    hostile = "<img src=x onerror=window.__xss=1>"
    shop.add_product(hostile, 5)
    page = open_shop(contexts(base_url=shop.server.url))
    wait_live(page)
    expect(page.get_by_role("heading", name=hostile, exact=True)).to_be_visible()
    live = "<script>window.__xss=2</script><b>live</b>"
    shop.add_product(live, 1)  # arrives over the subscription, rendered by the browser runtime
    expect(page.get_by_role("heading", name=live, exact=True)).to_be_visible()
    assert page.locator(".mm-list img, .mm-list script, .mm-list b").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_value_types_are_checked_before_any_request(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    name = unique_name("Typed ")
    product = shop.add_product(name, 10)
    page = sign_up(contexts(base_url=shop.server.url), unique_name("carol_"))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    item = card(page, name)
    for raw in ("1.5", "abc"):
        order(page, name, raw)
        expect(item.get_by_role("alert")).to_have_text("Enter a whole number.")
        expect(item.get_by_label("Quantity")).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(300)
    assert posts == []
    assert shop.orders(product) == []
    item.get_by_label("Quantity").fill("2")
    expect(item.get_by_role("alert")).to_be_hidden()


def test_double_click_places_one_order(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    name = unique_name("Double ")
    product = shop.add_product(name, 10)
    page = sign_up(contexts(base_url=shop.server.url), unique_name("dave_"))
    keys: list[str | None] = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key")) if r.method == "POST" and r.url.endswith("/graphql") else None)
    item = card(page, name)
    item.get_by_label("Quantity").fill("1")
    item.get_by_role("button", name="Place Order").dblclick()
    expect_toast(page, "Order placed successfully")
    expect(item).to_contain_text("stock: 9")
    page.wait_for_timeout(500)
    assert len(shop.orders(product)) == 1
    assert shop.stock(product) == 9
    assert len(keys) == 1 and keys[0] and len(keys[0]) >= 16

    item.get_by_role("button", name="Place Order").click()  # a new click is a new order, with a new key
    expect(item).to_contain_text("stock: 8")
    assert len(shop.orders(product)) == 2
    assert len(set(keys)) == 2

    # A slow double click: its second click lands after the first order has finished.
    box = item.get_by_role("button", name="Place Order").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    expect(item).to_contain_text("stock: 7")
    expect(item.get_by_role("button", name="Place Order")).to_be_enabled()
    page.mouse.down(click_count=2)
    page.mouse.up(click_count=2)
    page.wait_for_timeout(500)
    assert len(shop.orders(product)) == 3
    assert shop.stock(product) == 7
    assert len(keys) == 3


def test_page_fits_a_phone(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url, viewport={"width": 390, "height": 844}))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = card(page, "Festival Ticket").bounding_box()
    assert box is not None and box["width"] >= 330  # one card per row on a phone
    accent = page.evaluate("getComputedStyle(document.querySelector('.mm-button--primary')).backgroundColor")
    assert accent == "rgb(79, 70, 229)"  # settings.accent_color (#4f46e5)
