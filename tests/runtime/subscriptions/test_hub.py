"""The live-query hub against a real PostgreSQL: commit semantics, coalescing, row scoping.

The hub is driven with a small SQL executor over a hand-made table (with the real
triggers and notify function), so these tests pin the hub's behaviour on its own;
tests/runtime/subscriptions/test_websocket.py covers the whole server.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from builder.definition import Definition
from builder.resolved import resolve
from runtime.project import ProjectRuntime, ProjectSecrets, PublishedState
from runtime.subscriptions.execution import RunResult
from runtime.subscriptions.groups import LiveRequest, LiveResult, response_text
from runtime.subscriptions.hub import LiveHub
from runtime.subscriptions.notifications import Change
from runtime.subscriptions.settings import LiveSettings
from runtime.subscriptions.triggers import table_triggers
from runtime.system_tables import NOTIFY_MAX_IDS, system_ddl
from runtime.types import Session

SAMPLE = Path(__file__).resolve().parents[3] / "projects" / "inventory_deduction" / "app.json"
ROWS = 120
BY_PK = "subscription Row($id: bigint!) { item_by_pk(id: $id) { stock } }"
AGGREGATE = "subscription { item_aggregate { aggregate { sum { stock } } } }"


@dataclass(frozen=True)
class SqlPrepared:
    operation: str
    tables: frozenset[str]


class SqlExecutor:
    """Stands in for the GraphQL engine: knows the two queries above."""

    def __init__(self, conninfo: str):
        self.conninfo = conninfo

    async def prepare(self, state: Any, session: Session, query: str, operation_name: str | None) -> SqlPrepared:
        return SqlPrepared("subscription", frozenset({"item"}))

    async def run(self, state: Any, session: Session, prepared: SqlPrepared, variables: dict[str, Any]) -> RunResult:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            if "id" in variables:
                cur = await conn.execute("SELECT stock FROM item WHERE id = %s", (variables["id"],))
                row = await cur.fetchone()
                return RunResult(response_text({"data": {"item_by_pk": {"stock": row[0]} if row else None}}))
            cur = await conn.execute("SELECT coalesce(sum(stock), 0)::bigint FROM item")
            return RunResult(response_text({"data": {"item_aggregate": {"sum": (await cur.fetchone())[0]}}}))

    async def run_many(self, state: Any, session: Session, prepared: SqlPrepared, variables_list: list[dict[str, Any]]) -> list[RunResult]:
        return [await self.run(state, session, prepared, variables) for variables in variables_list]

    async def execute(self, *args: Any) -> str:
        raise AssertionError("not used")

    def stream(self, *args: Any) -> None:
        return None


class Inbox:
    """A Sink that records what the hub delivers."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def deliver(self, op_id: str, result: LiveResult) -> None:
        self.messages.put_nowait((op_id, json.loads(result.text)))

    def fail(self, op_id: str, errors: list[dict[str, Any]]) -> None:
        self.messages.put_nowait((op_id, {"errors": errors}))

    async def next(self, timeout: float = 5.0) -> tuple[str, Any]:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def nothing(self, wait: float = 0.4) -> None:
        await asyncio.sleep(wait)
        assert self.messages.empty(), f"unexpected message {self.messages.get_nowait()}"


@pytest.fixture
def conninfo(db_server) -> Iterator[str]:
    name = "t" + uuid.uuid4().hex[:10] + "_hub"
    db_server.ensure_database(name)
    info = db_server.conninfo(name)
    with psycopg.connect(info, autocommit=True) as conn:
        for statement in system_ddl():
            conn.execute(statement)
        conn.execute("CREATE TABLE item (id bigint PRIMARY KEY, stock bigint NOT NULL)")
        for statement in table_triggers("item") + table_triggers("item"):  # idempotent
            conn.execute(statement)
        conn.execute("INSERT INTO item SELECT g, 10 FROM generate_series(1, %s) g", (ROWS,))
    yield info
    db_server.drop_database(name)


def _project(conninfo: str) -> ProjectRuntime:
    definition = Definition.model_validate_json(SAMPLE.read_text())
    state = PublishedState(version=1, resolved=resolve(definition))
    return ProjectRuntime("hubtest", Path("."), conninfo, None, ProjectSecrets("x", "y"), state)  # type: ignore[arg-type]


async def _hub(conninfo: str) -> LiveHub:
    hub = LiveHub(_project(conninfo), SqlExecutor(conninfo), LiveSettings(debounce=0.01, max_delay=0.05))
    await hub.start()
    return hub


async def _subscribe(hub: LiveHub, inbox: Inbox, op_id: str, variables: dict[str, Any]) -> None:
    query = BY_PK if "id" in variables else AGGREGATE
    request = LiveRequest(Session.anonymous(), query, None, variables)
    prepared = await hub.executor.prepare(None, request.session, request.query, None)
    await hub.subscribe(request, prepared, inbox, op_id)


def test_committed_changes_only(conninfo: str) -> None:
    async def scenario() -> None:
        hub = await _hub(conninfo)
        inbox = Inbox()
        try:
            await _subscribe(hub, inbox, "one", {"id": 1})
            assert await inbox.next() == ("one", {"data": {"item_by_pk": {"stock": 10}}})
            async with await psycopg.AsyncConnection.connect(conninfo) as writer:
                await writer.execute("UPDATE item SET stock = 9 WHERE id = 1")
                await inbox.nothing()  # not committed yet
                await writer.rollback()
                await inbox.nothing()  # rolled back
                await writer.execute("UPDATE item SET stock = 8 WHERE id = 1")
                await writer.commit()
            assert await inbox.next() == ("one", {"data": {"item_by_pk": {"stock": 8}}})
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                runs = hub.runs
                await writer.execute("UPDATE item SET stock = 8 WHERE id = 1")  # same value
                await inbox.nothing()
                assert hub.runs == runs + 1  # it re-ran, found the same result, sent nothing
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_by_pk_groups_skip_other_rows(conninfo: str) -> None:
    async def scenario() -> None:
        hub = await _hub(conninfo)
        inbox = Inbox()
        try:
            for row_id in (1, 2):
                await _subscribe(hub, inbox, f"row{row_id}", {"id": row_id})
                await inbox.next()
            assert len(hub.groups) == 2
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                runs = hub.runs
                await writer.execute("UPDATE item SET stock = stock + 1 WHERE id = 2")
                assert await inbox.next() == ("row2", {"data": {"item_by_pk": {"stock": 11}}})
                await inbox.nothing()
                assert hub.runs == runs + 1  # row 1's group did not run
                # a statement touching more rows than a notification names: every group re-runs
                await writer.execute("UPDATE item SET stock = stock + 1 WHERE id <= %s", (NOTIFY_MAX_IDS + 5,))
                got = dict([await inbox.next(), await inbox.next()])
                assert got == {"row1": {"data": {"item_by_pk": {"stock": 11}}}, "row2": {"data": {"item_by_pk": {"stock": 12}}}}
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_identical_queries_share_one_run_and_bursts_coalesce(conninfo: str) -> None:
    async def scenario() -> None:
        hub = await _hub(conninfo)
        inboxes = [Inbox() for _ in range(20)]
        try:
            for i, inbox in enumerate(inboxes):
                await _subscribe(hub, inbox, str(i), {})
            for inbox in inboxes:
                assert (await inbox.next())[1] == {"data": {"item_aggregate": {"sum": 10 * ROWS}}}
            assert len(hub.groups) == 1
            runs = hub.runs
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                # 100 separate commits in a burst: one query string of 100 transactions, so they
                # follow each other on the server without waiting for this (possibly busy) loop.
                burst = "BEGIN; UPDATE item SET stock = stock - 1 WHERE id = 3 RETURNING pg_current_xact_id()::text; COMMIT;" * 100
                cur = await writer.execute(burst)
                transactions = set()
                while True:
                    if cur.description is not None:
                        transactions.update(row[0] for row in await cur.fetchall())
                    if not cur.nextset():
                        break
            assert len(transactions) == 100  # each its own commit, each its own notification
            final = {"data": {"item_aggregate": {"sum": 10 * ROWS - 100}}}
            for inbox in inboxes:
                while (await inbox.next())[1] != final:
                    pass
            assert hub.runs - runs < 30, f"{hub.runs - runs} runs for a burst of 100 commits"
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_listener_reconnects_and_catches_up(conninfo: str) -> None:
    async def scenario() -> None:
        hub = await _hub(conninfo)
        inbox = Inbox()
        try:
            await _subscribe(hub, inbox, "one", {"id": 5})
            await inbox.next()
            await hub.listener.drop_connection()
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                await writer.execute("UPDATE item SET stock = 42 WHERE id = 5")  # maybe while not listening
            assert await inbox.next() == ("one", {"data": {"item_by_pk": {"stock": 42}}})
            await hub.listener.wait_connected()
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                await writer.execute("UPDATE item SET stock = 43 WHERE id = 5")
            assert await inbox.next() == ("one", {"data": {"item_by_pk": {"stock": 43}}})
        finally:
            await hub.stop()

    asyncio.run(scenario())


def test_a_subscriber_joining_while_a_change_is_due_gets_the_result_after_it(conninfo: str) -> None:
    """Joining a group gives its last result at once, except when a change is due: then the next run's."""
    async def scenario() -> None:
        hub = await _hub(conninfo)
        first, second, third, fourth = Inbox(), Inbox(), Inbox(), Inbox()
        try:
            await _subscribe(hub, first, "first", {"id": 7})
            assert await first.next() == ("first", {"data": {"item_by_pk": {"stock": 10}}})
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as writer:
                await writer.execute("UPDATE item SET stock = 20 WHERE id = 7")
            hub.on_change(Change("item", frozenset({7})))  # as if its notification were in already
            await _subscribe(hub, second, "second", {"id": 7})
            assert await second.next() == ("second", {"data": {"item_by_pk": {"stock": 20}}})  # never the stale 10
            assert await first.next() == ("first", {"data": {"item_by_pk": {"stock": 20}}})
            await first.nothing(0.2)
            await second.nothing(0.2)  # the notification itself changes nothing more
            hub.on_change(Change("item", frozenset({7})))  # a change that leaves the result as it was
            await _subscribe(hub, third, "third", {"id": 7})
            assert await third.next() == ("third", {"data": {"item_by_pk": {"stock": 20}}})  # served all the same
            await first.nothing(0.2)  # the others already have it
            await _subscribe(hub, fourth, "fourth", {"id": 7})  # nothing due: the last result at once
            assert fourth.messages.qsize() == 1
        finally:
            await hub.stop()

    asyncio.run(scenario())
