"""Edit operations on who may do what, and on the app's settings: custom roles, permission rules, settings.

A role's rename or removal follows into every permission rule that names it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from runtime.mcp.ops_common import Json, Op, find_by, make_id, table_id, unique_id


class AddRole(Op):
    op: Literal["add_role"]
    name: str
    description: str = ""
    id: str | None = None


class RenameRole(Op):
    op: Literal["rename_role"]
    role: str
    name: str


class RemoveRole(Op):
    op: Literal["remove_role"]
    role: str


class SetPermission(Op):
    op: Literal["set_permission"]
    role: str = Field(description="anonymous, user or a custom role")
    table: str
    operation: Literal["select", "insert", "update", "delete"]
    rule: dict[str, Any] | None = Field(description="e.g. {columns: '*', filter: {account_id: {_eq: {ref: session.account_id}}}, aggregate: true}; null removes it")


class SetActionflowPermission(Op):
    op: Literal["set_actionflow_permission"]
    role: str
    actionflow: str = Field(description="actionflow id or name")
    allowed: bool


class UpdateSettings(Op):
    op: Literal["update_settings"]
    set: dict[str, Any] = Field(description="any of home_page, token_ttl_minutes, accent_color, currency, locale, time_zone; and name / description of the app")


def add_role(draft: Json, op: AddRole) -> None:
    existing = {str(r.get("id")) for r in draft.get("roles", [])}
    draft.setdefault("roles", []).append({"id": op.id or unique_id(existing, make_id("role", op.name)), "name": op.name, "description": op.description})


def _rename_role_uses(draft: Json, old: str, new: str | None) -> None:
    perms = draft.setdefault("permissions", {})
    tables = perms.get("tables", [])
    perms["tables"] = [p if p.get("role") != old else {**p, "role": new} for p in tables if new is not None or p.get("role") != old]
    flows = perms.get("actionflows", {})
    if old in flows:
        allowed = flows.pop(old)
        if new is not None:
            flows[new] = allowed


def rename_role(draft: Json, op: RenameRole) -> None:
    role = find_by(draft.setdefault("roles", []), op.role, "custom role")
    old = str(role["name"])
    role["name"] = op.name
    _rename_role_uses(draft, old, op.name)


def remove_role(draft: Json, op: RemoveRole) -> None:
    role = find_by(draft.setdefault("roles", []), op.role, "custom role")
    draft["roles"].remove(role)
    _rename_role_uses(draft, str(role["name"]), None)


def set_permission(draft: Json, op: SetPermission) -> None:
    tid = table_id(draft, op.table)
    rules = draft.setdefault("permissions", {}).setdefault("tables", [])
    entry = next((p for p in rules if p.get("role") == op.role and p.get("table") == tid), None)
    if entry is None:
        if op.rule is None:
            return
        entry = {"role": op.role, "table": tid}
        rules.append(entry)
    if op.rule is None:
        entry.pop(op.operation, None)
        if not any(entry.get(k) is not None for k in ("select", "insert", "update", "delete")):
            rules.remove(entry)
    else:
        entry[op.operation] = op.rule


def set_actionflow_permission(draft: Json, op: SetActionflowPermission) -> None:
    flow = find_by(draft.setdefault("actionflows", []), op.actionflow, "actionflow")
    flows = draft.setdefault("permissions", {}).setdefault("actionflows", {})
    allowed = [f for f in flows.get(op.role, []) if f != flow["id"]]
    if op.allowed:
        allowed.append(flow["id"])
    if allowed:
        flows[op.role] = allowed
    else:
        flows.pop(op.role, None)


def update_settings(draft: Json, op: UpdateSettings) -> None:
    settings = draft.setdefault("settings", {})
    for key, value in op.set.items():
        if key in ("name", "description"):
            draft[key] = value
        elif value is None:
            settings.pop(key, None)
        else:
            settings[key] = value


OPERATIONS: dict[str, Any] = {
    "add_role": (AddRole, add_role), "rename_role": (RenameRole, rename_role), "remove_role": (RemoveRole, remove_role),
    "set_permission": (SetPermission, set_permission), "set_actionflow_permission": (SetActionflowPermission, set_actionflow_permission),
    "update_settings": (UpdateSettings, update_settings),
}
