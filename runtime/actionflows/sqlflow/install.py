"""The functions of compiled flows in the database: created at publish, looked up at run time.

Publish (``runtime.migrations``) calls ``install_functions`` inside its
transaction: it creates the functions of the new definition that are missing
and drops the ``af_*`` functions that neither the new nor the previous
definition uses (a worker still serving the previous version keeps working
until it picks up the new one). At run time ``Installed`` asks the database once
per published version which functions exist; a flow whose function is missing
runs node by node.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from psycopg import AsyncConnection, sql

from builder.definition import Definition
from builder.resolved import resolve
from runtime.actionflows.sqlflow.batch import batch_of
from runtime.actionflows.sqlflow.function import FUNCTION_PREFIX, compile_sql_flow
from runtime.actionflows.sqlflow.types import NotCompilable, SqlFlow
from runtime.system_tables import SCHEMA

log = logging.getLogger("minimomen.actionflows")

_EXISTING = "SELECT proname FROM pg_proc WHERE pronamespace = to_regnamespace(%s) AND proname = ANY(%s)"
_ALL = "SELECT proname FROM pg_proc WHERE pronamespace = to_regnamespace(%s) AND starts_with(proname, %s)"


def sql_flows(definition: Definition) -> dict[str, SqlFlow]:
    """The compiled functions of a definition's flows that have one, by function name (batch forms: ``ddls``)."""
    project = resolve(definition)
    found: dict[str, SqlFlow] = {}
    for flow in project.actionflows.values():
        try:
            compiled = compile_sql_flow(project, flow)
        except NotCompilable:
            continue
        except Exception:  # a compiler bug must not block publishing: the flow runs node by node
            log.exception("actionflow %s could not be compiled to SQL", flow.id)
            continue
        found[compiled.function] = compiled
    return found


def ddls(flows: dict[str, SqlFlow]) -> dict[str, str]:
    """The DDL of every function of ``flows``, by name: each flow's function, then its batch form."""
    found: dict[str, str] = {}
    for name, compiled in flows.items():
        found[name] = compiled.ddl
        batch = batch_of(compiled)
        if batch is not None:
            found[batch.function] = batch.ddl
    return found


def install_functions(conn: object, definition: Definition, previous: Definition | None) -> list[str]:
    """Create the missing functions of ``definition``; drop unused ones. Returns the created names.

    ``conn`` is a SQLAlchemy connection in the publish transaction.
    """
    wanted = ddls(sql_flows(definition))
    keep = set(wanted) | (set(ddls(sql_flows(previous))) if previous is not None else set())
    existing = {row[0] for row in conn.exec_driver_sql(_ALL, (SCHEMA, FUNCTION_PREFIX))}  # type: ignore[attr-defined]
    created = []
    for name, ddl in wanted.items():  # a flow's function before its batch form, which calls it
        if name not in existing:
            conn.exec_driver_sql(ddl)  # type: ignore[attr-defined]
            created.append(name)
    for name in sorted(existing - keep):
        conn.exec_driver_sql(sql.SQL("DROP FUNCTION IF EXISTS {}").format(sql.Identifier(SCHEMA, name)).as_string(None))  # type: ignore[attr-defined]
    return created


class Installed:
    """Which compiled functions exist in the database (asked once per published version)."""

    def __init__(self, names: Iterable[str]):
        self.wanted = tuple(names)
        self._present: frozenset[str] | None = None

    async def installed(self, conn: AsyncConnection, name: str) -> bool:
        if self._present is None:
            cursor = await conn.execute(_EXISTING, (SCHEMA, list(self.wanted)))
            self._present = frozenset(row[0] for row in await cursor.fetchall())
            missing = set(self.wanted) - self._present
            if missing:
                log.warning("compiled actionflow functions missing (publish again to create them); running node by node: %s", sorted(missing))
        return name in self._present

    def known(self, name: str) -> bool | None:
        """Whether ``name`` exists, when already asked (None before the first ``installed``)."""
        return None if self._present is None else name in self._present
