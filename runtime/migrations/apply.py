"""Publishing a definition: diff against the last applied one, write a revision, apply it atomically.

Everything happens in one transaction on one connection, under a per-database
advisory lock, so two processes publishing at once are serialised and the second
finds the work done. The revision file only lands in ``migrations/`` when the
transaction is about to commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from builder.definition import Definition
from builder.loader import load_definition
from runtime.actionflows.sqlflow.install import install_functions
from runtime.database import DatabaseServer
from runtime.integrations.changes import install_change_triggers
from runtime.migrations.diff import diff_schemas
from runtime.migrations.ops import Step, trigger_statements
from runtime.migrations.plan import MigrationFailed, MigrationPlan, MigrationRefused
from runtime.migrations.probe import probe_steps
from runtime.migrations.render import load_revision, render_revision, revision_id
from runtime.migrations.spec import SchemaSpec, schema_spec
from runtime.seed import insert_seed
from runtime.system_tables import SCHEMA, post_user_ddl, system_ddl

# One publisher per project database at a time (any constant works: the lock is per database).
PUBLISH_LOCK_KEY = 0x6D696E696D6F6D  # "minimom"
_TRIGGER_NAME = re.compile(r"CREATE TRIGGER\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Applied:
    version: int
    revision: str
    definition: dict[str, Any]


def publish_definition(
    server: DatabaseServer,
    slug: str,
    definition: Definition,
    project_dir: Path,
    *,
    allow_data_loss: bool = False,
    dry_run: bool = False,
) -> MigrationPlan:
    """Bring project ``slug``'s database to ``definition``; see the module docstring."""
    dbname = server.database_name(slug)
    server.ensure_database(dbname)
    conninfo = server.conninfo(dbname)
    engine = sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(conninfo), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            try:
                return _publish(conn, slug, definition, Path(project_dir), allow_data_loss=allow_data_loss, dry_run=dry_run)
            except DBAPIError as exc:
                conn.rollback()
                raise _database_error(exc) from exc
    finally:
        engine.dispose()


def _publish(conn: sa.Connection, slug: str, definition: Definition, project_dir: Path, *, allow_data_loss: bool, dry_run: bool) -> MigrationPlan:
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK_KEY})
    for statement in system_ddl():
        conn.exec_driver_sql(statement)
    last = _last_applied(conn)
    data = definition.model_dump(mode="json")
    new_spec = schema_spec(definition)
    if last is not None and last.definition == data:
        if not dry_run:
            _finish_schema(conn, new_spec)
            install_functions(conn, definition, None)
            install_change_triggers(conn, definition)
            conn.commit()
        return MigrationPlan(version=last.version, changed=False)

    old_spec = schema_spec(load_definition(last.definition)) if last else SchemaSpec()
    probed = probe_steps(conn, diff_schemas(old_spec, new_spec), allow_data_loss=allow_data_loss)
    steps = probed.steps
    version = (last.version if last else 0) + 1
    plan = MigrationPlan(version=version, steps=_describe(steps, definition, first=last is None), changed=True)
    plan.destructive = list(probed.destructive)
    if dry_run:
        plan.destructive += [f"cannot apply: {b}" for b in probed.blockers]
        conn.rollback()
        return plan
    if probed.blockers:
        raise MigrationRefused(probed.blockers, overridable=False)
    if probed.destructive and not allow_data_loss:
        raise MigrationRefused(probed.destructive, overridable=True)

    head = last.revision if last else None
    revision_file: Path | None = None
    final: Path | None = None
    try:
        if steps:
            head, revision_file = _apply_revision(conn, slug, version, data, head, steps, project_dir)
        _finish_schema(conn, new_spec)
        # Compiled actionflows (PL/pgSQL functions); the previous version's stay for workers still serving it.
        install_functions(conn, definition, load_definition(last.definition) if last else None)
        install_change_triggers(conn, definition)
        if last is None:
            insert_seed(conn, definition, new_spec)
        conn.execute(
            sa.text(f"INSERT INTO {SCHEMA}.applied_definition (version, revision, definition) VALUES (:v, :r, CAST(:d AS jsonb))"),
            {"v": version, "r": head or "", "d": json.dumps(data)},
        )
        if revision_file:
            final = _final_name(revision_file)
            os.replace(revision_file, final)
        conn.commit()
    except BaseException:
        # nothing was applied: no revision file may stay behind
        for path in (revision_file, final):
            if path:
                path.unlink(missing_ok=True)
        raise
    plan.revision = str(final) if final else None
    return plan


def _final_name(temporary: Path) -> Path:
    return temporary.with_name(temporary.name.removeprefix(".").removesuffix(".tmp"))


def _apply_revision(
    conn: sa.Connection, slug: str, version: int, data: dict[str, Any], head: str | None, steps: list[Step], project_dir: Path
) -> tuple[str, Path]:
    """Write the revision (as a hidden temporary file) and run its ``upgrade()`` on ``conn``."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    revision = revision_id(version, digest)
    folder = project_dir / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{revision}.py.tmp"
    temporary.write_text(render_revision(slug=slug, version=version, revision=revision, down_revision=head, steps=steps))
    try:
        module = load_revision(temporary)
        with Operations.context(MigrationContext.configure(connection=conn)):
            module.upgrade()
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return revision, temporary


def _finish_schema(conn: sa.Connection, spec: SchemaSpec) -> None:
    """Runtime tables that need ``account``, and triggers any table lacks (idempotent, cheap when present)."""
    for statement in post_user_ddl():
        conn.exec_driver_sql(statement)
    existing: dict[str, set[str]] = {}
    for table, trigger in conn.execute(
        sa.text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal"
        )
    ):
        existing.setdefault(table, set()).add(trigger)
    for table in spec.tables.values():
        statements = trigger_statements(table.name)
        wanted = {m.group(1) for s in statements if (m := _TRIGGER_NAME.search(s))}
        if not wanted <= existing.get(table.name, set()):
            for statement in statements:
                conn.exec_driver_sql(statement)


def _last_applied(conn: sa.Connection) -> Applied | None:
    row = conn.execute(
        sa.text(f"SELECT version, revision, definition FROM {SCHEMA}.applied_definition ORDER BY version DESC LIMIT 1")
    ).first()
    return Applied(int(row[0]), row[1], row[2]) if row else None


def _describe(steps: list[Step], definition: Definition, *, first: bool) -> list[str]:
    lines = [s.describe() for s in steps if not getattr(s, "temporary", False)]
    if not steps:
        lines.append("update the definition (no change to tables)")
    if first:
        names = {t.id: t.name for t in definition.tables}
        for seed in definition.seed:
            if seed.rows and seed.table in names:
                lines.append(f"seed {len(seed.rows)} row{'s' if len(seed.rows) != 1 else ''} into `{names[seed.table]}`")
    return lines


def _database_error(exc: DBAPIError) -> Exception:
    """PostgreSQL's reason, as a refused (bad data) or failed migration; the transaction is rolled back."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    message = (diag.message_primary if diag and diag.message_primary else str(orig).splitlines()[0]) or "unknown error"
    if diag and diag.message_detail:
        message += f" ({diag.message_detail})"
    if isinstance(orig, (pg_errors.IntegrityError, pg_errors.DataError)):
        return MigrationRefused([f"the existing data does not allow it: {message}"], overridable=False)
    return MigrationFailed(f"The migration failed and was rolled back: {message}")
