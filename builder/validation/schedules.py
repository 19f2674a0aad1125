"""Checks of actionflow schedules: a cron that parses, a known time zone, an end after the start, no required inputs."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from builder.definition import Definition
from builder.display_formats import DEFAULT_TIME_ZONE, time_zones
from builder.errors import PathPart
from builder.flows import Actionflow, Schedule
from builder.validation.catalog import Catalog
from builder.validation.report import Issue
from builder.validation.settings import close_choice

MAX_CRON_LENGTH = 200  # as the model allows


def schedule_zone(schedule: Schedule, definition: Definition) -> ZoneInfo:
    """The zone a schedule's times are read in: its own, else the project's, else UTC."""
    for name in (schedule.time_zone, definition.settings.time_zone, DEFAULT_TIME_ZONE):
        if name and name in time_zones():
            return ZoneInfo(name)
    return ZoneInfo(DEFAULT_TIME_ZONE)


def _zone_issue(schedule: Schedule) -> str | None:
    if schedule.time_zone is None or schedule.time_zone in time_zones():
        return None
    zones = sorted(time_zones())
    return (f"time zone `{schedule.time_zone}` is not an IANA time zone name such as `Europe/Berlin`, "
            f"`America/New_York` or `UTC`.{close_choice(schedule.time_zone, zones)}")


def _check_flow(flow: Actionflow, schedule: Schedule, definition: Definition) -> Iterator[tuple[tuple[str, ...], str]]:
    problem = schedule.cron_problem()
    if problem is not None:
        yield ("cron",), f"the schedule `{schedule.cron}` is not a valid cron expression: {problem}"
    zone_problem = _zone_issue(schedule)
    if zone_problem is not None:
        yield ("time_zone",), zone_problem
    zone = schedule_zone(schedule, definition)
    start, end = schedule.bound(schedule.start_at, zone), schedule.bound(schedule.end_at, zone)
    if start is not None and end is not None and end <= start:
        yield ("end_at",), "the schedule ends before it starts; choose an end time after the start time."
    required = [item.name for item in flow.inputs if item.required]
    if required:
        names = ", ".join(f"`{name}`" for name in required)
        yield ("inputs",), (f"a scheduled run passes no inputs, but {names} "
                            f"{'is' if len(required) == 1 else 'are'} required; make {'it' if len(required) == 1 else 'them'} optional or remove the schedule.")


def check_schedules(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Every schedule that could never run as written."""
    for index, flow in enumerate(definition.actionflows):
        if flow.schedule is None:
            continue
        for tail, sentence in _check_flow(flow, flow.schedule, definition):
            # The inputs belong to the flow itself; everything else to its schedule.
            where: tuple[PathPart, ...] = ("actionflows", index) if tail == ("inputs",) else ("actionflows", index, "schedule")
            yield Issue((*where, *tail), sentence)


def preview_schedule(cron: str, time_zone: str, count: int = 3, after: datetime.datetime | None = None) -> dict[str, Any]:
    """The designer's hint: ``{"next": [ISO times], "problem": sentence | None}`` of a cron in a zone."""
    if not cron.strip() or len(cron) > MAX_CRON_LENGTH:
        return {"next": [], "problem": "Enter a cron expression such as `0 9 * * 1-5` (9:00 on weekdays)."}
    schedule = Schedule(cron=cron, time_zone=time_zone or DEFAULT_TIME_ZONE)
    cron_problem, zone_problem = schedule.cron_problem(), _zone_issue(schedule)
    if cron_problem is not None:
        return {"next": [], "problem": f"Not a valid cron expression: {cron_problem}"}
    if zone_problem is not None:
        return {"next": [], "problem": zone_problem[:1].upper() + zone_problem[1:]}
    moment = after or datetime.datetime.now(datetime.UTC)
    times = schedule.times_after(moment, ZoneInfo(schedule.time_zone or DEFAULT_TIME_ZONE))
    return {"next": [fire.isoformat() for fire, _ in zip(times, range(count), strict=False)], "problem": None}
