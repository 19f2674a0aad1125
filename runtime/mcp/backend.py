"""What the MCP tools work on: the workspace (drafts, history), the runtime (publish, run), limits and the write log.

Every tool starts with ``Backend.enter(ctx, project)``: it finds the session's
``Grant``, counts the call against the rate limit and checks the project is
within the grant. Writes go through ``Workspace.save`` — the designer's own
save — so each applied edit is one history entry (one Undo in the designer),
and each is logged with its origin (``minimomen.mcp`` logger and
``<project>/.history/mcp-writes.jsonl``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from builder.api.callbacks import CallbackError
from builder.errors import BuilderError
from builder.storage import Workspace
from runtime.mcp import edits
from runtime.mcp.grants import GRANT_STATE_KEY, Grant

log = logging.getLogger("minimomen.mcp")

RATE_ENV = "MINIMOMEN_MCP_RATE_LIMIT"
DEFAULT_RATE = "240/minute"
WRITE_LOG = "mcp-writes.jsonl"


def grant_of(ctx: Context[Any, Any] | None, local: Grant | None) -> Grant | None:
    """The grant of the HTTP request behind ``ctx``, else the local (stdio) grant."""
    request = getattr(getattr(ctx, "_request_context", None), "request", None) if ctx is not None else None
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        found = scope.get("state", {}).get(GRANT_STATE_KEY)
        return found if isinstance(found, Grant) else None
    return local


class Backend:
    """Shared by every tool of one MCP server; ``callbacks`` is the designer's runtime side (``RuntimeCallbacks``)."""

    def __init__(self, workspace: Workspace, callbacks: Any, runtime: Any, *, local: Grant | None = None, rate: str | None = None) -> None:
        self.workspace = workspace
        self.callbacks = callbacks
        self.runtime = runtime
        self.local = local
        self.rate = parse(rate or os.environ.get(RATE_ENV) or DEFAULT_RATE)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self._locks: dict[str, asyncio.Lock] = {}

    # ------------------------------------------------------------ access

    def enter(self, ctx: Context[Any, Any] | None, project: str | None = None) -> Grant:
        grant = grant_of(ctx, self.local)
        if grant is None:
            raise ToolError("Not authenticated: present the designer token or the project's admin token.")
        if not self.limiter.hit(self.rate, "mcp", grant.identity):
            raise ToolError(f"Rate limit reached ({self.rate}): wait a little before the next tool call.")
        if project is not None:
            if not grant.allows(project):
                raise ToolError(f"This token does not give access to project `{project}`.")
            if not self.workspace.exists(project):
                raise ToolError(f"There is no project `{project}`; list_projects shows the ones you can use.")
        return grant

    def visible(self, grant: Grant) -> list[str]:
        return [slug for slug in self.workspace.slugs() if grant.allows(slug)]

    # ------------------------------------------------------------ writes

    def lock(self, slug: str) -> asyncio.Lock:
        return self._locks.setdefault(slug, asyncio.Lock())

    async def edit(self, grant: Grant, slug: str, operations: list[Any]) -> dict[str, Any]:
        """Apply ``operations`` to the draft if the whole result validates; save it as one history entry."""
        async with self.lock(slug):
            result = edits.apply(self.workspace.load_raw(slug), operations)
            if result.applied and result.draft is not None:
                await asyncio.to_thread(self.workspace.save, slug, result.draft)
                self.record(grant, slug, "edit_definition", {"operations": [op.op for op in operations]})
        answer = result.to_json()
        answer["history"] = len(self.workspace.history(slug))
        return answer

    def record(self, grant: Grant, slug: str, tool: str, detail: dict[str, Any]) -> None:
        """Log one write with its origin (never a secret: detail names operations, not values)."""
        entry = {"at": datetime.now(UTC).isoformat(), "project": slug, "tool": tool, "grant": grant.kind, "origin": grant.origin, **detail}
        log.info("mcp write: %s", json.dumps(entry))
        folder = self.workspace.history_dir(slug)
        folder.mkdir(exist_ok=True)
        with (folder / WRITE_LOG).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    # ------------------------------------------------------------ runtime

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A designer callback; its errors and the builder's become tool errors with their code."""
        if self.callbacks is None:
            raise ToolError("This MCP server has no runtime: start it with a database to publish and run.")
        try:
            return await getattr(self.callbacks, name)(*args, **kwargs)
        except CallbackError as exc:
            raise ToolError(f"{exc.code}: {exc.message}") from exc
        except BuilderError as exc:
            raise ToolError(exc.message) from exc

    def project(self, slug: str) -> Any:
        project = self.runtime.get(slug) if self.runtime is not None else None
        if project is None:
            raise ToolError(f"NOT_PUBLISHED: project `{slug}` is not running yet: publish it first.")
        return project

