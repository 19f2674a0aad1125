"""An in-process project on the session's real PostgreSQL, for auth tests below the HTTP layer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.conftest import copy_sample, unique_prefix

SLUG = "inventory_deduction"


def sample_with(tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """A workspace with a copy of the sample, optionally edited by ``change``."""
    workspace = tmp_path / "ws"
    target = copy_sample(workspace)
    if change is not None:
        app = target / "app.json"
        data = json.loads(app.read_text())
        change(data)
        app.write_text(json.dumps(data, indent=2))
    return workspace


def run_with_project(db_server: Any, workspace: Path, scenario: Callable[[Any], Awaitable[None]]) -> None:
    """Publish and start the sample in this process (own databases), run ``scenario(project)``, clean up."""
    from runtime.database import DatabaseServer
    from runtime.workspace import Runtime

    server = DatabaseServer(db_server.url, prefix=unique_prefix())

    async def main() -> None:
        runtime = Runtime(workspace, server, pool_size=4)
        project = await runtime.start_project(SLUG)
        try:
            await scenario(project)
        finally:
            await runtime.stop()

    try:
        asyncio.run(main())
    finally:
        server.drop_database(server.database_name(SLUG))
