"""The triggers that announce committed changes of a user table (for live queries).

The migration code calls ``table_triggers(table_name)`` for every user table it
creates; the statements are idempotent. One statement-level trigger per event,
each with its transition tables (``new_rows`` / ``old_rows``), so
``minimomen.notify_change()`` can name the changed ids of small statements and
``T_by_pk`` live queries of other rows need not re-run. Every user table has the
system column ``id`` (bigint), which the function reads.
"""

from __future__ import annotations

from psycopg import sql

from runtime.system_tables import SCHEMA

# trigger name -> the event clause and transition tables it needs
TRIGGERS: dict[str, str] = {
    "minimomen_notify_insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "minimomen_notify_update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "minimomen_notify_delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "minimomen_notify_truncate": "AFTER TRUNCATE ON {table}",
}
# the single table-name trigger of the first design; dropped when a table is (re)migrated
LEGACY_TRIGGERS = ("minimomen_notify",)


def table_triggers(table_name: str) -> list[str]:
    """DDL (as strings, identifiers quoted) that makes ``table_name`` announce its changes."""
    table = "public." + sql.Identifier(table_name).as_string(None)
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in (*LEGACY_TRIGGERS, *TRIGGERS)]
    for name, clause in TRIGGERS.items():
        statements.append(
            f"CREATE TRIGGER {name} {clause.format(table=table)} FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.notify_change()"
        )
    return statements
