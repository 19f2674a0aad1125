"""Scheduled actionflows: every process computes fire times; the database picks one to run each.

For each enabled schedule the scheduler keeps a cursor (fire times up to it are
handled) and, when a fire time passes, claims it with ``INSERT ... ON CONFLICT
DO NOTHING`` into ``minimomen.schedule_run``. Only the process whose insert
wins queues the run, in the same transaction, as an async task of the admin
session, so it gets the task worker's run log, timeout and restart survival.
Several processes on one database therefore run each occurrence exactly once.

Occurrences missed while no server ran: on start, only the latest one runs, and
only for a schedule that has run before (a new schedule does not catch up). A
publish re-reads the schedules; a changed schedule counts from the publish on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import psycopg

from builder.flows import Schedule
from builder.validation.schedules import schedule_zone
from runtime.actionflows import tasks
from runtime.background import cancel_and_wait
from runtime.project import ProjectRuntime
from runtime.system_tables import SCHEMA
from runtime.types import Session

log = logging.getLogger("minimomen.actionflows")

SERVICE = "schedules"
MAX_SLEEP_SECONDS = 1.0  # re-check at least this often (clock jumps, slow publishes of peers)
MAX_BURST = 5  # fire times of one flow claimed per tick when the loop fell behind; older ones are skipped

Clock = Callable[[], datetime.datetime]

_CLAIM = f"INSERT INTO {SCHEMA}.schedule_run (flow_id, fire_at) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING fire_at"
_LINK = f"UPDATE {SCHEMA}.schedule_run SET task_id = %s WHERE flow_id = %s AND fire_at = %s"
_LAST = f"SELECT max(fire_at) FROM {SCHEMA}.schedule_run WHERE flow_id = %s"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class Cursor:
    """One flow's schedule as published, and the instant up to which its fire times are handled."""

    schedule: Schedule
    zone: ZoneInfo
    handled_until: datetime.datetime

    def due(self, now: datetime.datetime) -> list[datetime.datetime]:
        """Fire times in (handled_until, now], the latest ``MAX_BURST`` of them."""
        due: list[datetime.datetime] = []
        for moment in self.schedule.times_after(self.handled_until, self.zone):
            if moment > now:
                break
            due.append(moment)
            del due[:-MAX_BURST]
        return due

    def next_after(self, now: datetime.datetime) -> datetime.datetime | None:
        return next(iter(self.schedule.times_after(now, self.zone)), None)


class Scheduler:
    """Claims and queues the due occurrences of one project's schedules."""

    def __init__(self, project: ProjectRuntime, clock: Clock = utc_now):
        self.project = project
        self.clock = clock
        self.cursors: dict[str, Cursor] = {}
        self._wakeup = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.reload()
        with contextlib.suppress(psycopg.Error, OSError):
            await self._catch_up()
        self._loop_task = asyncio.create_task(self._fire_forever(), name=f"minimomen-schedules-{self.project.slug}")

    async def stop(self) -> None:
        task, self._loop_task = self._loop_task, None
        await cancel_and_wait(task)

    def reload(self) -> None:
        """Follow the published state: keep unchanged schedules' cursors, start changed ones now."""
        definition = self.project.state.resolved.definition
        now = self.clock()
        cursors: dict[str, Cursor] = {}
        for flow in definition.actionflows:
            schedule = flow.schedule
            if schedule is None or not schedule.enabled or schedule.cron_problem() is not None:
                continue
            zone = schedule_zone(schedule, definition)
            old = self.cursors.get(flow.id)
            same = old is not None and old.schedule == schedule and old.zone == zone
            cursors[flow.id] = old if same and old is not None else Cursor(schedule, zone, now)
        self.cursors = cursors
        self._wakeup.set()

    async def _catch_up(self) -> None:
        """Run the latest occurrence missed while no server ran, for schedules that ran before."""
        for flow_id, cursor in list(self.cursors.items()):
            latest = cursor.schedule.latest_until(cursor.handled_until, cursor.zone)
            if latest is None:
                continue
            async with self.project.pool.connection() as conn:
                row = await (await conn.execute(_LAST, (flow_id,))).fetchone()
            last = row[0] if row else None
            if last is not None and latest > last:
                await self.claim(flow_id, latest)

    async def claim(self, flow_id: str, fire_at: datetime.datetime) -> int | None:
        """Queue the run of ``flow_id`` for ``fire_at`` unless a process already did; the task id, or None."""
        async with self.project.pool.connection() as conn, conn.transaction():
            if await (await conn.execute(_CLAIM, (flow_id, fire_at))).fetchone() is None:
                return None
            task_id = await tasks.queue_task(conn, flow_id, self.project.state.version, {}, Session.admin())
            await conn.execute(_LINK, (task_id, flow_id, fire_at))
        tasks.wake_worker(self.project)
        return task_id

    async def tick(self) -> datetime.datetime | None:
        """Claim every due occurrence; return the next fire time of any schedule (None: none left)."""
        now = self.clock()
        for flow_id, cursor in list(self.cursors.items()):
            for fire_at in cursor.due(now):
                await self.claim(flow_id, fire_at)
            cursor.handled_until = now
        upcoming = [moment for cursor in self.cursors.values() if (moment := cursor.next_after(now)) is not None]
        return min(upcoming, default=None)

    async def _fire_forever(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                upcoming = await self.tick()
            except (psycopg.Error, OSError) as exc:
                log.warning("scheduler of %s: %s", self.project.slug, exc)
                upcoming = None
            wait: float | None = MAX_SLEEP_SECONDS if self.cursors else None  # nothing scheduled: sleep until a publish
            if upcoming is not None and wait is not None:
                wait = min(wait, max((upcoming - self.clock()).total_seconds(), 0.0) + 0.01)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)


# ---------------------------------------------------------------- service hooks


async def start(project: ProjectRuntime) -> None:
    scheduler = Scheduler(project)
    project.services[SERVICE] = scheduler
    await scheduler.start()


async def publish(project: ProjectRuntime) -> None:
    scheduler = project.services.get(SERVICE)
    if scheduler is not None:
        scheduler.reload()


async def stop(project: ProjectRuntime) -> None:
    scheduler = project.services.pop(SERVICE, None)
    if scheduler is not None:
        await scheduler.stop()
