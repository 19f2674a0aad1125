"""Compare a definition built by clicking with ``projects/support_desk/app.json``, whole.

Only what the designer generates is normalised: the ids it derives from names (of tables,
fields, relations, roles, pages, components, actions, branches), wherever they are referred
to (``component.<id>.value``, ``record.<id>.…``, ``page``, ``table``…), and the order of the
permission entries (the order the builder ticked them in). Everything else must be equal.
"""

from __future__ import annotations

import re
from typing import Any

from builder.definition import Definition

CHILD_LISTS = ("children", "item", "not_found")
ACTION_LISTS = ("on_success", "on_failure")
REF = re.compile(r"^(component|record)\.([a-z0-9_]+)(\..*)?$")


def _pair(ids: dict[str, str], built: Any, sample: Any) -> None:
    if isinstance(built, dict) and isinstance(sample, dict) and isinstance(built.get("id"), str) and isinstance(sample.get("id"), str):
        ids[built["id"]] = sample["id"]


def _actions(ids: dict[str, str], built: list[Any], sample: list[Any]) -> None:
    for b, s in zip(built, sample, strict=False):
        _pair(ids, b, s)
        for key in ACTION_LISTS:
            _actions(ids, b.get(key) or [], s.get(key) or [])
        for bb, sb in zip(b.get("branches") or [], s.get("branches") or [], strict=False):
            _pair(ids, bb, sb)
            _actions(ids, bb.get("actions") or [], sb.get("actions") or [])


def _components(ids: dict[str, str], built: list[Any], sample: list[Any]) -> None:
    for b, s in zip(built, sample, strict=False):
        _pair(ids, b, s)
        for key in CHILD_LISTS:
            _components(ids, b.get(key) or [], s.get(key) or [])
        for bb, sb in zip(b.get("branches") or [], s.get("branches") or [], strict=False):
            _pair(ids, bb, sb)
            _components(ids, bb.get("children") or [], sb.get("children") or [])
        for event in set(b.get("events") or {}) & set(s.get("events") or {}):
            _actions(ids, b["events"][event], s["events"][event])


def id_map(built: dict[str, Any], sample: dict[str, Any]) -> dict[str, str]:
    """Built id -> sample id, paired by name (tables, fields, relations, roles) or by position."""
    ids: dict[str, str] = {}
    by_name = {t["name"]: t for t in sample["tables"]}
    for table in built["tables"]:
        twin = by_name.get(table["name"])
        if twin:
            ids[table["id"]] = twin["id"]
            fields = {f["name"]: f["id"] for f in twin["fields"]}
            ids.update({f["id"]: fields[f["name"]] for f in table["fields"] if f["name"] in fields})
    relations = {r["foreign_key"]["name"]: r for r in sample["relations"]}
    for rel in built["relations"]:
        twin = relations.get(rel["foreign_key"]["name"])
        if twin:
            ids[rel["id"]] = twin["id"]
            ids[rel["foreign_key"]["id"]] = twin["foreign_key"]["id"]
    roles = {r["name"]: r["id"] for r in sample["roles"]}
    ids.update({r["id"]: roles[r["name"]] for r in built["roles"] if r["name"] in roles})
    for b, s in zip(built["pages"], sample["pages"], strict=False):
        _pair(ids, b, s)
        _components(ids, b["components"], s["components"])
    return ids


ID_KEYS = ("id", "table", "from_table", "to_table", "page", "component", "components", "home_page")


def _rename(value: Any, ids: dict[str, str], key: str = "") -> Any:
    """Ids where the format holds ids (``ID_KEYS``) and inside references; other text stays."""
    if isinstance(value, list):
        return [_rename(v, ids, key if key == "components" else "") for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, ids, k) for k, v in value.items()}
    if isinstance(value, str) and key in ID_KEYS:
        return ids.get(value, value)
    if isinstance(value, str) and key == "ref":
        match = REF.match(value)
        if match and match.group(2) in ids:
            return f"{match.group(1)}.{ids[match.group(2)]}{match.group(3) or ''}"
    return value


def normalised(definition: Definition, ids: dict[str, str] | None = None) -> dict[str, Any]:
    data = definition.model_dump(mode="json")
    if ids:
        data = _rename(data, ids)
    data["permissions"]["tables"].sort(key=lambda p: (p["role"], p["table"]))
    return data


def differences(built: Any, sample: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as readable paths (``pages[1].components[2].name: 'A' != 'B'``)."""
    if isinstance(built, dict) and isinstance(sample, dict):
        out = []
        for key in sorted(set(built) | set(sample)):
            if key not in sample:
                out.append(f"{path}.{key}: only built {built[key]!r}")
            elif key not in built:
                out.append(f"{path}.{key}: only in the sample {sample[key]!r}")
            else:
                out.extend(differences(built[key], sample[key], f"{path}.{key}"))
        return out
    if isinstance(built, list) and isinstance(sample, list):
        out = [f"{path}: {len(built)} items built, {len(sample)} in the sample"] if len(built) != len(sample) else []
        for n, (b, s) in enumerate(zip(built, sample, strict=False)):
            out.extend(differences(b, s, f"{path}[{n}]"))
        return out
    return [] if built == sample else [f"{path}: built {built!r} != sample {sample!r}"]


def compare(built: Definition, sample: Definition) -> list[str]:
    """Every difference between the built definition and the sample's, ids and order aside."""
    raw_built, raw_sample = built.model_dump(mode="json"), sample.model_dump(mode="json")
    return differences(normalised(built, id_map(raw_built, raw_sample)), normalised(sample))
