"""kill -9 of the server in the middle of a flow: no partial order; PROCESSING tasks fail at restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.runtime.actionflows.client import INVOKE, FlowServer, start_flow_server
from tests.runtime.actionflows.test_graphql_flows import (
    RESULT,
    TASK,
    _hold_row,
    _wait_task,
)


def _blocked_backends(flows: FlowServer) -> int:
    return flows.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")[0][0]


def _wait_blocked(flows: FlowServer) -> None:
    deadline = time.monotonic() + 20
    while _blocked_backends(flows) == 0:
        assert time.monotonic() < deadline, "the flow never blocked on the locked row"
        time.sleep(0.05)


def test_kill_9_mid_flow_leaves_no_partial_order_and_fails_processing_tasks(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    flows = start_flow_server(tmp_path / "ws", db_server)
    try:
        product = flows.new_product(stock=5)
        locked, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_row, args=(flows.conninfo, product, locked, release))
        holder.start()
        try:
            assert locked.wait(10)
            # A sync flow inserts its order, then blocks on the locked product row.
            sync_call = threading.Thread(
                target=lambda: _ignore_errors(lambda: flows.gql(INVOKE, {"id": "order_then_wait_long", "args": {"product_id": product}}, flows.admin))
            )
            sync_call.start()
            _wait_blocked(flows)
            # An async task commits its first node, then blocks in PROCESSING.
            body = flows.gql(TASK, {"id": "async_order", "args": {"product_id": product}}, flows.admin)
            task = int(body["data"]["fz_create_action_flow_task"])
            _wait_task(flows, task, flows.admin, ("PROCESSING",))
            deadline = time.monotonic() + 20
            while _blocked_backends(flows) < 2:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            flows.server.process.kill()  # SIGKILL: no cleanup of any kind
            flows.server.process.wait(10)
            sync_call.join(30)
            # PostgreSQL notices the dead client and aborts both blocked statements
            # before the row is released: nothing of the sync flow may commit.
            deadline = time.monotonic() + 20
            while _blocked_backends(flows) > 0:
                assert time.monotonic() < deadline, "the dead server's statements kept waiting"
                time.sleep(0.05)
        finally:
            release.set()
            holder.join()
        # The killed process's transaction never committed: no order from the sync flow.
        orders = flows.orders(product)
        assert len(orders) == 1, orders  # only the async task's own committed first node
        assert flows.stock(product) == 5
        assert flows.sql("SELECT status FROM minimomen.task WHERE id = %s", (task,)) == [("PROCESSING",)]
        flows.restart(db_server)
        result = flows.gql(RESULT, {"t": task}, flows.admin)["data"]["fz_action_flow_result"]
        assert result["status"] == "FAILED" and result["error"] == "interrupted by a server restart"
    finally:
        flows.server.stop()


def _ignore_errors(call) -> None:  # type: ignore[no-untyped-def]
    try:
        call()
    except httpx.HTTPError:
        pass
