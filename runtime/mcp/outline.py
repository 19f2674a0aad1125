"""Compact outlines of a definition for ``describe_project`` (a model reads these, so they stay short)."""

from __future__ import annotations

from typing import Any

from builder.definition import ACCOUNT_SYSTEM_FIELDS, ACCOUNT_TABLE, SYSTEM_FIELDS
from runtime.mcp.ops_flows import node_children
from runtime.mcp.ops_pages import component_children

Json = dict[str, Any]


def _tree(items: list[Json], children: Any, keys: tuple[str, ...]) -> list[Json]:
    out = []
    for item in items:
        entry = {k: item[k] for k in keys if k in item}
        for name, nodes in children(item):
            if name is None:
                entry["children"] = _tree(nodes, children, keys)
            else:
                entry.setdefault("branches", {})[str(name)] = _tree(nodes, children, keys)
        out.append(entry)
    return out


def outline(data: Json) -> Json:
    """Tables, relations, constraints, roles, permissions, flows (inputs/outputs, node tree) and pages in outline."""
    names = {t.get("id"): t.get("name") for t in data.get("tables", [])}
    tables = []
    for t in data.get("tables", []):
        system = list(SYSTEM_FIELDS) + (list(ACCOUNT_SYSTEM_FIELDS) if t.get("name") == ACCOUNT_TABLE else [])
        tables.append({
            "id": t.get("id"), "name": t.get("name"), "system_fields": system,
            "fields": [{k: f.get(k) for k in ("name", "type", "required", "unique", "default")} for f in t.get("fields", [])],
        })
    relations = [
        f"{names.get(r['from_table'])}.{r['from_field']} ({r.get('kind', 'one_to_many')}) ↔ {names.get(r['to_table'])}.{r['to_field']}"
        f" via {names.get(r['to_table'])}.{r['foreign_key']['name']}, on delete {r.get('on_delete', 'set_null')} [id {r['id']}]"
        for r in data.get("relations", [])
    ]
    perms = data.get("permissions", {})
    permissions = {
        "tables": [{"role": p["role"], "table": names.get(p["table"], p["table"]),
                    **{op: p[op] for op in ("select", "insert", "update", "delete") if p.get(op) is not None}}
                   for p in perms.get("tables", [])],
        "actionflows": perms.get("actionflows", {}),
    }
    flows = [{
        "id": f.get("id"), "name": f.get("name"), "mode": f.get("mode", "sync"),
        "inputs": f.get("inputs", []), "variables": f.get("variables", []), "output": f.get("output", {}),
        "nodes": _tree(f.get("nodes", []), node_children, ("id", "name", "type")),
    } for f in data.get("actionflows", [])]
    pages = [{
        "id": p.get("id"), "name": p.get("name"), "path": p.get("path", ""),
        "components": _tree(p.get("components", []), component_children, ("id", "name", "type")),
    } for p in data.get("pages", [])]
    return {
        "name": data.get("name"), "tables": tables, "relations": relations,
        "constraints": [{"name": c["name"], "table": names.get(c["table"]), "fields": c["fields"]} for c in data.get("constraints", [])],
        "roles": ["anonymous", "user", *[r.get("name") for r in data.get("roles", [])]],
        "permissions": permissions, "actionflows": flows, "pages": pages, "settings": data.get("settings", {}),
    }


def part(data: Json, kind: str, ref: str) -> Json:
    """One table / relation / actionflow / page in full (by id or name)."""
    collection = {"table": "tables", "relation": "relations", "actionflow": "actionflows", "page": "pages",
                  "constraint": "constraints", "role": "roles"}[kind]
    for item in data.get(collection, []):
        if ref in (item.get("id"), item.get("name")):
            return dict(item)
    known = ", ".join(str(i.get("name") or i.get("id")) for i in data.get(collection, []))
    raise LookupError(f"There is no {kind} `{ref}` (known: {known or 'none'}).")
