"""Call API nodes against real HTTP servers on loopback: inline answers, the after-commit outbox, the allow-list, secrets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from runtime.actionflows.run import FlowError
from tests.runtime.integrations.project import API_KEY, Project, publish, running, with_flows
from tests.runtime.integrations.receiver import receiver

BASE = [{"name": "base", "type": "text", "required": True}, {"name": "product_id", "type": "bigint", "required": True}]

QUOTE_THEN_ORDER = {
    "id": "quote_then_order",
    "name": "Quote Then Order",
    "inputs": BASE,
    "nodes": [
        {"id": "quote", "name": "Quote", "type": "call_api", "mode": "inline", "method": "GET",
         "url": {"concat": [{"ref": "input.base"}, "/quote"]},
         "headers": {"Authorization": "Bearer {{secret:api_key}}"}, "query": {"product": {"ref": "input.product_id"}},
         "response_schema": {"quantity": "bigint", "note": "text"}},
        {"id": "qto_order", "name": "Order", "type": "insert", "table": "tbl_order",
         "values": {"product_id": {"ref": "input.product_id"}, "quantity": {"ref": "node.quote.quantity"}}},
    ],
    "output": {"order_id": {"ref": "node.qto_order.id"}, "status": {"ref": "node.quote.status"}, "note": {"ref": "node.quote.note"}},
}

ORDER_AND_NOTIFY = {
    "id": "order_and_notify",
    "name": "Order And Notify",
    "inputs": [*BASE, {"name": "fail", "type": "boolean"}],
    "nodes": [
        {"id": "order", "name": "Order", "type": "insert", "table": "tbl_order",
         "values": {"product_id": {"ref": "input.product_id"}, "quantity": 1}},
        {"id": "notify", "name": "Notify", "type": "call_api", "mode": "after_commit", "method": "POST",
         "url": {"concat": [{"ref": "input.base"}, "/notify"]}, "headers": {"X-Api-Key": "{{secret:api_key}}"},
         "body_type": "json", "body": {"order_id": {"ref": "node.order.id"}}, "retries": 2},
        {"id": "maybe_fail", "name": "Maybe Fail", "type": "condition", "branches": [
            {"id": "fails", "name": "Fails", "condition": {"input.fail": {"_eq": True}},
             "nodes": [{"id": "boom", "name": "Boom", "type": "raise_error", "message": "payment declined"}]}]},
    ],
    "output": {"order_id": {"ref": "node.order.id"}, "outbox_id": {"ref": "node.notify.outbox_id"}},
}

CALL_ANYWHERE = {
    "id": "call_anywhere",
    "name": "Call Anywhere",
    "inputs": [{"name": "url", "type": "text", "required": True}],
    "nodes": [{"id": "call", "name": "Call", "type": "call_api", "mode": "inline", "method": "GET", "url": {"ref": "input.url"},
               "query": {"key": "{{secret:api_key}}"}, "retries": 0}],
    "output": {"status": {"ref": "node.call.status"}},
}


@pytest.fixture
def project(db_server: Any, tmp_path: Path) -> Any:
    found = publish(db_server, tmp_path, with_flows([QUOTE_THEN_ORDER, ORDER_AND_NOTIFY, CALL_ANYWHERE]))
    yield found
    db_server.drop_database(found.dbname)


def product(project: Project) -> int:
    return project.sql("INSERT INTO product (product_name, price, stock) VALUES ('p', 1, 10) RETURNING id")[0][0]


async def until(check: Any, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_an_inline_answer_is_used_by_later_nodes_and_logged_without_the_secret(project: Project, tmp_path: Path) -> None:
    pid = product(project)

    async def scenario() -> tuple[dict[str, Any], Any]:
        with receiver(answer={"quantity": 3, "note": "in stock"}) as api:
            async with running(project, tmp_path):
                output = await project.invoke("quote_then_order", {"base": api.url, "product_id": pid})
                await project.flush_log()
            return output, api.received

    output, received = asyncio.run(scenario())
    assert output["status"] == 200 and output["note"] == "in stock"
    assert project.sql('SELECT quantity FROM "order" WHERE id = %s', (output["order_id"],)) == [(3,)]
    assert len(received) == 1 and received[0].path == f"/quote?product={pid}"
    assert received[0].headers["authorization"] == f"Bearer {API_KEY}"  # the secret went out ...
    calls = project.sql("SELECT calls FROM minimomen.run_log WHERE actionflow = 'quote_then_order'")[0][0]
    assert calls[0]["method"] == "GET" and calls[0]["host"] == "127.0.0.1" and calls[0]["status"] == 200 and calls[0]["mode"] == "inline"
    assert API_KEY not in project.everything_stored()  # ... and is stored nowhere else


def test_after_commit_sends_once_for_a_committed_order_and_never_for_a_rolled_back_one(project: Project, tmp_path: Path) -> None:
    pid = product(project)

    async def scenario() -> tuple[dict[str, Any], str, list[Any]]:
        with receiver() as api:
            async with running(project, tmp_path):
                output = await project.invoke("order_and_notify", {"base": api.url, "product_id": pid})
                with pytest.raises(FlowError) as failed:
                    await project.invoke("order_and_notify", {"base": api.url, "product_id": pid, "fail": True})
                await api.received_at_least(1)
                await asyncio.sleep(1.0)  # time for a wrong second delivery
                await project.flush_log()
            return output, failed.value.message, api.received

    output, error, received = asyncio.run(scenario())
    assert "payment declined" in error
    assert len(received) == 1, [r.body for r in received]
    assert received[0].json() == {"order_id": output["order_id"]}
    assert received[0].headers["x-api-key"] == API_KEY
    assert received[0].headers["idempotency-key"] == f"outbox-{output['outbox_id']}"
    assert project.sql('SELECT count(*) FROM "order" WHERE product_id = %s', (pid,)) == [(1,)]
    assert project.sql("SELECT status, attempts FROM minimomen.outbox") == [("SENT", 1)]  # the rolled-back run queued nothing
    statuses = project.sql("SELECT status, caller, calls FROM minimomen.run_log WHERE caller = 'outbox'")
    assert [(s, c) for s, c, _ in statuses] == [("COMPLETED", "outbox")]
    assert statuses[0][2][0]["status"] == 200 and statuses[0][2][0]["mode"] == "after_commit"
    assert API_KEY not in project.everything_stored()


def test_after_commit_retries_two_500_answers_then_delivers(project: Project, tmp_path: Path) -> None:
    pid = product(project)

    async def scenario() -> list[Any]:
        with receiver(statuses=[500, 500]) as api:
            async with running(project, tmp_path):
                await project.invoke("order_and_notify", {"base": api.url, "product_id": pid})
                await until(lambda: project.sql("SELECT status FROM minimomen.outbox") == [("SENT",)])
                await project.flush_log()
            return api.received

    received = asyncio.run(scenario())
    assert len(received) == 3
    assert project.sql("SELECT status, attempts, last_status FROM minimomen.outbox") == [("SENT", 3, 200)]
    logged = project.sql("SELECT status FROM minimomen.run_log WHERE caller = 'outbox' ORDER BY id")
    assert logged == [("RETRYING",), ("RETRYING",), ("COMPLETED",)]


def test_after_commit_gives_up_after_its_limit(project: Project, tmp_path: Path) -> None:
    pid = product(project)

    async def scenario() -> list[Any]:
        with receiver(default_status=503) as api:
            async with running(project, tmp_path):
                await project.invoke("order_and_notify", {"base": api.url, "product_id": pid})
                await until(lambda: project.sql("SELECT status FROM minimomen.outbox") == [("FAILED",)])
                await asyncio.sleep(0.5)  # no further attempt
                await project.flush_log()
            return api.received

    received = asyncio.run(scenario())
    assert len(received) == 3  # retries: 2, so three attempts
    assert project.sql("SELECT attempts, last_status FROM minimomen.outbox") == [(3, 503)]
    last = project.sql("SELECT status, error FROM minimomen.run_log WHERE caller = 'outbox' ORDER BY id DESC LIMIT 1")[0]
    assert last[0] == "FAILED" and last[1].startswith("gave up: POST 127.0.0.1 (attempt 3 of 3)")


def test_hosts_outside_the_allow_list_are_refused_and_nothing_is_sent(project: Project, tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], list[Any]]:
        errors = []
        with receiver() as api:
            async with running(project, tmp_path):
                for url in (f"http://127.0.0.2:{api.port}/", f"http://localhost:{api.port}/", "http://169.254.169.254/latest", "ftp://127.0.0.1/"):
                    with pytest.raises(FlowError) as refused:
                        await project.invoke("call_anywhere", {"url": url})
                    errors.append(refused.value.message)
                    assert refused.value.extra["cause"] == "CALL_API_FAILED"
                await project.flush_log()
            return errors, api.received

    errors, received = asyncio.run(scenario())
    assert received == []
    assert "host `127.0.0.2` is not in the project's outbound hosts" in errors[0]
    assert "host `localhost` is not in the project's outbound hosts" in errors[1]
    assert "169.254.169.254" in errors[2]
    assert "not an http(s) URL" in errors[3]
    assert API_KEY not in project.everything_stored()
    assert all(API_KEY not in e for e in errors)
