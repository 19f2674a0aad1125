"""The live-query hub of one project in one process: LISTEN, group, coalesce, re-run, push.

``start(project)`` / ``publish(project)`` / ``stop(project)`` are the service hooks
(runtime/services.py); the hub lives in ``project.services["live"]``.

A burst of notifications is collected (``LiveSettings.debounce`` after the last,
at most ``max_delay`` after the first); then every affected group re-runs once,
concurrently up to ``max_concurrent_runs``. A group never runs twice at the same
time: a change that arrives during its run schedules one more run afterwards, so
results are pushed in order and nothing is missed. Streams are not grouped: each
is a ``Watcher`` (``watchers.py``) woken after the same debounce.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from runtime.graphql.error_codes import public_all
from runtime.graphql.errors import errors_of
from runtime.permissions import grants_for
from runtime.subscriptions.execution import (
    Executor,
    GraphQLExecutor,
    Prepared,
    RunResult,
)
from runtime.subscriptions.groups import (
    GroupKey,
    LiveGroup,
    LiveRequest,
    Sink,
    Subscriber,
    canonical_variables,
    response_text,
)
from runtime.subscriptions.notifications import Change, Listener
from runtime.subscriptions.scope import row_scope
from runtime.subscriptions.settings import LiveSettings
from runtime.subscriptions.watchers import Watchers
from runtime.types import RuntimeError_

log = logging.getLogger("minimomen.live")

SERVICE_KEY = "live"
# groups of one family re-run together, in one database pipeline, up to this many
BATCH_SIZE = 500
# connections whose tokens are re-checked at once (most checks hit the auth cache)
REVALIDATE_CONCURRENCY = 32


class LiveHub:
    """Every live query of one project served by this process."""

    def __init__(self, project: Any, executor: Executor | None = None, settings: LiveSettings | None = None):
        self.project = project
        self.executor: Executor = executor or GraphQLExecutor(project)
        self.settings = settings or LiveSettings.from_env()
        self.groups: dict[GroupKey, LiveGroup] = {}
        self._any_row: dict[str, set[LiveGroup]] = {}  # table -> groups hit by any change of it
        self._by_row: dict[str, dict[int, set[LiveGroup]]] = {}  # table -> id -> T_by_pk groups
        self._dirty: set[LiveGroup] = set()
        self.watchers = Watchers()  # streams: a cursor per subscriber, woken like groups
        self._wake = asyncio.Event()
        self._runs = asyncio.Semaphore(self.settings.max_concurrent_runs)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._checker: asyncio.Task[None] | None = None
        self.listener = Listener(project.conninfo, self.on_change, max_reconnect_delay=self.settings.max_reconnect_delay)
        self.connections: set[Any] = set()  # open sockets: keep-alives, and closed when the project stops
        self.notifications = 0
        self.runs = 0

    # lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        self.listener.start()
        self._flusher = asyncio.create_task(self._flush_loop(), name="minimomen-live-flush")
        self._ticker = asyncio.create_task(self._keepalive_loop(), name="minimomen-live-keepalive")
        self._checker = asyncio.create_task(self._revalidate_loop(), name="minimomen-live-revalidate")
        await self.listener.wait_connected()

    async def stop(self) -> None:
        await self.listener.stop()
        tasks = [t for t in (self._flusher, self._ticker, self._checker, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for connection in list(self.connections):
            await connection.close_going_away()
        self.groups.clear()

    async def publish(self) -> None:
        """A new definition is live: re-prepare every group; close those that became invalid."""
        state = self.project.state
        for group in list(self.groups.values()):
            try:
                prepared = await self.executor.prepare(state, group.request.session, group.request.query, group.request.operation_name)
            except RuntimeError_ as exc:
                self._drop(group)
                group.fail(errors_of(exc))
                continue
            self._unindex(group)
            group.prepared, group.state = prepared, state
            group.scope = row_scope(group.request.query, group.request.operation_name, group.request.variables, prepared.tables)
            self._index(group)
            self._dirty.add(group)
        self.watchers.republish()
        self._wake.set()

    # subscribers -----------------------------------------------------------

    def key(self, request: LiveRequest) -> GroupKey:
        grants = grants_for(self.project.state.resolved, request.session)
        return (request.query, request.operation_name, canonical_variables(request.variables), grants.cache_key(), request.session.account_id)

    def join(self, request: LiveRequest, sink: Sink, op_id: str) -> Subscriber | None:
        """Join an existing group (it sends its last result at once); None if there is none."""
        group = self.groups.get(self.key(request))
        if group is None:
            return None
        return self._add(group, sink, op_id)

    async def subscribe(self, request: LiveRequest, prepared: Prepared, sink: Sink, op_id: str) -> Subscriber:
        """Join or create the group of ``request``; a new group runs at once."""
        key = self.key(request)
        group = self.groups.get(key)
        if group is not None:
            return self._add(group, sink, op_id)
        scope = row_scope(request.query, request.operation_name, request.variables, prepared.tables)
        group = LiveGroup(key, request, prepared, self.project.state, scope)
        self.groups[key] = group
        self._index(group)
        subscriber = self._add(group, sink, op_id)
        self._spawn((group,))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        group = subscriber.group
        group.subscribers.discard(subscriber)
        group.waiting.discard(subscriber)
        group.current.discard(subscriber)
        if not group.subscribers:
            self._drop(group)

    def _add(self, group: LiveGroup, sink: Sink, op_id: str) -> Subscriber:
        subscriber = Subscriber(sink, op_id, group)
        group.subscribers.add(subscriber)
        if group.payload is None:
            return subscriber  # its first run is under way and pushes to everyone
        if group in self._dirty or group.again:
            group.waiting.add(subscriber)  # a change is due: not the result from before it
        elif group.running:
            group.current.add(subscriber)  # the run under way started after the last change
        else:
            sink.deliver(op_id, group.payload)
        return subscriber

    @property
    def run_slots(self) -> asyncio.Semaphore:
        """Bounds the queries re-run at once (live groups and streams alike)."""
        return self._runs

    def _drop(self, group: LiveGroup) -> None:
        if self.groups.get(group.key) is group:
            del self.groups[group.key]
            self._unindex(group)
        self._dirty.discard(group)

    def _index(self, group: LiveGroup) -> None:
        if group.scope is not None:
            self._by_row.setdefault(group.scope.table, {}).setdefault(group.scope.id, set()).add(group)
            return
        for table in group.tables:
            self._any_row.setdefault(table, set()).add(group)

    def _unindex(self, group: LiveGroup) -> None:
        if group.scope is not None:
            rows = self._by_row.get(group.scope.table, {})
            members = rows.get(group.scope.id)
            if members is not None:
                members.discard(group)
                if not members:
                    del rows[group.scope.id]
            return
        for table in group.tables:
            members = self._any_row.get(table)
            if members is not None:
                members.discard(group)

    # changes ---------------------------------------------------------------

    def on_change(self, change: Change) -> None:
        """A committed change was announced: mark the groups it may affect."""
        self.notifications += 1
        before = len(self._dirty)
        due = self.watchers.mark(change.table)
        if change.table is None:
            self._dirty.update(self.groups.values())
        else:
            self._dirty.update(self._any_row.get(change.table, ()))
            rows = self._by_row.get(change.table)
            if rows:
                if change.ids is None:
                    for members in rows.values():
                        self._dirty.update(members)
                else:
                    for row_id in change.ids:
                        self._dirty.update(rows.get(row_id, ()))
        if len(self._dirty) != before or due:
            self._wake.set()

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            first = loop.time()
            while True:
                self._wake.clear()
                remaining = first + self.settings.max_delay - loop.time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._wake.wait(), min(self.settings.debounce, remaining))
                except TimeoutError:
                    break
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            self._spawn(g for g in dirty if self.groups.get(g.key) is g)
            self.watchers.wake()

    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.keepalive)
            for connection in list(self.connections):
                connection.keepalive()

    async def _revalidate_loop(self) -> None:
        """Now and then, every connection re-checks the token it was opened with."""
        while True:
            await asyncio.sleep(self.settings.revalidate)
            connections = [c for c in self.connections if c.token is not None]
            failures: list[BaseException] = []
            for start in range(0, len(connections), REVALIDATE_CONCURRENCY):
                chunk = connections[start:start + REVALIDATE_CONCURRENCY]
                outcomes = await asyncio.gather(*(c.revalidate() for c in chunk), return_exceptions=True)
                failures += [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                log.warning("live queries: could not re-check %d connection tokens (%s); they keep their rights until the next check",
                            len(failures), failures[0])

    def _spawn(self, groups: Iterable[LiveGroup]) -> None:
        """Start runs for ``groups``: one task per family (same operation, other variables)."""
        families: dict[tuple[Any, ...], list[LiveGroup]] = {}
        for group in groups:
            if group.running:
                group.again = True  # its current run may predate the change: run once more after
                continue
            group.running = True
            families.setdefault(group.family, []).append(group)
        for family in families.values():
            for start in range(0, len(family), BATCH_SIZE):
                task = asyncio.create_task(self._run(family[start:start + BATCH_SIZE]))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _run(self, groups: list[LiveGroup]) -> None:
        try:
            for group in groups:
                group.again = False
            async with self._runs:
                for group in groups:
                    group.start_run()
                live = [g for g in groups if g.subscribers]
                started = time.perf_counter()
                results = await self._execute(live) if live else []
            log.debug("re-ran %d live queries in %.1f ms", len(live), (time.perf_counter() - started) * 1000)
            for group, result in zip(live, results):
                if result.failed is not None and group.digest is None:
                    # it never ran (bad variables ...): an error ends the operation, as graphql-ws does
                    self._drop(group)
                    group.fail(result.failed)
                else:
                    group.push(result.text)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live query failed to re-run")
        finally:
            for group in groups:
                group.running = False
        again = [g for g in groups if g.again and self.groups.get(g.key) is g]
        if again:
            self._dirty.update(again)
            self._wake.set()

    async def _execute(self, groups: list[LiveGroup]) -> list[RunResult]:
        self.runs += len(groups)
        first = groups[0]
        try:
            if len(groups) == 1:
                return [await self.executor.run(first.state, first.request.session, first.prepared, first.request.variables)]
            if any(g.prepared is not first.prepared or g.state is not first.state for g in groups):
                return [await self.executor.run(g.state, g.request.session, g.prepared, g.request.variables) for g in groups]
            return await self.executor.run_many(first.state, first.request.session, first.prepared, [g.request.variables for g in groups])
        except RuntimeError_ as exc:
            error = errors_of(exc)
            return [RunResult(response_text({"data": None, "errors": public_all(error)}), error) for _ in groups]


def hub_of(project: Any) -> LiveHub | None:
    hub = project.services.get(SERVICE_KEY)
    return hub if isinstance(hub, LiveHub) else None


async def start(project: Any) -> None:
    hub = LiveHub(project)
    project.services[SERVICE_KEY] = hub
    await hub.start()


async def publish(project: Any) -> None:
    hub = hub_of(project)
    if hub is not None:
        await hub.publish()


async def stop(project: Any) -> None:
    hub = project.services.pop(SERVICE_KEY, None)
    if isinstance(hub, LiveHub):
        await hub.stop()
