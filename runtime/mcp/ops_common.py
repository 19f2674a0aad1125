"""Shared pieces of the edit operations: errors, look-ups by id or name, and tree positions.

Operations work on the raw JSON of ``app.json`` (a deep copy of the draft); the
result is validated as a whole by ``builder.validation`` before anything is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Json = dict[str, Any]
_ID_SAFE = re.compile(r"[^a-z0-9_]+")


class OperationError(Exception):
    """One operation cannot be applied; ``field`` names the offending argument."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Op(BaseModel):
    """Base of every operation model: unknown keys are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Position(BaseModel):
    """Where a node or component goes: inside ``parent`` (in its ``branch`` for conditions) at ``index``."""

    model_config = ConfigDict(extra="forbid")
    parent: str | None = Field(default=None, description="id of the parent node/component; omit for the top level")
    branch: str | None = Field(default=None, description="branch id when the parent is a condition / conditional view; 'not_found' for a record container's fallback")
    index: int | None = Field(default=None, ge=0, description="position among the siblings; omit to append")


def make_id(prefix: str, *parts: str) -> str:
    """A readable id such as ``tbl_product`` from names."""
    body = "_".join(_ID_SAFE.sub("_", p.lower()).strip("_") for p in parts if p)
    if not prefix or body.startswith(prefix + "_"):
        return body[:63]
    return f"{prefix}_{body}"[:63]


def unique_id(existing: set[str], wanted: str) -> str:
    candidate, n = wanted, 2
    while candidate in existing:
        candidate, n = f"{wanted}_{n}", n + 1
    return candidate


def find_by(items: list[Json], ref: str, what: str, keys: tuple[str, ...] = ("id", "name")) -> Json:
    """The item whose id (or name) is ``ref``; ``OperationError`` listing the known ones otherwise."""
    for key in keys:
        for item in items:
            if item.get(key) == ref:
                return item
    known = ", ".join(str(i.get("name") or i.get("id")) for i in items) or "none"
    raise OperationError(f"There is no {what} `{ref}` (known: {known}).")


def table(draft: Json, ref: str) -> Json:
    return find_by(draft.setdefault("tables", []), ref, "table")


def table_id(draft: Json, ref: str) -> str:
    return str(table(draft, ref)["id"])


def resolve_table_refs(value: Any, draft: Json) -> Any:
    """Inside a node or component payload, ``"table": "<name>"`` becomes the table's id (ids stay)."""
    if isinstance(value, list):
        return [resolve_table_refs(v, draft) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "table" and isinstance(item, str):
                names = {t.get("name"): t.get("id") for t in draft.get("tables", [])}
                ids = {t.get("id") for t in draft.get("tables", [])}
                out[key] = item if item in ids else names.get(item, item)
            else:
                out[key] = resolve_table_refs(item, draft)
        return out
    return value


# ------------------------------------------------------------------ trees (flow nodes, page components)

Children = Callable[[Json], Iterator[tuple[str | None, list[Json]]]]


def walk(items: list[Json], children: Children) -> Iterator[tuple[list[Json], Json]]:
    """Every (sibling list, item) of a tree, depth first."""
    for item in items:
        yield items, item
        for _, inner in children(item):
            yield from walk(inner, children)


def locate(items: list[Json], item_id: str, children: Children, what: str) -> tuple[list[Json], Json]:
    for siblings, item in walk(items, children):
        if item.get("id") == item_id:
            return siblings, item
    raise OperationError(f"There is no {what} `{item_id}`.")


def slot(items: list[Json], position: Position | None, children: Children, what: str) -> tuple[list[Json], int]:
    """The sibling list and index a ``Position`` designates."""
    position = position or Position()
    if position.parent is None:
        target = items
    else:
        _, parent = locate(items, position.parent, children, what)
        lists = list(children(parent))
        if not lists:
            raise OperationError(f"The {what} `{position.parent}` cannot hold others.", "parent")
        if position.branch is None:
            unnamed = [inner for name, inner in lists if name is None]
            if not unnamed:
                names = ", ".join(str(name) for name, _ in lists)
                raise OperationError(f"`{position.parent}` has branches ({names}): say which with `branch`.", "branch")
            target = unnamed[0]
        else:
            matches = [inner for name, inner in lists if name == position.branch]
            if not matches:
                names = ", ".join(str(name) for name, _ in lists)
                raise OperationError(f"`{position.parent}` has no branch `{position.branch}` (branches: {names}).", "branch")
            target = matches[0]
    index = len(target) if position.index is None else min(position.index, len(target))
    return target, index


def all_ids(items: list[Json], children: Children) -> set[str]:
    return {str(item.get("id")) for _, item in walk(items, children)}


def merge(target: Json, changes: Json, protected: tuple[str, ...]) -> None:
    """Shallow update; a ``None`` value removes the key. ``protected`` keys cannot be changed here."""
    for key, value in changes.items():
        if key in protected:
            raise OperationError(f"`{key}` cannot be changed with `set` (use the dedicated operation).", "set")
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value


@dataclass(frozen=True)
class Tree:
    """One tree of a definition (a flow's nodes, a page's components) and the words its refusals use."""

    items: list[Json]
    children: Children
    what: str  # "node", "component"
    owner: str  # "actionflow", "page"
    id_hint: str  # why an item needs an id, for the refusal

    def add(self, item: Json, position: Position | None) -> None:
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise OperationError(f"A {self.what} needs an `id` ({self.id_hint}).", self.what)
        if item["id"] in all_ids(self.items, self.children):
            raise OperationError(f"This {self.owner} already has a {self.what} `{item['id']}`.", self.what)
        target, index = slot(self.items, position, self.children, self.what)
        target.insert(index, item)

    def update(self, item_id: str, changes: Json) -> None:
        _, item = locate(self.items, item_id, self.children, self.what)
        merge(item, changes, protected=("id", "type"))

    def move(self, item_id: str, position: Position) -> None:
        siblings, item = locate(self.items, item_id, self.children, self.what)
        if position.parent is not None and position.parent in all_ids([item], self.children):
            raise OperationError(f"A {self.what} cannot move inside itself.", "position")
        siblings.remove(item)
        target, index = slot(self.items, position, self.children, self.what)
        target.insert(index, item)

    def remove(self, item_id: str) -> None:
        siblings, item = locate(self.items, item_id, self.children, self.what)
        siblings.remove(item)
