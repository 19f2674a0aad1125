"""A destructive publish while queries run: every answer is data, a validation error or a retryable code — never INTERNAL."""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.runtime.shared_servers import designer

SLUG = "inventory_deduction"
QUERY = {"query": "{ product(order_by: {id: asc}) { id product_name note } }"}
RETRYABLE = {"SCHEMA_CHANGED", "DATABASE_UNAVAILABLE"}


def _with_note(definition: dict[str, Any], present: bool) -> dict[str, Any]:
    product = next(t for t in definition["tables"] if t["name"] == "product")
    product["fields"] = [f for f in product["fields"] if f["name"] != "note"]
    if present:
        product["fields"].append({"id": "fld_product_note", "name": "note", "type": "text"})
    return definition


def _publish(client: httpx.Client, present: bool) -> None:
    definition = client.get(f"/api/projects/{SLUG}/definition").json()["definition"]
    assert client.put(f"/api/projects/{SLUG}/definition", json={"definition": _with_note(definition, present)}).status_code == 200
    published = client.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False, "allow_data_loss": True})
    assert published.status_code == 200, published.text


def test_a_destructive_publish_during_load_gives_no_internal_error(live_server: LiveServer) -> None:
    with designer(live_server) as client:
        _publish(client, present=True)
        token = client.get(f"/api/projects/{SLUG}/admin-token").json()["token"]
        outcomes: collections.Counter[str] = collections.Counter()
        stop = threading.Event()

        async def load() -> None:
            async with httpx.AsyncClient(timeout=30, headers={"authorization": f"Bearer {token}"}) as http:
                async def worker() -> None:
                    while not stop.is_set():
                        response = await http.post(live_server.graphql_url(), json=QUERY)
                        body = response.json()
                        codes = {e.get("extensions", {}).get("classification") for e in body.get("errors", [])}
                        outcomes.update(codes or {"ok"})
                        assert response.status_code < 500 or codes <= RETRYABLE, (response.status_code, body)

                await asyncio.gather(*(worker() for _ in range(16)))

        runner = threading.Thread(target=lambda: asyncio.run(load()))
        runner.start()
        try:
            threading.Event().wait(1.5)
            _publish(client, present=False)  # drops the column `note` under the running queries
            threading.Event().wait(1.5)
        finally:
            stop.set()
            runner.join(timeout=60)
        assert "INTERNAL" not in outcomes, outcomes
        assert outcomes["ok"] > 0 and outcomes["GRAPHQL_VALIDATION_FAILED"] > 0, outcomes
        assert set(outcomes) <= {"ok", "GRAPHQL_VALIDATION_FAILED", *RETRYABLE}, outcomes
