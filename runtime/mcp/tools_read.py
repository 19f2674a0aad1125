"""Read tools: projects, their outline, one part in full, the GraphQL SDL per role, the registries, the expression language."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from graphql import print_schema
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from builder import expressions
from builder.api.registry import registry
from builder.validation import validate
from runtime.mcp.backend import Backend
from runtime.mcp.docs import FORMULA, readme_section
from runtime.mcp.outline import outline, part
from runtime.types import Session

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
Project = Annotated[str, Field(description="project slug, as list_projects shows it")]


def session_for(role: str) -> Session:
    """A session of ``role`` for schema purposes: admin, anonymous, user, or a custom role (held by a user)."""
    if role == "admin":
        return Session.admin()
    if role == "anonymous":
        return Session.anonymous()
    return Session(role="user", roles=("user",) if role == "user" else ("user", role))


def register(server: MCPServer, backend: Backend) -> None:
    @server.tool(annotations=READ_ONLY)
    async def list_projects(ctx: Context) -> dict[str, Any]:
        """The projects this token may use: slug, name and the published version (null: never published)."""
        grant = backend.enter(ctx)
        projects = []
        for info in backend.workspace.list_projects():
            if grant.allows(info.slug):
                running = backend.runtime.get(info.slug) if backend.runtime is not None else None
                projects.append({"slug": info.slug, "name": info.name, "published_version": running.state.version if running else None})
        return {"projects": projects, "can_create_projects": grant.whole_workspace}

    @server.tool(annotations=READ_ONLY)
    async def describe_project(project: Project, ctx: Context) -> dict[str, Any]:
        """The draft of a project in outline: tables with fields, relations, constraints, roles, permissions,
        actionflows (inputs, variables, output, node tree) and pages (component tree), plus its validation problems.
        Use get_definition_part for one item in full."""
        backend.enter(ctx, project)
        data = backend.workspace.load_raw(project)
        report = validate(data)
        running = backend.runtime.get(project) if backend.runtime is not None else None
        return {"project": project, "published_version": running.state.version if running else None,
                "undo_steps": len(backend.workspace.history(project)), "definition": outline(data), "validation": report.to_json()}

    @server.tool(annotations=READ_ONLY)
    async def get_definition_part(
        project: Project,
        kind: Literal["table", "relation", "actionflow", "page", "constraint", "role"],
        ref: Annotated[str, Field(description="id or name")],
        ctx: Context,
    ) -> dict[str, Any]:
        """One table, relation, actionflow, page, constraint or role of the draft exactly as app.json holds it."""
        backend.enter(ctx, project)
        try:
            return {kind: part(backend.workspace.load_raw(project), kind, ref)}
        except LookupError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool(annotations=READ_ONLY)
    async def graphql_schema(
        project: Project,
        ctx: Context,
        role: Annotated[str, Field(description="admin, anonymous, user or a custom role")] = "admin",
    ) -> dict[str, Any]:
        """The GraphQL SDL of the published app as ``role`` sees it (only what its permissions allow)."""
        backend.enter(ctx, project)
        from runtime.graphql.schema import schema_for
        from runtime.permissions import grants_for

        running = backend.project(project)
        state = running.state
        bundle = schema_for(state, grants_for(state.resolved, session_for(role)))
        return {"role": role, "version": state.version, "sdl": print_schema(bundle.schema)}

    @server.tool(annotations=READ_ONLY)
    async def node_types(ctx: Context) -> dict[str, Any]:
        """Actionflow node types: label, description, JSON schema of the node and the outputs later nodes read as node.<id>.<key>."""
        backend.enter(ctx)
        return {"node_types": registry()["node_types"]}

    @server.tool(annotations=READ_ONLY)
    async def component_types(ctx: Context) -> dict[str, Any]:
        """Page component types and page action types (onClick chains), each with its JSON schema."""
        backend.enter(ctx)
        full = registry()
        return {"component_types": full["component_types"], "action_types": full["action_types"]}

    @server.tool(annotations=READ_ONLY)
    async def explain_expression_language(ctx: Context) -> dict[str, Any]:
        """How values, references and conditions are written in app.json (filters, node values, bindings)."""
        backend.enter(ctx)
        return {
            "text": (expressions.__doc__ or "").strip(),
            "formula": readme_section(FORMULA, 3),
            "operators": {name: arity for name, arity in expressions.OPERATORS.items()},
            "comparisons": list(expressions.COMPARISONS),
            "aggregate_predicates": list(expressions.AGGREGATE_PREDICATES),
            "logical": list(expressions.LOGICAL),
            "reference_scopes": {
                "actionflow": ["input.<name>", "var.<name>", "node.<node id>.<output>",
                               "node.<query node with one>.<relationship>.<field> / .<array relationship>_aggregate.aggregate.count", "session.account_id", "item (inside a loop)"],
                "page": ["item.<field> (inside a list)", "record.<container id>.<field>", "param.<name>", "component.<id>.value", "global.is_logged_in",
                         "global.current_account.<field>", "page.<variable>", "result.<output> (on_success)", "error.message (on_failure)"],
                "permission": ["session.account_id", "session.role"],
            },
            "example_filter": {"_and": [{"id": {"_eq": {"ref": "input.product_id"}}}, {"stock": {"_gte": {"ref": "input.quantity"}}}]},
        }
