"""GraphQL over HTTP by the spec: Accept negotiation, one status rule, content types, batches, CORS.

The fixture project (``project/gqltest``) allows the browser origin ``http://allowed.test``
besides its own; every other origin is refused.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from runtime.graphql.http import MAX_BATCH
from tests.runtime.graphql.conftest import Shop

RESPONSE_JSON = "application/graphql-response+json"
ALLOWED = "http://allowed.test"


def _post(shop: Shop, body: Any, *, role: str = "admin", accept: str | None = None, **headers: str) -> httpx.Response:
    sent = {**shop.headers(role), **headers}
    if accept is not None:
        sent["Accept"] = accept
    return httpx.post(shop.url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json", **sent}, timeout=30)


def _code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


REQUEST_ERRORS = [
    ("parse", "admin", "{ product { id }", "parse-failed", 400),
    ("validation", "admin", "{ product { nope } }", "validation-failed", 400),
    ("denied table", "anonymous", "{ account { id } }", "access-denied", 403),
    ("denied column", "user:dave", "{ account { created_at } }", "access-denied", 403),
    ("denied written rows", "anonymous", 'mutation { insert_order_one(object: {product_id: 1, quantity: 0}) { id } }', "permission-error", 403),
]


@pytest.mark.parametrize(("name", "role", "query", "code", "strict"), REQUEST_ERRORS, ids=[r[0] for r in REQUEST_ERRORS])
def test_one_status_rule(shop: Shop, name: str, role: str, query: str, code: str, strict: int) -> None:
    """application/json (asked, */* or absent): 200 as Hasura; graphql-response+json: its type and 4xx without data."""
    shop.reset()
    for accept in ("application/json", "*/*", None):
        response = _post(shop, {"query": query}, role=role, accept=accept)
        assert response.status_code == 200, (accept, response.text)
        assert response.headers["content-type"] == "application/json"
        assert _code(response) == code
    response = _post(shop, {"query": query}, role=role, accept=RESPONSE_JSON)
    assert response.status_code == strict, response.text
    assert response.headers["content-type"] == RESPONSE_JSON
    assert _code(response) == code and "data" not in response.json()


DENIAL_PATHS = [
    ("anonymous", "{ account { id } }", "$.selectionSet.account"),
    ("user:dave", "{ mine: account { id created_at } }", "$.selectionSet.mine.selectionSet.created_at"),
    ("user:dave", "query { product { id } ...F } fragment F on query_root { account { created_at } }",
     "$.selectionSet.account.selectionSet.created_at"),
]


@pytest.mark.parametrize(("role", "query", "path"), DENIAL_PATHS)
def test_a_denial_points_at_the_field_it_names(shop: Shop, role: str, query: str, path: str) -> None:
    """Hasura's extensions.path: the response keys down to the hidden table or column, through aliases and fragments."""
    errors = _post(shop, {"query": query}, role=role).json()["errors"]
    assert [e["extensions"]["path"] for e in errors] == [path], errors
    assert errors[0]["extensions"]["code"] == "access-denied"


def test_invalid_token_and_variables(shop: Shop) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    assert _post(shop, {"query": "{ product { id } }"}, role="anonymous", **bad).status_code == 200
    strict = _post(shop, {"query": "{ product { id } }"}, role="anonymous", accept=RESPONSE_JSON, **bad)
    assert strict.status_code == 401 and _code(strict) == "invalid-jwt"
    coercion = {"query": "query ($id: bigint!) { product_by_pk(id: $id) { id } }", "variables": {"id": "x"}}
    assert _post(shop, coercion).status_code == 200
    strict = _post(shop, coercion, accept=RESPONSE_JSON)
    assert strict.status_code == 400 and strict.json()["errors"][0]["extensions"]["path"] == "$.variableValues.id"


def test_execution_errors_keep_data_and_200(shop: Shop) -> None:
    shop.reset()
    body = {"query": 'mutation { insert_product_one(object: {product_name: "x", price: 1, stock: 1, sku: "SNK-1"}) { id } }'}
    for accept in ("application/json", RESPONSE_JSON):
        response = _post(shop, body, accept=accept)
        assert response.status_code == 200 and response.json()["data"] is None
        assert _code(response) == "constraint-violation"


def test_malformed_requests_are_4xx_in_every_mode(shop: Shop) -> None:
    for accept in ("application/json", RESPONSE_JSON):
        no_type = httpx.post(shop.url, content=b'{"query": "{ product { id } }"}', headers={**shop.headers("admin"), "Accept": accept})
        assert no_type.status_code == 415 and _code(no_type) == "not-supported", no_type.text
        text = httpx.post(shop.url, content=b'{"query": "{ product { id } }"}',
                          headers={**shop.headers("admin"), "Accept": accept, "Content-Type": "text/plain"})
        assert text.status_code == 415
        broken = httpx.post(shop.url, content=b'{"query": ', headers={**shop.headers("admin"), "Accept": accept, "Content-Type": "application/json"})
        assert broken.status_code == 400 and _code(broken) == "invalid-json"
        assert _post(shop, {"variables": {}}, accept=accept).status_code == 400
    assert _post(shop, {"query": "{ product { id } }"}, accept="text/html").status_code == 406
    mutation = httpx.get(shop.url, params={"query": "mutation { delete_order(where: {}) { affected_rows } }"}, headers=shop.headers("admin"))
    assert mutation.status_code == 405


def test_batch_limit_and_per_operation_errors(shop: Shop) -> None:
    too_many = _post(shop, [{"query": "{ product { id } }"}] * (MAX_BATCH + 1))
    assert too_many.status_code == 400 and str(MAX_BATCH) in too_many.json()["errors"][0]["message"]
    assert _post(shop, []).status_code == 400
    mixed = _post(shop, [{"query": "{ product(limit: 1, order_by: {id: asc}) { id } }"}, "not an operation"], role="admin")
    assert mixed.status_code == 200
    first, second = mixed.json()
    assert first == {"data": {"product": [{"id": 1}]}}
    assert second["errors"][0]["extensions"]["code"] == "bad-request"


def test_cors_preflight_and_answers(shop: Shop) -> None:
    preflight = httpx.options(shop.url, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert preflight.headers["access-control-allow-credentials"] == "true"
    allowed_headers = {h.strip() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers
    assert "POST" in preflight.headers["access-control-allow-methods"]
    refused = httpx.options(shop.url, headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    answer = _post(shop, {"query": "{ product(limit: 1) { id } }"}, Origin=ALLOWED)
    assert answer.headers["access-control-allow-origin"] == ALLOWED and answer.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in _post(shop, {"query": "{ product(limit: 1) { id } }"}, Origin="http://evil.test").headers
    get = httpx.get(shop.url, params={"query": "{ product(limit: 1) { id } }"}, headers={**shop.headers("admin"), "Origin": ALLOWED})
    assert get.status_code == 200 and get.headers["access-control-allow-origin"] == ALLOWED
    zero = shop.url.replace("/p/gqltest/graphql", "/zero/gqltest/api/graphql-v2")
    assert httpx.options(zero, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}).status_code == 204


def test_websocket_origin_check(shop: Shop) -> None:
    with connect(shop.ws_url, subprotocols=["graphql-transport-ws"], origin=ALLOWED, open_timeout=10) as ws:  # type: ignore[arg-type,list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
    with pytest.raises(InvalidStatus) as refused:
        connect(shop.ws_url, subprotocols=["graphql-transport-ws"], origin="http://evil.test", open_timeout=10)  # type: ignore[arg-type,list-item]
    assert refused.value.response.status_code == 403


def test_websocket_errors_have_the_same_shape(shop: Shop) -> None:
    with connect(shop.ws_url, subprotocols=["graphql-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": "subscription { account { id } }"}}))
        message = json.loads(ws.recv(timeout=10))
        while message["type"] == "ka":
            message = json.loads(ws.recv(timeout=10))
    assert message["type"] == "error"
    assert message["payload"]["extensions"] == {"code": "access-denied", "classification": "TABLE_ACCESS", "path": "$.selectionSet.account"}


def test_batch_with_one_idempotency_key_runs_each_operation_once(shop: Shop) -> None:
    shop.reset()
    bump = {"query": "mutation { update_product_by_pk(pk_columns: {id: 4}, _inc: {stock: 1}) { stock } }"}
    read = {"query": "{ product_by_pk(id: 4) { stock } }"}
    first = _post(shop, [bump, bump, read], **{"Idempotency-Key": "batch-key-1"}).json()
    assert [r["data"] for r in first] == [{"update_product_by_pk": {"stock": 101}}, {"update_product_by_pk": {"stock": 102}},
                                          {"product_by_pk": {"stock": 102}}]
    again = _post(shop, [bump, bump], **{"Idempotency-Key": "batch-key-1"}).json()
    assert again == first[:2]  # a retried batch is answered from the first run, nothing written twice
    assert shop.sql("SELECT stock FROM product WHERE id = 4") == [(102,)]
