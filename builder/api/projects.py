"""Project list endpoints: list, create (blank, from a sample, or as a copy), delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from builder.api.callbacks import CallbackError, DesignerCallbacks
from builder.api.errors import ApiError, DesignerRoute
from builder.assets import asset_dir
from builder.loader import load_definition
from builder.storage import (
    MIGRATIONS_DIR,
    Workspace,
    check_slug,
    render_definition,
    write_atomically,
)

SAMPLES_DIR = asset_dir("samples", "projects")


class CreateProject(BaseModel):
    slug: str
    name: str = Field(min_length=1, max_length=120)
    sample: str | None = Field(default=None, description="slug of a sample project shipped with minimomen")
    source: str | None = Field(default=None, description="slug of a project of this workspace to copy")


def list_samples(samples_dir: Path = SAMPLES_DIR) -> list[dict[str, str]]:
    """Sample projects shipped in the repository's ``projects/`` folder."""
    samples = []
    if samples_dir.is_dir():
        for app in sorted(samples_dir.glob("*/app.json")):
            try:
                data = json.loads(app.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            samples.append({"slug": app.parent.name, "name": str(data.get("name", app.parent.name)), "description": str(data.get("description", ""))})
    return samples


def create_from_sample(workspace: Workspace, slug: str, name: str, sample: str, samples_dir: Path = SAMPLES_DIR) -> None:
    check_slug(sample)
    app = samples_dir / sample / "app.json"
    if not app.is_file():
        raise ApiError(404, "NOT_FOUND", f"There is no sample called `{sample}`.")
    definition = load_definition(json.loads(app.read_text(encoding="utf-8"))).model_copy(update={"name": name})
    folder = workspace.project_dir(slug)
    if folder.exists():
        raise ApiError(409, "STORAGE", f"Project `{slug}` already exists.")
    folder.mkdir(parents=True)
    (folder / MIGRATIONS_DIR).mkdir()
    write_atomically(folder / "app.json", render_definition(definition))


def build_projects_router(workspace: Workspace, callbacks: DesignerCallbacks) -> APIRouter:
    router = APIRouter(route_class=DesignerRoute)

    @router.get("/api/projects")
    async def projects() -> dict[str, Any]:
        return {"projects": [{"slug": p.slug, "name": p.name} for p in workspace.list_projects()]}

    @router.get("/api/samples")
    async def samples() -> dict[str, Any]:
        return {"samples": list_samples()}

    @router.post("/api/projects", status_code=201)
    async def create(body: CreateProject) -> dict[str, Any]:
        check_slug(body.slug)
        if body.sample and body.source:
            raise ApiError(400, "BAD_REQUEST", "Choose either a sample or a project to copy, not both.")
        if body.sample:
            create_from_sample(workspace, body.slug, body.name, body.sample)
        elif body.source:
            workspace.clone(body.source, body.slug, body.name)
        else:
            workspace.create(body.slug, body.name)
        return {"slug": body.slug, "name": body.name}

    @router.delete("/api/projects/{slug}")
    async def delete(slug: str) -> dict[str, Any]:
        check_slug(slug)
        if not workspace.exists(slug):
            raise ApiError(404, "NOT_FOUND", f"Project `{slug}` does not exist.")
        try:
            await callbacks.forget_project(slug)
        except CallbackError as exc:
            if exc.code != "RUNTIME_UNAVAILABLE":
                raise
        workspace.delete(slug)
        return {"deleted": slug}

    return router
