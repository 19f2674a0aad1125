"""The sample's integration flows (docs/examples/inventory_integrations.json) on the tutorial app:
an after-commit fulfilment notification for placed orders only, and the payment_confirmed webhook."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi import FastAPI

from runtime.integrations.secrets import set_secret
from runtime.integrations.webhooks import build_webhook_router, signature
from runtime.types import Session
from tests.runtime.actionflows.flows import SAMPLE
from tests.runtime.integrations.project import publish, running
from tests.runtime.integrations.receiver import receiver

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "inventory_integrations.json"
HOOK_KEY = "whsec_sample_" + "Q4" * 12


def merged(hosts: list[str]) -> dict[str, Any]:
    """The sample with the example merged in as its description says."""
    data = copy.deepcopy(json.loads(SAMPLE.read_text()))
    extra = json.loads(EXAMPLE.read_text())
    for table in data["tables"]:
        table["fields"] += extra["fields"].get(table["id"], [])
    data["actionflows"] += extra["actionflows"]
    for role, flows in extra["permissions"].items():
        data["permissions"]["actionflows"].setdefault(role, []).extend(flows)
    data["settings"]["outbound_hosts"] = hosts
    return data


def test_the_sample_notifies_fulfilment_after_commit_and_takes_payment_webhooks(db_server: Any, tmp_path: Path) -> None:
    assert json.loads(EXAMPLE.read_text())["outbound_hosts"] == ["fulfilment.example.com"]
    project = publish(db_server, tmp_path, merged(["127.0.0.1"]))
    try:
        account = project.sql("INSERT INTO account (username) VALUES ('buyer') RETURNING id")[0][0]
        product = project.sql("INSERT INTO product (product_name, price, stock) VALUES ('lamp', 10, 2) RETURNING id")[0][0]
        set_secret(project.conninfo, "fulfilment_token", "ft_" + "Z" * 20)
        set_secret(project.conninfo, "payment_webhook_key", HOOK_KEY)
        session = Session(role="user", account_id=account, roles=("user",), username="buyer")

        async def scenario() -> tuple[list[str], list[Any], list[int]]:
            with receiver() as fulfilment:
                set_secret(project.conninfo, "fulfilment_url", f"{fulfilment.url}/orders")
                async with running(project, tmp_path) as runtime:
                    placed = [(await project.invoke("place_order_and_notify", {"product_id": product, "quantity": q}, session))["status"]
                              for q in (2, 1)]  # the second finds no stock left
                    await fulfilment.received_at_least(1)
                    await asyncio.sleep(0.8)
                    app = FastAPI()
                    app.include_router(build_webhook_router(SimpleNamespace(get=lambda slug: runtime)))
                    order = project.sql('SELECT id FROM "order" WHERE product_id = %s', (product,))[0][0]
                    body = json.dumps({"order_id": order}).encode()
                    stamp = str(int(time.time()))
                    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
                        good = await client.post("/p/shop/webhooks/payment_confirmed", content=body,
                                                 headers={"x-webhook-timestamp": stamp, "x-webhook-signature": signature(HOOK_KEY, stamp, body)})
                        forged = await client.post("/p/shop/webhooks/payment_confirmed", content=body,
                                                   headers={"x-webhook-timestamp": stamp, "x-webhook-signature": "sha256=00"})
                return placed, fulfilment.received, [good.status_code, forged.status_code]

        placed, received, statuses = asyncio.run(scenario())
        assert placed == ["Order placed successfully", "Stock shortage"]
        assert len(received) == 1 and received[0].path == "/orders"
        assert received[0].json() == {"product_id": product, "quantity": 2, "account_id": account}
        assert received[0].headers["authorization"] == "Bearer ft_" + "Z" * 20
        assert statuses == [200, 401]
        assert project.sql('SELECT paid FROM "order" WHERE product_id = %s', (product,)) == [(True,)]
    finally:
        db_server.drop_database(project.dbname)
