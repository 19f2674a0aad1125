"""A list whose filter goes through a table the visitor may not read says so kindly, on a real server.

The sample shop lets anonymous visitors read products but not orders; a product list
filtered by a total of its orders (or through the relationship) fails for them in
GraphQL (the field is not in their schema). The page shows the friendly no-access
sentence, never the raw permission error, and a logged-in user sees the rows.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, copy_sample, start_server

SLUG = "inventory_deduction"
NO_ACCESS = "You don't have access to these rows."


def _list(list_id: str, source_filter: dict[str, object]) -> dict[str, object]:
    return {
        "id": list_id, "name": list_id, "type": "list", "empty_text": "None here.",
        "source": {"table": "tbl_product", "request": "query", "filter": source_filter},
        "item": [{"id": f"{list_id}_name", "name": "Name", "type": "text", "value": {"ref": "item.product_name"}}],
    }


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("unreadable_ws")
    app_json = copy_sample(workspace) / "app.json"
    data = json.loads(app_json.read_text(encoding="utf-8"))
    data["pages"].append({"id": "page_ordered", "name": "Ordered", "path": "ordered", "components": [
        _list("total_list", {"orders_aggregate": {"count": {"predicate": {"_gte": 0}}}}),
        _list("through_list", {"_not": {"orders": {"quantity": {"_gt": 1000000}}}}),
        _list("plain_list", {"stock": {"_gte": 0}}),
    ]})
    app_json.write_text(json.dumps(data), encoding="utf-8")
    server = start_server(workspace, db_server)
    yield server
    server.stop()


def _list_html(page: str, list_id: str) -> str:
    match = re.search(rf'data-mm="{list_id}".*?(?=data-mm="\w+_list"|</main>|$)', page, re.DOTALL)
    assert match, f"no list {list_id} on the page"
    return html.unescape(match.group(0))


def test_anonymous_visitors_see_the_friendly_state(shop: LiveServer) -> None:
    response = httpx.get(f"{shop.url}/p/{SLUG}/ordered")
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "no permission" not in text and "not defined" not in text
    for list_id in ("total_list", "through_list"):
        assert f'role="alert">{NO_ACCESS}<' in _list_html(response.text, list_id)
    plain = _list_html(response.text, "plain_list")
    assert NO_ACCESS not in plain and "Limited Sneakers" in plain


def test_a_logged_in_user_sees_the_rows(shop: LiveServer) -> None:
    with httpx.Client(base_url=shop.url) as client:
        client.get(f"/p/{SLUG}/login")
        headers = {"x-csrf-token": client.cookies.get("mm_csrf") or ""}
        body = {"username": "ursula_reads", "password": "a-good-password", "register": True}
        assert client.post(f"/p/{SLUG}/login", json=body, headers=headers).status_code == 200
        page = client.get(f"/p/{SLUG}/ordered").text
    for list_id in ("total_list", "through_list"):
        shown = _list_html(page, list_id)
        assert NO_ACCESS not in shown and "Limited Sneakers" in shown


def test_the_graphql_answer_names_the_hidden_table_not_an_unknown_field(shop: LiveServer) -> None:
    query = "query ($where: product_bool_exp!) { product(where: $where) { id } }"
    hidden = httpx.post(f"{shop.url}/p/{SLUG}/graphql", json={
        "query": query, "variables": {"where": {"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}}}})
    (error,) = hidden.json()["errors"]
    assert error["extensions"]["classification"] == "TABLE_ACCESS"
    assert error["message"] == "Anonymous user has no permission for SELECT on relationship `orders` of product"
    nested = httpx.post(f"{shop.url}/p/{SLUG}/graphql", json={
        "query": query, "variables": {"where": {"_or": [{"stock": {"_gt": 0}}, {"orders": {"quantity": {"_gt": 1}}}]}}})
    assert nested.json()["errors"][0]["extensions"]["classification"] == "TABLE_ACCESS"
    unknown = httpx.post(f"{shop.url}/p/{SLUG}/graphql", json={"query": query, "variables": {"where": {"nope": {"_eq": 1}}}})
    (error,) = unknown.json()["errors"]  # a field nobody has stays the caller's mistake
    assert error["extensions"]["classification"] == "BAD_USER_INPUT" and "nope" in error["message"]
