"""Seed rows of a definition, inserted on a project's first publish only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from builder.definition import Definition
from runtime.data.sql import coerce_value
from runtime.migrations.schema import build_metadata
from runtime.migrations.spec import SchemaSpec
from runtime.types import BadUserInput

SYSTEM_VALUES = {"id": "bigint", "created_at": "timestamptz", "updated_at": "timestamptz"}


def insert_seed(conn: sa.Connection, definition: Definition, spec: SchemaSpec) -> list[str]:
    """Insert every seed row (values as bind parameters); returns a line per table seeded."""
    metadata = build_metadata(spec)
    done: list[str] = []
    for seed in definition.seed:
        table_spec = spec.tables.get(seed.table)
        if table_spec is None or not seed.rows:
            continue
        table = metadata.tables[f"public.{table_spec.name}"]
        types = {c.name: c.type for c in table_spec.columns.values()} | SYSTEM_VALUES
        rows = [_row(row, types, table_spec.name, index) for index, row in enumerate(seed.rows)]
        for row in rows:
            conn.execute(sa.insert(table).values(**row))
        if any("id" in row for row in rows):
            # explicit ids bypass the identity sequence; move it past them
            conn.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT max(id) FROM public.{}))".format(
                    '"' + table_spec.name.replace('"', '""') + '"'
                )),
                {"t": 'public."' + table_spec.name.replace('"', '""') + '"'},
            )
        done.append(f"seed {len(rows)} row{'s' if len(rows) != 1 else ''} into `{table_spec.name}`")
    return done


def _row(row: dict[str, Any], types: dict[str, str], table: str, index: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in row.items():
        if name not in types:
            raise BadUserInput(f"seed row {index + 1} of table `{table}`: there is no field `{name}`")
        field_type = types[name]
        values[name] = value if field_type == "jsonb" else coerce_value(value, field_type, f"seed `{table}.{name}`")  # type: ignore[arg-type]
    return values
