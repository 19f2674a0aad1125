"""Write tools: create a project, edit the draft, validate, plan and publish.

``edit_definition`` changes nothing unless the whole result validates; an applied
edit is saved by ``Workspace.save`` (one Undo step; the open designer reloads it).
``publish`` refuses a plan that loses data unless ``confirm_data_loss`` repeats
the loss exactly as ``plan_publish`` stated it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from builder.errors import StorageError
from builder.loader import load_definition
from builder.storage import check_slug
from builder.validation import validate
from runtime.mcp.backend import Backend
from runtime.mcp.edits import Operation
from runtime.mcp.grants import Grant
from runtime.mcp.tools_read import READ_ONLY, Project

WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)


def loss_statement(destructive: list[str]) -> str:
    """The sentence ``confirm_data_loss`` must repeat: every loss of the plan, joined by '; '."""
    return "; ".join(destructive)


def register(server: MCPServer, backend: Backend) -> None:
    async def plan(grant: Grant, slug: str) -> dict[str, Any]:
        data = backend.workspace.load_raw(slug)
        report = validate(data)
        if not report.ok:
            return {"publishable": False, "problems": report.to_json()["problems"]}
        # allow_data_loss on a dry run: the plan lists what would be lost instead of stopping at it.
        found: dict[str, Any] = await backend.call("publish", slug, load_definition(data), allow_data_loss=True, dry_run=True)
        destructive = [str(loss) for loss in found.get("destructive") or []]
        return {"publishable": True, "version": found.get("version"), "changed": found.get("changed"), "steps": found.get("steps", []),
                "data_loss": destructive, "confirm_data_loss": loss_statement(destructive) if destructive else None,
                "warnings": [p.to_json() for p in report.warnings]}

    @server.tool(annotations=WRITE)
    async def create_project(
        slug: Annotated[str, Field(description="folder name: a lowercase letter then letters, digits, underscores")],
        name: str,
        ctx: Context,
        copy_of: Annotated[str | None, Field(description="slug of a project to copy; omit for a blank project")] = None,
    ) -> dict[str, Any]:
        """Create a blank project (only the built-in account table), or a copy of one. Needs the designer token."""
        grant = backend.enter(ctx)
        if not grant.whole_workspace:
            raise ToolError("Only the designer token may create projects.")
        try:
            check_slug(slug)
            if copy_of is not None and not grant.allows(copy_of):
                raise ToolError(f"This token does not give access to project `{copy_of}`.")
            await asyncio.to_thread(backend.workspace.create, slug, name, copy_of)
        except StorageError as exc:
            raise ToolError(exc.message) from exc
        backend.record(grant, slug, "create_project", {"copy_of": copy_of})
        return {"created": slug, "definition": backend.workspace.load_raw(slug)}

    @server.tool(annotations=WRITE)
    async def edit_definition(
        project: Project,
        operations: Annotated[list[Operation], Field(  # type: ignore[valid-type]
            min_length=1, description="applied in order, all or nothing")],
        ctx: Context,
    ) -> dict[str, Any]:
        """Change the draft with named operations: add/rename/remove table, field, relation, constraint, role;
        add/update/move/remove actionflow and node; add/update/move/remove page and component; set permission rules and settings.
        The result is validated as a whole: if anything is wrong NOTHING is changed and every problem is returned with its
        JSON path (e.g. actionflows[0].nodes[1].filter) — fix them all and send the whole edit again. An applied edit is one
        Undo step in the designer, which shows it at once. Tables may be named by name or id; nodes and components are
        written as in app.json (see node_types / component_types / explain_expression_language)."""
        grant = backend.enter(ctx, project)
        return await backend.edit(grant, project, list(operations))

    @server.tool(name="validate", annotations=READ_ONLY)
    async def validate_tool(project: Project, ctx: Context) -> dict[str, Any]:
        """Every problem of the current draft (errors block publishing; warnings such as race risks do not), each with its path."""
        backend.enter(ctx, project)
        return validate(backend.workspace.load_raw(project)).to_json()

    @server.tool(annotations=READ_ONLY)
    async def plan_publish(project: Project, ctx: Context) -> dict[str, Any]:
        """The migration plan publishing the draft would apply, and what data it would destroy (``data_loss``)."""
        grant = backend.enter(ctx, project)
        return await plan(grant, project)

    @server.tool(annotations=DESTRUCTIVE)
    async def publish(
        project: Project,
        ctx: Context,
        confirm_data_loss: Annotated[str | None, Field(
            description="only for a plan that destroys data: repeat plan_publish's confirm_data_loss text exactly")] = None,
    ) -> dict[str, Any]:
        """Validate the draft, migrate the database and serve the new version. A plan that loses data is refused
        unless confirm_data_loss names that loss exactly as plan_publish stated it."""
        grant = backend.enter(ctx, project)
        async with backend.lock(project):
            found = await plan(grant, project)
            if not found["publishable"]:
                return {"published": False, "reason": "The draft has errors; nothing was published.", "problems": found["problems"]}
            if found["data_loss"] and confirm_data_loss != found["confirm_data_loss"]:
                return {"published": False, "reason": "This publish would destroy data. Nothing was published. To go ahead, "
                        "call publish again with confirm_data_loss set exactly to the text below.",
                        "data_loss": found["data_loss"], "confirm_data_loss": found["confirm_data_loss"]}
            definition = load_definition(backend.workspace.load_raw(project))
            done = await backend.call("publish", project, definition, allow_data_loss=bool(found["data_loss"]), dry_run=False)
            backend.record(grant, project, "publish", {"version": done.get("version"), "data_loss": found["data_loss"]})
        return {"published": True, "version": done.get("version"), "steps": done.get("steps", []), "data_loss": found["data_loss"]}
