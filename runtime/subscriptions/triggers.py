"""The triggers that announce committed changes of a user table (for live queries).

The migration code calls ``table_triggers(table_name)`` for every user table it
creates; the statements are idempotent.
"""

from __future__ import annotations

from psycopg import sql

from runtime.system_tables import SCHEMA


def table_triggers(table_name: str) -> list[str]:
    """DDL (as strings, identifiers quoted) that makes ``table_name`` announce its changes."""
    table = sql.Identifier(table_name).as_string(None)
    return [
        f"DROP TRIGGER IF EXISTS minimomen_notify ON public.{table}",
        f"CREATE TRIGGER minimomen_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.{table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.notify_change()",
    ]
