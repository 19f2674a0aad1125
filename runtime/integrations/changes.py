"""Database-change triggers: a flow runs once, after commit, for each row change of a table.

Publish installs, per flow with an enabled ``on_change``, a row trigger
``minimomen_flow_<flow id>`` that inserts an async task (``minimomen.task``) in the
writing transaction: a rolled-back write queues nothing, a committed one queues
exactly one task per changed row, and the task worker's ``FOR UPDATE SKIP LOCKED``
claim makes sure that one process runs it (with the run log, timeout and restart
handling tasks have). The task's arguments are ``event``, ``new`` and ``old``.

Cycle limit: a change made by a flow that a change started is itself a change. The
worker runs such a task with ``minimomen.change_depth`` set on its connection; the
trigger function queues the next task one level deeper and, at ``MAX_DEPTH``,
queues nothing and writes a SKIPPED run log row that says so, so a flow that updates
its own table stops after ``MAX_DEPTH`` generations instead of running forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builder.definition import Definition
from runtime.expressions import ExpressionError, holds, lookup
from runtime.system_tables import SCHEMA
from runtime.types import BadUserInput

MAX_DEPTH = 5
DEPTH_SETTING = "minimomen.change_depth"
TRIGGER_PREFIX = "minimomen_flow_"

QUEUE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.queue_change_task() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    depth integer := coalesce(nullif(current_setting('{DEPTH_SETTING}', true), ''), '0')::integer;
BEGIN
    IF depth >= {MAX_DEPTH} THEN
        INSERT INTO {SCHEMA}.run_log (actionflow, version, caller, status, error, node, duration_ms)
        VALUES (TG_ARGV[0], 0, 'change trigger', 'SKIPPED',
            'change trigger on ' || TG_TABLE_NAME || ': cycle limit reached - a change made by a run ' || depth
            || ' levels deep (runs started by changes of runs started by changes ...) starts no further run, '
            || 'so a flow that changes its own table cannot loop forever', NULL, 0);
        RETURN NULL;
    END IF;
    INSERT INTO {SCHEMA}.task (actionflow, version, args, session)
    VALUES (TG_ARGV[0], coalesce((SELECT max(version) FROM {SCHEMA}.applied_definition), 0),
        jsonb_build_object('event', lower(TG_OP),
            'new', CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
            'old', CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END),
        jsonb_build_object('role', 'admin', 'roles', jsonb_build_array('admin'), 'change_depth', depth + 1));
    RETURN NULL;
END $$"""

_EXISTING = f"""SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal AND starts_with(t.tgname, '{TRIGGER_PREFIX}')"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def trigger_statements(definition: Definition, existing: list[tuple[str, str]]) -> list[str]:
    """DDL that makes the installed change triggers those of ``definition`` (drops the others)."""
    tables = {t.id: t.name for t in definition.tables}
    statements = [QUEUE_FUNCTION]
    statements += [f"DROP TRIGGER IF EXISTS {_quoted(name)} ON public.{_quoted(table)}" for name, table in existing]
    for flow in definition.actionflows:
        trigger = flow.on_change
        if trigger is None or not trigger.enabled or trigger.table not in tables:
            continue
        events = " OR ".join(sorted({e.upper() for e in trigger.events}))
        # Flow ids are identifiers (^[a-z][a-z0-9_]*$): safe inside the quoted trigger name and argument.
        statements.append(
            f"CREATE TRIGGER {_quoted(TRIGGER_PREFIX + flow.id)} AFTER {events} ON public.{_quoted(tables[trigger.table])} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.queue_change_task('{flow.id}')"
        )
    return statements


def install_change_triggers(conn: Any, definition: Definition) -> None:
    """Called by publish inside its transaction (a SQLAlchemy connection)."""
    existing = [(str(a), str(b)) for a, b in conn.exec_driver_sql(_EXISTING).fetchall()]
    for statement in trigger_statements(definition, existing):
        conn.exec_driver_sql(statement)


def change_arguments(flow: Any, args: Mapping[str, Any]) -> dict[str, Any] | None:
    """The inputs of a change-started run (the declared ones of event/new/old), or None when its condition does not hold."""
    trigger = flow.on_change
    if trigger is not None and trigger.condition:
        scope = {"new": args.get("new") or {}, "old": args.get("old") or {}}
        try:
            if not holds(trigger.condition, lambda path: lookup(scope, path)):
                return None
        except ExpressionError as exc:
            raise BadUserInput(f"the condition of the change trigger cannot be checked: {exc}") from None
    declared = {item.name for item in flow.inputs}
    return {k: v for k, v in args.items() if k in declared}
