"""A flow that outlives its time limit names the node that was running, compiled or not.

The slow node is an insert into ``tag`` whose row a trigger (created here, on the
test database) holds up with ``pg_sleep``: a node that runs long for reasons of
its own, not a lock wait (those end by ``lock_timeout``).
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.actionflows.compiler import compiled_flows
from runtime.actionflows.engine import Trace, run_flow
from runtime.actionflows.run import FlowError
from runtime.actionflows.values import coerce_inputs
from runtime.migrations import publish_definition
from runtime.project import PublishedState
from runtime.types import Session
from tests.runtime.actionflows import flows as test_flows
from tests.runtime.actionflows.conftest import FlowProject

LIMIT_MS = 300


def _tag(node_id: str, name: str, value: Any) -> dict[str, Any]:
    return {"id": node_id, "name": name, "type": "insert", "table": "tbl_tag", "values": {"name": value, "hits": 1}}


SLOW_FLOW: dict[str, Any] = {
    "id": "slow_tags",
    "name": "Slow Tags",
    "timeout_ms": LIMIT_MS,
    "inputs": [{"name": "name", "type": "text", "required": True}],
    "nodes": [_tag("st_first", "Add First Tag", "first"), _tag("st_named", "Add Named Tag", {"ref": "input.name"})],
    "output": {"id": {"ref": "node.st_named.id"}},
}

SLOW_TRIGGER = """
CREATE FUNCTION public.slow_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name = 'slow' THEN PERFORM pg_sleep(5); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER slow_tag BEFORE INSERT ON public.tag FOR EACH ROW EXECUTE FUNCTION public.slow_tag();
"""


@pytest.fixture
def slow_project(db_server, tmp_path: Path) -> Iterator[FlowProject]:  # type: ignore[no-untyped-def]
    data = test_flows.test_definition()
    data["actionflows"].append(copy.deepcopy(SLOW_FLOW))
    definition = load_definition(data)
    slug = "afs_" + uuid.uuid4().hex[:10]
    (tmp_path / slug / "migrations").mkdir(parents=True)
    plan = publish_definition(db_server, slug, definition, tmp_path / slug)
    dbname = db_server.database_name(slug)
    project = FlowProject(db_server.conninfo(dbname), PublishedState(version=plan.version, resolved=resolve(definition)), dbname)
    project.sql(SLOW_TRIGGER)
    yield project
    db_server.drop_database(dbname)


def _timeout(project: FlowProject, *, use_sql: bool) -> tuple[FlowError, Trace]:
    trace = Trace()
    with pytest.raises(FlowError) as caught:
        asyncio.run(project.run("slow_tags", {"name": "slow"}, use_sql=use_sql, trace=trace))
    return caught.value, trace


def test_a_slow_node_times_out_with_its_name_on_both_paths(slow_project: FlowProject) -> None:
    interpreted, reference = _timeout(slow_project, use_sql=False)
    compiled, trace = _timeout(slow_project, use_sql=True)
    assert not reference.compiled and trace.compiled  # the second run really was the SQL function
    assert compiled.message == interpreted.message == f"Actionflow Slow Tags, node Add Named Tag: timed out after {LIMIT_MS} ms"
    assert compiled.code == interpreted.code == "ACTION_FLOW_FAILED"
    assert compiled.extra == interpreted.extra == {"actionflow": "slow_tags", "node": "st_named", "cause": "TIMEOUT"}
    assert trace.last == reference.last == "st_named"  # what the run log records
    assert slow_project.sql("SELECT count(*) FROM tag") == [(0,)]  # the first node's insert rolled back


def test_the_connection_is_fine_after_a_compiled_timeout(slow_project: FlowProject) -> None:
    """The server-side cancel ends with the call: the next statements on the connection run normally."""
    flows = compiled_flows(slow_project.state)
    slow, quick = flows.get("slow_tags"), flows.get("tag_hit")
    assert slow is not None and quick is not None and slow.sql is not None and quick.sql is not None

    async def scenario() -> list[Any]:
        outcomes: list[Any] = []
        async with await psycopg.AsyncConnection.connect(slow_project.conninfo, autocommit=True) as conn:
            for compiled, name in ((slow, "slow"), (quick, "after"), (slow, "quick"), (quick, "after")):
                trace = Trace()
                try:
                    await run_flow(conn, slow_project.state.resolved, flows, compiled, Session.admin(),
                                            coerce_inputs(compiled.flow, {"name": name}), trace=trace, in_transaction=False)
                    outcomes.append(("ok", trace.compiled))
                except FlowError as exc:
                    outcomes.append((exc.extra.get("cause"), exc.node, trace.compiled))
                await asyncio.sleep(0.05)  # time for a stray cancel to land, if one were left behind
                outcomes.append((await (await conn.execute("SELECT 1")).fetchone())[0])  # type: ignore[index]
        return outcomes

    assert asyncio.run(scenario()) == [("TIMEOUT", "st_named", True), 1, ("ok", True), 1, ("ok", True), 1, ("ok", True), 1]
    assert slow_project.sql("SELECT name, hits FROM tag ORDER BY id") == [("after", 2), ("first", 1), ("quick", 1)]
