"""Edit operations on pages and their components (add, update, move, remove anywhere in the tree)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from runtime.mcp.ops_common import (
    Json,
    Op,
    Position,
    Tree,
    find_by,
    make_id,
    merge,
    resolve_table_refs,
    unique_id,
)


def component_children(component: Json) -> Iterator[tuple[str | None, list[Json]]]:
    """A container's children (and ``not_found`` when it loads a record), a list's item template,
    a conditional view's branches (by branch id)."""
    kind = component.get("type")
    if kind == "container":
        yield None, component.setdefault("children", [])
        if component.get("record") or component.get("not_found"):
            yield "not_found", component.setdefault("not_found", [])
    elif kind == "list":
        yield None, component.setdefault("item", [])
    elif kind == "conditional_view":
        for branch in component.get("branches", []):
            yield str(branch.get("id")), branch.setdefault("children", [])


class AddPage(Op):
    op: Literal["add_page"]
    name: str
    path: str = Field(default="", description="URL path under /p/<slug>/; '' is the home page")
    title: str = ""
    variables: list[dict[str, Any]] = Field(default_factory=list)
    id: str | None = None


class UpdatePage(Op):
    op: Literal["update_page"]
    page: str = Field(description="page id or name")
    set: dict[str, Any] = Field(description="any of name, path, title, variables")


class RemovePage(Op):
    op: Literal["remove_page"]
    page: str


class AddComponent(Op):
    op: Literal["add_component"]
    page: str
    component: dict[str, Any] = Field(description="the component as in app.json (see component_types): {id, name, type, ...}, with its children if any")
    position: Position | None = Field(default=None, description="omit to append at the top of the page")


class UpdateComponent(Op):
    op: Literal["update_component"]
    page: str
    component: str = Field(description="component id")
    set: dict[str, Any] = Field(description="keys to replace (null removes one); id and type stay")


class MoveComponent(Op):
    op: Literal["move_component"]
    page: str
    component: str
    position: Position


class RemoveComponent(Op):
    op: Literal["remove_component"]
    page: str
    component: str


def page(draft: Json, ref: str) -> Json:
    return find_by(draft.setdefault("pages", []), ref, "page")


def add_page(draft: Json, op: AddPage) -> None:
    existing = {str(p.get("id")) for p in draft.get("pages", [])}
    pid = op.id or unique_id(existing, make_id("page", op.name))
    draft.setdefault("pages", []).append({"id": pid, **op.model_dump(exclude={"op", "id"}), "components": []})


def update_page(draft: Json, op: UpdatePage) -> None:
    merge(page(draft, op.page), op.set, protected=("id", "components"))


def remove_page(draft: Json, op: RemovePage) -> None:
    draft["pages"].remove(page(draft, op.page))


def _components(draft: Json, page_ref: str) -> Tree:
    return Tree(page(draft, page_ref).setdefault("components", []), component_children, "component", "page",
                "actions refer to it as component.<id>.value")


def add_component(draft: Json, op: AddComponent) -> None:
    _components(draft, op.page).add(resolve_table_refs(op.component, draft), op.position)


def update_component(draft: Json, op: UpdateComponent) -> None:
    _components(draft, op.page).update(op.component, resolve_table_refs(op.set, draft))


def move_component(draft: Json, op: MoveComponent) -> None:
    _components(draft, op.page).move(op.component, op.position)


def remove_component(draft: Json, op: RemoveComponent) -> None:
    _components(draft, op.page).remove(op.component)


OPERATIONS: dict[str, Any] = {
    "add_page": (AddPage, add_page), "update_page": (UpdatePage, update_page), "remove_page": (RemovePage, remove_page),
    "add_component": (AddComponent, add_component), "update_component": (UpdateComponent, update_component),
    "move_component": (MoveComponent, move_component), "remove_component": (RemoveComponent, remove_component),
}
