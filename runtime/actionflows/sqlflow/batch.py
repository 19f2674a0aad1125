"""The batch form of a compiled flow: many calls in one statement, each in its own subtransaction.

``batch_of(compiled)`` gives a ``BatchFunction`` (or None when the flow's
arguments cannot travel as arrays, e.g. list inputs). Its function takes one
array per argument of the flow's function plus the calls' Idempotency-Keys and
callers, and loops over the calls in order. Each call runs inside a PL/pgSQL
block with an exception handler, i.e. a subtransaction: a call that raises rolls
back only its own writes (and its key claim) and returns its error's fields
instead of the flow's OUT values; the other calls' writes stay. One row comes
back per call, in order:

- ``_b_state`` NULL: the call ran; the flow's OUT values follow, as ``call`` gives them;
- ``_b_state`` ``'replay'``: the key was already claimed (committed by an earlier
  transaction, or by an earlier call of this batch): ``_b_stored`` holds its stored
  response (NULL when the claim is this batch's own, not yet recorded);
- any other ``_b_state``: the SQLSTATE of the call's error, with its message,
  detail, hint, context and names.

QUERY_CANCELED is not caught (``WHEN OTHERS`` excludes it): a cancelled batch fails
as a whole and the caller falls back to running its calls one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from runtime.actionflows.sqlflow.types import SqlFlow
from runtime.system_tables import SCHEMA

# Bump when the wrapper's text changes: the name then changes, and publish creates the new one.
WRAPPER_VERSION = 1
_TAG = "$minimomen_batch$"
# (OUT name, type, GET STACKED DIAGNOSTICS item) of the error fields, in row order after _b_state.
ERROR_FIELDS = (
    ("_b_message", "MESSAGE_TEXT"),
    ("_b_detail", "PG_EXCEPTION_DETAIL"),
    ("_b_hint", "PG_EXCEPTION_HINT"),
    ("_b_context", "PG_EXCEPTION_CONTEXT"),
    ("_b_constraint", "CONSTRAINT_NAME"),
    ("_b_table", "TABLE_NAME"),
    ("_b_column", "COLUMN_NAME"),
    ("_b_schema", "SCHEMA_NAME"),
    ("_b_datatype", "PG_DATATYPE_NAME"),
)
# Row layout: _b_state, the error fields, _b_stored, then the flow's OUT values (_last first).
FIRST_OUT = 2 + len(ERROR_FIELDS)


@dataclass(frozen=True)
class BatchFunction:
    function: str  # name in the minimomen schema
    ddl: str
    call: bytes  # SELECT * FROM minimomen."af_..._b1"(%s::bigint[], ..., %s::text[], %s::text[])


def batch_of(compiled: SqlFlow) -> BatchFunction | None:
    if any("[" in type_ or type_.startswith("_") for type_ in compiled.arg_types):
        return None  # an array argument would become a 2-D array
    function = f"{compiled.function}_b{WRAPPER_VERSION}"
    inner = sql.Identifier(SCHEMA, compiled.function).as_string(None)
    qualified = sql.Identifier(SCHEMA, function).as_string(None)
    n = len(compiled.arg_types)
    parameters = [f"_a{i + 1} {type_}[]" for i, type_ in enumerate(compiled.arg_types)] + ["_keys text[]", "_callers text[]"]
    outs = ["OUT _b_state text", *(f"OUT {name} text" for name, _ in ERROR_FIELDS), "OUT _b_stored jsonb", "OUT _last integer",
            *(f"OUT {name} {type_}" for name, type_ in compiled.outs)]
    targets = ", ".join(["_last", *(name for name, _ in compiled.outs)])
    clear = " ".join(f"{name} := NULL;" for name in ["_b_state", *(n for n, _ in ERROR_FIELDS), "_b_stored", "_last",
                                                     *(n for n, _ in compiled.outs)])
    arguments = ", ".join(f"_a{i + 1}[_i]" for i in range(n))
    diagnostics = ", ".join(f"{name} = {item}" for name, item in ERROR_FIELDS)
    key_table = sql.Identifier(SCHEMA, "idempotency_key").as_string(None)
    source = f"""
DECLARE
  _i integer;
BEGIN
  FOR _i IN 1 .. coalesce(cardinality(_keys), 0) LOOP
    {clear}
    BEGIN
      IF _keys[_i] IS NOT NULL THEN
        INSERT INTO {key_table} (key, caller) VALUES (_keys[_i], _callers[_i]) ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
          _b_state := 'replay';
          SELECT response INTO _b_stored FROM {key_table} WHERE key = _keys[_i] AND caller = _callers[_i];
        END IF;
      END IF;
      IF _b_state IS NULL THEN
        SELECT * INTO {targets} FROM {inner}({arguments});
      END IF;
    EXCEPTION WHEN OTHERS THEN
      {clear}
      GET STACKED DIAGNOSTICS _b_state = RETURNED_SQLSTATE, {diagnostics};
    END;
    RETURN NEXT;
  END LOOP;
END"""
    ddl = (f"CREATE OR REPLACE FUNCTION {qualified}({', '.join([*parameters, *outs])}) RETURNS SETOF record "
           f"LANGUAGE plpgsql AS {_TAG}{source}{_TAG}")
    placeholders = ", ".join([*(f"%s::{type_}[]" for type_ in compiled.arg_types), "%s::text[]", "%s::text[]"])
    return BatchFunction(function, ddl, f"SELECT * FROM {qualified}({placeholders})".encode())
