"""The sample's own integration flows (projects/inventory_deduction/app.json): an after-commit
fulfilment notification for placed orders only, and the payment_confirmed webhook."""

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

HOOK_KEY = "whsec_sample_" + "Q4" * 12


def sample_on_loopback() -> dict[str, Any]:
    """The sample as it is, but allowed to call the test's receiver on 127.0.0.1."""
    data = copy.deepcopy(json.loads(SAMPLE.read_text()))
    assert data["settings"]["outbound_hosts"] == ["fulfilment.example.com"]
    data["settings"]["outbound_hosts"] = ["127.0.0.1"]
    return data


def test_the_sample_notifies_fulfilment_after_commit_and_takes_payment_webhooks(db_server: Any, tmp_path: Path) -> None:
    project = publish(db_server, tmp_path, sample_on_loopback())
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


def test_without_its_secrets_the_sample_still_sells_and_the_run_log_names_what_is_missing(db_server: Any, tmp_path: Path) -> None:
    """As shipped (no secret set): orders are placed, the notification fails once with a sentence naming
    both missing secrets, the webhook answers 503 saying which secret to set, and nothing is marked paid."""
    project = publish(db_server, tmp_path, json.loads(SAMPLE.read_text()))
    try:
        project.sql("DELETE FROM minimomen.project_secret")  # the harness sets one for its own flows
        account = project.sql("INSERT INTO account (username) VALUES ('buyer') RETURNING id")[0][0]
        product = project.sql("INSERT INTO product (product_name, price, stock) VALUES ('lamp', 10, 2) RETURNING id")[0][0]
        session = Session(role="user", account_id=account, roles=("user",), username="buyer")

        async def scenario() -> tuple[str, list[tuple[Any, ...]], httpx.Response]:
            async with running(project, tmp_path) as runtime:
                placed = (await project.invoke("place_order_and_notify", {"product_id": product, "quantity": 1}, session))["status"]
                deadline = time.monotonic() + 30
                while not (done := project.sql("SELECT status, attempts, last_error FROM minimomen.outbox WHERE status <> 'PENDING' AND status <> 'SENDING'")):
                    assert time.monotonic() < deadline, project.sql("SELECT status, attempts FROM minimomen.outbox")
                    await asyncio.sleep(0.1)
                await project.flush_log()
                app = FastAPI()
                app.include_router(build_webhook_router(SimpleNamespace(get=lambda slug: runtime)))
                body = json.dumps({"order_id": 1}).encode()
                stamp = str(int(time.time()))
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
                    hook = await client.post("/p/shop/webhooks/payment_confirmed", content=body,
                                             headers={"x-webhook-timestamp": stamp, "x-webhook-signature": signature("guess", stamp, body)})
                return placed, done, hook

        placed, outbox_rows, hook = asyncio.run(scenario())
        missing = "project secrets `fulfilment_token`, `fulfilment_url` are not set"
        assert placed == "Order placed successfully"
        assert project.sql("SELECT stock FROM product WHERE id = %s", (product,)) == [(1,)]
        assert [(status, attempts) for status, attempts, _ in outbox_rows] == [("FAILED", 1)]  # not retried: only a person can fix it
        assert missing in outbox_rows[0][2]
        logged = project.sql("SELECT status, error, node FROM minimomen.run_log WHERE caller = 'outbox'")
        assert [(status, node) for status, _, node in logged] == [("FAILED", "notify_fulfilment")]
        assert logged[0][1].startswith("gave up: POST (secret) (attempt 1 of 6): ") and missing in logged[0][1]
        assert hook.status_code == 503 and hook.json() == {
            "error": "project secret `payment_webhook_key` is not set; set it in the designer's Settings or with `minimomen secret set`",
            "code": "WEBHOOK_NOT_CONFIGURED"}
        assert project.sql('SELECT paid FROM "order"') == [(False,)]
    finally:
        db_server.drop_database(project.dbname)
