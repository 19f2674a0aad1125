"""Migration steps: each says what it does (for people) and renders itself as Alembic code.

Rendered code only ever contains ``repr()`` of names and of SQL text built here
with quoted identifiers; a definition's text never becomes code. Each step also
names what must be checked on the existing data before it runs (``Probe``).
Changes of an existing column (type, default, required) are in ``ops_alter``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from runtime.migrations.spec import ON_DELETE_SQL, ColumnSpec, ConstraintSpec, TableSpec
from runtime.subscriptions.triggers import table_triggers
from runtime.system_tables import SCHEMA

PG_TYPES: dict[str, str] = {
    "text": "text",
    "bigint": "bigint",
    "decimal": "numeric",
    "boolean": "boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "jsonb": "jsonb",
}
SA_TYPES: dict[str, str] = {
    "text": "sa.Text()",
    "bigint": "sa.BigInteger()",
    "decimal": "sa.Numeric()",
    "boolean": "sa.Boolean()",
    "timestamptz": "sa.DateTime(timezone=True)",
    "date": "sa.Date()",
    "jsonb": "postgresql.JSONB()",
}
CONSTRAINT_TYPES: dict[str, str] = {"unique": "unique", "foreign_key": "foreignkey", "primary_key": "primary"}

TOUCH_TRIGGER = "minimomen_touch_unset"  # renamed when it got its WHEN clause, so publish replaces the old one
OLD_TOUCH_TRIGGER = "minimomen_touch"
ProbeKind = Literal["rows", "values", "nulls", "cast"]


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def server_default(value: Any, field_type: str) -> str | None:
    """The column default as SQL literal text (SQLAlchemy quotes it), or None."""
    if value is None:
        return None
    if field_type == "jsonb" or isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_column(column: ColumnSpec) -> str:
    default = server_default(column.default, column.type)
    extra = f", server_default={default!r}" if default is not None else ""
    return f"sa.Column({column.name!r}, {SA_TYPES[column.type]}, nullable={column.nullable!r}{extra})"


@dataclass(frozen=True)
class Probe:
    """A check on the data as it is before migrating: ``table``/``column`` use the old names."""

    kind: ProbeKind
    table: str
    column: str | None = None
    new_type: str | None = None


@dataclass(frozen=True)
class Step:
    def describe(self) -> str:
        raise NotImplementedError

    def render(self) -> list[str]:
        raise NotImplementedError

    def probe(self) -> Probe | None:
        return None


@dataclass(frozen=True)
class DropConstraint(Step):
    table: str
    constraint: ConstraintSpec

    def describe(self) -> str:
        return f"drop constraint `{self.constraint.name}` on `{self.table}`"

    def render(self) -> list[str]:
        kind = CONSTRAINT_TYPES[self.constraint.kind]
        return [f"op.drop_constraint({self.constraint.name!r}, {self.table!r}, type_={kind!r})"]


@dataclass(frozen=True)
class DropColumn(Step):
    table: str
    column: str

    def describe(self) -> str:
        return f"drop field `{self.table}.{self.column}`"

    def render(self) -> list[str]:
        return [f"op.drop_column({self.table!r}, {self.column!r})"]

    def probe(self) -> Probe:
        return Probe("values", self.table, self.column)


@dataclass(frozen=True)
class DropTable(Step):
    table: str

    def describe(self) -> str:
        return f"drop table `{self.table}`"

    def render(self) -> list[str]:
        return [f"op.drop_table({self.table!r})"]

    def probe(self) -> Probe:
        return Probe("rows", self.table)


@dataclass(frozen=True)
class RenameTable(Step):
    old: str
    new: str
    temporary: bool = False

    def describe(self) -> str:
        return f"rename table `{self.old}` to `{self.new}`"

    def render(self) -> list[str]:
        return [f"op.rename_table({self.old!r}, {self.new!r})"]


@dataclass(frozen=True)
class RenameColumn(Step):
    table: str
    old: str
    new: str
    temporary: bool = False

    def describe(self) -> str:
        return f"rename field `{self.table}.{self.old}` to `{self.new}`"

    def render(self) -> list[str]:
        return [f"op.alter_column({self.table!r}, {self.old!r}, new_column_name={self.new!r})"]


@dataclass(frozen=True)
class RenameConstraint(Step):
    table: str
    old: str
    new: str
    temporary: bool = False

    def describe(self) -> str:
        return f"rename constraint `{self.old}` to `{self.new}`"

    def render(self) -> list[str]:
        statement = f"ALTER TABLE public.{quote(self.table)} RENAME CONSTRAINT {quote(self.old)} TO {quote(self.new)}"
        return [f"op.execute({statement!r})"]


@dataclass(frozen=True)
class CreateTable(Step):
    table: TableSpec

    def describe(self) -> str:
        fields = ", ".join(f"{c.name} {c.type}" for c in self.table.columns.values())
        return f"create table `{self.table.name}`" + (f" ({fields})" if fields else "")

    def render(self) -> list[str]:
        t = self.table
        columns = [
            "sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False)",
            *(render_column(c) for c in t.columns.values()),
            "sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False)",
            "sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False)",
            f"sa.PrimaryKeyConstraint('id', name={t.constraints['pk'].name!r})",
        ]
        lines = ["op.create_table(", f"    {t.name!r},"] + [f"    {c}," for c in columns] + [")"]
        return lines + [f"op.execute({s!r})" for s in trigger_statements(t.name)]


@dataclass(frozen=True)
class AddColumn(Step):
    table: str
    column: ColumnSpec
    old_table: str | None = None  # the table's name before this migration, when it existed

    def describe(self) -> str:
        required = ", required" if not self.column.nullable else ""
        return f"add field `{self.table}.{self.column.name}` ({self.column.type}{required})"

    def render(self) -> list[str]:
        return [f"op.add_column({self.table!r}, {render_column(self.column)})"]

    def probe(self) -> Probe | None:
        # A required field without a default cannot be added to a table that has rows.
        if self.column.nullable or self.column.default is not None or self.old_table is None:
            return None
        return Probe("rows", self.old_table)


@dataclass(frozen=True)
class AddUnique(Step):
    table: str
    constraint: ConstraintSpec
    columns: tuple[str, ...]

    def describe(self) -> str:
        return f"add unique constraint `{self.constraint.name}` on `{self.table}` ({', '.join(self.columns)})"

    def render(self) -> list[str]:
        return [f"op.create_unique_constraint({self.constraint.name!r}, {self.table!r}, {list(self.columns)!r})"]


@dataclass(frozen=True)
class AddForeignKey(Step):
    table: str
    constraint: ConstraintSpec
    column: str
    target: str
    target_schema: str | None = None  # the runtime's asset table lives in its own schema

    def describe(self) -> str:
        if self.target_schema is not None:
            return f"link `{self.table}.{self.column}` to the stored files"
        action = ON_DELETE_SQL[self.constraint.on_delete or "restrict"]
        return f"link `{self.table}.{self.column}` to `{self.target}.id` (on delete {action.lower()})"

    def render(self) -> list[str]:
        action = ON_DELETE_SQL[self.constraint.on_delete or "restrict"]
        columns = f"[{self.column!r}], ['id']"
        schema = f", referent_schema={self.target_schema!r}" if self.target_schema is not None else ""
        return [f"op.create_foreign_key({self.constraint.name!r}, {self.table!r}, {self.target!r}, {columns}, ondelete={action!r}{schema})"]


def trigger_statements(table: str) -> list[str]:
    """Keep ``updated_at`` current and announce committed changes (idempotent DDL).

    The runtime's own UPDATEs set ``updated_at = now()`` themselves; the row trigger is
    the safety net for other writers and runs only when a statement left ``updated_at``
    unchanged and not already ``now()`` (a row updated again in the same transaction, as
    a group commit batch does to a hot row); its WHEN clause is checked without calling
    the function.
    """
    return [
        f"DROP TRIGGER IF EXISTS {OLD_TOUCH_TRIGGER} ON public.{quote(table)}",
        f"DROP TRIGGER IF EXISTS {TOUCH_TRIGGER} ON public.{quote(table)}",
        (
            f"CREATE TRIGGER {TOUCH_TRIGGER} BEFORE UPDATE ON public.{quote(table)} FOR EACH ROW "
            f"WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND NEW.updated_at IS DISTINCT FROM now()) "
            f"EXECUTE FUNCTION {SCHEMA}.touch_updated_at()"
        ),
        *table_triggers(table),
    ]
