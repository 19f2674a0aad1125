"""Edit operations on actionflows and their nodes (add, update, move, remove anywhere in the tree)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from runtime.mcp.ops_common import (
    Json,
    Op,
    OperationError,
    Position,
    Tree,
    find_by,
    make_id,
    merge,
    resolve_table_refs,
    unique_id,
)


def node_children(node: Json) -> Iterator[tuple[str | None, list[Json]]]:
    """A condition's branches (named by branch id) or a loop's body (unnamed)."""
    if node.get("type") == "condition":
        for branch in node.get("branches", []):
            yield str(branch.get("id")), branch.setdefault("nodes", [])
    elif node.get("type") == "loop":
        yield None, node.setdefault("nodes", [])


class AddActionflow(Op):
    op: Literal["add_actionflow"]
    name: str
    id: str | None = Field(default=None, description="stable id used by pages and permissions; default from the name")
    description: str = ""
    mode: Literal["sync", "async"] = "sync"
    inputs: list[dict[str, Any]] = Field(default_factory=list, description="[{name, type, required}]")
    variables: list[dict[str, Any]] = Field(default_factory=list, description="[{name, type}]")
    output: dict[str, Any] = Field(default_factory=dict, description="output key -> expression, e.g. {status: {ref: var.status}}")


class UpdateActionflow(Op):
    op: Literal["update_actionflow"]
    actionflow: str = Field(description="actionflow id or name")
    set: dict[str, Any] = Field(description="any of name, description, mode, inputs, variables, output, timeout_ms, and a trigger: schedule, on_change or webhook")


class RemoveActionflow(Op):
    op: Literal["remove_actionflow"]
    actionflow: str


class AddNode(Op):
    op: Literal["add_node"]
    actionflow: str
    node: dict[str, Any] = Field(description="the node as in app.json (see node_types): {id, name, type, ...}; a condition may come with its branches")
    position: Position | None = Field(default=None, description="omit to append at the top level")


class UpdateNode(Op):
    op: Literal["update_node"]
    actionflow: str
    node: str = Field(description="node id")
    set: dict[str, Any] = Field(description="keys of the node to replace (null removes one); id and type stay")


class MoveNode(Op):
    op: Literal["move_node"]
    actionflow: str
    node: str
    position: Position


class RemoveNode(Op):
    op: Literal["remove_node"]
    actionflow: str
    node: str


def flow(draft: Json, ref: str) -> Json:
    return find_by(draft.setdefault("actionflows", []), ref, "actionflow")


def add_actionflow(draft: Json, op: AddActionflow) -> None:
    existing = {str(f.get("id")) for f in draft.get("actionflows", [])}
    fid = op.id or unique_id(existing, make_id("", op.name))
    if fid in existing:
        raise OperationError(f"An actionflow with id `{fid}` already exists.", "id")
    data = op.model_dump(exclude={"op", "id"})
    draft.setdefault("actionflows", []).append({"id": fid, **data, "nodes": []})


def update_actionflow(draft: Json, op: UpdateActionflow) -> None:
    merge(flow(draft, op.actionflow), resolve_table_refs(op.set, draft), protected=("id", "nodes"))


def remove_actionflow(draft: Json, op: RemoveActionflow) -> None:
    found = flow(draft, op.actionflow)
    draft["actionflows"].remove(found)
    allowed = draft.setdefault("permissions", {}).setdefault("actionflows", {})
    for role in list(allowed):
        allowed[role] = [f for f in allowed[role] if f != found["id"]]
        if not allowed[role]:
            del allowed[role]


def _nodes(draft: Json, actionflow: str) -> Tree:
    return Tree(flow(draft, actionflow).setdefault("nodes", []), node_children, "node", "actionflow",
                "later nodes refer to its outputs as node.<id>.<key>")


def add_node(draft: Json, op: AddNode) -> None:
    _nodes(draft, op.actionflow).add(resolve_table_refs(op.node, draft), op.position)


def update_node(draft: Json, op: UpdateNode) -> None:
    _nodes(draft, op.actionflow).update(op.node, resolve_table_refs(op.set, draft))


def move_node(draft: Json, op: MoveNode) -> None:
    _nodes(draft, op.actionflow).move(op.node, op.position)


def remove_node(draft: Json, op: RemoveNode) -> None:
    _nodes(draft, op.actionflow).remove(op.node)


OPERATIONS: dict[str, Any] = {
    "add_actionflow": (AddActionflow, add_actionflow), "update_actionflow": (UpdateActionflow, update_actionflow),
    "remove_actionflow": (RemoveActionflow, remove_actionflow), "add_node": (AddNode, add_node),
    "update_node": (UpdateNode, update_node), "move_node": (MoveNode, move_node), "remove_node": (RemoveNode, remove_node),
}
