"""Checks of tables, relations and unique constraints."""

from __future__ import annotations

from collections.abc import Iterator

from builder.definition import (
    ACCOUNT_SYSTEM_FIELDS,
    ACCOUNT_TABLE,
    SYSTEM_FIELDS,
    Definition,
)
from builder.errors import PathPart
from builder.validation.catalog import Catalog, suggestion
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]


def _missing_table(table_id: str, catalog: Catalog) -> str:
    return f"table `{table_id}` does not exist.{suggestion(table_id, catalog.tables)}"


def check_columns_unique(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Per table: system fields, foreign-key columns and field names do not clash (a field is blamed last)."""
    owners: dict[str, dict[str, str]] = {}
    for table in definition.tables:
        system = {name: "a system field" for name in SYSTEM_FIELDS}
        if table.name == ACCOUNT_TABLE:
            system.update({name: "a system field of account" for name in ACCOUNT_SYSTEM_FIELDS})
        owners.setdefault(table.id, system)
    for index, rel in enumerate(definition.relations):
        taken = owners.get(rel.to_table)
        if taken is None:
            continue
        name = rel.foreign_key.name
        if name in taken:
            table_name = catalog.tables[rel.to_table].name
            yield Issue(("relations", index, "foreign_key", "name"), f"foreign key `{name}` clashes with {taken[name]} of table {table_name}.")
        else:
            taken[name] = f"the foreign key of relation {rel.id}"
    for t_index, table in enumerate(definition.tables):
        taken = owners[table.id]
        for f_index, f in enumerate(table.fields):
            if f.name in SYSTEM_FIELDS:
                continue  # check_names explains that system fields are reserved
            if f.name in taken:
                yield Issue(("tables", t_index, "fields", f_index, "name"), f"field name `{f.name}` is already taken by {taken[f.name]} of table {table.name}.")
            else:
                taken[f.name] = f"field {f.name}"


def check_relations(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Both tables exist; relationship field names clash neither with columns nor with each other."""
    fields: dict[str, dict[str, str]] = {t: {} for t in catalog.tables}
    for index, rel in enumerate(definition.relations):
        here: Parts = ("relations", index)
        for key in ("from_table", "to_table"):
            table_id = getattr(rel, key)
            if catalog.table(table_id) is None:
                yield Issue((*here, key), _missing_table(table_id, catalog))
        for key, table_id, is_array in (("from_field", rel.from_table, rel.kind == "one_to_many"), ("to_field", rel.to_table, False)):
            table = catalog.table(table_id)
            if table is None:
                continue
            name = getattr(rel, key)
            names = [name, f"{name}_aggregate"] if is_array else [name]
            for candidate in names:
                if (candidate in table.columns and candidate != rel.foreign_key.name) or candidate in fields[table_id]:
                    other = fields[table_id].get(candidate, f"field {candidate}")
                    yield Issue((*here, key), f"relationship field `{name}` clashes with {other} on table {table.name}.")
                    break
            else:
                for candidate in names:
                    fields[table_id][candidate] = f"relationship {name}"
            if name == rel.foreign_key.name:
                yield Issue((*here, key), f"relationship field `{name}` has the same name as the foreign key column; call the column e.g. `{name}_id`.")


def check_constraints(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    names: set[str] = set()
    for index, constraint in enumerate(definition.constraints):
        here: Parts = ("constraints", index)
        if constraint.name in names:
            yield Issue((*here, "name"), f"another unique constraint is already called `{constraint.name}`.")
        names.add(constraint.name)
        table = catalog.table(constraint.table)
        if table is None:
            yield Issue((*here, "table"), _missing_table(constraint.table, catalog))
            continue
        for f_index, name in enumerate(constraint.fields):
            if name not in table.columns:
                yield Issue((*here, "fields", f_index), f"field `{name}` does not exist on table {table.name}.{suggestion(name, table.columns)}")
        if len(set(constraint.fields)) != len(constraint.fields):
            yield Issue((*here, "fields"), "a field is listed twice.")


def check_account_table(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    if not any(t.name == ACCOUNT_TABLE for t in definition.tables):
        yield Issue(("tables",), "the built-in table `account` is missing; every app needs it for logins.")
