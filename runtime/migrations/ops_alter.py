"""Migration steps that change an existing column: its type (with the USING cast), default, and whether it is required."""

from __future__ import annotations

import json
from dataclasses import dataclass

from runtime.migrations.ops import PG_TYPES, SA_TYPES, Probe, Step, quote, server_default
from runtime.migrations.spec import ColumnSpec


@dataclass(frozen=True)
class AlterType(Step):
    table: str
    column: str
    old_type: str
    new_type: str
    old_table: str
    old_column: str
    using: str = ""  # filled by the probe: how existing values are converted
    had_default: bool = False

    def describe(self) -> str:
        return f"change type of `{self.table}.{self.column}` from {self.old_type} to {self.new_type}"

    def render(self) -> list[str]:
        lines = []
        if self.had_default:  # an old default may not cast to the new type; the new one is set afterwards
            lines.append(f"op.alter_column({self.table!r}, {self.column!r}, server_default=None)")
        using = self.using or cast_expression(self.column, self.new_type, via_text=False)
        lines.append(
            f"op.alter_column({self.table!r}, {self.column!r}, type_={SA_TYPES[self.new_type]}, "
            f"existing_type={SA_TYPES[self.old_type]}, postgresql_using={using!r})"
        )
        return lines

    def probe(self) -> Probe:
        return Probe("cast", self.old_table, self.old_column, self.new_type)


@dataclass(frozen=True)
class AlterDefault(Step):
    table: str
    column: ColumnSpec

    def describe(self) -> str:
        if self.column.default is None:
            return f"remove the default of `{self.table}.{self.column.name}`"
        return f"set the default of `{self.table}.{self.column.name}` to {json.dumps(self.column.default)}"

    def render(self) -> list[str]:
        default = server_default(self.column.default, self.column.type)
        return [f"op.alter_column({self.table!r}, {self.column.name!r}, server_default={default!r})"]


@dataclass(frozen=True)
class AlterNullable(Step):
    table: str
    column: ColumnSpec
    old_table: str
    old_column: str

    def describe(self) -> str:
        state = "optional" if self.column.nullable else "required"
        return f"make `{self.table}.{self.column.name}` {state}"

    def render(self) -> list[str]:
        lines = []
        if not self.column.nullable and self.column.default is not None:
            fill = f"UPDATE public.{quote(self.table)} SET {quote(self.column.name)} = DEFAULT WHERE {quote(self.column.name)} IS NULL"
            lines.append(f"op.execute({fill!r})")
        lines.append(f"op.alter_column({self.table!r}, {self.column.name!r}, nullable={self.column.nullable!r})")
        return lines

    def probe(self) -> Probe | None:
        if self.column.nullable or self.column.default is not None:
            return None
        return Probe("nulls", self.old_table, self.old_column)


def cast_expression(column: str, new_type: str, *, via_text: bool, lossy: bool = False) -> str:
    """The USING expression converting ``column`` to ``new_type``; ``lossy`` turns unconvertible values into NULL."""
    pg_type = PG_TYPES[new_type]
    if lossy:
        return f"CASE WHEN pg_input_is_valid({quote(column)}::text, '{pg_type}') THEN {quote(column)}::text::{pg_type} END"
    return f"{quote(column)}::text::{pg_type}" if via_text else f"{quote(column)}::{pg_type}"
