"""Fixtures: a published test project on the session's PostgreSQL, run without a server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from builder.loader import load_definition
from builder.resolved import resolve
from builder.validation import validate_definition
from runtime.actionflows import tasks
from runtime.actionflows.compiler import compiled_flows
from runtime.actionflows.engine import Trace, run_flow
from runtime.actionflows.values import coerce_inputs
from runtime.migrations import publish_definition
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from runtime.types import Session
from tests.runtime.actionflows.flows import test_definition


@dataclass
class FlowProject:
    """A migrated, seeded database with the test definition; flows run as the executor would."""

    conninfo: str
    state: PublishedState
    dbname: str = ""

    async def run(self, flow_id: str, args: dict[str, Any], session: Session | None = None, *, use_sql: bool = True,
                  trace: Trace | None = None) -> dict[str, Any]:
        """Run a flow in one transaction on a fresh connection (commit on success).

        ``use_sql=False`` forces the node-by-node engine; ``trace`` tells which path ran.
        """
        flows = compiled_flows(self.state)
        compiled = flows.get(flow_id)
        assert compiled is not None
        inputs = coerce_inputs(compiled.flow, args)
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            async with conn.transaction():
                return await run_flow(conn, self.state.resolved, flows, compiled, session or Session.admin(), inputs,
                                      use_sql=use_sql, trace=trace)

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def product_id(self, name: str = "Limited Sneakers") -> int:
        return self.sql("SELECT id FROM product WHERE product_name = %s", (name,))[0][0]


def publish_flow_project(db_server, tmp_path: Path, data: dict[str, Any] | None = None, prefix: str = "af_") -> FlowProject:  # type: ignore[no-untyped-def]
    """A fresh database published with ``data`` (default: the test definition); drop it with ``db_server.drop_database(project.dbname)``."""
    definition = load_definition(data if data is not None else test_definition())
    errors = [p for p in validate_definition(definition) if p.severity == "error"]
    assert not errors, [p.message for p in errors]
    slug = prefix + uuid.uuid4().hex[:10]
    project_dir = tmp_path / slug
    (project_dir / "migrations").mkdir(parents=True)
    plan = publish_definition(db_server, slug, definition, project_dir)
    project = FlowProject(db_server.conninfo(db_server.database_name(slug)), PublishedState(version=plan.version, resolved=resolve(definition)))
    project.dbname = db_server.database_name(slug)
    return project


@pytest.fixture
def flow_project(db_server, tmp_path: Path) -> Iterator[FlowProject]:
    project = publish_flow_project(db_server, tmp_path)
    yield project
    db_server.drop_database(project.dbname)


@asynccontextmanager
async def running_project(flow_project: FlowProject, tmp_path: Path) -> AsyncIterator[ProjectRuntime]:
    """A ProjectRuntime on the test database with the actionflow services (task worker, run log) started."""
    pool = AsyncConnectionPool(flow_project.conninfo, min_size=2, max_size=10, open=False, kwargs={"autocommit": True})
    await pool.open(wait=True)
    project = ProjectRuntime(
        slug="test", directory=tmp_path, conninfo=flow_project.conninfo, pool=pool,
        secrets=ProjectSecrets(jwt_secret="x" * 32, admin_token="admin"), state=flow_project.state,
    )
    await tasks.start(project)
    try:
        yield project
    finally:
        await tasks.stop(project)
        await project.close()
