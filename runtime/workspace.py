"""The workspace runtime: every project of a workspace, started, published and stopped.

``Runtime`` is what the app factory builds and what request handlers look
projects up in. It owns the database server handle and one ``ProjectRuntime``
per project, and follows what the workspace's other server processes publish
and delete (``runtime.publish_sync``). At start-up a project whose app.json
cannot be published serves its last published version, or is left out with
the reason kept for its API clients (``runtime.startup``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from builder.definition import Definition
from builder.resolved import resolve
from builder.storage import Workspace
from builder.validation import validate_definition
from runtime import services
from runtime.database import DatabaseServer
from runtime.db_supervisor import DatabaseSupervisor
from runtime.files.signing import install_file_signing
from runtime.migrations import MigrationPlan, publish_definition
from runtime.project import ProjectRuntime, PublishedState
from runtime.publish_sync import PublishSync, latest_applied
from runtime.secrets import load_or_create_secrets
from runtime.startup import choose_startup
from runtime.types import BadUserInput

log = logging.getLogger("minimomen")

Progress = Callable[[str], None]

# Autocommit: transactions are explicit. The client check makes PostgreSQL abort a
# statement whose server process died (kill -9 mid-flow), so a lone actionflow call
# running outside an explicit transaction is rolled back rather than finished unseen.
POOL_CONNECTION_OPTIONS = {"autocommit": True, "options": "-c client_connection_check_interval=500"}


POOL_TIMEOUT_ENV = "MINIMOMEN_POOL_TIMEOUT"


def pool_timeout() -> float:
    """Seconds a request waits for a database connection before it fails (5 by default: fail fast, not after 30 s)."""
    return float(os.environ.get(POOL_TIMEOUT_ENV) or 5.0)


class Runtime:
    """All running projects of one workspace."""

    def __init__(self, workspace: Path, server: DatabaseServer, *, pool_size: int = 20, progress: Progress | None = None):
        self.workspace = Workspace(workspace)
        self.server = server
        self.pool_size = pool_size
        self.projects: dict[str, ProjectRuntime] = {}
        self.progress: Progress = progress or (lambda message: log.info(message))
        # One change at a time per project: a local publish, following another process, stopping.
        self._publish_locks: dict[str, asyncio.Lock] = {}
        # Projects start-up could not serve, with the reason API clients are given (runtime.startup).
        self._unserved: dict[str, str] = {}
        self.sync = PublishSync(self)
        self.database = DatabaseSupervisor(self)

    def get(self, slug: str) -> ProjectRuntime | None:
        return self.projects.get(slug)

    async def start(self) -> None:
        """Publish and start every project of the workspace, then follow the other processes.

        A project whose app.json this start published anew is announced, so processes
        already running (the other replicas) serve it at once, not at their next reconcile.
        """
        published: list[tuple[str, int]] = []
        for info in self.workspace.list_projects():
            try:
                await self.start_project(info.slug, published=published)
            except Exception:  # one project's database trouble never stops the others
                log.exception("project %s could not start", info.slug)
                self.progress(f"project {info.slug}: not served, its database cannot be reached (see the log)")
                self._unserved[info.slug] = "the project's database cannot be reached right now; the server log has the details"
        await self.sync.start()
        for slug, version in published:
            await self.sync.announce_published(slug, version)
        await self.database.start()

    async def start_project(self, slug: str, *, published: list[tuple[str, int]] | None = None) -> ProjectRuntime | None:
        """Serve ``slug`` as start-up decides (``runtime.startup``): app.json, else its last published version.

        None when neither can be served (an unpublishable draft, never published);
        ``unserved_reason`` then says why until the project is published.
        """
        async with self._lock(slug):
            self.progress(f"project {slug}: migrating")
            choice = await choose_startup(self.server, self.workspace, slug)
            line = choice.problem_line()
            if line is not None:
                self.progress(line)
            if choice.definition is None or choice.version is None:
                self._unserved[slug] = choice.public_reason()
                return None
            if published is not None and choice.plan is not None and choice.plan.changed:
                published.append((slug, choice.version))  # ``published``: collects what app.json changed
            return await self._open(slug, choice.version, choice.definition)

    def unserved_reason(self, slug: str) -> str | None:
        """Why project ``slug`` of the workspace is not served (start-up could not publish it); None otherwise."""
        reason = self._unserved.get(slug)
        if reason is None or slug in self.projects or not self.workspace.exists(slug):
            return None
        return reason

    async def _open(self, slug: str, version: int, definition: Definition) -> ProjectRuntime:
        """Serve ``definition`` (already applied as ``version``): pool, secrets, services."""
        conninfo = self.server.conninfo(self.server.database_name(slug))
        # Connections open on demand and close after a minute idle: a workspace of many
        # small projects holds connections only for the projects in use.
        pool = AsyncConnectionPool(conninfo, min_size=0, max_size=self.pool_size, open=False, kwargs=POOL_CONNECTION_OPTIONS,
                                   timeout=pool_timeout(), max_idle=60)
        await pool.open(wait=True)
        project: ProjectRuntime | None = None
        try:
            secrets = await asyncio.to_thread(load_or_create_secrets, conninfo)
            await asyncio.to_thread(install_file_signing, conninfo, slug, secrets.jwt_secret)
            project = ProjectRuntime(
                slug=slug,
                directory=self.workspace.project_dir(slug),
                conninfo=conninfo,
                pool=pool,
                secrets=secrets,
                state=PublishedState(version=version, resolved=resolve(definition)),
            )
            await services.start_project(project)
        except BaseException:
            # Half started (cancelled by shutdown, database gone): leave nothing running behind.
            if project is not None:
                await services.stop_project(project)
                await project.close()
            else:
                await pool.close()
            raise
        self.projects[slug] = project
        self.progress(f"project {slug}: published version {version}, serving")
        return project

    async def publish(self, slug: str, definition: Definition, *, allow_data_loss: bool = False, dry_run: bool = False) -> MigrationPlan:
        """Validate, migrate and swap in a new definition for a running project."""
        problems = [p for p in validate_definition(definition) if p.severity == "error"]
        if problems:
            raise BadUserInput("The definition is not valid: " + "; ".join(p.message for p in problems[:10]))
        async with self._lock(slug):
            plan = await self._migrate(slug, definition, allow_data_loss=allow_data_loss, dry_run=dry_run)
            if dry_run:
                return plan
            project = self.projects.get(slug)
            if project is None:
                await self._open(slug, plan.version, definition)
            else:
                project.swap_state(PublishedState(version=plan.version, resolved=resolve(definition)))
                await services.publish_project(project)
            return plan

    async def follow(self, slug: str) -> None:
        """Serve the newest version of ``slug`` that any process applied: start it, swap it in, or stop it.

        Never migrates: another process did, and re-running a migration from here
        could apply a different (older or draft) definition.
        """
        async with self._lock(slug):
            applied = await latest_applied(self.server, slug)
            project = self.projects.get(slug)
            if applied is None:
                if project is not None:  # its database is gone: the project was deleted
                    await self._close(slug)
                return
            if project is not None and applied.version < project.state.version:
                await self._close(slug)  # deleted and created again: a new database, versions start over
                project = None
            if project is None:
                if self.workspace.exists(slug):
                    await self._open(slug, applied.version, applied.definition)
            elif applied.version > project.state.version:
                project.swap_state(PublishedState(version=applied.version, resolved=resolve(applied.definition)))
                await services.publish_project(project)
                self.progress(f"project {slug}: now serving version {applied.version}, published by another process")

    async def stop_project(self, slug: str) -> None:
        async with self._lock(slug):
            await self._close(slug)

    async def stop(self) -> None:
        await self.database.stop()
        await self.sync.stop()
        for slug in list(self.projects):
            await self.stop_project(slug)

    def _lock(self, slug: str) -> asyncio.Lock:
        return self._publish_locks.setdefault(slug, asyncio.Lock())

    async def _close(self, slug: str) -> None:
        self._unserved.pop(slug, None)  # stopped or deleted: a later project of that name starts afresh
        project = self.projects.pop(slug, None)
        if project is not None:
            await services.stop_project(project)
            await project.close()

    async def _migrate(self, slug: str, definition: Definition, *, allow_data_loss: bool, dry_run: bool = False) -> MigrationPlan:
        self.progress(f"project {slug}: migrating")
        return await asyncio.to_thread(
            publish_definition,
            self.server,
            slug,
            definition,
            self.workspace.project_dir(slug),
            allow_data_loss=allow_data_loss,
            dry_run=dry_run,
        )


ProjectHook = Callable[[ProjectRuntime], Awaitable[None]]
