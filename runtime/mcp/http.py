"""``/mcp`` on the running server: Streamable HTTP, authenticated by the designer token or a project's admin token.

``install(app, runtime, config)`` adds the ASGI middleware (``grants.McpEndpoint``)
and returns the SDK's session manager, which the app's lifespan runs. Stateless
mode: every request stands alone, so any worker process can answer it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import FastAPI

from builder.storage import Workspace
from runtime.mcp.backend import Backend
from runtime.mcp.grants import Grant, McpEndpoint, same_secret
from runtime.mcp.server import build_server


def install(app: FastAPI, runtime: Any, config: Any) -> Any:
    from runtime.designer.hooks import designer_callbacks

    backend = Backend(Workspace(config.workspace), designer_callbacks(runtime, config), runtime)
    server = build_server(backend)
    host = urlparse(config.public_url).hostname or "127.0.0.1"
    sdk_app = server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True, host=host)

    async def authenticate(token: str, peer: str) -> Grant | None:
        if same_secret(token, config.designer_token):
            return Grant(kind="designer", projects=None, origin=f"{peer} designer token")
        for slug, project in dict(runtime.projects).items():
            if same_secret(token, project.secrets.admin_token):
                return Grant(kind="admin", projects=frozenset({slug}), origin=f"{peer} admin token of {slug}")
        return None

    app.add_middleware(McpEndpoint, mcp_app=sdk_app, authenticate=authenticate)
    return server.session_manager
