"""Definition endpoints: load, save (autosave of the draft), validate, undo, redo, rename."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from builder import refactor
from builder.api.errors import ApiError, DesignerRoute
from builder.loader import load_definition
from builder.storage import Workspace
from builder.validation import validate


class SaveBody(BaseModel):
    definition: dict[str, Any]
    # The revision the designer's draft was based on; another writer's save since then (MCP, another tab) is not overwritten.
    base_revision: str | None = None


class RenameBody(BaseModel):
    definition: dict[str, Any]
    kind: Literal["table", "field"]
    table_id: str
    field_id: str | None = None
    name: str


def _state(workspace: Workspace, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "definition": data,
        "report": validate(data).to_json(),
        "history": len(workspace.history(slug)),
        "redo": len(workspace.redoable(slug)),
        "revision": workspace.revision(slug),
    }


def build_definition_router(workspace: Workspace) -> APIRouter:
    router = APIRouter(route_class=DesignerRoute)

    @router.get("/api/projects/{slug}/definition")
    async def load(slug: str) -> dict[str, Any]:
        return _state(workspace, slug, workspace.load_raw(slug))

    @router.get("/api/projects/{slug}/revision")
    async def revision(slug: str) -> dict[str, Any]:
        # Polled by the open designer: a change saved elsewhere (the MCP server, another tab) is loaded at once.
        return {"revision": workspace.revision(slug), "history": len(workspace.history(slug))}

    @router.put("/api/projects/{slug}/definition")
    async def save(slug: str, body: SaveBody) -> dict[str, Any]:
        # A draft that does not parse is refused whole (422 with every problem);
        # the designer keeps it and says "not saved" rather than losing it.
        if body.base_revision is not None and body.base_revision != workspace.revision(slug):
            raise ApiError(409, "CHANGED_ELSEWHERE", "app.json was changed elsewhere (an AI assistant over MCP, or another tab): "
                           "the designer shows that version now; make your change again.")
        saved = workspace.save(slug, body.definition)
        return _state(workspace, slug, saved.model_dump(mode="json"))

    @router.post("/api/projects/{slug}/validate")
    async def check(slug: str, body: SaveBody) -> dict[str, Any]:
        return validate(body.definition).to_json()

    @router.post("/api/projects/{slug}/undo")
    async def undo(slug: str) -> dict[str, Any]:
        restored = workspace.undo(slug)
        return _state(workspace, slug, restored.model_dump(mode="json"))

    @router.post("/api/projects/{slug}/redo")
    async def redo(slug: str) -> dict[str, Any]:
        restored = workspace.redo(slug)
        return _state(workspace, slug, restored.model_dump(mode="json"))

    @router.post("/api/projects/{slug}/rename")
    async def rename(slug: str, body: RenameBody) -> dict[str, Any]:
        definition = load_definition(body.definition)
        if body.kind == "table":
            renamed = refactor.rename_table(definition, body.table_id, body.name)
        else:
            if not body.field_id:
                raise ApiError(400, "BAD_REQUEST", "Renaming a field needs its id.")
            renamed = refactor.rename_field(definition, body.table_id, body.field_id, body.name)
        return {"definition": renamed.model_dump(mode="json")}

    return router
