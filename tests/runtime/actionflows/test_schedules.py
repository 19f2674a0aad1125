"""Scheduled actionflows on a real PostgreSQL: firing, catch-up after a restart, two servers, disabling by publish."""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from builder.loader import load_definition
from builder.resolved import resolve
from runtime.actionflows import schedules, tasks
from runtime.database import DatabaseServer
from runtime.migrations import publish_definition
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from tests.conftest import copy_sample, start_server, unique_prefix
from tests.runtime.actionflows.flows import SAMPLE
from tests.runtime.test_publish_sync import designer, drop_databases

SLUG = "inventory_deduction"
EVERY_TWO_SECONDS = "*/2 * * * * *"


def tick_flow(cron: str, *, enabled: bool = True) -> dict[str, Any]:
    """A flow that inserts a product named ``tick`` each time it runs."""
    return {
        "id": "tick",
        "name": "Tick",
        "mode": "async",
        "nodes": [{"id": "add_tick", "name": "Add Tick", "type": "insert", "table": "tbl_product",
                   "values": {"product_name": "tick", "price": 0, "stock": 0}}],
        "schedule": {"cron": cron, "time_zone": "Europe/Berlin", "enabled": enabled},
    }


def scheduled_definition(cron: str, *, enabled: bool = True) -> dict[str, Any]:
    data = copy.deepcopy(json.loads(SAMPLE.read_text()))
    data["actionflows"].append(tick_flow(cron, enabled=enabled))
    return data


@pytest.fixture
def scheduled_db(db_server: DatabaseServer, tmp_path: Path) -> Iterator[tuple[str, PublishedState]]:
    """A database published with the sample plus a ``tick`` flow every two seconds."""
    definition = load_definition(scheduled_definition(EVERY_TWO_SECONDS))
    slug = "sch_" + uuid.uuid4().hex[:10]
    (tmp_path / slug / "migrations").mkdir(parents=True)
    plan = publish_definition(db_server, slug, definition, tmp_path / slug)
    yield db_server.conninfo(db_server.database_name(slug)), PublishedState(version=plan.version, resolved=resolve(definition))
    db_server.drop_database(db_server.database_name(slug))


@asynccontextmanager
async def running(conninfo: str, state: PublishedState, tmp_path: Path, clock: schedules.Clock = schedules.utc_now) -> AsyncIterator[ProjectRuntime]:
    """A ProjectRuntime with the task worker and a scheduler on ``clock``."""
    pool = AsyncConnectionPool(conninfo, min_size=2, max_size=6, open=False, kwargs={"autocommit": True})
    await pool.open(wait=True)
    project = ProjectRuntime(slug="test", directory=tmp_path, conninfo=conninfo, pool=pool,
                             secrets=ProjectSecrets(jwt_secret="x" * 32, admin_token="admin"), state=state)
    await tasks.start(project)
    scheduler = schedules.Scheduler(project, clock)
    project.services[schedules.SERVICE] = scheduler
    await scheduler.start()
    try:
        yield project
    finally:
        await schedules.stop(project)
        await tasks.stop(project)
        await project.close()


async def sql(project: ProjectRuntime, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    async with project.pool.connection() as conn:
        return await (await conn.execute(query, params)).fetchall()


def test_a_flow_every_two_seconds_runs_as_admin_through_the_task_worker(scheduled_db: tuple[str, PublishedState], tmp_path: Path) -> None:
    conninfo, state = scheduled_db

    async def scenario() -> tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        async with running(conninfo, state, tmp_path) as project:
            await asyncio.sleep(6.5)
            await schedules.stop(project)  # no more claims: the counts below are final
            deadline = time.monotonic() + 10  # let the last queued task finish
            while (await sql(project, "SELECT count(*) FROM minimomen.task WHERE status <> 'COMPLETED'"))[0][0] and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await project.services["runlog"].flush()
            ticks = (await sql(project, "SELECT count(*) FROM product WHERE product_name = 'tick'"))[0][0]
            runs = await sql(project, "SELECT r.fire_at, t.status, t.session->>'role' FROM minimomen.schedule_run r JOIN minimomen.task t ON t.id = r.task_id")
            logged = await sql(project, "SELECT caller, status FROM minimomen.run_log WHERE actionflow = 'tick'")
            return ticks, runs, logged

    ticks, runs, logged = asyncio.run(scenario())
    assert 2 <= ticks <= 4
    assert len(runs) == ticks and {(status, role) for _, status, role in runs} == {("COMPLETED", "admin")}
    assert all(fire_at.second % 2 == 0 and fire_at.microsecond == 0 for fire_at, _, _ in runs)
    assert logged == [("admin", "COMPLETED")] * ticks


def test_on_start_only_the_latest_missed_occurrence_runs(scheduled_db: tuple[str, PublishedState], tmp_path: Path) -> None:
    conninfo, state = scheduled_db
    definition = load_definition(scheduled_definition("0 * * * *"))  # hourly: nothing fires during the test
    hourly = PublishedState(version=state.version, resolved=resolve(definition))
    now = datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.UTC)

    async def scenario() -> tuple[list[Any], list[Any], list[Any]]:
        async with running(conninfo, hourly, tmp_path, lambda: now) as project:
            never_ran = await sql(project, "SELECT fire_at FROM minimomen.schedule_run")
            # It ran at 08:00, then the server was down until 12:30: 09:00 … 12:00 were missed.
            await sql(project, "INSERT INTO minimomen.schedule_run (flow_id, fire_at) VALUES ('tick', '2026-03-01T08:00:00Z') RETURNING 1")
        async with running(conninfo, hourly, tmp_path, lambda: now) as project:
            after_restart = await sql(project, "SELECT fire_at FROM minimomen.schedule_run ORDER BY fire_at")
        async with running(conninfo, hourly, tmp_path, lambda: now) as project:
            after_second_restart = await sql(project, "SELECT fire_at FROM minimomen.schedule_run ORDER BY fire_at")
        return never_ran, after_restart, after_second_restart

    never_ran, after_restart, after_second_restart = asyncio.run(scenario())
    assert never_ran == []  # a new schedule does not catch up
    noon = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    assert [r[0] for r in after_restart] == [datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC), noon]
    assert after_second_restart == after_restart


def test_a_publish_that_changes_the_schedule_takes_effect_at_once(scheduled_db: tuple[str, PublishedState], tmp_path: Path) -> None:
    conninfo, state = scheduled_db
    disabled = load_definition(scheduled_definition(EVERY_TWO_SECONDS, enabled=False))

    async def scenario() -> tuple[int, int]:
        async with running(conninfo, state, tmp_path) as project:
            await asyncio.sleep(2.5)
            project.swap_state(PublishedState(version=state.version, resolved=resolve(disabled)))
            await schedules.publish(project)
            await asyncio.sleep(0.5)  # a claim already under way when the publish came may still land
            before = (await sql(project, "SELECT count(*) FROM minimomen.schedule_run"))[0][0]
            await asyncio.sleep(4.5)
            return before, (await sql(project, "SELECT count(*) FROM minimomen.schedule_run"))[0][0]

    before, after = asyncio.run(scenario())
    assert before >= 1 and after == before


# ---------------------------------------------------------------- two real servers


def _counts(db_server: DatabaseServer, prefix: str) -> tuple[int, int, int, int]:
    """(ticks inserted, schedule_run rows, distinct fire times, tasks of the flow) in the project's database."""
    server = DatabaseServer(db_server.url, prefix=prefix)
    with server.connect(server.database_name(SLUG)) as conn:
        ticks = conn.execute("SELECT count(*) FROM product WHERE product_name = 'tick'").fetchone()[0]
        runs, distinct = conn.execute("SELECT count(*), count(DISTINCT fire_at) FROM minimomen.schedule_run WHERE flow_id = 'tick'").fetchone()
        queued = conn.execute("SELECT count(*) FROM minimomen.task WHERE actionflow = 'tick'").fetchone()[0]
    return ticks, runs, distinct, queued


def test_two_servers_fire_each_occurrence_once_and_a_publish_disables_it(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    app = workspace / SLUG / "app.json"
    app.write_text(json.dumps(scheduled_definition(EVERY_TWO_SECONDS), indent=2))
    prefix = unique_prefix()
    a = start_server(workspace, db_server, prefix=prefix)
    try:
        b = start_server(workspace, db_server, prefix=prefix)
        try:
            time.sleep(7)
            ticks, runs, distinct, queued = _counts(db_server, prefix)
            assert runs == distinct == queued >= 3  # each fire time claimed once, by one of the two
            assert runs - 1 <= ticks <= runs  # the latest may still be running
            app.write_text(json.dumps(scheduled_definition(EVERY_TWO_SECONDS, enabled=False), indent=2))
            with designer(a) as client:
                response = client.post(f"/api/projects/{SLUG}/publish", json={"dry_run": False})
                hint = client.get("/api/schedule-preview", params={"cron": "0 9 * * 1-5", "time_zone": "Asia/Tokyo"}).json()
            assert response.status_code == 200, response.text
            assert len(hint["next"]) == 3 and hint["problem"] is None
            assert all(moment.endswith("T09:00:00+09:00") for moment in hint["next"])
            time.sleep(2.5)  # B follows the publish within a few hundred milliseconds
            stopped = _counts(db_server, prefix)[1]
            time.sleep(4)
            assert _counts(db_server, prefix)[1] == stopped
        finally:
            b.stop()
    finally:
        a.stop()
        drop_databases(db_server, prefix)
