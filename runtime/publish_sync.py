"""Every server process of a workspace follows the publishes and deletions made in any of them.

Each process (uvicorn worker, docker-compose replica) holds its own ``Runtime``.
The one that publishes or deletes a project announces it with ``NOTIFY`` on a
channel of the server's maintenance database (every project has its own
database, so only that one is shared); the channel name carries the database
prefix so runtimes on one server with different prefixes do not hear each other.
Each ``Runtime`` runs one ``PublishSync`` listener and, for events from other
processes, serves the version recorded in ``minimomen.applied_definition`` —
never app.json, which may hold an unpublished draft, and never by migrating.
Notifications sent while the listener is away are lost, so on every (re)connect,
and every ``reconcile_seconds`` as a safety net, it compares each project with
the database and the workspace and catches up.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors, sql

from builder.definition import Definition
from builder.loader import load_definition
from runtime.database import MAINTENANCE_DB, DatabaseError, DatabaseServer
from runtime.system_tables import SCHEMA

if TYPE_CHECKING:
    from runtime.workspace import Runtime

log = logging.getLogger("minimomen.sync")

CHANNEL_BASE = "minimomen_publish"
APPLICATION_NAME = "minimomen-publish-sync"  # + pid: lets an operator (or a test) find a process's listener
_MAX_IDENTIFIER = 63
_LATEST = sql.SQL("SELECT version, definition FROM {}.applied_definition ORDER BY version DESC LIMIT 1").format(sql.Identifier(SCHEMA))


def channel_name(prefix: str) -> str:
    """The NOTIFY channel of the runtimes sharing database ``prefix``; hashed when too long for an identifier."""
    name = f"{CHANNEL_BASE}_{prefix}" if prefix else CHANNEL_BASE
    if len(name.encode()) > _MAX_IDENTIFIER:
        name = f"{CHANNEL_BASE}_{hashlib.sha256(prefix.encode()).hexdigest()[:24]}"
    return name


@dataclass(frozen=True)
class AppliedDefinition:
    """The newest definition a publish recorded in a project's database (parsed only when used)."""

    version: int
    data: Any

    @functools.cached_property
    def definition(self) -> Definition:
        # The minute's reconcile mostly finds the version it serves: no need to validate the JSON then.
        return load_definition(self.data)


async def latest_applied(server: DatabaseServer, slug: str) -> AppliedDefinition | None:
    """The newest applied definition of ``slug``; None when its database or its first publish does not exist.

    Raises when the database exists but cannot be read (server away): the caller
    must not take a connection failure for a deleted project.
    """
    dbname = server.database_name(slug)
    try:
        async with await psycopg.AsyncConnection.connect(server.conninfo(dbname), autocommit=True, connect_timeout=10) as conn:
            row = await (await conn.execute(_LATEST)).fetchone()
    except errors.UndefinedTable:
        return None  # the database exists, its first publish has not committed
    except psycopg.OperationalError:
        # A connection failure carries no SQLSTATE: ask the maintenance database whether it still exists.
        if not await asyncio.to_thread(server.database_exists, dbname):
            return None
        raise
    if row is None:
        return None
    return AppliedDefinition(version=int(row[0]), data=row[1])


@dataclass(frozen=True)
class Event:
    """One announcement: ``published`` (version) or ``deleted``, from the process ``origin``."""

    event: str
    slug: str
    origin: str
    version: int | None = None

    def payload(self) -> str:
        return json.dumps({"event": self.event, "slug": self.slug, "version": self.version, "origin": self.origin})


def parse_event(payload: str) -> Event | None:
    """The event in a notification, or None (logged) when it is not one of ours."""
    try:
        data = json.loads(payload)
        event = Event(event=str(data["event"]), slug=str(data["slug"]), origin=str(data["origin"]), version=data.get("version"))
    except (ValueError, TypeError, KeyError):
        log.warning("ignoring an unreadable publish notification %r", payload[:200])
        return None
    if event.version is not None and not isinstance(event.version, int):
        log.warning("ignoring a publish notification with version %r", event.version)
        return None
    return event


async def announce(server: DatabaseServer, event: Event) -> None:
    """NOTIFY the processes serving ``server``'s projects; a failure is logged, not raised: the change itself is done."""
    try:
        async with await psycopg.AsyncConnection.connect(server.conninfo(MAINTENANCE_DB), autocommit=True, connect_timeout=10) as conn:
            await conn.execute("SELECT pg_notify(%s, %s)", (channel_name(server.prefix), event.payload()))
    except psycopg.Error as exc:
        log.warning("publish sync: could not announce %s of %s (%s); other processes catch up when they reconcile", event.event, event.slug, exc)


class PublishSync:
    """LISTENs for other processes' publishes and deletions and applies them to ``runtime``; announces its own."""

    def __init__(self, runtime: Runtime, *, max_reconnect_delay: float = 5.0, reconcile_seconds: float = 60.0):
        self.runtime = runtime
        self.channel = channel_name(runtime.server.prefix)
        self.origin = uuid.uuid4().hex  # this Runtime; its own announcements come back and are skipped
        self.max_reconnect_delay = max_reconnect_delay
        self.reconcile_seconds = reconcile_seconds
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._handlers: dict[str, Callable[[Event], Awaitable[None]]] = {
            "published": self._published,
            "deleted": self._deleted,
        }

    # lifecycle -------------------------------------------------------------

    async def start(self, *, wait: float = 10.0) -> None:
        """Start listening; waits up to ``wait`` seconds for the first connection (then goes on retrying)."""
        self._task = asyncio.create_task(self._run(), name="minimomen-publish-sync")
        try:
            await asyncio.wait_for(self.connected.wait(), wait)
        except TimeoutError:
            log.warning("publish sync: not connected after %.0fs; other processes' publishes arrive once it is", wait)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # announcing ------------------------------------------------------------

    async def announce_published(self, slug: str, version: int) -> None:
        await self._announce(Event("published", slug, self.origin, version))

    async def announce_deleted(self, slug: str) -> None:
        await self._announce(Event("deleted", slug, self.origin))

    async def _announce(self, event: Event) -> None:
        await announce(self.runtime.server, event)

    # listening -------------------------------------------------------------

    async def _run(self) -> None:
        delay = 0.1
        conninfo = self.runtime.server.conninfo(MAINTENANCE_DB)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, connect_timeout=10, application_name=f"{APPLICATION_NAME} {os.getpid()}"
                ) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.connected.set()
                    delay = 0.1
                    await self._listen(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure of the connection means: reconnect
                self.connected.clear()
                log.warning("publish sync: LISTEN connection lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_reconnect_delay)

    async def _listen(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Reconcile, then handle notifications for ``reconcile_seconds``; again, until the connection fails."""
        while True:
            await self.reconcile(conn)
            async for notify in conn.notifies(timeout=self.reconcile_seconds):
                event = parse_event(notify.payload)
                if event is not None and event.origin != self.origin:
                    await self._handle(event)
            if conn.closed or conn.broken:
                raise psycopg.OperationalError("LISTEN connection closed")

    async def _handle(self, event: Event) -> None:
        handler = self._handlers.get(event.event)
        if handler is None:
            log.warning("publish sync: ignoring unknown event %r", event.event)
            return
        try:
            await handler(event)
        except Exception:  # one project's trouble must not stop the listener
            log.exception("publish sync: could not follow %s of project %s", event.event, event.slug)

    async def _published(self, event: Event) -> None:
        project = self.runtime.get(event.slug)
        if project is not None and project.state.version == event.version:
            return  # already serving it; any other version (older: recreated elsewhere) is read from the database
        await self.runtime.follow(event.slug)

    async def _deleted(self, event: Event) -> None:
        if self.runtime.get(event.slug) is not None:
            await self.runtime.stop_project(event.slug)
            self.runtime.progress(f"project {event.slug}: deleted by another process, stopped")

    # catching up -----------------------------------------------------------

    async def reconcile(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Serve the newest applied version of every published project of the workspace; stop the others."""
        runtime = self.runtime
        in_workspace = {info.slug for info in runtime.workspace.list_projects()}
        databases: dict[str, str] = {}
        for slug in in_workspace | set(runtime.projects):
            try:
                databases[runtime.server.database_name(slug)] = slug
            except DatabaseError:
                continue  # a folder whose name cannot be a database: never started either
        cursor = await conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (list(databases),))
        existing = {databases[name] for (name,) in await cursor.fetchall()}
        for slug in sorted(in_workspace | set(runtime.projects)):
            try:
                if slug in runtime.projects and (slug not in in_workspace or slug not in existing):
                    await runtime.stop_project(slug)
                    runtime.progress(f"project {slug}: deleted by another process, stopped")
                elif slug in existing:
                    await runtime.follow(slug)
            except Exception:  # catch up with the other projects regardless
                log.exception("publish sync: could not catch up with project %s", slug)
