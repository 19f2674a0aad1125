"""Resources (each project's app.json and GraphQL SDL, the definition schema, the expression language, the designer
walkthrough of the README) and prompts that walk a model through the tools."""

from __future__ import annotations

import json
from typing import Any

from graphql import print_schema
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from builder import expressions
from builder.definition import json_schema
from runtime.mcp.backend import Backend
from runtime.mcp.docs import FORMULA, PAGES_DOC, readme_section
from runtime.mcp.tools_read import session_for


def register(server: MCPServer, backend: Backend) -> None:
    def enter(ctx: Context, slug: str) -> None:
        try:
            backend.enter(ctx, slug)
        except ToolError as exc:
            raise ResourceError(str(exc)) from exc

    @server.resource("minimomen://projects/{slug}/app.json", mime_type="application/json", description="the project's draft definition")
    async def app_json(slug: str, ctx: Context) -> str:
        enter(ctx, slug)
        return json.dumps(backend.workspace.load_raw(slug), indent=2)

    @server.resource("minimomen://projects/{slug}/schema.graphql", mime_type="text/plain", description="the published app's GraphQL SDL (admin)")
    async def sdl(slug: str, ctx: Context) -> str:
        enter(ctx, slug)
        from runtime.graphql.schema import schema_for
        from runtime.permissions import grants_for

        try:
            state = backend.project(slug).state
        except ToolError as exc:
            raise ResourceError(str(exc)) from exc
        return print_schema(schema_for(state, grants_for(state.resolved, session_for("admin"))).schema)

    @server.resource("minimomen://docs/definition-schema", mime_type="application/json", description="JSON Schema of app.json")
    def definition_schema() -> str:
        return json.dumps(json_schema())

    @server.resource("minimomen://docs/expressions", mime_type="text/plain", description="values, references and conditions in app.json")
    def expression_language() -> str:
        return "\n\n".join(part for part in (readme_section(FORMULA, 3), (expressions.__doc__ or "").strip()) if part)

    @server.resource("minimomen://docs/pages", mime_type="text/markdown", description="the page format: components, bindings, actions")
    def pages_format() -> str:
        return PAGES_DOC.read_text(encoding="utf-8") if PAGES_DOC.is_file() else readme_section("Pages")

    @server.resource("minimomen://docs/designer", mime_type="text/markdown", description="the README's designer walkthrough (the tutorial app)")
    def designer_walkthrough() -> str:
        return readme_section("Designer")

    @server.prompt(description="Add a page listing the rows of a table, each linking to a detail page")
    def add_list_page(project: str, table: str) -> list[dict[str, Any]]:
        steps = (
            f"Goal: in project `{project}`, a page listing the rows of table `{table}`, each with a link to a detail page.\n"
            f"1. describe_project {project}: find `{table}`, its fields and who may select it (permissions).\n"
            "2. component_types: read the schemas of list, container, text and button, and the navigate action.\n"
            f"3. edit_definition with add_page (e.g. path '{table}s') and add_component: a list whose source is "
            f"{{table: '{table}', request: 'subscription'}} with an item template showing item.<field> texts and a button whose "
            "onClick navigates to the detail page with the row id.\n"
            f"4. In the same edit: add_page for the detail (a page variable `id`), with a list filtered by id = page.id.\n"
            "5. If edit_definition answers problems, nothing changed: fix every one and send the whole edit again.\n"
            "6. If anonymous visitors must see it, set_permission select for anonymous; then plan_publish and publish.\n"
            f"7. Check with graphql role=anonymous: query {{ {table} {{ id }} }}."
        )
        return [{"role": "user", "content": steps}]

    @server.prompt(description="Add an actionflow that deducts stock safely (a guarded update and its branches)")
    def add_guarded_update(project: str, table: str, field: str) -> list[dict[str, Any]]:
        steps = (
            f"Goal: in project `{project}`, an actionflow that decreases `{table}.{field}` only when enough is left, in one transaction.\n"
            "1. node_types and explain_expression_language: read the update and condition node schemas.\n"
            "2. edit_definition: add_actionflow with inputs (id, quantity) and a status variable and output {status: {ref: var.status}}.\n"
            f"3. add_node an update node on `{table}` with filter {{_and: [{{id: {{_eq: {{ref: input.id}}}}}}, "
            f"{{{field}: {{_gte: {{ref: input.quantity}}}}}}]}} and decrement {{{field}: {{ref: input.quantity}}}}.\n"
            "4. add_node a condition after it: branch 1 when node.<update id>.id is null (nothing updated: shortage), "
            "an otherwise branch for success; set_variable nodes set the status in each.\n"
            "5. set_actionflow_permission for user; publish; then run_actionflow as an account and stress_test to see it never oversells."
        )
        return [{"role": "user", "content": steps}]
