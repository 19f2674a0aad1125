"""The workspace runtime: every project of a workspace, started, published and stopped.

``Runtime`` is what the app factory builds and what request handlers look
projects up in. It owns the database server handle and one ``ProjectRuntime``
per project.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from builder.definition import Definition
from builder.resolved import resolve
from builder.storage import Workspace
from builder.validation import validate_definition
from runtime import services
from runtime.database import DatabaseServer
from runtime.migrations import MigrationPlan, publish_definition
from runtime.project import ProjectRuntime, PublishedState
from runtime.secrets import load_or_create_secrets
from runtime.types import BadUserInput

log = logging.getLogger("minimomen")

Progress = Callable[[str], None]

# Autocommit: transactions are explicit. The client check makes PostgreSQL abort a
# statement whose server process died (kill -9 mid-flow), so a lone actionflow call
# running outside an explicit transaction is rolled back rather than finished unseen.
POOL_CONNECTION_OPTIONS = {"autocommit": True, "options": "-c client_connection_check_interval=500"}


class Runtime:
    """All running projects of one workspace."""

    def __init__(self, workspace: Path, server: DatabaseServer, *, pool_size: int = 20, progress: Progress | None = None):
        self.workspace = Workspace(workspace)
        self.server = server
        self.pool_size = pool_size
        self.projects: dict[str, ProjectRuntime] = {}
        self.progress: Progress = progress or (lambda message: log.info(message))
        self._publish_locks: dict[str, asyncio.Lock] = {}

    def get(self, slug: str) -> ProjectRuntime | None:
        return self.projects.get(slug)

    async def start(self) -> None:
        """Publish and start every project of the workspace."""
        for info in self.workspace.list_projects():
            await self.start_project(info.slug)

    async def start_project(self, slug: str) -> ProjectRuntime:
        definition = self.workspace.load(slug)
        plan = await self._migrate(slug, definition, allow_data_loss=False)
        conninfo = self.server.conninfo(self.server.database_name(slug))
        pool = AsyncConnectionPool(conninfo, min_size=2, max_size=self.pool_size, open=False, kwargs=POOL_CONNECTION_OPTIONS)
        await pool.open(wait=True)
        secrets = await asyncio.to_thread(load_or_create_secrets, conninfo)
        project = ProjectRuntime(
            slug=slug,
            directory=self.workspace.project_dir(slug),
            conninfo=conninfo,
            pool=pool,
            secrets=secrets,
            state=PublishedState(version=plan.version, resolved=resolve(definition)),
        )
        self.projects[slug] = project
        await services.start_project(project)
        self.progress(f"project {slug}: published version {plan.version}, serving")
        return project

    async def publish(self, slug: str, definition: Definition, *, allow_data_loss: bool = False, dry_run: bool = False) -> MigrationPlan:
        """Validate, migrate and swap in a new definition for a running project."""
        problems = [p for p in validate_definition(definition) if p.severity == "error"]
        if problems:
            raise BadUserInput("The definition is not valid: " + "; ".join(p.message for p in problems[:10]))
        lock = self._publish_locks.setdefault(slug, asyncio.Lock())
        async with lock:
            plan = await self._migrate(slug, definition, allow_data_loss=allow_data_loss, dry_run=dry_run)
            if dry_run:
                return plan
            project = self.projects.get(slug)
            if project is None:
                await self.start_project(slug)
            else:
                project.swap_state(PublishedState(version=plan.version, resolved=resolve(definition)))
                await services.publish_project(project)
            return plan

    async def stop_project(self, slug: str) -> None:
        project = self.projects.pop(slug, None)
        if project is not None:
            await services.stop_project(project)
            await project.close()

    async def stop(self) -> None:
        for slug in list(self.projects):
            await self.stop_project(slug)

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
