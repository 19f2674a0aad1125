"""Checks of actionflows: a walk of the node tree that carries the scope of references.

A node sees the inputs, the variables, the nodes that ran before it on its path
(not those in a sibling branch, not later ones) and ``loop.<id>.item`` inside
its loops. Each node type has one check in ``NODE_CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from builder.definition import Definition
from builder.errors import PathPart
from builder.flow_rows import gives_one_row
from builder.flows import NODE_TYPES, Actionflow, walk_nodes
from builder.validation.catalog import NUMERIC_TYPES, Catalog, TableInfo, suggestion
from builder.validation.expressions import (
    check_columns,
    check_condition,
    check_expression,
    check_table_filter,
    otherwise_last,
)
from builder.validation.integrations import call_api_outputs, check_call_api, check_run_code
from builder.validation.page_refs import field_path_problem
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
Outputs = frozenset[str] | None  # None: any key (the output is not known statically)
SESSION_KEYS = frozenset({"account_id", "role"})
LOOP_KEYS = frozenset({"item", "index"})


@dataclass(frozen=True)
class FlowContext:
    catalog: Catalog
    flow: Actionflow
    flows: Mapping[str, Actionflow]
    node_names: Mapping[str, str]  # every node of this flow, id -> name
    reachable: Mapping[str, frozenset[str]]  # flow id -> flows it runs, directly or not
    outbound_hosts: list[str] = field(default_factory=list)  # settings.outbound_hosts
    row_tables: Mapping[str, str] = field(default_factory=dict)  # nodes giving one row (gives_one_row): id -> table id


@dataclass(frozen=True)
class FlowScope:
    visible: Mapping[str, Outputs] = field(default_factory=dict)
    loops: frozenset[str] = frozenset()

    def with_node(self, node_id: str, outputs: Outputs) -> FlowScope:
        return replace(self, visible=MappingProxyType({**self.visible, node_id: outputs}))

    def with_loop(self, loop_id: str) -> FlowScope:
        return replace(self, loops=self.loops | {loop_id})


# ------------------------------------------------------------------ references


def _input_ref(rest: list[str], scope: FlowScope, ctx: FlowContext) -> str | None:
    names = [i.name for i in ctx.flow.inputs]
    if not rest or rest[0] not in names:
        name = rest[0] if rest else ""
        return f"input `{name}` is not declared in this actionflow.{suggestion(name, names)}"
    return None


def _var_ref(rest: list[str], scope: FlowScope, ctx: FlowContext) -> str | None:
    names = [v.name for v in ctx.flow.variables]
    if not rest or rest[0] not in names:
        name = rest[0] if rest else ""
        return f"variable `{name}` is not declared in this actionflow.{suggestion(name, names)}"
    return None


def _node_ref(rest: list[str], scope: FlowScope, ctx: FlowContext) -> str | None:
    node_id = rest[0] if rest else ""
    if node_id not in ctx.node_names:
        return f"node `{node_id}` does not exist in this actionflow.{suggestion(node_id, ctx.node_names)}"
    name = ctx.node_names[node_id]
    if node_id not in scope.visible:
        return f"node {name} has not run at this point: a node can only use the results of nodes that run before it on the same path (not later, not in another branch or loop)."
    outputs = scope.visible[node_id]
    if len(rest) < 2:
        return f"name which result of node {name} to use, e.g. `node.{node_id}.{sorted(outputs)[0] if outputs else 'id'}`."
    table = ctx.catalog.table(ctx.row_tables.get(node_id, ""))
    if table is not None and rest[1] not in table.columns and (rest[1] in table.relationships or rest[1].endswith("_aggregate")):
        # the row's related data: object relationships to any depth, totals of array relationships
        return field_path_problem(table, rest[1:], ctx.catalog, f"node.{node_id}", rows=False)
    if outputs is not None and rest[1] not in outputs:
        if not outputs:
            return f"node {name} has no results to use."
        return f"node {name} has no result `{rest[1]}`; it has {', '.join(sorted(outputs))}.{suggestion(rest[1], outputs)}"
    return None


def _session_ref(rest: list[str], scope: FlowScope, ctx: FlowContext) -> str | None:
    if not rest or rest[0] not in SESSION_KEYS:
        return f"`session.{'.'.join(rest)}` does not exist; use {', '.join(f'session.{k}' for k in sorted(SESSION_KEYS))}."
    return None


def _loop_ref(rest: list[str], scope: FlowScope, ctx: FlowContext) -> str | None:
    loop_id = rest[0] if rest else ""
    if loop_id not in scope.loops:
        return f"`loop.{loop_id}` can only be used inside the loop node `{loop_id}`."
    if len(rest) < 2 or rest[1] not in LOOP_KEYS:
        return f"use `loop.{loop_id}.item` (or `.index`) inside the loop."
    return None


FLOW_REFS: dict[str, Callable[[list[str], FlowScope, FlowContext], str | None]] = {
    "input": _input_ref,
    "var": _var_ref,
    "node": _node_ref,
    "session": _session_ref,
    "loop": _loop_ref,
}


def ref_checker(scope: FlowScope, ctx: FlowContext) -> Callable[[str], str | None]:
    def check(path: str) -> str | None:
        root, *rest = path.split(".")
        handler = FLOW_REFS.get(root)
        if handler is None:
            return f"`{path}` is not a reference an actionflow knows; start with {', '.join(f'{r}.' for r in FLOW_REFS)}."
        return handler(rest, scope, ctx)

    return check


# ------------------------------------------------------------------ outputs

_TABLE_KEYS: dict[str, frozenset[str]] = {
    "insert": frozenset({"affected_rows"}),
    "update": frozenset({"affected_rows", "returning"}),
    "delete": frozenset({"affected_rows", "returning"}),
}


def _table_outputs(node: Any, ctx: FlowContext) -> Outputs:
    table = ctx.catalog.table(node.table)
    columns = frozenset(table.columns) if table else frozenset()
    if node.type == "query":
        return frozenset({"rows"}) | (columns | {"found"} if node.one else frozenset())
    if node.type == "delete":
        return _TABLE_KEYS["delete"]
    return _TABLE_KEYS[node.type] | columns


def _run_outputs(node: Any, ctx: FlowContext) -> Outputs:
    target = ctx.flows.get(node.actionflow)
    return frozenset(target.output) if target else None


NODE_OUTPUTS: dict[str, Callable[[Any, FlowContext], Outputs]] = {
    "get_current_account": lambda node, ctx: frozenset({"account_id", "username"}),
    "query": _table_outputs,
    "insert": _table_outputs,
    "update": _table_outputs,
    "delete": _table_outputs,
    "run_actionflow": _run_outputs,
    "condition": lambda node, ctx: frozenset(),
    "set_variable": lambda node, ctx: frozenset(),
    "loop": lambda node, ctx: frozenset(),
    "raise_error": lambda node, ctx: frozenset(),
    "call_api": lambda node, ctx: call_api_outputs(node),
    "run_code": lambda node, ctx: frozenset(node.outputs) | {"result", "logs"},
}

# ------------------------------------------------------------------ nodes

NodeCheck = Callable[[Any, Parts, FlowScope, FlowContext], Iterator[Issue]]


def check_nodes(nodes: list[Any], parts: Parts, scope: FlowScope, ctx: FlowContext) -> Generator[Issue, None, FlowScope]:
    """Check a node list in order; return the scope after its last node."""
    for index, node in enumerate(nodes):
        yield from NODE_CHECKS[node.type](node, (*parts, index), scope, ctx)
        scope = scope.with_node(node.id, NODE_OUTPUTS[node.type](node, ctx))
    return scope


def _table(node: Any, parts: Parts, ctx: FlowContext) -> tuple[TableInfo | None, list[Issue]]:
    table = ctx.catalog.table(node.table)
    if table is None:
        return None, [Issue((*parts, "table"), f"table `{node.table}` does not exist.{suggestion(node.table, ctx.catalog.tables)}")]
    return table, []


def _values(values: Mapping[str, Any], parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    check = ref_checker(scope, ctx)
    for key, value in values.items():
        yield from check_expression(value, (*parts, key), check)


def _check_query(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    table, issues = _table(node, parts, ctx)
    yield from issues
    if table is None:
        return
    yield from check_table_filter(node.filter, (*parts, "filter"), table, ctx.catalog, ref_checker(scope, ctx))
    for index, order in enumerate(node.order_by):
        if order.field not in table.columns:
            yield Issue((*parts, "order_by", index, "field"), f"field `{order.field}` does not exist on table {table.name}.{suggestion(order.field, table.columns)}")


def _check_insert(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    table, issues = _table(node, parts, ctx)
    yield from issues
    yield from _values(node.values, (*parts, "values"), scope, ctx)
    if table is None:
        return
    yield from check_columns(node.values, (*parts, "values"), table, "field", writable=True)
    for name in sorted(table.required - set(node.values)):
        yield Issue((*parts, "values"), f"required field `{name}` of table {table.name} gets no value and has no default.")
    conflict = node.on_conflict
    if conflict is None:
        return
    here = (*parts, "on_conflict")
    if conflict.constraint.startswith("field:"):
        column = conflict.constraint.removeprefix("field:")
        if column not in table.unique:
            yield Issue((*here, "constraint"), f"field `{column}` of table {table.name} is not unique, so it cannot decide a conflict.")
    elif conflict.constraint not in table.constraints:
        yield Issue((*here, "constraint"), f"unique constraint `{conflict.constraint}` does not exist on table {table.name}.")
    yield from check_columns(conflict.update_fields, (*here, "update_fields"), table, "field", writable=True)
    if conflict.action == "update" and not conflict.update_fields:
        yield Issue((*here, "update_fields"), "choose which fields to update when the row already exists.")


def _check_update(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    table, issues = _table(node, parts, ctx)
    yield from issues
    for key in ("set", "increment", "decrement"):
        yield from _values(getattr(node, key), (*parts, key), scope, ctx)
    if table is None:
        return
    yield from check_table_filter(node.filter, (*parts, "filter"), table, ctx.catalog, ref_checker(scope, ctx))
    yield from check_columns(node.set, (*parts, "set"), table, "field", writable=True)
    written: dict[str, str] = {}
    for key in ("increment", "decrement"):
        yield from check_columns(getattr(node, key), (*parts, key), table, "field", writable=True)
        for column in getattr(node, key):
            if table.writable(column) and table.columns[column] not in NUMERIC_TYPES:
                yield Issue((*parts, key, column), f"field `{column}` of table {table.name} is {table.columns[column]}; only bigint and decimal fields can be increased or decreased.")
    for key in ("set", "increment", "decrement"):
        for column in getattr(node, key):
            if column in written:
                yield Issue((*parts, key, column), f"field `{column}` is already changed by `{written[column]}` in this node; change it once.")
            written.setdefault(column, key)
    if not written:
        yield Issue(parts, "the update changes no field; add a value to set, increase or decrease.")
    if not node.filter:
        yield Issue((*parts, "filter"), f"the update has no filter and changes every row of table {table.name}.", "warning")


def _check_delete(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    table, issues = _table(node, parts, ctx)
    yield from issues
    if table is None:
        return
    yield from check_table_filter(node.filter, (*parts, "filter"), table, ctx.catalog, ref_checker(scope, ctx))
    if not node.filter:
        yield Issue((*parts, "filter"), f"the delete has no filter and removes every row of table {table.name}.", "warning")


def _check_condition(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    check = ref_checker(scope, ctx)
    yield from otherwise_last([b.condition for b in node.branches], (*parts, "branches"))
    for index, branch in enumerate(node.branches):
        here = (*parts, "branches", index)
        if branch.condition is not None:
            yield from check_condition(branch.condition, (*here, "condition"), check)
        yield from check_nodes(branch.nodes, (*here, "nodes"), scope, ctx)


def _check_set_variable(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    names = [v.name for v in ctx.flow.variables]
    for name in node.assignments:
        if name not in names:
            yield Issue((*parts, "assignments", name), f"variable `{name}` is not declared in this actionflow.{suggestion(name, names)}")
    yield from _values(node.assignments, (*parts, "assignments"), scope, ctx)


def _check_loop(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    yield from check_expression(node.over, (*parts, "over"), ref_checker(scope, ctx))
    yield from check_nodes(node.nodes, (*parts, "nodes"), scope.with_loop(node.id), ctx)


def _check_run_actionflow(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    yield from _values(node.args, (*parts, "args"), scope, ctx)
    target = ctx.flows.get(node.actionflow)
    if target is None:
        yield Issue((*parts, "actionflow"), f"actionflow `{node.actionflow}` does not exist.{suggestion(node.actionflow, ctx.flows)}")
        return
    if target.id == ctx.flow.id or ctx.flow.id in ctx.reachable.get(target.id, frozenset()):
        yield Issue((*parts, "actionflow"), f"running actionflow {target.name} here would run this actionflow again (recursion), which is not allowed.")
    yield from check_args(node.args, (*parts, "args"), target)


def check_args(args: Mapping[str, Any], parts: Parts, target: Actionflow) -> Iterator[Issue]:
    """Arguments name declared inputs of ``target``; required inputs are given."""
    names = [i.name for i in target.inputs]
    for key in args:
        if key not in names:
            yield Issue((*parts, key), f"actionflow {target.name} has no input `{key}`.{suggestion(key, names)}")
    for flow_input in target.inputs:
        if flow_input.required and flow_input.name not in args:
            yield Issue(parts, f"required input `{flow_input.name}` of actionflow {target.name} is not given.")


def _check_raise_error(node: Any, parts: Parts, scope: FlowScope, ctx: FlowContext) -> Iterator[Issue]:
    yield from check_expression(node.message, (*parts, "message"), ref_checker(scope, ctx))


NODE_CHECKS: dict[str, NodeCheck] = {
    "get_current_account": lambda node, parts, scope, ctx: iter(()),
    "query": _check_query,
    "insert": _check_insert,
    "update": _check_update,
    "delete": _check_delete,
    "condition": _check_condition,
    "set_variable": _check_set_variable,
    "loop": _check_loop,
    "run_actionflow": _check_run_actionflow,
    "raise_error": _check_raise_error,
    "call_api": lambda node, parts, scope, ctx: check_call_api(node, parts, ref_checker(scope, ctx), ctx.outbound_hosts),
    "run_code": lambda node, parts, scope, ctx: check_run_code(node, parts, ref_checker(scope, ctx)),
}
assert set(NODE_CHECKS) == set(NODE_TYPES) == set(NODE_OUTPUTS), "every node type needs a check and its outputs"

# ------------------------------------------------------------------ flows


def _reachable(flows: Mapping[str, Actionflow]) -> dict[str, frozenset[str]]:
    calls = {
        flow_id: {n.actionflow for n in walk_nodes(flow.nodes) if n.type == "run_actionflow"}
        for flow_id, flow in flows.items()
    }
    reachable: dict[str, frozenset[str]] = {}
    for start in calls:
        seen: set[str] = set()
        stack = list(calls[start])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(calls.get(current, ()))
        reachable[start] = frozenset(seen)
    return reachable


def check_actionflows(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    flows = {f.id: f for f in definition.actionflows}
    reachable = _reachable(flows)
    for index, flow in enumerate(definition.actionflows):
        parts: Parts = ("actionflows", index)
        for key in ("inputs", "variables"):
            seen: set[str] = set()
            for i, item in enumerate(getattr(flow, key)):
                if item.name in seen:
                    yield Issue((*parts, key, i, "name"), f"`{item.name}` is declared twice.")
                seen.add(item.name)
        ctx = FlowContext(
            catalog=catalog,
            flow=flow,
            flows=flows,
            node_names={n.id: n.name for n in walk_nodes(flow.nodes)},
            reachable=reachable,
            outbound_hosts=definition.settings.outbound_hosts,
            row_tables={n.id: n.table for n in walk_nodes(flow.nodes) if gives_one_row(n)},
        )
        scope = yield from check_nodes(flow.nodes, (*parts, "nodes"), FlowScope(), ctx)
        yield from _values(flow.output, (*parts, "output"), scope, ctx)
