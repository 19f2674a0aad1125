"""Hasura-style ``extensions.path`` of document and variable errors.

Hasura points at what it refused with a JSON path into the request:
``$.selectionSet.product.selectionSet.stok`` for a field, ``$.variableValues.o.starts_at``
for a variable. ``field_path`` finds the innermost field (by response key) whose text
holds the error's position, following fragment spreads as if inlined;
``variable_path`` reads the variable and the position graphql-core names in its message.
"""

from __future__ import annotations

import re

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)'")
_AT = re.compile(r" at (?P<at>(?:[.\[][^\s:;']*)+)[:;]")


def variable_path(message: str) -> str | None:
    found = _VARIABLE.match(message)
    if found is None:
        return None
    at = _AT.search(message)
    return "$.variableValues." + found.group("name") + (at.group("at") if at else "")


def _inside(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, position: int) -> bool:
    loc = node.loc
    return loc is not None and loc.start <= position < loc.end


def _search(selection_set: SelectionSetNode | None, position: int, fragments: dict[str, FragmentDefinitionNode],
            seen: frozenset[str]) -> list[str] | None:
    """Response keys from ``selection_set`` down to the innermost field holding ``position``."""
    if selection_set is None:
        return None
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and _inside(selection, position):
            key = selection.alias.value if selection.alias else selection.name.value
            return [key, *(_search(selection.selection_set, position, fragments, seen) or [])]
        if isinstance(selection, InlineFragmentNode) and _inside(selection, position):
            return _search(selection.selection_set, position, fragments, seen)
    return None


def _through_fragments(selection_set: SelectionSetNode | None, position: int, fragments: dict[str, FragmentDefinitionNode],
                       seen: frozenset[str]) -> list[str] | None:
    """The path of ``position`` inside a fragment definition, reached from the operation through spreads."""
    if selection_set is None:
        return None
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            loc = fragment.loc
            if loc is not None and loc.start <= position < loc.end:
                return _search(fragment.selection_set, position, fragments, seen) or []
            deeper = _through_fragments(fragment.selection_set, position, fragments, seen | {selection.name.value})
            if deeper is not None:
                return deeper
        elif isinstance(selection, (FieldNode, InlineFragmentNode)):
            deeper = _through_fragments(selection.selection_set, position, fragments, seen)
            if deeper is not None:
                key = selection.alias or selection.name if isinstance(selection, FieldNode) else None
                return ([key.value] if key else []) + deeper
    return None


def field_path(document: DocumentNode, error: GraphQLError) -> str | None:
    if not error.nodes or error.nodes[0].loc is None:
        return None
    position = error.nodes[0].loc.start
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        keys = _search(definition.selection_set, position, fragments, frozenset())
        if not keys:
            keys = _through_fragments(definition.selection_set, position, fragments, frozenset())
        if keys:
            return "$" + "".join(f".selectionSet.{key}" for key in keys)
    return None
