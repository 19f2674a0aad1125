"""The app factory: one FastAPI app serving every project of a workspace.

Composition is a list of routers; each package owns its routes. Nothing here
is module-level state: ``create_app`` builds everything, tests call it freely.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from runtime.database import DatabaseServer
from runtime.workspace import Progress, Runtime

log = logging.getLogger("minimomen")


@dataclass
class AppConfig:
    workspace: Path
    database_url: str | None = None  # None: embedded PostgreSQL under the workspace
    designer_token: str | None = None  # the designer's token (printed by `minimomen serve` in a link)
    designer_token_once: bool = False  # True when serve generated it: exchanged once, then refused
    public_url: str = "http://127.0.0.1:8000"
    pool_size: int = 20
    progress: Progress | None = None
    settle_heap: bool = False  # serving processes: tune the garbage collector once start-up is done (runtime/heap.py)
    extra: dict[str, object] = field(default_factory=dict)


def _routers(app: FastAPI, runtime: Runtime, config: AppConfig) -> None:
    # Imported here so that each package can be worked on (and imported) alone.
    from builder.api.routes import build_designer_router
    from runtime.auth.routes import build_auth_router
    from runtime.designer.hooks import designer_callbacks
    from runtime.files.routes import build_files_router
    from runtime.graphql.routes import build_graphql_router
    from runtime.integrations.webhooks import build_webhook_router
    from runtime.pages.routes import build_pages_router
    from runtime.subscriptions.routes import build_subscription_router

    app.include_router(build_graphql_router(runtime))
    app.include_router(build_subscription_router(runtime))
    app.include_router(build_auth_router(runtime, config))
    app.include_router(build_webhook_router(runtime))
    app.include_router(build_files_router(runtime))
    from builder.storage import Workspace

    app.include_router(build_designer_router(Workspace(config.workspace), designer_callbacks(runtime, config), config.designer_token,
                                             token_once=config.designer_token_once))
    app.include_router(build_pages_router(runtime))  # last: it owns /p/<slug>/<page path>


def create_app(config: AppConfig) -> FastAPI:
    """Build the app; the database starts and projects publish in the lifespan."""

    state: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = DatabaseServer.start(config.workspace, database_url=config.database_url, progress=config.progress)
        runtime = Runtime(config.workspace, server, pool_size=config.pool_size, progress=config.progress)
        app.state.runtime = runtime
        state["runtime"] = runtime
        try:
            await runtime.start()
            if config.settle_heap:
                from runtime.heap import settle

                settle()
            async with state["mcp_sessions"].run():  # type: ignore[attr-defined]
                yield
        finally:
            await runtime.stop()
            server.stop()

    app = FastAPI(title="minimomen", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        runtime = state.get("runtime")
        if not isinstance(runtime, Runtime):
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            for project in runtime.projects.values():
                async with project.pool.connection(timeout=5) as conn:
                    await conn.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - report, don't crash, the probe
            log.warning("health check failed: %s", exc)
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "projects": sorted(runtime.projects)})

    _RouterInstaller(app, config, state).install()
    from runtime.mcp.http import install as install_mcp

    state["mcp_sessions"] = install_mcp(app, RuntimeProxy(state), config)  # /mcp: the MCP server over Streamable HTTP
    from runtime.graphql.fastpath import GraphQLFastPath

    app.add_middleware(GraphQLFastPath, runtime=RuntimeProxy(state))  # GraphQL POSTs skip the framework's routing
    return app


class _RouterInstaller:
    """Routers need the runtime, which exists only once the lifespan runs; they get a proxy."""

    def __init__(self, app: FastAPI, config: AppConfig, state: dict[str, object]):
        self.app, self.config, self.state = app, config, state

    def install(self) -> None:
        _routers(self.app, RuntimeProxy(self.state), self.config)  # type: ignore[arg-type]


class RuntimeProxy:
    """Forwards attribute access to the Runtime created in the lifespan."""

    def __init__(self, state: dict[str, object]):
        self._state = state

    def __getattr__(self, name: str) -> object:
        runtime = self._state.get("runtime")
        if runtime is None:
            raise RuntimeError("the runtime is not started yet")
        return getattr(runtime, name)
