"""Assemble a flow's PL/pgSQL function: signature, declarations, body, and how to read it.

``compile_sql_flow(project, flow)`` returns a ``SqlFlow`` or raises
``NotCompilable``. The function's name carries a hash of its text, so a changed
flow gets a new function and an unchanged one keeps its name across publishes.
Every body line is tagged with the node it belongs to: PostgreSQL reports
"line N" in an error's context, which names the failing node.
"""

from __future__ import annotations

import hashlib
from typing import Any

from psycopg import sql

from builder.flows import Actionflow, walk_nodes
from builder.resolved import ResolvedProject
from runtime.actionflows.refs import node_keys, reference_paths
from runtime.actionflows.sqlflow.nodes import EMITTERS, output_keys
from runtime.actionflows.sqlflow.scope import Scope
from runtime.actionflows.sqlflow.types import NotCompilable, SqlFlow
from runtime.actionflows.sqlflow.values import typed, value_of
from runtime.system_tables import SCHEMA

FUNCTION_PREFIX = "af_"
_TAG = "$minimomen$"


class Body:
    """The body being written: lines tagged with their node, and the node registry."""

    def __init__(self, project: ResolvedProject, scope: Scope, node_index: dict[str, int], used: dict[str, set[str]]):
        self.project = project
        self.scope = scope
        self.node_index = node_index
        self._used = used
        self.lines: list[tuple[int | None, str]] = []
        self.raise_nodes: set[int] = set()
        self._current: int | None = None
        self._depth = 1

    def start(self, node: Any) -> None:
        self._current = self.node_index[node.id]
        if node.type == "raise_error":
            self.raise_nodes.add(self._current)
        self.emit(sql.SQL("_last := {};").format(sql.Literal(self._current)))

    def emit(self, line: sql.Composable | str) -> None:
        text = line if isinstance(line, str) else line.as_string(None)
        if text.startswith(("END IF", "ELSE", "ELSIF")):
            self._depth -= 1
        self.lines.append((self._current, "  " * self._depth + text))
        if text.endswith(" THEN") or text == "ELSE":
            self._depth += 1

    def nodes(self, nodes: list[Any]) -> None:
        for node in nodes:
            emitter = EMITTERS.get(node.type)
            if emitter is None:
                raise NotCompilable(f"node type {node.type}")
            emitter(node, self)

    def used(self, node_id: str) -> frozenset[str]:
        return frozenset(self._used.get(node_id, ()))


def compile_sql_flow(project: ResolvedProject, flow: Actionflow) -> SqlFlow:
    if flow.mode != "sync":
        raise NotCompilable("async flows commit node by node")
    nodes = list(walk_nodes(flow.nodes))
    index = {node.id: i for i, node in enumerate(nodes)}
    keys: dict[str, dict[str, str]] = {}
    tables: dict[str, str] = {}
    for node in nodes:
        if node.type not in EMITTERS:
            raise NotCompilable(f"node type {node.type}")
        keys[node.id], table = output_keys(node, project)
        if table is not None:
            tables[node.id] = table
    used = node_keys(list(reference_paths(flow.model_dump(mode="json"))))
    if any("*" in k for k in used.values()):
        raise NotCompilable("a reference to a whole node output")
    returned = _returned_paths(flow)
    scope = Scope(project, flow, keys, tables, returned)
    for path in sorted(returned):
        scope.resolve(path)  # OUT parameters first, in a stable order
    body = Body(project, scope, index, used)
    for variable in flow.variables:
        if variable.default is not None:
            value = typed(value_of({"literal": variable.default}, scope), variable.type, scope, f"default of variable `{variable.name}`")
            body.emit(sql.SQL("{} := {};").format(scope.resolve(f"var.{variable.name}").sql, value))
    body.nodes(flow.nodes)
    return _assemble(flow, scope, body, [node.id for node in nodes])


def _returned_paths(flow: Actionflow) -> set[str]:
    """The ``var.x`` / ``node.n.k`` prefixes of every path the output reads."""
    returned: set[str] = set()
    for path in reference_paths(flow.model_dump(mode="json")["output"]):
        parts = path.split(".")
        if parts[0] == "var" and len(parts) >= 2:
            returned.add(".".join(parts[:2]))
        elif parts[0] == "node" and len(parts) >= 3:
            returned.add(".".join(parts[:3]))
        elif parts[0] in ("node", "loop"):
            raise NotCompilable(f"output reference `{path}`")
    return returned


def _assemble(flow: Actionflow, scope: Scope, body: Body, node_ids: list[str]) -> SqlFlow:
    declarations = ["DECLARE", "  _x integer;", *(f"  {name} {type_};" for name, type_ in scope.locals), "BEGIN"]
    lines = [*declarations, *(text for _, text in body.lines), "END"]
    node_lines: list[tuple[int, int]] = []
    for offset, (node, _) in enumerate(body.lines):
        if node is not None and (not node_lines or node_lines[-1][1] != node):
            node_lines.append((len(declarations) + offset + 1, node))
    source = "\n".join(lines)
    if _TAG in source:
        raise NotCompilable("the function text contains its own quote")
    parameters = [f"_a{i + 1} {type_}" for i, (type_, _) in enumerate(scope.args)]
    outs = ["OUT _last integer", *(f"OUT {name} {type_}" for name, type_, _ in scope.outs)]
    signature = ", ".join([*parameters, *outs])
    timeout = sql.Literal(str(flow.timeout_ms)).as_string(None)
    # lock_timeout is read at each lock wait, so it bounds the waits inside this one statement
    # (statement_timeout would only apply from the next statement); the runner's Deadline
    # cancels the whole call at the limit.
    template = f"CREATE OR REPLACE FUNCTION {{name}}({signature}) LANGUAGE plpgsql SET lock_timeout = {timeout} AS {_TAG}{source}{_TAG}"
    digest = hashlib.sha256(template.encode()).hexdigest()[:12]
    function = f"{FUNCTION_PREFIX}{flow.id[:40]}_{digest}"
    qualified = sql.Identifier(SCHEMA, function).as_string(None)
    placeholders = ", ".join(f"%s::{type_}" for type_, _ in scope.args)
    return SqlFlow(
        flow_id=flow.id,
        function=function,
        ddl=template.replace("{name}", qualified, 1),
        call=f"SELECT * FROM {qualified}({placeholders})".encode(),
        args=tuple(source_ for _, source_ in scope.args),
        returned=tuple(returned for _, _, returned in scope.outs),
        nodes=tuple(node_ids),
        node_lines=tuple(node_lines),
        raise_nodes=frozenset(body.raise_nodes),
        arg_types=tuple(type_ for type_, _ in scope.args),
        outs=tuple((name, type_) for name, type_, _ in scope.outs),
    )
