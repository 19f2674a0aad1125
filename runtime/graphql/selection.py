"""The selection of an operation as a tree of response keys: fragments expanded,
``@skip`` / ``@include`` applied, fields of the same key merged.

Argument values are read from the AST; a variable listed in ``refs`` becomes a
``VarRef`` (bound per execution, so compiled SQL can be reused), any other
variable is replaced by its coerced value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.pyutils import Undefined

from runtime.data.sql import VarRef

_MISSING = object()


@dataclass
class Selected:
    key: str  # the response key: alias or name
    name: str
    nodes: list[FieldNode]
    definition: GraphQLField | None  # None for __typename
    parent: GraphQLObjectType
    children: list[Selected] = field(default_factory=list)

    @property
    def node(self) -> FieldNode:
        return self.nodes[0]

    @property
    def result_type(self) -> GraphQLNamedType | None:
        return get_named_type(self.definition.type) if self.definition else None


def _included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Mapping[str, Any]) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        value = literal(condition, variables) if condition is not None else False
        if value is _MISSING:  # variables unknown (preparing): keep the field, over-approximating
            continue
        value = bool(value)
        if (name == "skip" and value) or (name == "include" and not value):
            return False
    return True


def _walk(selection_set: SelectionSetNode, parent: GraphQLObjectType, fragments: Mapping[str, FragmentDefinitionNode],
          variables: Mapping[str, Any], out: dict[str, list[FieldNode]], visited: set[str]) -> None:
    for selection in selection_set.selections:
        if not _included(selection, variables):  # type: ignore[arg-type]
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            out.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if selection.type_condition is None or selection.type_condition.name.value == parent.name:
                _walk(selection.selection_set, parent, fragments, variables, out, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in visited or fragment is None or fragment.type_condition.name.value != parent.name:
                continue
            _walk(fragment.selection_set, parent, fragments, variables, out, visited | {name})


def collect(parent: GraphQLObjectType, selection_sets: Iterable[SelectionSetNode], fragments: Mapping[str, FragmentDefinitionNode],
            variables: Mapping[str, Any]) -> list[Selected]:
    """The merged fields selected on ``parent`` (documents are validated, so names exist)."""
    grouped: dict[str, list[FieldNode]] = {}
    for selection_set in selection_sets:
        _walk(selection_set, parent, fragments, variables, grouped, set())
    selected: list[Selected] = []
    for key, nodes in grouped.items():
        name = nodes[0].name.value
        definition = parent.fields.get(name)
        item = Selected(key, name, nodes, definition, parent)
        named = item.result_type
        if isinstance(named, GraphQLObjectType):
            item.children = collect(named, [n.selection_set for n in nodes if n.selection_set], fragments, variables)
        selected.append(item)
    return selected


def literal(node: ValueNode | None, variables: Mapping[str, Any], refs: frozenset[str] = frozenset(), type_: Any = None) -> Any:
    """The Python value of an argument AST; ``_MISSING`` for an unset variable (callers drop the key).

    With the input ``type_``, a single value where a list is expected becomes a list
    of one (GraphQL input coercion), so ``distinct_on: sku`` means ``[sku]``.
    """
    nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(nullable, GraphQLList) and node is not None and not isinstance(node, (ListValueNode, NullValueNode, VariableNode)):
        return [literal(node, variables, refs, nullable.of_type)]
    if node is None or isinstance(node, NullValueNode):
        return None
    if isinstance(node, VariableNode):
        name = node.name.value
        if name not in variables:
            return _MISSING
        if name in refs:
            return VarRef(name)
        return variables[name]
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return float(node.value)
    if isinstance(node, (StringValueNode, EnumValueNode)):
        return node.value
    if isinstance(node, BooleanValueNode):
        return node.value
    if isinstance(node, ListValueNode):
        item_type = nullable.of_type if isinstance(nullable, GraphQLList) else None
        return [v for v in (literal(item, variables, refs, item_type) for item in node.values) if v is not _MISSING]
    if isinstance(node, ObjectValueNode):
        fields = nullable.fields if isinstance(nullable, GraphQLInputObjectType) else {}
        out = {}
        for item in node.fields:
            known = fields.get(item.name.value)
            value = literal(item.value, variables, refs, known.type if known is not None else None)
            if value is not _MISSING:
                out[item.name.value] = value
        return out
    raise TypeError(f"unexpected value node {node.kind}")


def arguments(selected: Selected, variables: Mapping[str, Any], refs: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Argument values of a field (defaults filled in), with ``refs`` variables as ``VarRef``."""
    out: dict[str, Any] = {}
    if selected.definition is None:
        return out
    given = {a.name.value: a.value for a in selected.node.arguments or ()}
    for name, argument in selected.definition.args.items():
        if name in given:
            value = literal(given[name], variables, refs, argument.type)
            if value is not _MISSING:
                out[name] = value
                continue
        if argument.default_value is not Undefined:
            out[name] = argument.default_value
    return out
