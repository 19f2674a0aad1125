"""Why variables fail for a role: a hidden relationship, total or column inside ``$where``.

A page list sends its filter as the ``$where`` variable, so a relationship the
visitor may not read (``orders_aggregate`` for anonymous visitors) makes variable
coercion fail with graphql-core's "not to include unknown field". When the same
values coerce against the admin schema, every such field is a permission matter:
this module names them as ``runtime.graphql.denials`` names hidden things in the
document ("Anonymous user has no permission for SELECT on order"), code TABLE_ACCESS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    TypeInfo,
    type_from_ast,
)
from graphql.execution.values import get_variable_values

from runtime.graphql.denials import AccessDenied, Finder

MAX_DEPTH = 32


def variable_denials(admin: Any, role: GraphQLSchema, document: Any, node: Any, raw: Mapping[str, Any]) -> AccessDenied | None:
    """An ``AccessDenied`` when ``raw`` coerces for the admin schema and only names fields hidden from ``role``.

    ``admin`` is the admin ``SchemaBundle``; ``document`` the parsed ``DocumentNode``, ``node`` its operation.
    """
    definitions = node.variable_definitions or ()
    if isinstance(get_variable_values(admin.schema, definitions, dict(raw)), list):
        return None  # wrong for everyone: not a permission problem
    finder = Finder(TypeInfo(admin.schema), role, {name: a.table for name, a in admin.access.items()}, lambda *_: None, document)
    for definition in definitions:
        name = definition.variable.name.value
        if name in raw:
            _walk(finder, type_from_ast(admin.schema, definition.type), raw[name], definition, 0)
    return AccessDenied(finder.found) if finder.found else None


def _walk(finder: Finder, input_type: Any, value: Any, at: Any, depth: int) -> None:
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if value is None or depth > MAX_DEPTH:
        return
    if isinstance(input_type, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            _walk(finder, input_type.of_type, item, at, depth + 1)
        return
    if not isinstance(input_type, GraphQLInputObjectType) or not isinstance(value, Mapping):
        return
    mine = finder.role.get_type(input_type.name)
    for key, inner in value.items():
        field = input_type.fields.get(key)
        if field is None:
            continue
        if isinstance(mine, GraphQLInputObjectType) and key in mine.fields:
            _walk(finder, field.type, inner, at, depth + 1)
            continue
        found = finder.table_of(input_type.name)
        if found is None:
            continue
        denial = finder.through(found[0], key, "SELECT" if found[1] == "AGGREGATE" else found[1])
        if denial is not None:
            finder.deny(denial, at)
