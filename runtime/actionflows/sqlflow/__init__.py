"""Database-only flows compiled into one PL/pgSQL function: one round trip per run.

A sync flow whose nodes all have a SQL form (get_current_account, condition,
query, insert, update, delete, set_variable, raise_error) becomes a function
``minimomen."af_<flow>_<hash>"`` created at publish (``install``). The engine
calls it with the coerced inputs, the caller's session values and the flow's
constants as parameters, and evaluates the flow's output over the values the
function returns (``runner``). Flows with any other node, or with values the
function could not treat exactly as the interpreter does, keep running node by
node: the interpreter is the reference and the fallback.

Modules: ``types`` (slots, errors, the compiled artefact), ``scope`` (where each
flow value lives in the function), ``values`` (expressions and conditions as
SQL), ``nodes`` (one emitter per node type), ``function`` (assembling the
function), ``runner`` (calling it), ``install`` (publish-time DDL).
"""
