"""The engine on a real database, without a server: every node type, rollback, timeout."""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest

from builder.flows import NODE_TYPES
from runtime.actionflows.nodes import NODE_COMPILERS
from runtime.actionflows.run import FlowError
from runtime.types import BadUserInput, Session
from tests.runtime.actionflows.conftest import FlowProject

USER = Session(role="user", account_id=None, roles=("user",))


def test_node_registry_matches_builder() -> None:
    assert set(NODE_COMPILERS) == set(NODE_TYPES)


def test_place_order_statuses(flow_project: FlowProject) -> None:
    product = flow_project.product_id()  # stock 2

    def place(quantity: int) -> str:
        return asyncio.run(flow_project.run("place_order", {"product_id": product, "quantity": quantity}))["status"]

    assert place(0) == "Please enter a valid quantity"
    assert place(-1) == "Please enter a valid quantity"
    assert place(3) == "Stock shortage"
    assert flow_project.sql("SELECT stock FROM product WHERE id = %s", (product,)) == [(2,)]
    assert place(1) == "Order placed successfully"
    assert flow_project.sql("SELECT stock FROM product WHERE id = %s", (product,)) == [(1,)]
    assert flow_project.sql('SELECT product_id, quantity FROM "order"') == [(product, 1)]


def test_inputs_are_checked_before_anything_runs(flow_project: FlowProject) -> None:
    with pytest.raises(BadUserInput, match="input `quantity` of actionflow Place Order: \"abc\" is not a valid bigint"):
        asyncio.run(flow_project.run("place_order", {"product_id": 1, "quantity": "abc"}))
    with pytest.raises(BadUserInput, match="input `quantity` of actionflow Place Order is required"):
        asyncio.run(flow_project.run("place_order", {"product_id": 1}))
    with pytest.raises(BadUserInput, match="has no input `qty`"):
        asyncio.run(flow_project.run("place_order", {"product_id": 1, "quantity": 1, "qty": 2}))
    assert flow_project.sql('SELECT count(*) FROM "order"') == [(0,)]


def test_raise_error_rolls_back_earlier_insert(flow_project: FlowProject) -> None:
    with pytest.raises(FlowError) as caught:
        asyncio.run(flow_project.run("order_then_raise", {"product_id": flow_project.product_id()}))
    assert caught.value.message == "Something went wrong"
    assert caught.value.code == "ACTION_FLOW_FAILED"
    assert caught.value.extra["node"] == "otr_fail"
    assert flow_project.sql('SELECT count(*) FROM "order"') == [(0,)]


def test_constraint_violation_names_the_node_and_rolls_back(flow_project: FlowProject) -> None:
    product = flow_project.product_id()
    with pytest.raises(FlowError) as caught:
        asyncio.run(flow_project.run("deduct_then_bad_insert", {"product_id": product}))
    assert caught.value.message.startswith("Actionflow Deduct Then Bad Insert, node Create Order: ")
    assert "foreign key" in caught.value.message
    assert caught.value.extra["cause"] == "CONSTRAINT_VIOLATION"
    assert flow_project.sql("SELECT stock FROM product WHERE id = %s", (product,)) == [(2,)]


def test_timeout_rolls_back(flow_project: FlowProject) -> None:
    product = flow_project.product_id()
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        with psycopg.connect(flow_project.conninfo) as conn:
            conn.execute("SELECT 1 FROM product WHERE id = %s FOR NO KEY UPDATE", (product,))
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with pytest.raises(FlowError) as caught:
            asyncio.run(flow_project.run("order_then_wait", {"product_id": product}))
    finally:
        release.set()
        holder.join()
    assert "timed out after 800 ms" in caught.value.message
    assert "node Touch Locked Product" in caught.value.message
    assert flow_project.sql('SELECT count(*) FROM "order"') == [(0,)]


def test_timeout_of_python_only_work(flow_project: FlowProject) -> None:
    with pytest.raises(FlowError, match=r"^Actionflow Spin timed out after 100 ms$"):
        asyncio.run(flow_project.run("spin", {"items": list(range(100000))}))


def test_loop_and_variables(flow_project: FlowProject) -> None:
    out = asyncio.run(flow_project.run("sum_items", {"items": [1, 2, 3, 4]}))
    assert out == {"total": 10, "last_index": 3}
    assert asyncio.run(flow_project.run("sum_items", {"items": []})) == {"total": 0, "last_index": None}
    with pytest.raises(FlowError, match="node Each Item: the list has 6 items, more than the loop's limit of 5"):
        asyncio.run(flow_project.run("sum_items", {"items": [1, 2, 3, 4, 5, 6]}))


def test_run_actionflow_shares_the_transaction(flow_project: FlowProject) -> None:
    product = flow_project.product_id()
    out = asyncio.run(flow_project.run("wrap_place_order", {"product_id": product, "quantity": 1}))
    assert out == {"inner_status": "Order placed successfully"}
    with pytest.raises(FlowError, match="after: Order placed successfully"):
        asyncio.run(flow_project.run("wrap_place_order", {"product_id": product, "quantity": 1, "fail_after": True}))
    # The sub-flow's order and stock deduction rolled back with the outer flow.
    assert flow_project.sql("SELECT stock FROM product WHERE id = %s", (product,)) == [(1,)]
    assert flow_project.sql('SELECT count(*) FROM "order"') == [(1,)]


def test_query_and_current_account(flow_project: FlowProject) -> None:
    account = flow_project.sql("INSERT INTO account (username) VALUES ('alice') RETURNING id")[0][0]
    product = flow_project.product_id("Festival Ticket")
    session = Session(role="user", account_id=account, roles=("user",))
    out = asyncio.run(flow_project.run("product_info", {"product_id": product}, session))
    assert out["found"] is True and out["stock"] == 100 and out["name"] == "Festival Ticket"
    assert [row["product_name"] for row in out["top"]] == ["Festival Ticket", "Vinyl Record"]
    assert out["me"] == "alice" and out["account_id"] == account
    missing = asyncio.run(flow_project.run("product_info", {"product_id": 424242}, Session.anonymous()))
    assert missing["found"] is False and missing["stock"] is None and missing["account_id"] is None


def test_insert_on_conflict_update_and_delete(flow_project: FlowProject) -> None:
    assert asyncio.run(flow_project.run("tag_hit", {"name": "sale"})) == {"inserted": 1, "hits": 1}
    assert asyncio.run(flow_project.run("tag_hit", {"name": "sale"})) == {"inserted": 0, "hits": 2}
    assert flow_project.sql("SELECT name, hits FROM tag") == [("sale", 2)]
    assert asyncio.run(flow_project.run("drop_tag", {"name": "sale"})) == {"deleted": 1}
    assert asyncio.run(flow_project.run("drop_tag", {"name": "sale"})) == {"deleted": 0}
    assert flow_project.sql("SELECT count(*) FROM tag") == [(0,)]


def test_guarded_update_never_oversells_under_concurrency(flow_project: FlowProject) -> None:
    product = flow_project.product_id("Festival Ticket")  # stock 100

    async def storm() -> list[str]:
        gate = asyncio.Semaphore(40)

        async def one(quantity: int) -> str:
            async with gate:
                return (await flow_project.run("place_order", {"product_id": product, "quantity": quantity}))["status"]

        return await asyncio.gather(*(one(1 + i % 3) for i in range(300)))

    statuses = asyncio.run(storm())
    assert set(statuses) <= {"Order placed successfully", "Stock shortage"}
    sold = flow_project.sql('SELECT coalesce(sum(quantity), 0) FROM "order" WHERE product_id = %s', (product,))[0][0]
    stock = flow_project.sql("SELECT stock FROM product WHERE id = %s", (product,))[0][0]
    assert stock >= 0 and sold + stock == 100
    assert statuses.count("Order placed successfully") == flow_project.sql('SELECT count(*) FROM "order"')[0][0]
