"""Flows compiled to one PL/pgSQL function against the node-by-node engine (the reference).

The differential test runs the same calls, in the same order, on two databases
published from the same definition: one node by node, one through the compiled
functions. Outputs, errors, the run log's node and every table must agree.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.actionflows.compiler import compile_flows, compiled_flows
from runtime.actionflows.engine import Trace
from runtime.migrations import publish_definition
from runtime.project import PublishedState
from runtime.types import RuntimeError_, Session
from tests.runtime.actionflows import flows as test_flows
from tests.runtime.actionflows.conftest import FlowProject, publish_flow_project

# Every flow of the test definition made only of nodes with a SQL form (the sample's webhook flow
# payment_confirmed too; place_order_and_notify's Call API node has none).
COMPILED = {
    "place_order", "payment_confirmed", "order_then_raise", "deduct_then_bad_insert", "order_then_wait", "order_then_wait_long",
    "product_info", "tag_hit", "drop_tag", "diff_lookup", "diff_restock", "diff_cleanup", "buy",
}
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d")  # in "Failing row contains (...)"
TABLES = {"product": "id, product_name, price, stock", "order": "id, account_id, product_id, quantity",
          "tag": "id, name, hits", "account": "id, username"}


@pytest.fixture
def twins(db_server, tmp_path: Path) -> Iterator[tuple[FlowProject, FlowProject]]:  # type: ignore[no-untyped-def]
    interpreted, compiled = publish_flow_project(db_server, tmp_path / "a"), publish_flow_project(db_server, tmp_path / "b")
    yield interpreted, compiled
    for project in (interpreted, compiled):
        db_server.drop_database(project.dbname)


def _canonical(value: Any) -> Any:
    """``value`` with its types spelled out; timestamps masked (the two databases differ there)."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.datetime):
        return "<datetime>"
    if isinstance(value, decimal.Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)


async def _outcome(project: FlowProject, flow: str, args: dict[str, Any], session: Session, use_sql: bool) -> tuple[Any, Trace]:
    trace = Trace()
    try:
        output = await project.run(flow, args, session, use_sql=use_sql, trace=trace)
    except RuntimeError_ as exc:
        return ("error", type(exc).__name__, STAMP.sub("<timestamp>", exc.message), exc.code, exc.extra), trace
    return ("ok", _canonical(output)), trace


def _tables(project: FlowProject) -> dict[str, list[tuple[Any, ...]]]:
    return {table: project.sql(f'SELECT {columns} FROM "{table}" ORDER BY id') for table, columns in TABLES.items()}


def test_the_database_only_flows_compile() -> None:
    definition = load_definition(test_flows.test_definition())
    flows = compile_flows(resolve(definition), 1)
    assert {flow_id for flow_id, c in flows.flows.items() if c.sql is not None} == COMPILED
    assert flows.get("sum_items").not_sql == "node type loop"  # type: ignore[union-attr]
    assert flows.get("async_order").not_sql == "async flows commit node by node"  # type: ignore[union-attr]
    place_order = flows.get("place_order").sql  # type: ignore[union-attr]
    # Values are parameters, never SQL text: none of the flow's constants is in the function.
    for constant in ("Stock shortage", "Order placed successfully", "Please enter a valid quantity"):
        assert constant not in place_order.ddl
    assert place_order.ddl.count('"product"') == 1 and '"order"' in place_order.ddl


def test_compiled_and_interpreted_runs_agree(twins: tuple[FlowProject, FlowProject]) -> None:
    interpreted, compiled = twins
    products = {name: interpreted.product_id(name) for name in ("Limited Sneakers", "Festival Ticket", "Vinyl Record")}
    assert products == {name: compiled.product_id(name) for name in products}
    alice = [p.sql("INSERT INTO account (username) VALUES ('alice') RETURNING id")[0][0] for p in twins]
    assert alice[0] == alice[1]
    sessions = {"admin": Session.admin(), "anon": Session.anonymous(), "alice": Session(role="user", account_id=alice[0], roles=("user",))}
    sneakers, ticket, vinyl = products.values()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("place_order", {"product_id": sneakers, "quantity": 0}, "alice"),
        ("place_order", {"product_id": sneakers, "quantity": -1}, "alice"),
        ("place_order", {"product_id": sneakers, "quantity": 3}, "alice"),
        ("place_order", {"product_id": sneakers, "quantity": 1}, "alice"),
        ("place_order", {"product_id": sneakers, "quantity": "1"}, "anon"),
        ("place_order", {"product_id": sneakers, "quantity": 1}, "alice"),
        ("place_order", {"product_id": 424242, "quantity": 1}, "alice"),
        ("place_order", {"product_id": sneakers}, "alice"),
        ("order_then_raise", {"product_id": ticket}, "admin"),
        ("deduct_then_bad_insert", {"product_id": ticket}, "admin"),
        ("product_info", {"product_id": ticket}, "alice"),
        ("product_info", {"product_id": 424242}, "anon"),
        ("tag_hit", {"name": "sale"}, "admin"),
        ("tag_hit", {"name": "sale"}, "admin"),
        ("tag_hit", {"name": "other"}, "admin"),
        ("drop_tag", {"name": "sale"}, "admin"),
        ("drop_tag", {"name": "nope"}, "admin"),
        ("diff_lookup", {}, "admin"),
        ("diff_lookup", {"name": "Vinyl Record"}, "admin"),
        ("diff_lookup", {"name": "Festival Ticket", "min_stock": 50, "price": "60"}, "admin"),
        ("diff_lookup", {"price": "25"}, "admin"),
        ("diff_lookup", {"price": "0.1"}, "admin"),
        ("diff_lookup", {"name": "Zebra", "price": 200}, "admin"),
        ("diff_lookup", {"name": "Apple", "min_stock": 3, "price": 100}, "admin"),
        ("diff_lookup", {"name": "Nope", "min_stock": 1, "price": 1000}, "admin"),
        ("diff_restock", {"product_id": vinyl, "add": 5, "price": "19.90", "tag": "restock"}, "admin"),
        ("diff_restock", {"product_id": vinyl, "add": -2, "price": 21, "tag": "restock"}, "admin"),
        ("diff_restock", {"product_id": vinyl, "price": 1, "tag": "null add"}, "admin"),
        ("diff_restock", {"product_id": 424242, "add": 1, "price": 1, "tag": "ghost"}, "admin"),
        ("diff_restock", {"product_id": vinyl, "add": 1, "price": 2, "tag": "x", "fail": "boom"}, "admin"),
        ("diff_restock", {"product_id": vinyl, "add": 1, "price": 2, "tag": "y", "fail": ""}, "admin"),
        ("diff_cleanup", {"name": "restock"}, "alice"),
        ("diff_cleanup", {}, "anon"),
        ("sum_items", {"items": [1, 2, 3]}, "admin"),
        ("wrap_place_order", {"product_id": ticket, "quantity": 2}, "admin"),
        ("buy", {"product_id": ticket, "quantity": 0}, "admin"),
        ("buy", {"product_id": ticket, "quantity": 1, "explode": True}, "admin"),
        ("buy", {"product_id": ticket, "quantity": 1000}, "admin"),
        ("buy", {"product_id": ticket, "quantity": 1}, "admin"),
    ]

    async def run_all() -> None:
        for flow, args, who in cases:
            expected, reference = await _outcome(interpreted, flow, args, sessions[who], use_sql=False)
            actual, trace = await _outcome(compiled, flow, args, sessions[who], use_sql=True)
            where = f"{flow}({args}) as {who}"
            assert actual == expected, where
            assert trace.last == reference.last, where
            assert not reference.compiled and trace.compiled == (flow in COMPILED and bool(trace.reached)), where
            assert _tables(compiled) == _tables(interpreted), where

    asyncio.run(run_all())
    # The cases reached every kind of outcome on the compiled side.
    assert interpreted.sql('SELECT count(*) FROM "order"')[0][0] >= 3
    assert _tables(interpreted)["tag"] == []  # diff_cleanup without a name deleted every tag (null = no restriction)


def test_a_missing_function_falls_back_to_the_interpreter(flow_project: FlowProject) -> None:
    function = compiled_flows(flow_project.state).get("place_order").sql.function  # type: ignore[union-attr]
    flow_project.sql(f'DROP FUNCTION minimomen."{function}"')
    flow_project.state = PublishedState(version=flow_project.state.version, resolved=flow_project.state.resolved)  # a fresh cache
    trace = Trace()
    product = flow_project.product_id()
    out = asyncio.run(flow_project.run("place_order", {"product_id": product, "quantity": 1}, trace=trace))
    assert out == {"status": "Order placed successfully"} and not trace.compiled
    assert trace.last == "set_status_success"


def test_publish_creates_functions_and_keeps_the_previous_version(db_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = test_flows.test_definition()
    slug = "afp_" + uuid.uuid4().hex[:8]
    project_dir = tmp_path / slug
    (project_dir / "migrations").mkdir(parents=True)
    dbname = db_server.database_name(slug)

    def functions() -> set[str]:
        with psycopg.connect(db_server.conninfo(dbname)) as conn:
            rows = conn.execute("SELECT proname FROM pg_proc WHERE pronamespace = 'minimomen'::regnamespace AND proname LIKE 'af\\_%'").fetchall()
        return {row[0] for row in rows}

    def publish(status: str, timeout_ms: int) -> set[str]:
        flow = next(f for f in data["actionflows"] if f["id"] == "place_order")
        flow["nodes"][1]["branches"][1]["nodes"][0]["assignments"]["status"] = status
        flow["timeout_ms"] = timeout_ms
        definition = load_definition(data)
        publish_definition(db_server, slug, definition, project_dir)
        compiled = [c for c in compile_flows(resolve(definition), 1).flows.values() if c.sql]
        # each flow's function and its batch form (group commit), which flows without list arguments have
        assert all(c.batch.function.startswith(c.sql.function) for c in compiled if c.batch)  # type: ignore[union-attr]
        assert sum(1 for c in compiled if c.batch is None) == sum(1 for c in compiled if any("[" in t for t in c.sql.arg_types))  # type: ignore[union-attr]
        return {name for c in compiled for name in (c.sql.function, *([c.batch.function] if c.batch else []))}  # type: ignore[union-attr]

    try:
        first = publish("invalid quantity (v1)", 15000)
        assert functions() == first and len(COMPILED) < len(first) <= 2 * len(COMPILED)
        assert publish("another message", 15000) == first  # constants are parameters: same function
        second = publish("another message", 9000)
        assert len(first ^ second) == 4  # only place_order's function (and its batch form) changed
        assert functions() == first | second  # v1's stays for workers still serving it
        third = publish("another message", 8000)
        assert functions() == second | third  # v1's is gone
        publish("another message", 8000)  # unchanged: nothing to do, nothing lost
        assert functions() == third
    finally:
        db_server.drop_database(dbname)
