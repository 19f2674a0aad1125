"""One ``T_stream`` subscription: its cursor, and the batches it sends as its tables change.

The first message is the first batch after ``cursor.initial_value`` (sent even when
empty, so a client knows the stream runs). Afterwards the stream waits until the hub
wakes it (a committed change of a table it reads, after the hub's debounce; or a
publish; or new rights of its connection), then sends the rows past the last one it
sent, ``batch_size`` at a time: a full batch is followed by the next one at once,
an empty one is never sent. Each batch is one statement run with the role's rules,
inside the hub's bound on concurrent runs. The cursor lives here, with the
subscriber: streams are never grouped or diffed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import psycopg

from runtime.graphql import execute as engine
from runtime.graphql.errors import from_database
from runtime.graphql.plan import build_stream_plan, session_context
from runtime.graphql.stream import StreamStatements
from runtime.permissions import grants_for
from runtime.subscriptions.groups import canonical_variables
from runtime.subscriptions.hub import LiveHub, hub_of
from runtime.types import Session

STREAM_KIND = "stream"


def is_table_stream(prepared: Any) -> bool:
    """A subscription whose one root field is ``T_stream``."""
    if getattr(prepared, "operation", None) != "subscription" or len(prepared.root_fields) != 1:
        return False
    root = prepared.bundle.root("subscription", prepared.root_fields[0])
    return root is not None and root.kind == STREAM_KIND


class TableStream:
    """The state of one stream subscription; a ``Watcher`` of the hub while ``results`` runs."""

    def __init__(self, project: Any, hub: LiveHub, state: Any, session: Session, prepared: Any, variables: dict[str, Any]):
        self.project = project
        self.hub = hub
        self.state = state
        self.session = session
        self.prepared = prepared
        self.variables = variables
        self.tables: frozenset[str] = prepared.tables
        self.owner = asyncio.current_task()  # the connection's operation: it re-keys us by this task
        self._statements: StreamStatements | None = None
        self._after: tuple[str, int] | None = None  # (cursor value as JSON text, id) of the last row sent
        self._changed = asyncio.Event()
        self._stale = False  # prepare again before the next batch (publish, new rights)

    # the Watcher the hub wakes -----------------------------------------------

    def changed(self) -> None:
        self._changed.set()

    def republish(self) -> None:
        self._stale = True
        self._changed.set()

    def rekey(self, session: Session) -> None:
        self.session = session
        self._stale = True
        self._changed.set()

    # serving -------------------------------------------------------------------

    async def results(self) -> AsyncIterator[dict[str, Any]]:
        """Responses until cancelled; raises RuntimeError_ when the stream can no longer run."""
        self.hub.watchers.add(self)  # before the first batch: a commit after it wakes us
        try:
            count, text, full = await self._batch()
            yield self._response(text)
            while True:
                if not full:
                    await self._changed.wait()
                self._changed.clear()  # a change from now on runs another batch
                if self._stale:
                    await self._prepare_again()
                count, text, full = await self._batch()
                if count:
                    yield self._response(text)
        finally:
            self.hub.watchers.remove(self)

    async def _prepare_again(self) -> None:
        """Under the current definition and rights: the same query, the same cursor."""
        self._stale = False
        self.state = self.project.state
        self.prepared = engine.prepare(self.project, self.state, self.session, self.prepared.query, self.prepared.operation_name)
        self._statements = None
        if self.prepared.tables != self.tables:
            self.tables = self.prepared.tables
            self.hub.watchers.add(self)

    def _plan(self) -> StreamStatements:
        if self._statements is None:
            prepared = self.prepared
            key = ("stream", prepared.query, prepared.operation_name, canonical_variables(self.variables), session_context(self.session))
            found = prepared.bundle.plans.get(key)
            if not isinstance(found, StreamStatements):
                coerced = engine.Variables(prepared, self.variables, self.session).coerced
                grants = grants_for(self.state.resolved, self.session)
                found = build_stream_plan(prepared.bundle, grants, self.state.resolved, prepared.document, prepared.node, coerced)
                prepared.bundle.plans.put(key, found)
            self._statements = found
        return self._statements

    async def _batch(self) -> tuple[int, str, bool]:
        """Runs the next batch: (rows, their JSON text, whether the batch is full)."""
        plan = self._plan()
        if self._after is None:
            statement, params = plan.first, plan.first_params.values
        else:
            statement, params = plan.after, plan.bind_after(*self._after)
        try:
            async with self.hub.run_slots, self.project.lease.connection() as conn:
                row = await (await conn.execute(statement, params)).fetchone()
        except psycopg.Error as exc:
            raise from_database(exc) from None
        assert row is not None
        text, count, last_value, last_id = row
        if count:
            self._after = (last_value, last_id)
        return count, text, count >= plan.batch_size

    def _response(self, text: str) -> dict[str, Any]:
        assert self._statements is not None
        return {"data": {self._statements.key: json.loads(text)}}


def table_stream(project: Any, state: Any, session: Session, prepared: Any,
                 variables: dict[str, Any]) -> AsyncIterator[dict[str, Any]] | None:
    """The responses of a ``T_stream`` subscription, or None when ``prepared`` is something else."""
    hub = hub_of(project)
    if hub is None or not is_table_stream(prepared):
        return None
    return TableStream(project, hub, state, session, prepared, variables).results()
