"""Compiled operations: what each root field does, with its SQL, cached per variable shape.

A plan is keyed by (query text, operation name, variable shape, permission context).
Scalar variables are bound per execution (``VarRef``); the values of Boolean, enum
and input-object variables shape the SQL, so they are part of the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import (
    DocumentNode,
    GraphQLNonNull,
    GraphQLScalarType,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.pyutils import Undefined
from graphql.utilities import type_from_ast
from psycopg import sql

from runtime.data.sql import Params
from runtime.graphql.compile import QueryBuilder
from runtime.graphql.document import Document
from runtime.graphql.mutations import compile_mutation, compile_mutation_steps
from runtime.graphql.schema import ROOT_TYPE_NAMES, RootField, SchemaBundle
from runtime.graphql.selection import Selected, collect
from runtime.graphql.stream import StreamStatements, stream_statements
from runtime.permissions import Grants
from runtime.types import BadUserInput, Session

MAX_CACHED_SHAPE = 4096
StepKind = Literal["sql", "typename", "introspection", "extension", "static", "mutation"]


@dataclass
class Step:
    key: str
    kind: StepKind
    selected: Selected | None = None
    root: RootField | None = None
    value: Any = None
    column: int = -1  # "sql": column of the plan's statement
    statement: str | None = None  # "mutation": its own statement
    params: Params | None = None
    item: int | None = None  # "mutation": its index in the list answered under ``key`` (``update_T_many``)


@dataclass
class Plan:
    steps: list[Step]
    statement: str | None = None  # every table root of a query, one SELECT
    params: Params | None = None
    introspection: DocumentNode | None = None
    cacheable: bool = True


@dataclass(frozen=True)
class SimpleVariable:
    name: str
    scalar: GraphQLScalarType
    required: bool
    default: Any  # Undefined when none


@dataclass
class Analysis:
    """Per operation: which variables are scalars (bound late) and which shape the SQL.

    ``simple`` lists the variables when every one is a plain scalar (no lists, no
    input objects): those are coerced on a fast path, the common case on hot queries.
    """

    scalars: frozenset[str]
    others: tuple[str, ...]
    simple: tuple[SimpleVariable, ...] | None = None


def analyse(bundle: SchemaBundle, node: OperationDefinitionNode) -> Analysis:
    scalars, others = [], []
    simple: list[SimpleVariable] | None = []
    for definition in node.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(bundle.schema, definition.type)
        named = get_named_type(type_)
        if isinstance(named, GraphQLScalarType) and named.name != "Boolean":
            scalars.append(name)
        else:
            others.append(name)
        nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if simple is not None and isinstance(nullable, GraphQLScalarType) and definition.default_value is None:
            simple.append(SimpleVariable(name, nullable, isinstance(type_, GraphQLNonNull), Undefined))
        else:
            simple = None
    return Analysis(frozenset(scalars), tuple(others), tuple(simple) if simple is not None else None)


def coerce_simple(analysis: Analysis, variables: Mapping[str, Any]) -> dict[str, Any] | None:
    """Coerced values on the fast path, or None to let graphql-core coerce (and explain errors)."""
    if analysis.simple is None:
        return None
    coerced: dict[str, Any] = {}
    for variable in analysis.simple:
        if variable.name not in variables:
            if variable.required:
                return None
            continue
        value = variables[variable.name]
        if value is None:
            if variable.required:
                return None
            coerced[variable.name] = None
            continue
        try:
            parsed = variable.scalar.parse_value(value)
        except Exception:  # noqa: BLE001 - the slow path reports it properly
            return None
        if parsed is Undefined or parsed is None:
            return None
        coerced[variable.name] = parsed
    return coerced


def shape(analysis: Analysis, variables: Mapping[str, Any]) -> tuple[frozenset[str], tuple[Any, ...]]:
    """(names of variables bound late, the cache-key part describing all variables)."""
    refs: set[str] = set()
    parts: list[Any] = []
    for name in analysis.scalars:
        if name not in variables:
            parts.append((name, "-"))
        elif variables[name] is None:
            parts.append((name, "n"))
        else:
            refs.add(name)
            parts.append((name, "v"))
    for name in analysis.others:
        parts.append((name, json.dumps(variables[name], default=str) if name in variables else "-"))
    return frozenset(refs), tuple(parts)


def session_context(session: Session) -> tuple[Any, ...]:
    """Row rules may only use ``session.*``; equal contexts give equal SQL."""
    return (session.role, session.account_id, session.username, session.roles)


def build_plan(bundle: SchemaBundle, grants: Grants, resolved: Any, document: Document, node: OperationDefinitionNode,
               variables: Mapping[str, Any], refs: frozenset[str]) -> Plan:
    operation = node.operation.value
    root_type = bundle.schema.get_root_type(node.operation)
    assert root_type is not None
    roots = collect(root_type, [node.selection_set], document.fragments, variables)
    steps: list[Step] = []
    expressions: list[sql.Composable] = []
    params = Params(variables)
    builder = QueryBuilder(bundle, grants, resolved, params, variables, refs)
    introspection: list[Any] = []
    for selected in roots:
        if selected.name == "__typename":
            steps.append(Step(selected.key, "typename", value=ROOT_TYPE_NAMES[operation]))  # type: ignore[index]
            continue
        if selected.name in ("__schema", "__type"):
            steps.append(Step(selected.key, "introspection"))
            introspection.extend(selected.nodes)
            continue
        root = bundle.root(operation, selected.name)  # type: ignore[arg-type]
        assert root is not None, selected.name
        if root.kind == "extension":
            steps.append(Step(selected.key, "extension", selected, root))
        elif root.kind == "placeholder":
            steps.append(Step(selected.key, "static", value="no queries are available for this role"))
        elif operation == "mutation":
            parts = compile_mutation_steps(lambda: QueryBuilder(bundle, grants, resolved, Params(variables), variables, refs), root, selected)
            if parts is not None:
                steps.extend(Step(selected.key, "mutation", selected, root, statement=statement.as_string(None), params=own, item=index)
                             for index, (own, statement) in enumerate(parts))
                if not parts:
                    steps.append(Step(selected.key, "static", selected, root, value=[]))
                continue
            own = Params(variables)
            statement = compile_mutation(QueryBuilder(bundle, grants, resolved, own, variables, refs), root, selected)
            if statement is None:
                steps.append(Step(selected.key, "static", selected, root, value=_empty_response(selected)))
            else:
                steps.append(Step(selected.key, "mutation", selected, root, statement=statement.as_string(None), params=own))
        else:
            expressions.append(builder.root(root, selected))
            steps.append(Step(selected.key, "sql", selected, root, column=len(expressions) - 1))
    plan = Plan(steps)
    if expressions:
        plan.statement = sql.SQL("SELECT {}").format(sql.SQL(", ").join(sql.SQL("({})::text").format(e) for e in expressions)).as_string(None)
        plan.params = params
    if introspection:
        plan.introspection = _introspection_document(document, node, introspection)
    return plan


def build_stream_plan(bundle: SchemaBundle, grants: Grants, resolved: Any, document: Document, node: OperationDefinitionNode,
                      variables: Mapping[str, Any]) -> StreamStatements:
    """The statements of a ``T_stream`` subscription for one session and its (coerced) variables, all bound at once."""
    root_type = bundle.schema.subscription_type
    assert root_type is not None
    roots = [(bundle.root("subscription", s.name), s) for s in collect(root_type, [node.selection_set], document.fragments, variables)]
    if len(roots) != 1 or roots[0][0] is None or roots[0][0].kind != "stream" or roots[0][0].table is None:
        raise BadUserInput("a streaming subscription selects exactly one `<table>_stream` field")
    root, selected = roots[0]
    assert root is not None and root.table is not None
    return stream_statements(lambda params: QueryBuilder(bundle, grants, resolved, params, variables, frozenset()),
                             resolved.tables[root.table], selected)


def _empty_response(selected: Selected) -> dict[str, Any]:
    values = {"affected_rows": 0, "returning": []}
    return {c.key: c.parent.name if c.name == "__typename" else values.get(c.name) for c in selected.children}


def _introspection_document(document: Document, node: OperationDefinitionNode, fields: list[Any]) -> DocumentNode:
    """The operation reduced to its introspection fields, for graphql-core's executor."""
    reduced = OperationDefinitionNode(
        operation=node.operation, name=node.name, variable_definitions=node.variable_definitions,
        directives=node.directives, selection_set=SelectionSetNode(selections=tuple(fields)),
    )
    return DocumentNode(definitions=(reduced, *document.fragments.values()))
