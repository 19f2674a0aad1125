"""Which rows a live query can depend on, so a change elsewhere need not re-run it.

Only the clear case is narrowed: one root field ``T_by_pk(id: X)`` that selects
plain columns of ``T`` only. A relationship (even one back to ``T``), a fragment
or a directive falls back to "any change of its tables".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    IntValueNode,
    OperationDefinitionNode,
    StringValueNode,
    VariableNode,
    parse,
)
from graphql.error import GraphQLError

BY_PK_SUFFIX = "_by_pk"


@dataclass(frozen=True)
class RowScope:
    table: str
    id: int


def _operation(query: str, operation_name: str | None) -> OperationDefinitionNode | None:
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    return operations[0] if len(operations) == 1 else None


def _int_value(node: Any, variables: dict[str, Any]) -> int | None:
    if isinstance(node, VariableNode):
        value = variables.get(node.name.value)
    elif isinstance(node, (IntValueNode, StringValueNode)):
        value = node.value
    else:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return int(value)  # bigint ids travel as numbers or as strings
    except (TypeError, ValueError):
        return None


def _columns_only(root: FieldNode) -> bool:
    if root.selection_set is None:
        return False
    return all(
        isinstance(s, FieldNode) and s.selection_set is None and not s.directives for s in root.selection_set.selections
    )


def row_scope(query: str, operation_name: str | None, variables: dict[str, Any], tables: frozenset[str]) -> RowScope | None:
    """The one row of one table that the query reads, or None when it may read more."""
    operation = _operation(query, operation_name)
    if operation is None or len(tables) != 1:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    root = selections[0]
    name = root.name.value
    table = next(iter(tables))
    if root.directives or name != table + BY_PK_SUFFIX or not _columns_only(root):
        return None
    for argument in root.arguments or ():
        if argument.name.value == "id":
            row_id = _int_value(argument.value, variables)
            return RowScope(table, row_id) if row_id is not None else None
    return None
