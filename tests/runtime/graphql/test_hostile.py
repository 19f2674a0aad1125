"""Hostile and malformed requests: each a clear error with the right status; the server stays healthy."""

from __future__ import annotations

import re

import httpx
import pytest

from runtime.graphql.document import MAX_DEPTH, MAX_ROOT_FIELDS
from runtime.graphql.http import MAX_BODY_BYTES
from tests.runtime.graphql.conftest import Shop

# GraphQL over HTTP's own media type: refusals of well-formed requests keep their 4xx
# (with application/json they answer 200, as Hasura; see test_http_spec.py).
STRICT = {"Accept": "application/graphql-response+json"}


def _code(response: httpx.Response) -> str:
    body = response.json()
    assert "Traceback" not in response.text
    return body["errors"][0]["extensions"]["classification"]


def _post_raw(shop: Shop, content: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.post(shop.url, content=content, headers={"content-type": content_type, **shop.headers("admin"), **STRICT}, timeout=30)


@pytest.mark.parametrize(("body", "fragment"), [
    (b"{not json", "not valid JSON"),
    (b"5", "JSON object"),
    (b"{}", "no `query`"),
    (b'{"query": ""}', "no `query`"),
    (b'{"query": 12}', "no `query`"),
    (b'{"query": "{ product { id } }", "variables": [1]}', "variables"),
    (b'{"query": "{ product { id } }", "variables": "{oops"}', "variables"),
    (b'{"query": "{ product { id } }", "operationName": 5}', "operationName"),
])
def test_malformed_requests_are_400(shop: Shop, body: bytes, fragment: str) -> None:
    response = _post_raw(shop, body)
    assert response.status_code == 400, response.text
    assert _code(response) in ("BAD_REQUEST", "INVALID_JSON")
    assert fragment in response.json()["errors"][0]["message"]


def test_syntax_error_is_400(shop: Shop) -> None:
    response = shop.post("{ product { id ", headers=STRICT)
    assert response.status_code == 400
    assert _code(response) == "GRAPHQL_PARSE_FAILED"
    assert "data" not in response.json()


def test_body_too_large_is_413(shop: Shop) -> None:
    padding = "x" * (MAX_BODY_BYTES + 10)
    response = _post_raw(shop, ('{"query": "{ product { id } }", "variables": {"pad": "' + padding + '"}}').encode())
    assert response.status_code == 413
    assert _code(response) == "PAYLOAD_TOO_LARGE"

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ product { id } }", "variables": {"pad": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536
        yield b'"}}'

    streamed = httpx.post(shop.url, content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert streamed.status_code == 413  # no Content-Length: counted while reading


def test_deeply_nested_values_are_refused(shop: Shop) -> None:
    deep_json = b'{"query": "{ product { id } }", "variables": {"a": ' + b"[" * 100000 + b"]" * 100000 + b"}}"
    response = _post_raw(shop, deep_json)
    assert response.status_code == 400 and _code(response) == "BAD_REQUEST"
    literal = "{ product(where: " + "{_and: [" * 3000 + "{}" + "]}" * 3000 + ") { id } }"
    response = shop.post(literal, headers=STRICT)
    assert response.status_code == 400 and _code(response) == "GRAPHQL_PARSE_FAILED"
    for depth, code in ((400, "BAD_USER_INPUT"), (3000, "BAD_REQUEST")):
        variable = '{"_not": ' * depth + "{}" + "}" * depth
        body = '{"query": "query ($w: product_bool_exp) { product(where: $w) { id } }", "variables": {"w": ' + variable + "}}"
        response = _post_raw(shop, body.encode())
        assert response.status_code == 400 and _code(response) == code, response.text


def test_deep_nesting_is_refused(shop: Shop) -> None:
    query = "id"
    for level in range(MAX_DEPTH + 5):
        query = ("orders { " if level % 2 == 0 else "product { ") + query + " }"
    response = shop.post("{ product { " + query + " } }", headers=STRICT)
    assert response.status_code == 400
    assert _code(response) == "QUERY_TOO_DEEP"
    assert str(MAX_DEPTH) in response.json()["errors"][0]["message"]


def test_too_many_root_fields_are_refused(shop: Shop) -> None:
    fields = " ".join(f"a{i}: product_by_pk(id: {i}) {{ id }}" for i in range(MAX_ROOT_FIELDS + 1))
    response = shop.post("{ " + fields + " }", headers=STRICT)
    assert response.status_code == 400
    assert _code(response) == "TOO_MANY_ROOT_FIELDS"


def test_fragment_bomb_is_refused(shop: Shop) -> None:
    fragments = ["fragment F0 on product { id product_name }"]
    for i in range(1, 20):
        fragments.append(f"fragment F{i} on product {{ a: orders {{ product {{ ...F{i - 1} }} }} ...F{i - 1} }}")
    response = shop.post("{ product { ...F19 } } " + " ".join(fragments), headers=STRICT)
    assert response.status_code == 400
    assert _code(response) in ("QUERY_TOO_LARGE", "QUERY_TOO_DEEP")


def test_fragment_cycle_is_a_validation_error(shop: Shop) -> None:
    response = shop.post("{ product { ...A } } fragment A on product { ...B } fragment B on product { ...A }", headers=STRICT)
    assert response.status_code == 400
    assert _code(response) == "GRAPHQL_VALIDATION_FAILED"


def test_unknown_fields_and_wrong_types(shop: Shop) -> None:
    response = shop.post("{ producte { id } }", headers=STRICT)
    assert response.status_code == 400 and _code(response) == "GRAPHQL_VALIDATION_FAILED"
    assert "producte" in response.json()["errors"][0]["message"]
    response = shop.post("query ($n: Int) { product(limit: $n) { id } }", {"n": "ten"}, headers=STRICT)
    assert response.status_code == 400 and _code(response) == "BAD_USER_INPUT"
    response = shop.post("{ product(limit: -1) { id } }", headers=STRICT)
    assert response.status_code == 200 and _code(response) == "BAD_USER_INPUT"
    response = shop.post("mutation { insert_product_one(object: {price: \"abc\"}) { id } }", headers=STRICT)
    assert response.status_code == 400 and "abc" in response.json()["errors"][0]["message"]
    response = shop.post("mutation { insert_product_one(object: {released: \"31/12/2024\"}) { id } }", headers=STRICT)
    assert response.status_code == 400 and "date" in response.json()["errors"][0]["message"]


def test_unknown_operation_name(shop: Shop) -> None:
    response = httpx.post(shop.url, json={"query": "query A { product { id } } query B { order { id } }"}, headers={**shop.headers("admin"), **STRICT})
    assert response.status_code == 400 and _code(response) == "BAD_USER_INPUT"
    response = httpx.post(shop.url, json={"query": "query A { product { id } }", "operationName": "Z"}, headers={**shop.headers("admin"), **STRICT})
    assert response.status_code == 400 and "Z" in response.json()["errors"][0]["message"]


def test_invalid_token_is_401(shop: Shop) -> None:
    response = httpx.post(shop.url, json={"query": "{ product { id } }"}, headers={"Authorization": "Bearer not-a-token", **STRICT})
    assert response.status_code == 401
    assert _code(response) == "UNAUTHENTICATED"


def test_unknown_project_is_404(shop: Shop) -> None:
    response = httpx.post(shop.url.replace("/gqltest/", "/nope/"), json={"query": "{ product { id } }"})
    assert response.status_code == 404 and _code(response) == "NOT_FOUND"


def test_server_is_unharmed(shop: Shop) -> None:
    shop.reset()
    test_deep_nesting_is_refused(shop)
    test_deeply_nested_values_are_refused(shop)
    test_body_too_large_is_413(shop)
    response = shop.post("{ product_aggregate { aggregate { count } } }", headers=STRICT)
    assert response.status_code == 200
    assert response.json() == {"data": {"product_aggregate": {"aggregate": {"count": 4}}}}
    assert httpx.get(shop.server.url + "/healthz").status_code == 200


def test_graphiql_page_and_get_queries(shop: Shop) -> None:
    page = httpx.get(shop.url, headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "GraphiQL" in page.text and 'src="/p/_graphiql/graphiql.min.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # the vendored IDE: nothing fetched from a CDN
    for asset in re.findall(r'(?:src|href)="(/p/_graphiql/[^"]+)"', page.text):
        assert httpx.get(shop.server.url + asset).status_code == 200, asset
    assert httpx.get(shop.server.url + "/p/_graphiql/SHA256SUMS").status_code == 404  # only the browser files
    assert httpx.get(shop.server.url + "/p/_graphiql/..%2Fgraphiql.py").status_code == 404
    got = httpx.get(shop.url, params={"query": "{ product_by_pk(id: 1) { sku } }"}, headers=shop.headers("admin"))
    assert got.json() == {"data": {"product_by_pk": {"sku": "SNK-1"}}}
    refused = httpx.get(shop.url, params={"query": "mutation { delete_order(where: {}) { affected_rows } }"}, headers=shop.headers("admin"))
    assert refused.status_code == 405


def test_momen_alias(shop: Shop) -> None:
    url = shop.server.url + "/zero/gqltest/api/graphql-v2"
    response = httpx.post(url, json={"query": "{ product_by_pk(id: 2) { sku } }"}, headers=shop.headers("admin"))
    assert response.json() == {"data": {"product_by_pk": {"sku": "TIX-1"}}}


def test_cookie_sessions_need_the_csrf_header(shop: Shop) -> None:
    shop.reset()
    token = shop.token_for("user:frank")
    query = {"query": "{ account { username } }"}
    cookies = {"mm_session": token, "mm_csrf": "abc123"}
    refused = httpx.post(shop.url, json=query, headers={"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **STRICT})
    assert refused.status_code == 401 and _code(refused) == "UNAUTHENTICATED"
    accepted = httpx.post(shop.url, json=query, headers={"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "x-csrf-token": "abc123"})
    assert accepted.json() == {"data": {"account": [{"username": "frank"}]}}
    bearer = httpx.post(shop.url, json=query, headers={"Authorization": f"Bearer {token}"})
    assert bearer.json() == accepted.json()
