"""An in-process project (task worker, outbox, run log running) with the integration test flows published."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from builder.loader import load_definition
from builder.resolved import resolve
from builder.validation import validate_definition
from runtime.actionflows import tasks
from runtime.actionflows.invoke import invoke
from runtime.integrations import outbox
from runtime.integrations.secrets import set_secret
from runtime.migrations import publish_definition
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from runtime.types import RequestContext, Session
from tests.runtime.actionflows.flows import SAMPLE

API_KEY = "sk_test_" + "Zq9" * 8  # searched for by value in every answer and log
LOG_TABLE = {
    "id": "tbl_change_log",
    "name": "change_log",
    "fields": [
        {"id": "fld_cl_product", "name": "product_id", "type": "bigint"},
        {"id": "fld_cl_event", "name": "event", "type": "text"},
    ],
}


def with_flows(flows: list[dict[str, Any]], hosts: list[str] | None = None, tables: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(json.loads(SAMPLE.read_text()))
    kept = {"place_order"}  # the tutorial's flow; the sample's own integration flows are test_sample_flows' subject
    data["actionflows"] = [f for f in data["actionflows"] if f["id"] in kept] + flows
    data["permissions"]["actionflows"] = {role: [f for f in ids if f in kept] for role, ids in data["permissions"]["actionflows"].items()}
    data["tables"] += tables or []
    data["settings"]["outbound_hosts"] = hosts if hosts is not None else ["127.0.0.1"]
    return data


class Project:
    def __init__(self, conninfo: str, state: PublishedState, dbname: str):
        self.conninfo, self.state, self.dbname = conninfo, state, dbname
        self.runtime: ProjectRuntime | None = None

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    async def invoke(self, flow_id: str, args: dict[str, Any], session: Session | None = None) -> dict[str, Any]:
        assert self.runtime is not None
        return await invoke(RequestContext(self.runtime, self.state, session or Session.admin()), flow_id, args)

    async def flush_log(self) -> None:
        assert self.runtime is not None
        await self.runtime.services["runlog"].flush()

    def everything_stored(self) -> str:
        """Every row of the runtime's tables that a person or an API could read, as text (the secret table excepted)."""
        rows = []
        for table in ("run_log", "outbox", "task", "webhook_seen"):
            rows += [str(r) for r in self.sql(f"SELECT * FROM minimomen.{table}")]
        return "\n".join(rows)


def publish(db_server: Any, tmp_path: Path, data: dict[str, Any]) -> Project:
    definition = load_definition(data)
    errors = [p.message for p in validate_definition(definition) if p.severity == "error"]
    assert not errors, errors
    slug = "ig_" + uuid.uuid4().hex[:10]
    (tmp_path / slug / "migrations").mkdir(parents=True)
    plan = publish_definition(db_server, slug, definition, tmp_path / slug)
    dbname = db_server.database_name(slug)
    project = Project(db_server.conninfo(dbname), PublishedState(version=plan.version, resolved=resolve(definition)), dbname)
    set_secret(project.conninfo, "api_key", API_KEY)
    return project


@asynccontextmanager
async def running(project: Project, tmp_path: Path, *, backoff: float = 0.05) -> AsyncIterator[ProjectRuntime]:
    """The project with its task worker, run log and outbox worker (backoff shortened for tests)."""
    pool = AsyncConnectionPool(project.conninfo, min_size=2, max_size=10, open=False, kwargs={"autocommit": True})
    await pool.open(wait=True)
    runtime = ProjectRuntime(slug="test", directory=tmp_path, conninfo=project.conninfo, pool=pool,
                             secrets=ProjectSecrets(jwt_secret="x" * 32, admin_token="admin"), state=project.state)
    await tasks.start(runtime)
    worker = outbox.OutboxWorker(runtime, backoff=backoff)
    runtime.services[outbox.SERVICE] = worker
    worker.start()
    project.runtime = runtime
    try:
        yield runtime
    finally:
        await outbox.stop(runtime)
        await tasks.stop(runtime)
        await runtime.close()
        project.runtime = None
