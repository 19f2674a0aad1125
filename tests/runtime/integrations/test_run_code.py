"""Run Code nodes: JavaScript in V8 with arguments and typed results, runGql on the flow's transaction, limits."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from runtime.actionflows.run import FlowError
from runtime.types import Session
from tests.runtime.integrations.project import Project, publish, running, with_flows

PRICE = {
    "id": "price_quote",
    "name": "Price Quote",
    "inputs": [{"name": "price", "type": "decimal", "required": True}, {"name": "quantity", "type": "bigint", "required": True}],
    "variables": [{"name": "label", "type": "text"}],
    "nodes": [
        {"id": "calc", "name": "Calc", "type": "run_code", "args": {"price": {"ref": "input.price"}, "quantity": {"ref": "input.quantity"}},
         "code": "const total = context.getArg('price') * context.getArg('quantity');\n"
                 "context.log('total is', total);\n"
                 "context.setResult({ total: total, label: `${context.getArg('quantity')} items`, bulk: total > 100 });",
         "outputs": {"total": "decimal", "label": "text", "bulk": "boolean"}},
        {"id": "keep", "name": "Keep", "type": "set_variable", "assignments": {"label": {"concat": ["Quote: ", {"ref": "node.calc.label"}]}}},
    ],
    "output": {"total": {"ref": "node.calc.total"}, "bulk": {"ref": "node.calc.bulk"}, "label": {"ref": "var.label"},
               "logs": {"ref": "node.calc.logs"}},
}

GQL_THEN_FAIL = {
    "id": "gql_then_fail",
    "name": "Gql Then Fail",
    "inputs": [{"name": "name", "type": "text", "required": True}, {"name": "fail", "type": "boolean"}],
    "nodes": [
        {"id": "first", "name": "First", "type": "insert", "table": "tbl_product",
         "values": {"product_name": {"concat": [{"ref": "input.name"}, "-node"]}, "price": 1, "stock": 1}},
        {"id": "write", "name": "Write", "type": "run_code", "gql_role": "admin", "timeout_ms": 10000,
         "args": {"name": {"ref": "input.name"}, "first": {"ref": "node.first.id"}},
         "code": "const seen = await context.runGql('query($id: bigint!) { product_by_pk(id: $id) { product_name } }', {id: context.getArg('first')});\n"
                 "const made = await context.runGql('mutation($n: String!) { insert_product_one(object: {product_name: $n, price: 2, stock: 5}) { id } }',"
                 " {n: context.getArg('name')});\n"
                 "const bad = await context.runGql('mutation { insert_product_one(object: {nope: 1}) { id } }');\n"
                 "context.setResult({ id: made.data.insert_product_one.id, seen: seen.data.product_by_pk.product_name, bad: bad.errors.length });",
         "outputs": {"id": "bigint", "seen": "text", "bad": "bigint"}},
        {"id": "maybe_fail", "name": "Maybe Fail", "type": "condition", "branches": [
            {"id": "fails", "name": "Fails", "condition": {"input.fail": {"_eq": True}},
             "nodes": [{"id": "boom", "name": "Boom", "type": "raise_error", "message": "later node failed"}]}]},
    ],
    "output": {"id": {"ref": "node.write.id"}, "seen": {"ref": "node.write.seen"}, "bad": {"ref": "node.write.bad"}},
}


def runaway(flow_id: str, code: str, timeout_ms: int = 1000) -> dict[str, Any]:
    return {"id": flow_id, "name": flow_id.replace("_", " ").title(), "timeout_ms": 20000,
            "nodes": [{"id": f"{flow_id}_code", "name": "Code", "type": "run_code", "code": code, "timeout_ms": timeout_ms, "memory_mb": 64}]}


SPIN = runaway("spin", "while (true) {}")
GIGABYTE = runaway("gigabyte", "const chunks = []; while (true) { chunks.push(new Array(1 << 20).fill(1.5)); }", 10000)
BUFFER = runaway("buffer", "const b = new Uint8Array(1024 * 1024 * 1024); context.setResult(b.length);")
ESCAPE = runaway("escape", "context.setResult([typeof fetch, typeof require, typeof process, typeof XMLHttpRequest, typeof WebAssembly].join(','));")
NEEDS_USER = {**runaway("as_caller", "const r = await context.runGql('mutation { insert_product_one(object: {product_name: \"x\", price: 1, stock: 1}) { id } }');"
                        " context.setResult(r.errors ? r.errors[0].message : 'written');"), "output": {"result": {"ref": "node.as_caller_code.result"}}}


@pytest.fixture
def project(db_server: Any, tmp_path: Path) -> Any:
    data = with_flows([PRICE, GQL_THEN_FAIL, SPIN, GIGABYTE, BUFFER, ESCAPE, NEEDS_USER])
    data["permissions"]["actionflows"]["anonymous"] = ["as_caller"]
    found = publish(db_server, tmp_path, data)
    yield found
    db_server.drop_database(found.dbname)


def test_arguments_in_and_typed_results_out(project: Project, tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running(project, tmp_path):
            return await project.invoke("price_quote", {"price": "12.5", "quantity": 10})

    output = asyncio.run(scenario())
    assert output == {"total": 125, "bulk": True, "label": "Quote: 10 items", "logs": ["total is 125"]}


def test_run_gql_works_in_the_flow_transaction_and_rolls_back_with_it(project: Project, tmp_path: Path) -> None:
    async def scenario() -> tuple[dict[str, Any], str]:
        async with running(project, tmp_path):
            output = await project.invoke("gql_then_fail", {"name": "kept"})
            with pytest.raises(FlowError) as failed:
                await project.invoke("gql_then_fail", {"name": "dropped", "fail": True})
            return output, failed.value.message

    output, error = asyncio.run(scenario())
    assert output["seen"] == "kept-node"  # runGql sees the flow's own uncommitted insert
    assert output["bad"] == 1  # a bad statement answers errors and undoes only itself
    assert project.sql("SELECT product_name, stock FROM product WHERE id = %s", (output["id"],)) == [("kept", 5)]
    assert "later node failed" in error
    assert project.sql("SELECT count(*) FROM product WHERE product_name LIKE 'dropped%%'") == [(0,)]


def test_run_gql_uses_the_callers_role_unless_the_node_allows_admin(project: Project, tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running(project, tmp_path):
            return await project.invoke("as_caller", {}, Session.anonymous())

    assert "permission" in asyncio.run(scenario())["result"]
    assert project.sql("SELECT count(*) FROM product WHERE product_name = 'x'") == [(0,)]


def test_the_sandbox_has_no_network_process_or_binary_buffers(project: Project, tmp_path: Path) -> None:
    async def scenario() -> tuple[Any, str]:
        async with running(project, tmp_path):
            escape = await project.invoke("escape", {})
            with pytest.raises(FlowError) as buffer:
                await project.invoke("buffer", {})
            return escape, buffer.value.message

    _, buffer_error = asyncio.run(scenario())
    assert "Uint8Array is not defined" in buffer_error
    runs = project.sql("SELECT status FROM minimomen.run_log WHERE actionflow = 'escape'")
    assert runs in ([], [("COMPLETED",)])


def test_a_runaway_loop_and_a_gigabyte_allocation_end_that_call_only(project: Project, tmp_path: Path) -> None:
    async def timed(flow_id: str) -> tuple[str, float]:
        started = time.perf_counter()
        try:
            await project.invoke(flow_id, {})
        except FlowError as exc:
            return exc.message, time.perf_counter() - started
        return "no error", time.perf_counter() - started

    async def scenario() -> tuple[tuple[str, float], tuple[str, float], list[float]]:
        async with running(project, tmp_path):
            spin = asyncio.create_task(timed("spin"))
            gigabyte = asyncio.create_task(timed("gigabyte"))
            served = []
            while not (spin.done() and gigabyte.done()):
                started = time.perf_counter()
                output = await project.invoke("price_quote", {"price": 2, "quantity": 3})
                assert output["total"] == 6
                served.append(time.perf_counter() - started)
            return await spin, await gigabyte, served

    (spin_error, spin_time), (memory_error, memory_time), served = asyncio.run(scenario())
    assert "ran longer than its limit of 1000 ms and was stopped" in spin_error
    assert 0.9 < spin_time < 3.0
    assert "more than its memory limit of 64 MB" in memory_error
    assert memory_time < 10.0
    assert len(served) >= 3 and max(served) < 1.0  # other requests kept being served meanwhile
