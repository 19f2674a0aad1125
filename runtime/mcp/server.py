"""Assembly of the MCP server, and ``minimomen mcp`` over stdio.

``build_server(backend)`` registers every tool group, resource and prompt on one
``MCPServer``. Over stdio (``run_stdio``) the process starts its own ``Runtime``
for the workspace — another server process of it, following publishes like the
others (``runtime.publish_sync``) — and logs only to stderr: stdout is the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

from builder.storage import Workspace
from runtime.mcp import resources, tools_read, tools_run, tools_write
from runtime.mcp.backend import Backend
from runtime.mcp.grants import Grant

INSTRUCTIONS = (
    "minimomen: a low-code backend (PostgreSQL tables, GraphQL API, transactional actionflows, live pages) defined by one "
    "JSON definition per project (app.json). Start with list_projects and describe_project. Change the draft only with "
    "edit_definition (all operations or none; problems come back with their JSON paths), then plan_publish and publish. "
    "Check behaviour with graphql (as admin, anonymous or an account) and run_actionflow."
)


def build_server(backend: Backend, *, lifespan: Any = None) -> MCPServer:
    server: MCPServer = MCPServer("minimomen", instructions=INSTRUCTIONS, version="0.1.0", lifespan=lifespan)
    for group in (tools_read, tools_write, tools_run, resources):
        group.register(server, backend)
    return server


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_stdio(workspace_root: Path, *, project: str | None = None, database_url: str | None = None) -> int:
    """``minimomen mcp``: serve MCP on stdin/stdout with a runtime of its own for ``workspace_root``."""
    from runtime.database import DatabaseServer
    from runtime.designer.hooks import designer_callbacks
    from runtime.workspace import Runtime

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    root = workspace_root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    grant = Grant(kind="local", projects=None if project is None else frozenset({project}), origin=f"stdio pid {os.getpid()}")
    backend = Backend(Workspace(root), None, None, local=grant)

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        db = await asyncio.to_thread(DatabaseServer.start, root, database_url=database_url, progress=_stderr)
        runtime = Runtime(root, db, pool_size=int(os.environ.get("MINIMOMEN_POOL_SIZE", "10")), progress=_stderr)
        try:
            await runtime.start()
            backend.runtime = runtime
            backend.callbacks = designer_callbacks(runtime, None)
            yield
        finally:
            await runtime.stop()
            db.stop()

    build_server(backend, lifespan=lifespan).run()
    return 0
