"""Turn a JSON path into the words a builder recognises and the ids the designer needs.

``describe(("actionflows", 0, "nodes", 1, "branches", 0, "nodes", 0, "filter"), data)``
gives ``("actionflow Place Order, node Update Product Stock",
{"actionflow": "place_order", "node": "update_product_stock"})``: only the
innermost node (or component, or action) is named, as the designer shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from builder.errors import PathPart, Problem, format_path
from builder.validation.report import Issue


@dataclass(frozen=True)
class Label:
    kind: str  # the location key, e.g. "node"
    text: str  # e.g. "node Update Product Stock"
    ident: str  # the id given to the designer
    group: str  # labels of one group replace deeper ones of the same group


def _named(kind: str, group: str = "") -> Callable[[Any, dict[str, str]], Label]:
    def label(item: Any, tables: dict[str, str]) -> Label:
        if isinstance(item, str):
            return Label(kind, f"{kind.replace('_', ' ')} {item}", item, group or kind)
        item = item if isinstance(item, dict) else {}
        ident = str(item.get("id") or item.get("name") or "?")
        name = item.get("name") or ident
        return Label(kind, f"{kind.replace('_', ' ')} {name}", ident, group or kind)

    return label


def _action(item: Any, tables: dict[str, str]) -> Label:
    ident = str(item.get("id", "?")) if isinstance(item, dict) else "?"
    return Label("action", f"action {ident}", ident, "action")


def _permission(item: Any, tables: dict[str, str]) -> Label:
    item = item if isinstance(item, dict) else {}
    role, table = str(item.get("role", "?")), str(item.get("table", "?"))
    return Label("permission", f"permission of role {role} on table {tables.get(table, table)}", f"{role}:{table}", "permission")


def _seed(item: Any, tables: dict[str, str]) -> Label:
    table = str(item.get("table", "?")) if isinstance(item, dict) else "?"
    return Label("seed", f"seed data for table {tables.get(table, table)}", table, "seed")


# The key holding a list -> the label of one of its elements.
_LIST_LABELS: dict[str, Callable[[Any, dict[str, str]], Label]] = {
    "tables": _named("table"),
    "fields": _named("field"),
    "relations": _named("relation"),
    "constraints": _named("unique_constraint", "constraint"),
    "roles": _named("role"),
    "actionflows": _named("actionflow"),
    "inputs": _named("input"),
    "variables": _named("variable"),
    "nodes": _named("node", "flow_step"),
    "pages": _named("page"),
    "components": _named("component", "page_part"),
    "children": _named("component", "page_part"),
    "item": _named("component", "page_part"),
    "onClick": _action,
    "onChange": _action,
    "actions": _action,
    "on_success": _action,
    "on_failure": _action,
    "seed": _seed,
}
_BRANCH = _named("branch")
# Which groups a new label of a group clears (a node clears the branch that held it, ...).
_CLEARS: dict[str, tuple[str, ...]] = {
    "flow_step": ("flow_step", "branch"),
    "page_part": ("page_part", "branch", "action"),
    "action": ("action", "branch"),
    "branch": ("branch",),
}


def _table_names(data: Any) -> dict[str, str]:
    tables = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(tables, list):  # a draft may hold anything here; its own error names it
        return {}
    return {str(t.get("id")): str(t.get("name")) for t in tables if isinstance(t, dict)}


def _add(labels: list[Label], label: Label) -> None:
    cleared = _CLEARS.get(label.group, (label.group,))
    labels[:] = [old for old in labels if old.group not in cleared]
    labels.append(label)


def walk_labels(parts: Sequence[PathPart], data: Any) -> tuple[list[Label], tuple[PathPart, ...]]:
    """Follow ``parts`` through ``data``; return the labels met and the parts that exist.

    Parts naming a union member (pydantic's discriminator tags) are dropped.
    """
    tables = _table_names(data)
    labels: list[Label] = []
    kept: list[PathPart] = []
    node: Any = data
    parent_key: PathPart | None = None
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            if part not in node and node.get("type") == part:
                continue
            node = node.get(part)
            kept.append(part)
            if parent_key == "permissions" and part == "actionflows":
                labels.append(Label("actionflow_rights", "actionflow rights", "", "permission"))
            elif parent_key == "actionflows" and kept[:2] == ["permissions", "actionflows"]:
                labels[-1] = Label("role", f"actionflow rights of role {part}", part, "permission")
            elif part == "settings" and len(kept) == 1:
                labels.append(Label("settings", "settings", "", "settings"))
            parent_key = part
        elif isinstance(node, list) and isinstance(part, int):
            item = node[part] if 0 <= part < len(node) else None
            kept.append(part)
            key = parent_key if isinstance(parent_key, str) else ""
            if key == "branches":
                _add(labels, _BRANCH(item, tables))
            elif key == "tables" and kept[:1] == ["permissions"]:
                _add(labels, _permission(item, tables))
            elif key == "rows" and kept[:1] == ["seed"]:
                labels.append(Label("row", f"row {part + 1}", str(part), "row"))
            elif key in _LIST_LABELS:
                _add(labels, _LIST_LABELS[key](item, tables))
            node = item
            parent_key = part
        else:
            # A union member name or a part past the data (e.g. a missing key): keep
            # plain keys, drop pydantic's type names such as ``list[str]``.
            if isinstance(part, int) or (isinstance(part, str) and part.isidentifier()):
                kept.append(part)
            node = None
    return labels, tuple(kept)


def prefix_of(labels: Sequence[Label]) -> str:
    return ", ".join(label.text for label in labels)


def location_of(labels: Sequence[Label]) -> dict[str, str]:
    return {label.kind: label.ident for label in labels if label.ident}


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def problem_from_issue(issue: Issue, data: Any) -> Problem:
    """Prefix the sentence with the objects named along the path."""
    labels, kept = walk_labels(issue.parts, data)
    prefix = prefix_of(labels)
    message = f"{capitalize(prefix)}: {issue.sentence}" if prefix else capitalize(issue.sentence)
    return Problem(path=format_path(kept), message=message, severity=issue.severity, location=location_of(labels))
