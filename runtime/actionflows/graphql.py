"""The actionflow root fields of the GraphQL API.

- ``fz_invoke_action_flow(actionFlowId, versionId, args): JSON`` (Momen's name;
  id or display name) and a typed mutation per synchronous flow, named by its id,
  e.g. ``place_order(product_id: bigint!, quantity: bigint!): place_order_result``;
- ``fz_create_action_flow_task`` / ``fz_action_flow_result`` /
  ``fz_listen_action_flow_result`` for async tasks; a task's result is read by
  the account that started it or by admin. Callers who are not logged in own
  nothing, so they start a task with ``fz_create_action_flow_task_handle``, which
  also returns an unguessable secret, and read it with ``taskId`` + ``secret``.

Every flow is visible to every role; a caller without the right to invoke gets
an ``ACTION_FLOW`` error on call (as in Momen), with no side effect.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
)

from builder.expressions import is_ref
from builder.flows import Actionflow, walk_nodes
from builder.resolved import ResolvedProject
from runtime.actionflows import tasks
from runtime.actionflows.invoke import invoke
from runtime.graphql.extensions import ExtensionField, TypeRegistry
from runtime.permissions import Grants
from runtime.project import PublishedState
from runtime.types import BadUserInput, RequestContext

VALUE_SCALARS: dict[str, str] = {
    "text": "String",
    "bigint": "bigint",
    "decimal": "numeric",
    "boolean": "Boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "jsonb": "jsonb",
}
NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
TABLE_MUTATIONS = ("insert_{}", "insert_{}_one", "update_{}", "update_{}_by_pk", "delete_{}", "delete_{}_by_pk")
BOOLEAN_OPS = frozenset({"not", "and", "or", "eq", "neq", "gt", "gte", "lt", "lte", "is_null"})
TEXT_OPS = frozenset({"concat", "to_text"})


def _args(value: Any) -> Any:
    """``args: JSON`` may arrive as an object or as a JSON-encoded string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise BadUserInput("`args` must be a JSON object of input names to values") from None
    return value


# ---------------------------------------------------------------- typed per-flow mutations


def _node_key_type(project: ResolvedProject, flow: Actionflow, node_id: str, key: str) -> str | None:
    node = next((n for n in walk_nodes(flow.nodes) if n.id == node_id), None)
    if node is None:
        return None
    if node.type == "get_current_account":
        return {"account_id": "bigint", "username": "text"}.get(key)
    if key == "affected_rows":
        return "bigint"
    if key == "found":
        return "boolean"
    table = getattr(node, "table", None)
    if table is not None and node.type in ("query", "insert", "update"):
        try:
            column = project.table(table).columns.get(key)
        except KeyError:
            return None
        if column is not None and column.asset:
            return None  # an image / file reads as the stored file's object (runtime.files.flow_assets): JSON
        return column.type if column is not None else None
    return None


def _output_type(project: ResolvedProject, flow: Actionflow, expression: Any, types: TypeRegistry) -> GraphQLOutputType:
    """The GraphQL type of an output expression when it is known statically, else JSON."""
    value_type: str | None = None
    is_list = False
    if is_ref(expression):
        root, _, rest = expression["ref"].partition(".")
        name, _, key = rest.partition(".")
        if root == "input" and not key:
            spec = next((i for i in flow.inputs if i.name == name), None)
            value_type, is_list = (spec.type, spec.list) if spec else (None, False)
        elif root == "var" and not key:
            spec_v = next((v for v in flow.variables if v.name == name), None)
            value_type, is_list = (spec_v.type, spec_v.list) if spec_v else (None, False)
        elif root == "node" and key and "." not in key:
            value_type = _node_key_type(project, flow, name, key)
        elif root == "session" and name == "account_id":
            value_type = "bigint"
    elif isinstance(expression, bool):
        value_type = "boolean"
    elif isinstance(expression, int):
        value_type = "bigint"
    elif isinstance(expression, str):
        value_type = "text"
    elif isinstance(expression, dict) and len(expression) == 1:
        op = next(iter(expression))
        value_type = "boolean" if op in BOOLEAN_OPS else "text" if op in TEXT_OPS else None
    if value_type is None:
        return types.scalar("JSON")  # type: ignore[return-value]
    scalar = types.scalar(VALUE_SCALARS[value_type])
    return GraphQLList(scalar) if is_list else scalar  # type: ignore[return-value]


def _result_type(project: ResolvedProject, flow: Actionflow, types: TypeRegistry) -> GraphQLOutputType:
    if not flow.output or not all(NAME.fullmatch(k) for k in flow.output):
        return types.scalar("JSON")  # type: ignore[return-value]
    name = f"{flow.id}_result"
    existing = types.get(name)
    if existing is not None:
        return existing  # type: ignore[return-value]
    fields = {key: GraphQLField(_output_type(project, flow, expr, types)) for key, expr in flow.output.items()}
    return types.add(GraphQLObjectType(name, fields, description=f"The output of actionflow {flow.name}"))  # type: ignore[return-value]


def _typed_mutation(project: ResolvedProject, flow: Actionflow, types: TypeRegistry) -> ExtensionField:
    args: dict[str, GraphQLArgument] = {}
    for spec in flow.inputs:
        arg_type: Any = types.scalar(VALUE_SCALARS[spec.type])
        if spec.list:
            arg_type = GraphQLList(GraphQLNonNull(arg_type))
        if spec.required:
            arg_type = GraphQLNonNull(arg_type)
        args[spec.name] = GraphQLArgument(arg_type, description=spec.description or None)
    field = GraphQLField(_result_type(project, flow, types), args, description=flow.description or f"Run actionflow {flow.name}")

    async def resolve(ctx: RequestContext, arguments: dict[str, Any]) -> Any:
        return await invoke(ctx, flow.id, arguments)

    return ExtensionField(flow.id, "mutation", field, resolve=resolve, standalone=True, own_idempotency=True)


def _reserved_names(project: ResolvedProject) -> set[str]:
    names = {"fz_invoke_action_flow", "fz_create_action_flow_task", "fz_create_action_flow_task_handle", "authenticateWithUsername",
             "fz_assign_role", "fz_remove_role"}
    for table in project.tables:
        names.update(pattern.format(table) for pattern in TABLE_MUTATIONS)
    return names


# ---------------------------------------------------------------- Momen's generic fields


def _invoke_field(types: TypeRegistry) -> ExtensionField:
    json_type = types.scalar("JSON")
    field = GraphQLField(
        json_type,  # type: ignore[arg-type]
        {
            "actionFlowId": GraphQLArgument(GraphQLNonNull(GraphQLString), description="the actionflow's id or name"),
            "versionId": GraphQLArgument(GraphQLInt, description="the published version (optional)"),
            "args": GraphQLArgument(json_type, description="input name -> value"),  # type: ignore[arg-type]
        },
        description="Run a synchronous actionflow in one transaction and return its output",
    )

    async def resolve(ctx: RequestContext, arguments: dict[str, Any]) -> Any:
        return await invoke(ctx, arguments["actionFlowId"], _args(arguments.get("args")), arguments.get("versionId"))

    return ExtensionField("fz_invoke_action_flow", "mutation", field, resolve=resolve, standalone=True, own_idempotency=True)


def _task_fields(types: TypeRegistry) -> list[ExtensionField]:
    json_type: Any = types.scalar("JSON")
    bigint: Any = types.scalar("bigint")
    result = types.add(
        GraphQLObjectType(
            "ActionFlowTaskResult",
            {
                "id": GraphQLField(GraphQLNonNull(bigint)),
                "status": GraphQLField(GraphQLNonNull(GraphQLString), description="CREATED, PROCESSING, COMPLETED or FAILED"),
                "output": GraphQLField(json_type),
                "error": GraphQLField(GraphQLString),
            },
        )
    )
    handle = types.add(
        GraphQLObjectType(
            "ActionFlowTaskHandle",
            {
                "taskId": GraphQLField(GraphQLNonNull(bigint)),
                "secret": GraphQLField(GraphQLNonNull(GraphQLString), description="lets its holder read the task's result"),
            },
            description="A started task and the secret to read its result with (for callers who are not logged in)",
        )
    )
    task_arg = {
        "taskId": GraphQLArgument(GraphQLNonNull(bigint)),
        "secret": GraphQLArgument(GraphQLString, description="the secret of fz_create_action_flow_task_handle"),
    }
    start_args = {
        "actionFlowId": GraphQLArgument(GraphQLNonNull(GraphQLString)),
        "versionId": GraphQLArgument(GraphQLInt),
        "args": GraphQLArgument(json_type),
    }

    async def create(ctx: RequestContext, arguments: dict[str, Any]) -> Any:
        return await tasks.create_task(ctx.project, ctx.state, ctx.session, arguments["actionFlowId"], arguments.get("versionId"), _args(arguments.get("args")))

    async def create_handle(ctx: RequestContext, arguments: dict[str, Any]) -> Any:
        return await tasks.create_task_handle(ctx.project, ctx.state, ctx.session, arguments["actionFlowId"], arguments.get("versionId"), _args(arguments.get("args")))

    async def result_of(ctx: RequestContext, arguments: dict[str, Any]) -> Any:
        return await tasks.read_task(ctx.project, ctx.session, int(arguments["taskId"]), arguments.get("secret"))

    def listen(ctx: RequestContext, arguments: dict[str, Any]) -> AsyncIterator[Any]:
        return tasks.listen_task(ctx.project, ctx.session, int(arguments["taskId"]), arguments.get("secret"))

    create_field = GraphQLField(
        bigint, start_args,
        description="Start an actionflow in the background; returns the task id at once. Its result can be read by the "
                    "account that started it and by admin (not by callers who are not logged in: see fz_create_action_flow_task_handle)",
    )
    handle_field = GraphQLField(
        GraphQLNonNull(handle), start_args,  # type: ignore[arg-type]
        description="Start an actionflow in the background; returns the task id and a secret that reads its result",
    )
    return [
        ExtensionField("fz_create_action_flow_task", "mutation", create_field, resolve=create, transactional=False),
        ExtensionField("fz_create_action_flow_task_handle", "mutation", handle_field, resolve=create_handle, transactional=False),
        ExtensionField("fz_action_flow_result", "query", GraphQLField(result, task_arg), resolve=result_of),  # type: ignore[arg-type]
        ExtensionField("fz_listen_action_flow_result", "subscription", GraphQLField(result, task_arg), subscribe=listen),  # type: ignore[arg-type]
    ]


def build_fields(state: PublishedState, grants: Grants, types: TypeRegistry) -> list[ExtensionField]:
    project = state.resolved
    fields = [_invoke_field(types), *_task_fields(types)]
    reserved = _reserved_names(project)
    for flow in project.actionflows.values():
        if flow.mode == "sync" and flow.id not in reserved:
            fields.append(_typed_mutation(project, flow, types))
    return fields
