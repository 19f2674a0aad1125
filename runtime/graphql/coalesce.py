"""Concurrent reads of one compiled plan share one round trip to PostgreSQL.

When requests for the same query arrive together — many visitors opening the same
product page, a list everyone loads — they have the same compiled plan (same
document, variable shapes and permission context: plans are cached by all three,
so one plan never mixes two sessions' rights). The first request gives the event
loop one turn, in which the requests already received join it; then one statement
answers all of them: run once when their parameters are equal, else one
multiplexed statement (``runtime.graphql.multiplex``), else one pipeline.

Every request still sees what was committed before it arrived: the statement
starts after the last of them joined. A batch that fails sends each request to
run alone, so an error belongs to the request that caused it. A lone request
costs one extra turn of the loop. ``MINIMOMEN_COALESCE_READS=0`` turns this off
(one statement per request, as ``bench/graphql_query.py --no-coalesce`` measures).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from runtime.graphql.multiplex import multiplexable, rows_multiplexed, rows_pipelined
from runtime.lease import Lease

COALESCE_ENV = "MINIMOMEN_COALESCE_READS"
MAX_BATCH = 64
_ALONE = object()  # a follower's answer when the batch failed: run your own statement


class _Batch:
    __slots__ = ("followers", "params")

    def __init__(self, params: Any):
        self.params: list[Any] = [params]
        self.followers: list[asyncio.Future[Any]] = []


class ReadCoalescer:
    """``fetch(plan, params)``: the plan's row for ``params``, shared with concurrent runs of the same plan."""

    def __init__(self, lease: Lease, enabled: bool | None = None):
        self.lease = lease
        self.enabled = enabled if enabled is not None else os.environ.get(COALESCE_ENV, "1") != "0"
        self._open: dict[int, _Batch] = {}

    async def fetch(self, plan: Any, params: Any) -> Any:
        if not self.enabled:
            return await self._alone(plan, params)
        key = id(plan)
        batch = self._open.get(key)
        if batch is not None and len(batch.params) < MAX_BATCH:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            batch.params.append(params)
            batch.followers.append(future)
            row = await future
            return await self._alone(plan, params) if row is _ALONE else row
        batch = self._open[key] = _Batch(params)
        try:
            await asyncio.sleep(0)  # requests received in the same turn of the loop join now
        except BaseException:
            self._close(key, batch)
            self._release(batch, None)
            raise
        self._close(key, batch)
        if not batch.followers:
            return await self._alone(plan, params)
        try:
            rows = await self._together(plan, batch.params)
        except Exception:  # noqa: BLE001 - whatever failed the batch, each request runs alone and gets its own answer or error
            # (not only psycopg.Error: a parameter that cannot even be encoded raises before the
            # statement is sent, and the leader must not take a follower's error as its own)
            rows = None
        except BaseException:
            self._release(batch, None)
            raise
        self._release(batch, rows)
        return await self._alone(plan, params) if rows is None else rows[0]

    def _close(self, key: int, batch: _Batch) -> None:
        if self._open.get(key) is batch:
            del self._open[key]

    @staticmethod
    def _release(batch: _Batch, rows: list[Any] | None) -> None:
        for index, future in enumerate(batch.followers, start=1):
            if not future.done():
                future.set_result(_ALONE if rows is None else rows[index])

    async def _together(self, plan: Any, params_list: list[Any]) -> list[Any]:
        async with self.lease.connection() as conn:
            if not plan.params.late:  # no variables: every request has the very same parameters
                row = await (await conn.execute(plan.statement, params_list[0])).fetchone()
                return [row] * len(params_list)
            if multiplexable(plan, params_list):
                return await rows_multiplexed(conn, plan, params_list)
            return await rows_pipelined(conn, [(plan, params) for params in params_list])

    async def _alone(self, plan: Any, params: Any) -> Any:
        async with self.lease.connection() as conn:
            return await (await conn.execute(plan.statement, params)).fetchone()
