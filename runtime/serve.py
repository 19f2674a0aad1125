"""``minimomen serve``: start the database, publish every project, run uvicorn.

The parent process owns the database server (embedded or not) and publishes
first, so problems surface as one clear message before any worker starts;
workers then find every project already published. A project whose app.json
cannot be published keeps serving its last published version, or is left out
(``runtime.startup``): only what stops every project (the database, the port)
stops ``serve``. With several workers uvicorn imports ``app_from_env`` in each
worker process; everything it needs travels in environment variables (``SERVE_ENV``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI

from builder.storage import Workspace
from runtime.database import DatabaseServer
from runtime.http_protocol import GatheringHttpToolsProtocol
from runtime.publish_sync import Event, announce
from runtime.startup import choose_startup
from runtime.subscriptions.settings import UVICORN_WEBSOCKET_OPTIONS

# Variables the parent hands to worker processes.
WORKSPACE_ENV = "MINIMOMEN_WORKSPACE"
DATABASE_ENV = "DATABASE_URL"
DESIGNER_TOKEN_ENV = "MINIMOMEN_DESIGNER_TOKEN"
DESIGNER_TOKEN_ONCE_ENV = "MINIMOMEN_DESIGNER_TOKEN_ONCE"  # set by serve for a token it generated
PUBLIC_URL_ENV = "MINIMOMEN_PUBLIC_URL"
POOL_SIZE_ENV = "MINIMOMEN_POOL_SIZE"


@dataclass(frozen=True)
class ServeOptions:
    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    pool_size: int = 20


def progress(message: str) -> None:
    print(message, flush=True)


def app_from_env() -> FastAPI:
    """The app of one worker, configured from the environment set by ``serve`` (uvicorn factory)."""
    from runtime.app import AppConfig, create_app

    return create_app(
        AppConfig(
            workspace=Path(os.environ.get(WORKSPACE_ENV, "projects")),
            database_url=os.environ.get(DATABASE_ENV) or None,
            designer_token=os.environ.get(DESIGNER_TOKEN_ENV) or None,
            designer_token_once=os.environ.get(DESIGNER_TOKEN_ONCE_ENV) == "1",
            public_url=os.environ.get(PUBLIC_URL_ENV, "http://127.0.0.1:8000"),
            pool_size=int(os.environ.get(POOL_SIZE_ENV, "20")),
            progress=progress,
            settle_heap=True,
        )
    )


def server_app_from_env() -> Any:
    """``app_from_env`` with GraphQL POSTs answered ahead of the framework's middleware (uvicorn factory)."""
    from runtime.graphql.fastpath import outermost

    return outermost(app_from_env())


def publish_all(server: DatabaseServer, workspace: Workspace) -> None:
    """Publish each project's app.json as the workers will (``runtime.startup``): an unpublishable draft is reported, never raised."""
    asyncio.run(_publish_all(server, workspace))


async def _publish_all(server: DatabaseServer, workspace: Workspace) -> None:
    origin = f"serve-{uuid.uuid4().hex}"
    for info in workspace.list_projects():
        progress(f"migrating {info.slug}…")
        try:
            choice = await choose_startup(server, workspace, info.slug)
        except Exception as exc:  # noqa: BLE001 - one project's database trouble never stops the others (workers report it too)
            progress(f"project {info.slug}: not served, its database cannot be reached ({type(exc).__name__})")
            continue
        plan = choice.plan
        if plan is None:
            progress(choice.problem_line() or f"project {info.slug}: not served")
        elif plan.changed:
            progress(f"  {info.slug}: applied version {plan.version} ({len(plan.steps)} step{'s' if len(plan.steps) != 1 else ''})")
            # Replicas already running serve it at once instead of at their next reconcile.
            await announce(server, Event("published", info.slug, origin, plan.version))
        else:
            progress(f"  {info.slug}: version {plan.version}, up to date")


class _Stopped(Exception):
    """SIGTERM arrived after uvicorn shut down cleanly."""


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Return normally on SIGTERM so the database server is released (``finally``) and the exit code is 0.

    uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the
    previous handler in place; without this one the process would die right there.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except _Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(options: ServeOptions) -> int:
    import uvicorn

    workspace_root = options.workspace.resolve()
    workspace_root.mkdir(parents=True, exist_ok=True)
    configured = os.environ.get(DESIGNER_TOKEN_ENV)
    token = configured or secrets.token_urlsafe(24)
    public_url = f"http://{options.host}:{options.port}"
    from runtime.embedded_postgres import connection_budget

    projects = len(Workspace(workspace_root).list_projects())
    budget = connection_budget(projects, options.workers, options.pool_size)
    server = DatabaseServer.start(workspace_root, database_url=os.environ.get(DATABASE_ENV) or None, progress=progress,
                                  max_connections=budget)
    try:
        publish_all(server, Workspace(workspace_root))
        # Workers (and the single-process app) use the server started here: an external one by its
        # URL; the embedded one by joining it (the workspace's data folder), so that each worker's
        # supervisor (runtime.db_supervisor) can start it again should it die.
        if server.embedded:
            os.environ.pop(DATABASE_ENV, None)
        else:
            os.environ[DATABASE_ENV] = server.url
        os.environ.update(
            {
                WORKSPACE_ENV: str(workspace_root),
                DESIGNER_TOKEN_ENV: token,
                DESIGNER_TOKEN_ONCE_ENV: "" if configured else "1",
                PUBLIC_URL_ENV: public_url,
                POOL_SIZE_ENV: str(options.pool_size),
            }
        )
        progress(f"Designer: {public_url}/designer/?token={token}")
        sys.stdout.flush()
        with _stop_on_sigterm():
            if options.workers > 1:
                uvicorn.run(
                    "runtime.serve:server_app_from_env", factory=True, host=options.host, port=options.port,
                    workers=options.workers, access_log=False, log_level="info", http=GatheringHttpToolsProtocol, **UVICORN_WEBSOCKET_OPTIONS,
                )
            else:
                uvicorn.run(server_app_from_env(), host=options.host, port=options.port, access_log=False, log_level="info",
                            http=GatheringHttpToolsProtocol, **UVICORN_WEBSOCKET_OPTIONS)
    finally:
        server.stop()
    return 0
