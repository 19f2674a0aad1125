"""Both GraphQL paths (``/p/<slug>/graphql`` and Momen's ``/zero/<slug>/api/graphql-v2``) answer
every request identically: one POST handler serves both, so they cannot drift apart."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runtime.graphql.document import MAX_ROOT_FIELDS
from runtime.graphql.http import MAX_BODY_BYTES
from tests.runtime.graphql.conftest import SLUG, Shop

PATHS = ("/p/{slug}/graphql", "/zero/{slug}/api/graphql-v2", "/p/{slug}/graphql/", "/zero/{slug}/api/graphql-v2/")
TOO_MANY_ROOTS = "{ " + " ".join(f"a{i}: product_by_pk(id: {i}) {{ id }}" for i in range(MAX_ROOT_FIELDS + 1)) + " }"

# (name, expected status, request arguments for httpx: method, JSON or raw body, headers key).
# Accept is httpx's */*: refusals of well-formed requests answer 200 (test_http_spec.py has the rule).
CASES: list[tuple[str, int, dict[str, Any]]] = [
    ("query", 200, {"json": {"query": "query Q($id: bigint!) { product_by_pk(id: $id) { sku orders_aggregate { aggregate { count } } } }",
                             "variables": {"id": 1}, "operationName": "Q"}}),
    ("graphql body", 200, {"content": b"{ product(where: {id: {_eq: 2}}) { sku } }", "content_type": "application/graphql"}),
    ("field error", 200, {"json": {"query": "{ product(limit: -1) { id } }"}}),
    ("validation", 200, {"json": {"query": "{ product { stok } }"}}),
    ("table access", 200, {"json": {"query": "{ product { active } }"}, "role": "anonymous"}),
    ("bad json", 400, {"content": b"{not json"}),
    ("no query", 400, {"json": {"variables": {}}}),
    ("too large", 413, {"content": b'{"query": "{ product { id } }", "variables": {"pad": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}}'}),
    ("too many root fields", 200, {"json": {"query": TOO_MANY_ROOTS}}),
    ("bad token", 200, {"json": {"query": "{ product { id } }"}, "token": "not-a-token"}),
    ("unknown project", 404, {"json": {"query": "{ product { id } }"}, "slug": "no-such-project"}),
]


def _send(shop: Shop, path: str, case: dict[str, Any], method: str = "POST") -> httpx.Response:
    url = shop.server.url + path.format(slug=case.get("slug", SLUG))
    headers = shop.headers(case.get("role", "admin"))
    if "token" in case:
        headers = {"Authorization": f"Bearer {case['token']}"}
    if method == "GET":
        return httpx.get(url, params={"query": case["json"]["query"]}, headers=headers, timeout=30)
    if "json" in case:
        return httpx.post(url, json=case["json"], headers=headers, timeout=30)
    headers["content-type"] = case.get("content_type", "application/json")
    return httpx.post(url, content=case["content"], headers=headers, timeout=30)


@pytest.mark.parametrize(("name", "status", "case"), CASES, ids=[c[0] for c in CASES])
def test_post_paths_answer_alike(shop: Shop, name: str, status: int, case: dict[str, Any]) -> None:
    answers = [_send(shop, path, case) for path in PATHS]
    first = answers[0]
    assert first.status_code == status, (name, first.text[:300])
    assert first.headers["content-type"].startswith("application/json")
    assert "Traceback" not in first.text
    for path, other in zip(PATHS[1:], answers[1:]):
        assert (other.status_code, other.json()) == (first.status_code, first.json()), path


def test_get_paths_answer_alike(shop: Shop) -> None:
    for case, status in ((CASES[0][2], 200), ({"json": {"query": "{ product_by_pk(id: 1) { sku } }"}}, 200),
                         ({"json": {"query": "mutation { delete_order(where: {}) { affected_rows } }"}}, 405)):
        answers = [_send(shop, path, case, "GET") for path in PATHS[:2]]
        assert answers[0].status_code == status, answers[0].text
        assert (answers[1].status_code, answers[1].json()) == (answers[0].status_code, answers[0].json())


def test_mutations_answer_alike(shop: Shop) -> None:
    shop.reset()
    bodies = []
    for path in PATHS[:2]:
        response = httpx.post(shop.server.url + path.format(slug=SLUG), headers=shop.headers("admin"), timeout=30,
                              json={"query": "mutation { update_product_by_pk(pk_columns: {id: 2}, _inc: {stock: 1}) { stock } }"})
        bodies.append(response.json())
    assert bodies == [{"data": {"update_product_by_pk": {"stock": 1}}}, {"data": {"update_product_by_pk": {"stock": 2}}}]
