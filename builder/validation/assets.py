"""Checks of image / file fields and of who may upload.

An asset field holds the id of an uploaded file: it has no default (a required
image is given at insert), and no unique constraint (one picture may be shown twice).
Upload rights name existing roles (``admin`` always may; naming it is redundant).
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.asset_types import asset_type
from builder.definition import Definition
from builder.validation.catalog import Catalog
from builder.validation.report import Issue


def check_assets(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    for t_index, table in enumerate(definition.tables):
        for f_index, f in enumerate(table.fields):
            kind = asset_type(f.type)
            if kind is None:
                continue
            here = ("tables", t_index, "fields", f_index)
            if f.default is not None:
                yield Issue((*here, "default"), f"{kind.name} field `{table.name}.{f.name}` cannot have a default: its value is an uploaded {kind.name}.")
            if f.unique:
                yield Issue((*here, "unique"), f"{kind.name} field `{table.name}.{f.name}` cannot be unique.")
    roles = {"anonymous", "user", "admin", *(r.name for r in definition.roles)}
    for index, role in enumerate(definition.permissions.uploads):
        if role not in roles:
            yield Issue(("permissions", "uploads", index), f"role `{role}` does not exist; use one of {', '.join(sorted(roles))}.")
