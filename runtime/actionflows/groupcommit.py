"""Group commit of compiled flows: calls that queue behind a running one share the next transaction.

Per flow function (so per flow, version and project: each project has its own
``GroupCommit``), at most one statement runs at a time from this process. A call
that finds none running runs alone, exactly as without group commit (no added
latency). Calls that arrive meanwhile wait; when the running statement returns,
the waiting calls (up to ``max_batch``, in arrival order) run as ONE statement of
the flow's batch function (``sqlflow.batch``): each call in its own
subtransaction, with its own arguments, session and Idempotency-Key, so a failing
call rolls back only itself and gets its own error. Each caller is answered after
the batch's commit returned, i.e. once it is durable (``synchronous_commit``).

A batch that fails as a whole (cancelled at the flow's time limit, deadlock or
serialization failure outside any call, a lost connection) falls back to running
its calls one by one, so nobody gets an error they would not have got alone. The
one exception is an outcome the server never confirmed (the connection broke, or
the client-side backstop fired, after the statement was sent): the batch may have
committed, so calls without an Idempotency-Key get that error (as a lone call
would) instead of a second run; keyed calls run again safely (their key replays).

``max_batch`` bounds a batch below PostgreSQL's per-backend cache of 64
subtransaction ids: a transaction with more subtransactions that wrote overflows
it, and every other session's snapshot then consults ``pg_subtrans`` (see
docs/benchmarks.md for the measurement). ``MINIMOMEN_GROUP_COMMIT=0`` turns group
commit off; ``MINIMOMEN_GROUP_COMMIT_MAX`` sets the bound.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from builder.resolved import ResolvedProject
from runtime.actionflows.compiler import CompiledFlow
from runtime.actionflows.engine import GRACE_MS, Trace, finish_sql, raise_flow_error
from runtime.actionflows.idempotency import Replayed
from runtime.actionflows.run import FlowError
from runtime.actionflows.sqlflow import runner
from runtime.lease import Lease
from runtime.system_tables import SCHEMA

log = logging.getLogger("minimomen.actionflows")
server_log = logging.getLogger("uvicorn.error")  # the server's own log (INFO and up are printed)

SERVICE = "groupcommit"
ENABLED_ENV = "MINIMOMEN_GROUP_COMMIT"
MAX_ENV = "MINIMOMEN_GROUP_COMMIT_MAX"
# Below the 64 cached subtransaction ids (each call's block writes, so it takes one), with
# room for the key claims' and the flow's own nested blocks; measured in docs/benchmarks.md.
DEFAULT_MAX_BATCH = 48

_RECORD = f"""UPDATE {SCHEMA}.idempotency_key k SET response = v.response
FROM unnest(%s::text[], %s::text[], %s::jsonb[]) AS v(key, caller, response) WHERE k.key = v.key AND k.caller = v.caller"""


@dataclass(eq=False)
class Call:
    """One invocation of a compiled flow; ``alone`` runs it the way it runs without group commit."""

    compiled: CompiledFlow
    project: ResolvedProject
    session_values: dict[str, Any]
    inputs: dict[str, Any]
    trace: Trace
    alone: Callable[[], Awaitable[Any]]
    answer: Callable[[dict[str, Any]], Awaitable[Any]]  # the caller's JSON answer from the flow's output
    key: str | None = None
    caller: str | None = None
    respond: Callable[[Any], dict[str, Any]] | None = None  # the response stored for the key
    future: asyncio.Future[Any] | None = None


@dataclass
class _Queue:
    busy: bool = False
    waiting: collections.deque[Call] = field(default_factory=collections.deque)


class GroupCommit:
    def __init__(self, lease: Lease, max_batch: int = DEFAULT_MAX_BATCH):
        self.lease = lease
        self.max_batch = max(1, max_batch)
        self.sizes: collections.Counter[int] = collections.Counter()  # batch size -> batches (lone calls: 1)
        self._queues: dict[str, _Queue] = {}
        self._drains: set[asyncio.Task[None]] = set()

    async def run(self, call: Call) -> Any:
        """The call's JSON output (or its error), after its transaction committed."""
        assert call.compiled.sql is not None
        queue = self._queues.get(call.compiled.sql.function)
        if queue is None:
            queue = self._queues[call.compiled.sql.function] = _Queue()
        if queue.busy:
            call.future = asyncio.get_running_loop().create_future()
            queue.waiting.append(call)
            return await call.future
        queue.busy = True
        try:
            self.sizes[1] += 1
            return await call.alone()
        finally:
            self._release(queue)

    def _release(self, queue: _Queue) -> None:
        if not queue.waiting:
            queue.busy = False
            return
        task = asyncio.get_running_loop().create_task(self._drain(queue), name="minimomen-groupcommit")
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    async def _drain(self, queue: _Queue) -> None:
        batch: list[Call] = []
        try:
            while queue.waiting:
                batch = []
                while queue.waiting and len(batch) < self.max_batch:
                    call = queue.waiting.popleft()
                    if call.future is not None and not call.future.done():  # its caller may have gone
                        batch.append(call)
                if not batch:
                    continue
                self.sizes[len(batch)] += 1
                if len(batch) == 1:
                    await _settle_alone(batch[0])
                else:
                    await self._batch(batch)
        finally:
            queue.busy = False
            for call in [*batch, *queue.waiting]:  # only on an unexpected error or shutdown
                _fail(call, RuntimeError("the group commit was interrupted"))
            queue.waiting.clear()

    async def _batch(self, calls: list[Call]) -> None:
        compiled = calls[0].compiled
        assert compiled.sql is not None and compiled.batch is not None
        keyed = any(call.key is not None for call in calls)
        timeout_ms = compiled.flow.timeout_ms
        outcomes: list[tuple[bool, Any]] = []
        rows: list[tuple[Any, ...]] = []
        try:
            async with self.lease.connection() as conn:
                deadline = runner.Deadline(conn, timeout_ms)
                async with asyncio.timeout((timeout_ms + GRACE_MS) / 1000), deadline:
                    params = [(c.inputs, c.session_values, c.key, c.caller) for c in calls]
                    if keyed:
                        async with conn.transaction():
                            rows = await runner.call_batch(conn, compiled.sql, compiled.batch, params)
                            outcomes = await _outcomes(calls, rows)
                            await _record(conn, calls, outcomes)
                    else:  # autocommit: the statement is its own transaction
                        rows = await runner.call_batch(conn, compiled.sql, compiled.batch, params)
        except (psycopg.Error, TimeoutError) as exc:
            confirmed = isinstance(exc, psycopg.Error) and exc.sqlstate is not None  # the server said it failed
            log.warning("a batch of %d calls of %s failed as a whole (%s); running them one by one", len(calls), compiled.flow.id,
                        type(exc).__name__)
            for call in calls:
                if confirmed or call.key is not None:
                    await _settle_alone(call)
                elif isinstance(exc, TimeoutError):
                    _fail(call, FlowError(f"Actionflow {compiled.flow.name} timed out after {timeout_ms} ms", flow=compiled.flow.id,
                                          node=call.trace.last, cause="TIMEOUT"))
                else:
                    _fail(call, exc)
            return
        if not keyed:  # committed: the answers are built after the statement, outside its error handling
            outcomes = await _outcomes(calls, rows)
        for call, (ok, value) in zip(calls, outcomes):
            if call.future is not None and not call.future.done():
                if ok:
                    call.future.set_result(value)
                else:
                    call.future.set_exception(value)

    def summary(self) -> str:
        calls = sum(size * count for size, count in self.sizes.items())
        batches = sum(count for size, count in self.sizes.items() if size > 1)
        return f"{calls} calls, {batches} batches; sizes {dict(sorted(self.sizes.items()))}"

    async def stop(self) -> None:
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        if self.sizes:
            server_log.info("group commit: %s", self.summary())


async def _outcomes(calls: list[Call], rows: list[tuple[Any, ...]]) -> list[tuple[bool, Any]]:
    """(True, JSON output) or (False, exception) per call, as the call would have ended alone."""
    outcomes: list[tuple[bool, Any]] = []
    by_key: dict[tuple[str | None, str], tuple[bool, Any]] = {}
    for call, row in zip(calls, rows):
        kind, value = runner.batch_outcome(row)
        call.trace.compiled = True
        outcome: tuple[bool, Any]
        try:
            if kind is None:
                output = await call.answer(finish_sql(call.compiled, call.project, call.session_values, call.inputs, value, call.trace))
                outcome = (True, output)
            elif kind == "replay":
                earlier = by_key.get((call.caller, call.key or ""))
                if value is None and earlier is not None:  # claimed by an earlier call of this batch
                    outcome = (False, Replayed(earlier[1])) if earlier[0] else earlier
                else:
                    stored = value if isinstance(value, dict) else {"data": None}
                    outcome = (False, Replayed(stored))
            else:
                raise_flow_error(call.compiled, value, call.trace)
        except Exception as exc:  # noqa: BLE001 - the call's own error (a flow error, or a database error passed through), answered to it
            outcome = (False, exc)
        if call.key is not None and kind is None:
            response = call.respond(outcome[1]) if outcome[0] and call.respond is not None else None
            by_key[(call.caller, call.key)] = (outcome[0], response if outcome[0] else outcome[1])
        outcomes.append(outcome)
    return outcomes


async def _record(conn: psycopg.AsyncConnection, calls: list[Call], outcomes: list[tuple[bool, Any]]) -> None:
    """Store the responses of the keyed calls that ran, in the batch's transaction."""
    keys, callers, responses = [], [], []
    for call, (ok, value) in zip(calls, outcomes):
        if call.key is not None and ok and call.respond is not None:
            keys.append(call.key)
            callers.append(call.caller)
            responses.append(Jsonb(call.respond(value)))
    if keys:
        await conn.execute(_RECORD, (keys, callers, responses))


async def _settle_alone(call: Call) -> None:
    try:
        result = await call.alone()
    except Exception as exc:  # noqa: BLE001 - answered to its caller, as when it runs alone
        _fail(call, exc)
    else:
        if call.future is not None and not call.future.done():
            call.future.set_result(result)


def _fail(call: Call, exc: BaseException) -> None:
    if call.future is not None and not call.future.done():
        call.future.set_exception(exc)


def enabled() -> bool:
    return os.environ.get(ENABLED_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


def of(project: Any) -> GroupCommit | None:
    """The project's group commit (created on first use), or None when it is turned off."""
    if not enabled():
        return None
    found = project.services.get(SERVICE)
    if found is None:
        found = project.services[SERVICE] = GroupCommit(project.lease, int(os.environ.get(MAX_ENV, DEFAULT_MAX_BATCH)))
    return found  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the service hooks (runtime.services)


async def start(project: Any) -> None:
    """Nothing to start: the group commit is created on first use."""


async def publish(project: Any) -> None:
    """Nothing to do: queues are per function, and a new version brings new functions."""


async def stop(project: Any) -> None:
    found = project.services.pop(SERVICE, None)
    if found is not None:
        await found.stop()
