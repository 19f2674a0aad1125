"""Renames that keep a definition consistent.

Structural references use ids and survive a rename untouched; filters, values
and bindings use field names, so ``rename_field`` rewrites every one of them:
filter keys (through relationships too), node values / set / increment /
decrement keys, order_by, on-conflict fields, unique constraints, permission
columns / filters / presets, seed rows, ``node.<id>.<field>`` outputs of nodes on
the table, ``item.<field>`` inside lists of the table and
``global.current_account.<field>`` for the account table.

Both functions are pure: they return a new ``Definition``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.definition import ACCOUNT_TABLE, Definition
from builder.errors import RefactorError
from builder.expressions import is_ref
from builder.flows import walk_nodes
from builder.validation.catalog import build_catalog
from builder.validation.names import reserved_field_reason, reserved_table_reason
from builder.validation.pages import BOUND_ATTRIBUTES

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
Json = Any
RefMap = Callable[[str], str]
LOGICAL = ("_and", "_or", "_not")


@dataclass(frozen=True)
class _Rename:
    table_id: str
    old: str
    new: str
    relationships: dict[str, dict[str, tuple[str, str]]]  # table id -> field -> (target table id, kind)
    is_account: bool

    def column(self, table_id: str | None, name: str) -> str:
        return self.new if table_id == self.table_id and name == self.old else name

    def columns(self, table_id: str | None, mapping: dict[str, Json]) -> dict[str, Json]:
        return {self.column(table_id, key): value for key, value in mapping.items()}

    def path(self, table_id: str, segments: list[str]) -> list[str]:
        """Rename the column at the end of a field path that starts on ``table_id``."""
        current: str | None = table_id
        for index, segment in enumerate(segments):
            if current == self.table_id and segment == self.old:
                return [*segments[:index], self.new, *segments[index + 1 :]]
            target = self.relationships.get(current or "", {}).get(segment)
            if target is None or target[1] != "object":
                return segments
            current = target[0]
        return segments


# ------------------------------------------------------------------ expressions


def _identity(path: str) -> str:
    return path


def _expr(value: Json, refs: RefMap) -> Json:
    if isinstance(value, list):
        return [_expr(item, refs) for item in value]
    if isinstance(value, dict):
        if is_ref(value):
            return {"ref": refs(value["ref"])}
        if set(value) == {"literal"}:
            return value
        return {key: _expr(item, refs) for key, item in value.items()}
    return value


def _comparisons(value: Json, refs: RefMap) -> Json:
    return {op: _expr(operand, refs) for op, operand in value.items()} if isinstance(value, dict) else value


def _filter(condition: Json, table_id: str | None, r: _Rename, refs: RefMap) -> Json:
    """A table filter: keys are columns or relationships of ``table_id``."""
    if not isinstance(condition, dict):
        return condition
    out: dict[str, Json] = {}
    for key, value in condition.items():
        if key in ("_and", "_or") and isinstance(value, list):
            out[key] = [_filter(part, table_id, r, refs) for part in value]
        elif key == "_not":
            out[key] = _filter(value, table_id, r, refs)
        elif key in r.relationships.get(table_id or "", {}):
            out[key] = _filter(value, r.relationships[table_id or ""][key][0], r, refs)
        elif key.endswith("_aggregate") and key[: -len("_aggregate")] in r.relationships.get(table_id or "", {}) and isinstance(value, dict):
            target = r.relationships[table_id or ""][key[: -len("_aggregate")]][0]
            out[key] = {fn: _aggregate(body, target, r, refs) for fn, body in value.items()}
        else:
            out[r.column(table_id, key)] = _comparisons(value, refs)
    return out


def _aggregate(body: Json, table_id: str, r: _Rename, refs: RefMap) -> Json:
    """One aggregation predicate: its ``arguments`` name fields of ``table_id``, ``filter`` is a table filter."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    arguments = body.get("arguments")
    if isinstance(arguments, str):
        out["arguments"] = r.column(table_id, arguments)
    elif isinstance(arguments, list):
        out["arguments"] = [r.column(table_id, a) if isinstance(a, str) else a for a in arguments]
    if "filter" in body:
        out["filter"] = _filter(body["filter"], table_id, r, refs)
    if "predicate" in body:
        out["predicate"] = _comparisons(body["predicate"], refs)
    return out


def _condition(condition: Json, refs: RefMap) -> Json:
    """A flow or page condition: keys are reference paths."""
    if not isinstance(condition, dict):
        return condition
    out: dict[str, Json] = {}
    for key, value in condition.items():
        if key in ("_and", "_or") and isinstance(value, list):
            out[key] = [_condition(part, refs) for part in value]
        elif key == "_not":
            out[key] = _condition(value, refs)
        else:
            out[refs(key)] = _comparisons(value, refs)
    return out


def _order_by(order_by: list[Json], table_id: str | None, r: _Rename) -> list[Json]:
    return [{**item, "field": r.column(table_id, item.get("field", ""))} for item in order_by]


# ------------------------------------------------------------------ actionflows

NodeRewrite = Callable[[dict[str, Json], _Rename, RefMap], None]


def _nodes(nodes: list[Json], r: _Rename, refs: RefMap) -> None:
    for node in nodes:
        NODE_REWRITES[node["type"]](node, r, refs)


def _query(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    node["filter"] = _filter(node["filter"], node["table"], r, refs)
    node["order_by"] = _order_by(node["order_by"], node["table"], r)


def _insert(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    node["values"] = _expr(r.columns(node["table"], node["values"]), refs)
    conflict = node.get("on_conflict")
    if conflict:
        conflict["update_fields"] = [r.column(node["table"], f) for f in conflict["update_fields"]]
        if conflict["constraint"].startswith("field:"):
            conflict["constraint"] = "field:" + r.column(node["table"], conflict["constraint"].removeprefix("field:"))


def _update(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    node["filter"] = _filter(node["filter"], node["table"], r, refs)
    for key in ("set", "increment", "decrement"):
        node[key] = _expr(r.columns(node["table"], node[key]), refs)


def _delete(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    node["filter"] = _filter(node["filter"], node["table"], r, refs)


def _condition_node(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    for branch in node["branches"]:
        if branch["condition"] is not None:
            branch["condition"] = _condition(branch["condition"], refs)
        _nodes(branch["nodes"], r, refs)


def _loop(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    node["over"] = _expr(node["over"], refs)
    _nodes(node["nodes"], r, refs)


def _values_of(key: str) -> NodeRewrite:
    def rewrite(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
        node[key] = _expr(node[key], refs)

    return rewrite


def _call_api(node: dict[str, Json], r: _Rename, refs: RefMap) -> None:
    for key in ("url", "headers", "query", "body"):
        node[key] = _expr(node[key], refs)


NODE_REWRITES: dict[str, NodeRewrite] = {
    "get_current_account": lambda node, r, refs: None,
    "query": _query,
    "insert": _insert,
    "update": _update,
    "delete": _delete,
    "condition": _condition_node,
    "set_variable": _values_of("assignments"),
    "loop": _loop,
    "run_actionflow": _values_of("args"),
    "raise_error": _values_of("message"),
    "call_api": _call_api,
    "run_code": _values_of("args"),
}


def _flow(flow: dict[str, Json], definition: Definition, r: _Rename) -> None:
    parsed = next(f for f in definition.actionflows if f.id == flow["id"])
    node_tables = {n.id: getattr(n, "table", None) for n in walk_nodes(parsed.nodes)}

    def refs(path: str) -> str:
        segments = path.split(".")
        if len(segments) == 3 and segments[0] == "node" and node_tables.get(segments[1]) is not None:
            segments[2] = r.column(node_tables[segments[1]], segments[2])
        return ".".join(segments)

    _nodes(flow["nodes"], r, refs)
    flow["output"] = _expr(flow["output"], refs)


# ------------------------------------------------------------------ pages

ActionRewrite = Callable[[dict[str, Json], RefMap, "_Rename"], None]


def _actions(actions: list[Json], refs: RefMap, r: _Rename) -> None:
    for action in actions:
        ACTION_REWRITES[action["type"]](action, refs, r)


def _condition_action(action: dict[str, Json], refs: RefMap, r: _Rename) -> None:
    for branch in action["branches"]:
        if branch["condition"] is not None:
            branch["condition"] = _condition(branch["condition"], refs)
        _actions(branch["actions"], refs, r)


def _call(action: dict[str, Json], refs: RefMap, r: _Rename) -> None:
    action["args"] = _expr(action["args"], refs)
    _actions(action["on_success"], refs, r)
    _actions(action["on_failure"], refs, r)


def _row_write(action: dict[str, Json], refs: RefMap, r: _Rename) -> None:
    if "values" in action:
        action["values"] = _expr(r.columns(action["table"], action["values"]), refs)
    if "row_id" in action:
        action["row_id"] = _expr(action["row_id"], refs)
    _actions(action["on_success"], refs, r)
    _actions(action["on_failure"], refs, r)


def _field(key: str) -> ActionRewrite:
    def rewrite(action: dict[str, Json], refs: RefMap, r: _Rename) -> None:
        if key in action:  # fields saved quietly may be absent
            action[key] = _expr(action[key], refs)

    return rewrite


def _nothing(action: dict[str, Json], refs: RefMap, r: _Rename) -> None:
    return None


ACTION_REWRITES: dict[str, ActionRewrite] = {
    "condition": _condition_action,
    "show_toast": _field("message"),
    "call_actionflow": _call,
    "set_variable": _field("value"),
    "navigate": _field("params"),
    "go_back": _nothing,
    "login": _nothing,
    "logout": _nothing,
    "refresh": _nothing,
    "insert_row": _row_write,
    "update_row": _row_write,
    "delete_row": _row_write,
    "set_input_value": _field("value"),
    "reset_inputs": _nothing,
}


def _page_refs(r: _Rename, item_table: str | None, records: dict[str, str] | None = None) -> RefMap:
    def refs(path: str) -> str:
        root, *rest = path.split(".")
        if root == "item" and item_table is not None:
            rest = r.path(item_table, rest)
        elif root == "record" and len(rest) > 1 and rest[0] in (records or {}):
            rest = [rest[0], *r.path((records or {})[rest[0]], rest[1:])]
        elif root == "global" and r.is_account and len(rest) == 2 and rest[0] == "current_account":
            rest = [rest[0], r.column(r.table_id, rest[1])]
        return ".".join([root, *rest])

    return refs


def _components(components: list[Json], r: _Rename, item_table: str | None, records: dict[str, str] | None = None) -> None:
    records = records if records is not None else {}
    refs = _page_refs(r, item_table, records)
    for component in components:
        for attribute in BOUND_ATTRIBUTES[component["type"]]:
            component[attribute] = _expr(component[attribute], refs)
        for actions in component["events"].values():
            _actions(actions, refs, r)
        if component["type"] == "container":
            record = component.get("record")
            if record is not None:
                record["filter"] = _filter(record["filter"], record["table"], r, refs)
                record["order_by"] = _order_by(record["order_by"], record["table"], r)
                record["row_id"] = _expr(record["row_id"], refs)
            if record is not None:
                records[component["id"]] = record["table"]  # ids are unique: one page-wide map
            _components(component["children"], r, item_table, records)
            _components(component.get("not_found", []), r, item_table, records)
        elif component["type"] == "list":
            source = component["source"]
            source["filter"] = _filter(source["filter"], source["table"], r, refs)
            source["order_by"] = _order_by(source["order_by"], source["table"], r)
            _components(component["item"], r, source["table"], records)
        elif component["type"] == "conditional_view":
            for branch in component["branches"]:
                if branch["condition"] is not None:
                    branch["condition"] = _condition(branch["condition"], refs)
                _components(branch["children"], r, item_table, records)


# ------------------------------------------------------------------ data


def _data(data: dict[str, Json], r: _Rename) -> None:
    for constraint in data["constraints"]:
        constraint["fields"] = [r.column(constraint["table"], f) for f in constraint["fields"]]
    for permission in data["permissions"]["tables"]:
        table = permission["table"]
        for action in ("select", "insert", "update", "delete"):
            rule = permission.get(action)
            if rule is None:
                continue
            if isinstance(rule.get("columns"), list):
                rule["columns"] = [r.column(table, c) for c in rule["columns"]]
            for key in ("filter", "check"):
                if key in rule:
                    rule[key] = _filter(rule[key], table, r, _identity)
            if "presets" in rule:
                rule["presets"] = r.columns(table, rule["presets"])
    for seed in data["seed"]:
        seed["rows"] = [r.columns(seed["table"], row) for row in seed["rows"]]


def _relationships(definition: Definition) -> dict[str, dict[str, tuple[str, str]]]:
    found: dict[str, dict[str, tuple[str, str]]] = {t.id: {} for t in definition.tables}
    for rel in definition.relations:
        found.setdefault(rel.from_table, {})[rel.from_field] = (rel.to_table, "object" if rel.kind == "one_to_one" else "array")
        found.setdefault(rel.to_table, {})[rel.to_field] = (rel.from_table, "object")
    return found


def _check_name(name: str, what: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise RefactorError(f"`{name}` is not a valid {what} name: use a lowercase letter, then lowercase letters, digits or underscores.")


def rename_field(definition: Definition, table_id: str, field_id: str, new_name: str) -> Definition:
    """Rename a field (or a relation's foreign-key column) and every reference to it by name."""
    table = next((t for t in definition.tables if t.id == table_id), None)
    if table is None:
        raise RefactorError(f"Table `{table_id}` does not exist.")
    data = definition.model_dump(mode="json")
    t_index = definition.tables.index(table)
    target: dict[str, Json] | None = None
    for index, f in enumerate(table.fields):
        if f.id == field_id:
            target = data["tables"][t_index]["fields"][index]
    for index, rel in enumerate(definition.relations):
        if rel.to_table == table_id and rel.foreign_key.id == field_id:
            target = data["relations"][index]["foreign_key"]
    if target is None:
        raise RefactorError(f"Table {table.name} has no field with id `{field_id}` that can be renamed.")
    old = str(target["name"])
    if new_name == old:
        return definition
    _check_name(new_name, "field")
    reason = reserved_field_reason(new_name)
    if reason:
        raise RefactorError(reason[:1].upper() + reason[1:])
    info = build_catalog(definition).tables[table_id]
    if new_name in info.columns or new_name in info.relationships:
        raise RefactorError(f"Table {table.name} already has a field called `{new_name}`.")
    target["name"] = new_name
    r = _Rename(table_id, old, new_name, _relationships(definition), table.name == ACCOUNT_TABLE)
    _data(data, r)
    for flow in data["actionflows"]:
        _flow(flow, definition, r)
    for page in data["pages"]:
        _components(page["components"], r, None)
    return Definition.model_validate(data)


def rename_table(definition: Definition, table_id: str, new_name: str) -> Definition:
    """Rename a table. Everything refers to tables by id, so only the name changes."""
    index = next((i for i, t in enumerate(definition.tables) if t.id == table_id), None)
    if index is None:
        raise RefactorError(f"Table `{table_id}` does not exist.")
    table = definition.tables[index]
    if new_name == table.name:
        return definition
    if ACCOUNT_TABLE in (table.name, new_name):
        raise RefactorError("The built-in table `account` keeps its name, and no other table can take it.")
    _check_name(new_name, "table")
    reason = reserved_table_reason(new_name)
    if reason:
        raise RefactorError(reason[:1].upper() + reason[1:])
    if any(t.name == new_name for t in definition.tables):
        raise RefactorError(f"Another table is already called `{new_name}`.")
    tables = list(definition.tables)
    tables[index] = table.model_copy(update={"name": new_name})
    return definition.model_copy(update={"tables": tables})
