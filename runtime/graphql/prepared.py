"""A parsed, validated operation for one role (``Prepared``), its variables, and its plan per variable shape.

``prepare`` parses and validates once per role and document (cached in the role's
schema bundle); ``Variables`` coerces a request's variables (graphql-core's full form
only when needed; a hidden field in them answers TABLE_ACCESS); ``plan_for`` compiles
the SQL plan once per variable shape. ``runtime.graphql.execute`` runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import GraphQLObjectType, OperationDefinitionNode
from graphql.execution.values import get_variable_values

from runtime.graphql.compile import tables_read
from runtime.graphql.denials import AccessDenied
from runtime.graphql.document import Document, parse_document
from runtime.graphql.errors import DocumentErrors, graphql_error
from runtime.graphql.extensions import ExtensionField
from runtime.graphql.operator_errors import variable_errors
from runtime.graphql.plan import MAX_CACHED_SHAPE, Analysis, Plan, analyse, build_plan, coerce_simple, session_context, shape
from runtime.graphql.schema import SchemaBundle, schema_for
from runtime.graphql.selection import collect
from runtime.graphql.text_input import variables_problem
from runtime.graphql.variable_denials import variable_denials
from runtime.permissions import grants_for
from runtime.types import Session


@dataclass(frozen=True)
class Prepared:
    """A parsed, validated operation for one role; reusable across requests and variables."""

    operation: Literal["query", "mutation", "subscription"]
    tables: frozenset[str]
    root_fields: tuple[str, ...]
    extension_subscription: bool  # the root is an extension field with ``subscribe``
    query: str
    operation_name: str | None
    bundle: SchemaBundle
    document: Document
    node: OperationDefinitionNode
    analysis: Analysis
    subscription_field: ExtensionField | None = None


def prepare(project: Any, state: Any, session: Session, query: str, operation_name: str | None) -> Prepared:
    grants = grants_for(state.resolved, session)
    bundle = schema_for(state, grants)
    key = ("prepared", query, operation_name)
    cached = bundle.plans.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    try:
        document = parse_document(bundle, query)
    except AccessDenied as denied:
        raise denied.for_session(session) from None
    node = document.operation(operation_name)
    operation = node.operation.value
    root_type = bundle.schema.get_root_type(node.operation)
    assert isinstance(root_type, GraphQLObjectType)
    roots = collect(root_type, [node.selection_set], document.fragments, {})
    pairs = [(root, s) for s in roots if (root := bundle.root(operation, s.name)) is not None]  # type: ignore[arg-type]
    subscription_field = None
    if operation == "subscription" and len(pairs) == 1 and pairs[0][0].extension is not None and pairs[0][0].extension.subscribe:
        subscription_field = pairs[0][0].extension
    prepared = Prepared(
        operation=operation,  # type: ignore[arg-type]
        tables=tables_read(bundle, grants, state.resolved, pairs),
        root_fields=tuple(s.name for s in roots),
        extension_subscription=subscription_field is not None,
        query=query,
        operation_name=operation_name,
        bundle=bundle,
        document=document,
        node=node,
        analysis=analyse(bundle, node),
        subscription_field=subscription_field,
    )
    bundle.plans.put(key, prepared)
    return prepared


class Variables:
    """The request's variables, coerced; graphql-core's full form is built only when needed."""

    def __init__(self, prepared: Prepared, raw: Mapping[str, Any] | None, session: Session | None = None):
        if raw is not None and not isinstance(raw, Mapping):
            raise DocumentErrors([graphql_error("`variables` must be a JSON object", "BAD_USER_INPUT")])
        self.prepared = prepared
        self.session = session
        self.raw = dict(raw or {})
        problem = variables_problem(self.raw)
        if problem:  # before any statement: it could be shared with other requests
            raise DocumentErrors([graphql_error(problem, "BAD_USER_INPUT")])
        self._full: Any = None
        fast = coerce_simple(prepared.analysis, self.raw)
        self.coerced: dict[str, Any] = fast if fast is not None else self.full.coerced

    @property
    def full(self) -> Any:
        """graphql-core's ``VariableValues`` (for argument coercion of extension fields)."""
        if self._full is None:
            found = get_variable_values(self.prepared.bundle.schema, self.prepared.node.variable_definitions or (), self.raw)
            if isinstance(found, list):
                self._raise_denied()
                raise DocumentErrors(variable_errors(self.prepared.bundle.schema, self.prepared.node.variable_definitions, found))
            self._full = found
        return self._full

    def _raise_denied(self) -> None:
        """TABLE_ACCESS when the values only name fields hidden from the role (``runtime.graphql.variable_denials``)."""
        bundle = self.prepared.bundle
        if bundle.admin is None:
            return
        denied = variable_denials(bundle.admin(), bundle.schema, self.prepared.document.node, self.prepared.node, self.raw)
        if denied is not None:
            raise denied.for_session(self.session) if self.session is not None else denied


def variables_for(prepared: Prepared, variables: Mapping[str, Any] | None, session: Session | None = None) -> Variables:
    return Variables(prepared, variables, session)


def plan_for(state: Any, session: Session, prepared: Prepared, coerced: Mapping[str, Any]) -> Plan:
    refs, var_shape = shape(prepared.analysis, coerced)
    key = ("plan", prepared.query, prepared.operation_name, var_shape, session_context(session))
    plan = prepared.bundle.plans.get(key)
    if plan is None:
        grants = grants_for(state.resolved, session)
        plan = build_plan(prepared.bundle, grants, state.resolved, prepared.document, prepared.node, coerced, refs)
        if len(repr(var_shape)) <= MAX_CACHED_SHAPE:
            prepared.bundle.plans.put(key, plan)
    return plan  # type: ignore[no-any-return]
