"""Checks on the existing data before migrating: what a step would destroy or cannot do.

Runs inside the migration's transaction, before any step, so the old names
apply. Type changes are tried for real inside a savepoint and rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from runtime.migrations.ops import (
    PG_TYPES,
    AddColumn,
    DropTable,
    Probe,
    Step,
    quote,
)
from runtime.migrations.ops_alter import AlterType, cast_expression


@dataclass
class ProbeResult:
    steps: list[Step]
    destructive: list[str] = field(default_factory=list)  # allowed with allow_data_loss
    blockers: list[str] = field(default_factory=list)  # never allowed


def probe_steps(conn: Connection, steps: list[Step], *, allow_data_loss: bool) -> ProbeResult:
    result = ProbeResult(steps=[])
    for step in steps:
        probe = step.probe()
        if probe is None:
            result.steps.append(step)
        elif probe.kind == "cast":
            assert isinstance(step, AlterType)
            result.steps.append(_probe_cast(conn, step, probe, result, allow_data_loss))
        else:
            _probe_count(conn, step, probe, result)
            result.steps.append(step)
    return result


def _count(conn: Connection, statement: str) -> int:
    return int(conn.execute(text(statement)).scalar_one())


def _probe_count(conn: Connection, step: Step, probe: Probe, result: ProbeResult) -> None:
    table = f"public.{quote(probe.table)}"
    if probe.kind == "rows":
        rows = _count(conn, f"SELECT count(*) FROM {table}")
        if rows and isinstance(step, DropTable):
            result.destructive.append(f"table `{probe.table}` holds {_plural(rows, 'row')} that would be deleted")
        elif rows and isinstance(step, AddColumn):
            name = step.column.name
            result.blockers.append(
                f"field `{probe.table}.{name}` is required but has no default, and the table already holds "
                f"{_plural(rows, 'row')}: give the field a default value or make it optional"
            )
    elif probe.kind == "values":
        values = _count(conn, f"SELECT count({quote(probe.column or '')}) FROM {table}")
        if values:
            result.destructive.append(
                f"field `{probe.table}.{probe.column}` holds {_plural(values, 'value')} that would be deleted"
            )
    elif probe.kind == "nulls":
        nulls = _count(conn, f"SELECT count(*) FROM {table} WHERE {quote(probe.column or '')} IS NULL")
        if nulls:
            result.blockers.append(
                f"field `{probe.table}.{probe.column}` cannot become required: {_plural(nulls, 'row')} have no value "
                f"and the field has no default value to fill them with"
            )


def _probe_cast(conn: Connection, step: AlterType, probe: Probe, result: ProbeResult, allow_data_loss: bool) -> AlterType:
    """Find a conversion that works on the existing values: a direct cast, else through text."""
    for via_text in (False, True):
        if _try_alter(conn, probe, cast_expression(probe.column or "", step.new_type, via_text=via_text)):
            return replace(step, using=cast_expression(step.column, step.new_type, via_text=via_text))
    bad = _count_unconvertible(conn, probe)
    what = _plural(bad, "value") if bad is not None else "some values"
    result.destructive.append(
        f"field `{probe.table}.{probe.column}`: {what} cannot be converted from {step.old_type} to {step.new_type} "
        f"and would be emptied"
    )
    return replace(step, using=cast_expression(step.column, step.new_type, via_text=True, lossy=True))


def _try_alter(conn: Connection, probe: Probe, using: str) -> bool:
    table, column = quote(probe.table), quote(probe.column or "")
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(f"ALTER TABLE public.{table} ALTER COLUMN {column} DROP DEFAULT"))
        conn.execute(text(f"ALTER TABLE public.{table} ALTER COLUMN {column} TYPE {PG_TYPES[probe.new_type or 'text']} USING {using}"))
        return True
    except DBAPIError:
        return False
    finally:
        savepoint.rollback()


def _count_unconvertible(conn: Connection, probe: Probe) -> int | None:
    column = quote(probe.column or "")
    statement = (
        f"SELECT count(*) FROM public.{quote(probe.table)} WHERE {column} IS NOT NULL "
        f"AND NOT pg_input_is_valid({column}::text, :type)"
    )
    savepoint = conn.begin_nested()
    try:
        return int(conn.execute(text(statement), {"type": PG_TYPES[probe.new_type or "text"]}).scalar_one())
    except DBAPIError:  # pg_input_is_valid needs PostgreSQL 16
        return None
    finally:
        savepoint.rollback()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
