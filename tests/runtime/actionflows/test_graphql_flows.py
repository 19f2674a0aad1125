"""Actionflows over GraphQL on a real server: the tutorial's place_order, errors, rollback, tasks."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from runtime.actionflows.runlog import recent
from tests.runtime.actionflows.client import (
    INVOKE,
    PLACE_ORDER,
    FlowServer,
    start_flow_server,
)


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[FlowServer]:  # type: ignore[no-untyped-def]
    served = start_flow_server(tmp_path_factory.mktemp("ws"), db_server)
    yield served
    served.server.stop()


def _status(body: dict) -> str:
    assert "errors" not in body, body
    return body["data"]["place_order"]["status"]


def test_place_order_as_logged_in_user(flows: FlowServer) -> None:
    account, token = flows.register()
    product = flows.new_product(stock=2)
    place = lambda q: _status(flows.gql(PLACE_ORDER, {"p": product, "q": q}, token))
    assert place(0) == "Please enter a valid quantity"
    assert place(-1) == "Please enter a valid quantity"
    assert place(3) == "Stock shortage"
    assert flows.stock(product) == 2 and flows.orders(product) == []
    assert place(1) == "Order placed successfully"
    assert flows.stock(product) == 1
    assert flows.orders(product) == [(account, product, 1)]


def test_fz_invoke_action_flow_by_id_and_name(flows: FlowServer) -> None:
    account, token = flows.register()
    product = flows.new_product(stock=5)
    body = flows.gql(INVOKE, {"id": "place_order", "args": {"product_id": product, "quantity": 2}}, token)
    assert body["data"]["fz_invoke_action_flow"] == {"status": "Order placed successfully"}
    body = flows.gql(INVOKE, {"id": "Place Order", "args": {"product_id": product, "quantity": 9}}, token)
    assert body["data"]["fz_invoke_action_flow"] == {"status": "Stock shortage"}
    assert flows.orders(product) == [(account, product, 2)]


def test_bad_input_and_wrong_version(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    body = flows.gql(INVOKE, {"id": "place_order", "args": {"product_id": product}}, flows.admin)
    assert body["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT"
    assert "quantity" in body["errors"][0]["message"]
    body = flows.gql(INVOKE, {"id": "place_order", "args": {"product_id": product, "quantity": "many"}}, flows.admin)
    assert body["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT" and "quantity" in body["errors"][0]["message"]
    body = flows.gql(INVOKE, {"id": "place_order", "args": {"product_id": product, "quantity": 1}, "v": 999}, flows.admin)
    assert body["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT"
    assert flows.stock(product) == 5 and flows.orders(product) == []


def test_callers_without_the_right_are_refused_without_side_effect(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    body = flows.gql(PLACE_ORDER, {"p": product, "q": 1})
    assert body["errors"][0]["extensions"]["classification"] == "ACTION_FLOW"
    assert body["errors"][0]["message"] == "Anonymous user has no permission on invocation of action flow: place_order"
    account, token = flows.register()
    body = flows.gql(INVOKE, {"id": "order_then_raise", "args": {"product_id": product}}, token)
    assert body["errors"][0]["extensions"]["classification"] == "ACTION_FLOW"
    assert body["errors"][0]["message"] == f"User {account} has no permission on invocation of action flow: order_then_raise"
    assert flows.stock(product) == 5 and flows.orders(product) == []


def test_a_denied_actionflow_answers_like_a_denied_table(flows: FlowServer) -> None:
    """One status rule for every denial: 200 with application/json, 403 without data with graphql-response+json."""
    product = flows.new_product(stock=5)
    denied_table = "{ account { id } }"
    for query, variables in ((PLACE_ORDER, {"p": product, "q": 1}), (denied_table, {})):
        loose = httpx.post(flows.url, json={"query": query, "variables": variables}, headers={"Accept": "application/json"}, timeout=60)
        strict = httpx.post(flows.url, json={"query": query, "variables": variables}, headers={"Accept": "application/graphql-response+json"},
                            timeout=60)
        assert loose.status_code == 200 and loose.json()["errors"][0]["extensions"]["code"] == "access-denied", loose.text
        assert strict.status_code == 403 and "data" not in strict.json(), strict.text
        assert strict.headers["content-type"] == "application/graphql-response+json"
    assert flows.stock(product) == 5 and flows.orders(product) == []


def test_failing_flows_leave_no_write_behind(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    body = flows.gql(INVOKE, {"id": "order_then_raise", "args": {"product_id": product}}, flows.admin)
    error = body["errors"][0]
    assert error["message"] == "Something went wrong" and error["extensions"]["classification"] == "ACTION_FLOW_FAILED"
    body = flows.gql(INVOKE, {"id": "deduct_then_bad_insert", "args": {"product_id": product}}, flows.admin)
    error = body["errors"][0]
    assert error["extensions"]["classification"] == "ACTION_FLOW_FAILED"
    assert error["message"].startswith("Actionflow Deduct Then Bad Insert, node Create Order: ")
    assert "stack" not in str(body).lower() and "Traceback" not in str(body)
    assert flows.stock(product) == 5 and flows.orders(product) == []


def _hold_row(conninfo: str, product: int, locked: threading.Event, release: threading.Event) -> None:
    with psycopg.connect(conninfo) as conn:
        conn.execute("SELECT 1 FROM product WHERE id = %s FOR NO KEY UPDATE", (product,))
        locked.set()
        release.wait(60)


def test_timeout_rolls_back(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row, args=(flows.conninfo, product, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        body = flows.gql(INVOKE, {"id": "order_then_wait", "args": {"product_id": product}}, flows.admin)
    finally:
        release.set()
        holder.join()
    error = body["errors"][0]
    assert error["extensions"]["classification"] == "ACTION_FLOW_FAILED"
    assert "timed out after 800 ms" in error["message"]
    assert flows.orders(product) == []
    # The server is healthy afterwards and the same flow succeeds.
    body = flows.gql(INVOKE, {"id": "order_then_wait", "args": {"product_id": product}}, flows.admin)
    assert body["data"]["fz_invoke_action_flow"]["order_id"] > 0


def test_run_log_records_every_invocation(flows: FlowServer) -> None:
    product = flows.new_product(stock=1)
    flows.gql(INVOKE, {"id": "order_then_raise", "args": {"product_id": product}}, flows.admin)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = [r for r in recent(flows.conninfo, 50) if r["actionflow"] == "order_then_raise"]
        if rows:
            break
        time.sleep(0.2)
    assert rows and rows[0]["status"] == "FAILED" and rows[0]["error"] == "Something went wrong"
    assert rows[0]["caller"] == "admin" and rows[0]["node"] == "otr_fail"
    assert rows[0]["compiled"] is True  # a database-only flow: one call of its SQL function


TASK = "mutation($id: String!, $args: JSON) { fz_create_action_flow_task(actionFlowId: $id, args: $args) }"
RESULT = "query($t: bigint!) { fz_action_flow_result(taskId: $t) { id status output error } }"


def _wait_task(flows: FlowServer, task: int, token: str, statuses: tuple[str, ...] = ("COMPLETED", "FAILED")) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = flows.gql(RESULT, {"t": task}, token)
        assert "errors" not in body, body
        result = body["data"]["fz_action_flow_result"]
        if result["status"] in statuses:
            return result
        time.sleep(0.1)
    raise AssertionError(f"task {task} never reached {statuses}")


def test_async_task_lifecycle(flows: FlowServer) -> None:
    _, token = flows.register()
    product = flows.new_product(stock=5)
    body = flows.gql(TASK, {"id": "async_order", "args": {"product_id": product}}, token)
    assert "errors" not in body, body
    task = int(body["data"]["fz_create_action_flow_task"])
    result = _wait_task(flows, task, token)
    assert result["status"] == "COMPLETED" and result["output"]["order_id"] > 0
    # Only the caller (and admin) may read it.
    _, other = flows.register()
    assert flows.gql(RESULT, {"t": task}, other)["errors"][0]["extensions"]["classification"] == "NOT_FOUND"
    assert flows.gql(RESULT, {"t": task}, flows.admin)["data"]["fz_action_flow_result"]["status"] == "COMPLETED"
    # A failing async flow: FAILED with the message; its first node committed on its own.
    body = flows.gql(TASK, {"id": "async_fail", "args": {"product_id": product}}, flows.admin)
    failed = _wait_task(flows, int(body["data"]["fz_create_action_flow_task"]), flows.admin)
    assert failed["status"] == "FAILED" and failed["error"] == "async boom"
    assert len(flows.orders(product)) == 2
    # Bad input is refused at once, no task.
    body = flows.gql(TASK, {"id": "async_order", "args": {}}, flows.admin)
    assert body["errors"][0]["extensions"]["classification"] == "BAD_USER_INPUT"


HANDLE = "mutation($id: String!, $args: JSON) { fz_create_action_flow_task_handle(actionFlowId: $id, args: $args) { taskId secret } }"
SECRET_RESULT = "query($t: bigint!, $s: String) { fz_action_flow_result(taskId: $t, secret: $s) { status output } }"


def test_anonymous_task_results_need_the_secret(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    body = flows.gql(TASK, {"id": "async_order", "args": {"product_id": product}})
    plain = int(body["data"]["fz_create_action_flow_task"])
    body = flows.gql(HANDLE, {"id": "async_order", "args": {"product_id": product}})
    handle = body["data"]["fz_create_action_flow_task_handle"]
    task, secret = int(handle["taskId"]), handle["secret"]
    _wait_task(flows, task, flows.admin)
    _wait_task(flows, plain, flows.admin)
    # Another visitor guessing the (sequential) id learns nothing, with or without a wrong secret.
    for t, s in ((plain, None), (task, None), (task, "guess"), (plain, secret)):
        assert flows.gql(SECRET_RESULT, {"t": t, "s": s})["errors"][0]["extensions"]["classification"] == "NOT_FOUND"
    result = flows.gql(SECRET_RESULT, {"t": task, "s": secret})["data"]["fz_action_flow_result"]
    assert result["status"] == "COMPLETED" and result["output"]["order_id"] > 0
    assert len(flows.orders(product)) == 2


LISTEN = "subscription($t: bigint!) { fz_listen_action_flow_result(taskId: $t) { id status output error } }"


async def _listen(flows: FlowServer, task: int, token: str, on_first) -> list[dict]:  # type: ignore[no-untyped-def]
    import json

    import websockets

    url = flows.server.ws_url()
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LISTEN, "variables": {"t": task}}}))
        results: list[dict] = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if message["type"] == "complete":
                return results
            assert message["type"] == "next", message
            results.append(message["payload"]["data"]["fz_listen_action_flow_result"])
            if len(results) == 1:
                on_first()


def test_listen_to_a_task_over_websocket(flows: FlowServer) -> None:
    product = flows.new_product(stock=5)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row, args=(flows.conninfo, product, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        body = flows.gql(TASK, {"id": "async_order", "args": {"product_id": product}}, flows.admin)
        task = int(body["data"]["fz_create_action_flow_task"])
        _wait_task(flows, task, flows.admin, ("PROCESSING",))
        results = asyncio.run(_listen(flows, task, flows.admin, release.set))
    finally:
        release.set()
        holder.join()
    assert [r["status"] for r in results] == ["PROCESSING", "COMPLETED"]
    assert results[-1]["output"]["order_id"] > 0 and results[-1]["id"] == task
