"""The schema follows publishes without a restart; Idempotency-Key runs a mutation at most once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from tests.conftest import DESIGNER_TOKEN
from tests.runtime.graphql.conftest import SLUG, Shop


def _publish(shop: Shop, mutate) -> None:  # type: ignore[no-untyped-def]
    path = Path(shop.server.workspace) / SLUG / "app.json"
    definition = json.loads(path.read_text())
    mutate(definition)
    path.write_text(json.dumps(definition, indent=2))
    with httpx.Client(base_url=shop.server.url, timeout=120) as designer:
        csrf = designer.post("/api/session", json={"token": DESIGNER_TOKEN}).json()["csrf"]
        response = designer.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False}, headers={"x-designer-csrf": csrf})
        assert response.status_code == 200, response.text


def test_publish_rebuilds_the_schema_without_restart(shop: Shop) -> None:
    shop.reset()
    before = shop.post("{ product { colour } }")
    assert before.status_code == 200 and "colour" in before.json()["errors"][0]["message"]
    anonymous_before = shop.post("{ product(order_by: {id: asc}) { id } }", role="anonymous").json()
    assert anonymous_before == {"data": {"product": [{"id": 1}, {"id": 2}]}}
    pid = shop.server.process.pid

    def add_field(definition: dict) -> None:  # type: ignore[type-arg]
        product = next(t for t in definition["tables"] if t["name"] == "product")
        product["fields"].append({"id": "fld_colour", "name": "colour", "type": "text", "default": "plain"})
        rule = next(p for p in definition["permissions"]["tables"] if p["role"] == "anonymous" and p["table"] == "tbl_product")
        rule["select"]["limit"] = 1
        rule["select"]["columns"].append("colour")

    _publish(shop, add_field)
    assert shop.server.process.pid == pid and shop.server.process.poll() is None
    after = shop.post("{ product(order_by: {id: asc}, limit: 1) { id colour } }").json()
    assert after == {"data": {"product": [{"id": 1, "colour": "plain"}]}}
    anonymous_after = shop.post("{ product(order_by: {id: asc}) { id colour } }", role="anonymous").json()
    assert anonymous_after == {"data": {"product": [{"id": 1, "colour": "plain"}]}}  # the new row cap applies too


def test_idempotency_key_runs_a_mutation_once(shop: Shop) -> None:
    shop.reset()
    key = uuid.uuid4().hex
    query = "mutation { insert_product_one(object: {product_name: \"Once\"}) { id product_name } }"
    first = shop.post(query, headers={"Idempotency-Key": key}).json()
    second = shop.post(query, headers={"Idempotency-Key": key}).json()
    assert first == second == {"data": {"insert_product_one": {"id": 5, "product_name": "Once"}}}
    other = shop.post(query, headers={"Idempotency-Key": uuid.uuid4().hex}).json()
    assert other == {"data": {"insert_product_one": {"id": 6, "product_name": "Once"}}}
    count = shop.gql("{ product_aggregate(where: {product_name: {_eq: \"Once\"}}) { aggregate { count } } }")
    assert count == {"data": {"product_aggregate": {"aggregate": {"count": 2}}}}


def test_idempotency_key_does_not_keep_failures(shop: Shop) -> None:
    shop.reset()
    key = uuid.uuid4().hex
    failing = "mutation { insert_product_one(object: {product_name: \"Dup\", sku: \"SNK-1\"}) { id } }"
    assert shop.post(failing, headers={"Idempotency-Key": key}).json()["errors"][0]["extensions"]["classification"] == "CONSTRAINT_VIOLATION"
    # The failure rolled back with the key: a corrected retry under the same key runs.
    fixed = "mutation { insert_product_one(object: {product_name: \"Dup\", sku: \"DUP-1\"}) { sku } }"
    assert shop.post(fixed, headers={"Idempotency-Key": key}).json() == {"data": {"insert_product_one": {"sku": "DUP-1"}}}
