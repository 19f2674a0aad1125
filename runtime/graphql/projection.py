"""Project the plain data an extension field returns onto its selection set.

Handles aliases, nested objects and lists, ``__typename`` and leaf serialisation;
keys that were not selected are dropped, so a resolver may return more than asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    get_named_type,
)

from runtime.graphql.selection import Selected
from runtime.types import RuntimeError_


def _field_value(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


def project(value: Any, type_: GraphQLOutputType, children: list[Selected], path: list[str | int]) -> Any:
    if isinstance(type_, GraphQLNonNull):
        result = project(value, type_.of_type, children, path)
        if result is None:
            raise RuntimeError_(f"Cannot return null for non-nullable field {'.'.join(str(p) for p in path)}", code="INTERNAL")
        return result
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            value = [value]
        return [project(item, type_.of_type, children, [*path, i]) for i, item in enumerate(value)]
    if isinstance(type_, GraphQLObjectType):
        out: dict[str, Any] = {}
        for child in children:
            if child.name == "__typename":
                out[child.key] = type_.name
            elif child.definition is not None:
                out[child.key] = project(_field_value(value, child.name), child.definition.type, child.children, [*path, child.key])
        return out
    named = get_named_type(type_)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        if named.name in ("JSON", "jsonb", "bigint", "numeric"):
            return value
        try:
            return named.serialize(value)
        except Exception:  # noqa: BLE001 - a resolver returned a value of the wrong type
            raise RuntimeError_(f"Field {'.'.join(str(p) for p in path)} returned a value of the wrong type", code="INTERNAL") from None
    return value
