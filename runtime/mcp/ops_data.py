"""Edit operations on the data model: tables, fields, relations, constraints.

Renames go through ``builder.refactor`` so every filter, binding and permission
that names the table or field follows, exactly as in the designer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from builder import refactor
from builder.definition import FieldType  # one list of field types (image and file included)
from builder.errors import DefinitionError, RefactorError
from builder.loader import load_definition
from runtime.mcp.ops_common import Json, Op, OperationError, find_by, make_id, table, table_id, unique_id


class FieldSpec(Op):
    name: str
    type: FieldType
    required: bool = False
    unique: bool = False
    default: Any = None
    description: str = ""
    id: str | None = None


class AddTable(Op):
    op: Literal["add_table"]
    name: str = Field(description="lowercase table name, e.g. product")
    fields: list[FieldSpec] = Field(default_factory=list, description="columns besides id, created_at, updated_at")
    description: str = ""
    id: str | None = Field(default=None, description="stable id; default tbl_<name>")


class RenameTable(Op):
    op: Literal["rename_table"]
    table: str = Field(description="table id or name")
    name: str


class RemoveTable(Op):
    op: Literal["remove_table"]
    table: str


class AddField(FieldSpec):
    op: Literal["add_field"]
    table: str = Field(description="table id or name")


class UpdateField(Op):
    op: Literal["update_field"]
    table: str
    field: str = Field(description="field id or name")
    set: dict[str, Any] = Field(description="any of type, required, unique, default, description")


class RenameField(Op):
    op: Literal["rename_field"]
    table: str
    field: str
    name: str


class RemoveField(Op):
    op: Literal["remove_field"]
    table: str
    field: str


class AddRelation(Op):
    op: Literal["add_relation"]
    from_table: str = Field(description="the 'one' side, e.g. account")
    to_table: str = Field(description="the side holding the foreign key, e.g. order")
    foreign_key: str = Field(description="foreign-key column on to_table, e.g. account_id")
    from_field: str = Field(description="field on from_table listing related rows, e.g. orders")
    to_field: str = Field(description="field on to_table pointing to the related row, e.g. account")
    kind: Literal["one_to_many", "one_to_one"] = "one_to_many"
    on_delete: Literal["restrict", "cascade", "set_null"] = "set_null"
    required: bool = False
    id: str | None = None


class RemoveRelation(Op):
    op: Literal["remove_relation"]
    relation: str = Field(description="relation id, or '<from table>.<from_field>'")


class AddConstraint(Op):
    op: Literal["add_constraint"]
    table: str
    name: str
    fields: list[str] = Field(min_length=1, description="field names that are unique together")
    id: str | None = None


class RemoveConstraint(Op):
    op: Literal["remove_constraint"]
    constraint: str = Field(description="constraint id or name")


def _field(tbl: Json, ref: str) -> Json:
    return find_by(tbl.setdefault("fields", []), ref, f"field on `{tbl.get('name')}`")


def _ids(draft: Json) -> set[str]:
    ids = {str(t.get("id")) for t in draft.get("tables", [])}
    for t in draft.get("tables", []):
        ids |= {str(f.get("id")) for f in t.get("fields", [])}
    for r in draft.get("relations", []):
        ids |= {str(r.get("id")), str(r.get("foreign_key", {}).get("id"))}
    return ids


def _field_json(spec: FieldSpec, table_name: str, draft: Json) -> Json:
    data = spec.model_dump(include={"name", "type", "required", "unique", "default", "description"})
    return {"id": spec.id or unique_id(_ids(draft), make_id("fld", table_name, spec.name)), **data}


def _refactored(draft: Json, change: Any) -> None:
    try:
        renamed = change(load_definition(draft))
    except DefinitionError as exc:
        raise OperationError(f"A rename needs a draft that parses; fix these first or rename in an edit of its own: {exc.message}") from exc
    except RefactorError as exc:
        raise OperationError(exc.message, "name") from exc
    draft.clear()
    draft.update(renamed.model_dump(mode="json"))


def add_table(draft: Json, op: AddTable) -> None:
    tid = op.id or unique_id(_ids(draft), make_id("tbl", op.name))
    new: Json = {"id": tid, "name": op.name, "description": op.description, "fields": []}
    draft.setdefault("tables", []).append(new)
    for spec in op.fields:
        new["fields"].append(_field_json(spec, op.name, draft))


def rename_table(draft: Json, op: RenameTable) -> None:
    tid = table_id(draft, op.table)
    _refactored(draft, lambda d: refactor.rename_table(d, tid, op.name))


def remove_table(draft: Json, op: RemoveTable) -> None:
    tid = table_id(draft, op.table)
    draft["tables"] = [t for t in draft["tables"] if t.get("id") != tid]
    # What hangs on the table alone goes with it; references elsewhere are reported by validation.
    draft["relations"] = [r for r in draft.get("relations", []) if tid not in (r.get("from_table"), r.get("to_table"))]
    draft["constraints"] = [c for c in draft.get("constraints", []) if c.get("table") != tid]
    perms = draft.setdefault("permissions", {})
    perms["tables"] = [p for p in perms.get("tables", []) if p.get("table") != tid]
    draft["seed"] = [s for s in draft.get("seed", []) if s.get("table") != tid]


def add_field(draft: Json, op: AddField) -> None:
    tbl = table(draft, op.table)
    tbl.setdefault("fields", []).append(_field_json(op, str(tbl["name"]), draft))


def update_field(draft: Json, op: UpdateField) -> None:
    fld = _field(table(draft, op.table), op.field)
    for key, value in op.set.items():
        if key not in ("type", "required", "unique", "default", "description"):
            raise OperationError(f"`{key}` cannot be set on a field (rename with rename_field).", "set")
        fld[key] = value


def rename_field(draft: Json, op: RenameField) -> None:
    tbl = table(draft, op.table)
    fid = str(_field(tbl, op.field)["id"])
    _refactored(draft, lambda d: refactor.rename_field(d, str(tbl["id"]), fid, op.name))


def remove_field(draft: Json, op: RemoveField) -> None:
    tbl = table(draft, op.table)
    fid = _field(tbl, op.field)["id"]
    tbl["fields"] = [f for f in tbl["fields"] if f.get("id") != fid]


def add_relation(draft: Json, op: AddRelation) -> None:
    one, many = table(draft, op.from_table), table(draft, op.to_table)
    ids = _ids(draft)
    rid = op.id or unique_id(ids, make_id("rel", str(one["name"]), op.from_field))
    draft.setdefault("relations", []).append({
        "id": rid, "kind": op.kind, "from_table": one["id"], "to_table": many["id"],
        "foreign_key": {"id": unique_id(ids | {rid}, make_id("fld", str(many["name"]), op.foreign_key)), "name": op.foreign_key},
        "from_field": op.from_field, "to_field": op.to_field, "on_delete": op.on_delete, "required": op.required,
    })


def remove_relation(draft: Json, op: RemoveRelation) -> None:
    relations = draft.setdefault("relations", [])
    names = {t.get("id"): t.get("name") for t in draft.get("tables", [])}
    keep = [r for r in relations if op.relation not in (r.get("id"), f"{names.get(r.get('from_table'))}.{r.get('from_field')}")]
    if len(keep) == len(relations):
        raise OperationError(f"There is no relation `{op.relation}`.", "relation")
    draft["relations"] = keep


def add_constraint(draft: Json, op: AddConstraint) -> None:
    tid = table_id(draft, op.table)
    existing = {str(c.get("id")) for c in draft.get("constraints", [])}
    cid = op.id or unique_id(existing, make_id("uq", op.name))
    draft.setdefault("constraints", []).append({"id": cid, "name": op.name, "table": tid, "fields": op.fields})


def remove_constraint(draft: Json, op: RemoveConstraint) -> None:
    found = find_by(draft.setdefault("constraints", []), op.constraint, "constraint")
    draft["constraints"].remove(found)


OPERATIONS: dict[str, Any] = {
    "add_table": (AddTable, add_table), "rename_table": (RenameTable, rename_table), "remove_table": (RemoveTable, remove_table),
    "add_field": (AddField, add_field), "update_field": (UpdateField, update_field), "rename_field": (RenameField, rename_field),
    "remove_field": (RemoveField, remove_field), "add_relation": (AddRelation, add_relation), "remove_relation": (RemoveRelation, remove_relation),
    "add_constraint": (AddConstraint, add_constraint), "remove_constraint": (RemoveConstraint, remove_constraint),
}
