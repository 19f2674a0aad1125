"""A mutation that loses a deadlock is retried and succeeds; the database ends consistent.

Two real requests update the same three products in opposite orders. A test
connection holds the middle row locked until both requests wait on it, so each
request already holds its first row: when the lock goes, the two requests close a
cycle and PostgreSQL aborts one of them (deadlock, 40P01). The server must retry
that request's transaction, so both answer without errors and every product is
incremented exactly twice. PostgreSQL's own deadlock counter shows the abort happened.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg

from tests.runtime.graphql.conftest import Shop

FORWARD = """mutation { a: update_product_by_pk(pk_columns: {id: 1}, _inc: {stock: 1}) { id }
  b: update_product_by_pk(pk_columns: {id: 3}, _inc: {stock: 1}) { id } c: update_product_by_pk(pk_columns: {id: 2}, _inc: {stock: 1}) { id } }"""
BACKWARD = """mutation { a: update_product_by_pk(pk_columns: {id: 2}, _inc: {stock: 1}) { id }
  b: update_product_by_pk(pk_columns: {id: 3}, _inc: {stock: 1}) { id } c: update_product_by_pk(pk_columns: {id: 1}, _inc: {stock: 1}) { id } }"""


def _wait_for(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _deadlocks(shop: Shop) -> int:
    with psycopg.connect(shop.conninfo, autocommit=True) as conn:
        return int(conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetchone()[0])  # type: ignore[index]


def test_deadlocked_mutation_is_retried(shop: Shop) -> None:
    shop.reset()
    before_stock = dict(shop.sql("SELECT id, stock FROM product"))
    before_deadlocks = _deadlocks(shop)
    with psycopg.connect(shop.conninfo) as holder, ThreadPoolExecutor(2) as pool:
        holder.execute("SELECT 1 FROM product WHERE id = 3 FOR UPDATE")  # the middle row of both requests
        forward = pool.submit(shop.post, FORWARD)
        backward = pool.submit(shop.post, BACKWARD)
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        _wait_for(lambda: shop.sql(waiting)[0][0] == 2, 20, "both requests to hold their first row and wait for the middle one")
        holder.commit()
        answers = [forward.result(timeout=60).json(), backward.result(timeout=60).json()]
    assert all("errors" not in a for a in answers), answers
    assert answers[0]["data"] == {"a": {"id": 1}, "b": {"id": 3}, "c": {"id": 2}}
    assert answers[1]["data"] == {"a": {"id": 2}, "b": {"id": 3}, "c": {"id": 1}}
    after = dict(shop.sql("SELECT id, stock FROM product"))
    assert after == {pid: stock + 2 if pid in (1, 2, 3) else stock for pid, stock in before_stock.items()}
    # Statistics reach pg_stat_database within a few seconds of the aborted transaction.
    _wait_for(lambda: _deadlocks(shop) > before_deadlocks, 30, "PostgreSQL to count the deadlock")
