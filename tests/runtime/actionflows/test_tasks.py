"""Async tasks without a server: lifecycle, per-node transactions, the restart sweep."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from runtime.actionflows import task_worker, tasks
from runtime.types import NotFound, Session
from tests.runtime.actionflows.conftest import FlowProject, running_project


async def _wait_terminal(project, session: Session, task_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    seen = []
    async for result in tasks.listen_task(project, session, task_id):
        seen.append(result)
    return seen


def test_task_lifecycle(flow_project: FlowProject, tmp_path: Path) -> None:
    product = flow_project.product_id()
    account = flow_project.sql("INSERT INTO account (username) VALUES ('carol') RETURNING id")[0][0]
    user = Session(role="user", account_id=account, roles=("user",))
    other = Session(role="user", account_id=account + 1000, roles=("user",))

    async def scenario() -> tuple[list[dict], list[dict]]:
        async with running_project(flow_project, tmp_path) as project:
            ok = await tasks.create_task(project, project.state, user, "async_order", None, {"product_id": product})
            ok_seen = await asyncio.wait_for(_wait_terminal(project, user, ok), 20)
            with pytest.raises(NotFound):
                await tasks.read_task(project, other, ok)
            assert (await tasks.read_task(project, Session.admin(), ok))["status"] == "COMPLETED"
            failing = await tasks.create_task(project, project.state, Session.admin(), "async_fail", None, {"product_id": product})
            failed_seen = await asyncio.wait_for(_wait_terminal(project, Session.admin(), failing), 20)
            return ok_seen, failed_seen

    ok_seen, failed_seen = asyncio.run(scenario())
    assert ok_seen[-1]["status"] == "COMPLETED" and ok_seen[-1]["output"]["order_id"] > 0
    assert [r["status"] for r in ok_seen][-1] == "COMPLETED"
    assert failed_seen[-1]["status"] == "FAILED" and failed_seen[-1]["error"] == "async boom"
    # Per-node transactions: the failing node rolled back alone; the earlier insert stays.
    assert flow_project.sql('SELECT count(*) FROM "order"') == [(2,)]


def test_processing_tasks_of_a_dead_worker_fail_at_start(flow_project: FlowProject, tmp_path: Path) -> None:
    insert = "INSERT INTO minimomen.task (actionflow, version, args, session, status) VALUES ('async_order', 1, %s, %s, 'PROCESSING') RETURNING id"
    orphan = flow_project.sql(insert, (Jsonb({"product_id": 1}), Jsonb({"role": "admin"})))[0][0]
    alive = flow_project.sql(insert, (Jsonb({"product_id": 1}), Jsonb({"role": "admin"})))[0][0]
    with psycopg.connect(flow_project.conninfo, autocommit=True) as holder:
        # A live worker elsewhere holds the lock of `alive`.
        holder.execute("SELECT pg_advisory_lock(%s, (%s %% 2147483647)::int)", (task_worker.LOCK_CLASS, alive))

        async def scenario() -> None:
            async with running_project(flow_project, tmp_path):
                pass

        asyncio.run(scenario())
        rows = dict(flow_project.sql("SELECT id, status || ':' || coalesce(error, '') FROM minimomen.task"))
    assert rows[orphan] == "FAILED:interrupted by a server restart"
    assert rows[alive] == "PROCESSING:"


def test_two_workers_run_each_task_once(flow_project: FlowProject, tmp_path: Path) -> None:
    product = flow_project.product_id("Festival Ticket")

    async def scenario() -> list[dict]:
        async with running_project(flow_project, tmp_path / "a") as first, running_project(flow_project, tmp_path / "b") as second:
            ids = [
                await tasks.create_task(project, project.state, Session.admin(), "async_fail" if i % 4 == 0 else "async_order", None, {"product_id": product})
                for i, project in enumerate([first, second] * 15)
            ]
            return [await asyncio.wait_for(_wait_terminal(first, Session.admin(), task), 30) for task in ids]

    results = asyncio.run(scenario())
    assert [r[-1]["status"] for r in results].count("COMPLETED") == 22
    assert [r[-1]["status"] for r in results].count("FAILED") == 8
    # Every task ran exactly once: one order per task (async_fail commits its first node too).
    assert flow_project.sql('SELECT count(*) FROM "order" WHERE product_id = %s', (product,)) == [(30,)]


def test_anonymous_tasks_are_read_with_their_secret_only(flow_project: FlowProject, tmp_path: Path) -> None:
    """Anonymous callers have no identity: a task id alone (sequential) must not reveal another's result."""
    product = flow_project.product_id("Festival Ticket")
    anonymous = Session.anonymous()
    account = flow_project.sql("INSERT INTO account (username) VALUES ('dave') RETURNING id")[0][0]
    user = Session(role="user", account_id=account, roles=("user",))

    async def scenario() -> None:
        async with running_project(flow_project, tmp_path) as project:
            plain = await tasks.create_task(project, project.state, anonymous, "async_order", None, {"product_id": product})
            handle = await tasks.create_task_handle(project, project.state, anonymous, "async_order", None, {"product_id": product})
            assert set(handle) == {"taskId", "secret"} and len(handle["secret"]) >= 32 and handle["taskId"] == plain + 1
            for task in (plain, handle["taskId"]):
                await asyncio.wait_for(_wait_terminal(project, Session.admin(), task), 20)
                with pytest.raises(NotFound, match=f"^task {task} does not exist$"):
                    await tasks.read_task(project, anonymous, task)  # any other anonymous caller
            with pytest.raises(NotFound):
                await tasks.read_task(project, anonymous, handle["taskId"], "not-the-secret")
            with pytest.raises(NotFound):
                await tasks.read_task(project, anonymous, plain, handle["secret"])  # a secret opens its own task only
            mine = await tasks.read_task(project, anonymous, handle["taskId"], handle["secret"])
            assert mine["status"] == "COMPLETED" and mine["output"]["order_id"] > 0
            assert (await tasks.read_task(project, user, handle["taskId"], handle["secret"]))["status"] == "COMPLETED"
            seen = await asyncio.wait_for(_collect(tasks.listen_task(project, anonymous, handle["taskId"], handle["secret"])), 20)
            assert seen[-1]["status"] == "COMPLETED"
            assert (await tasks.read_task(project, Session.admin(), plain))["status"] == "COMPLETED"
            # A logged-in account still reads its own tasks by id alone.
            own = await tasks.create_task(project, project.state, user, "async_order", None, {"product_id": product})
            assert (await asyncio.wait_for(_wait_terminal(project, user, own), 20))[-1]["status"] == "COMPLETED"
            with pytest.raises(NotFound):
                await tasks.read_task(project, anonymous, own)

    asyncio.run(scenario())


async def _collect(results) -> list[dict]:  # type: ignore[no-untyped-def]
    return [result async for result in results]
