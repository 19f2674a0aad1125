"""Root fields that are not generated from tables (actionflows, authentication).

A feature package exposes ``build_fields(state, grants, types) -> list[ExtensionField]``
in a module named in ``EXTENSION_MODULES``; the schema builder adds those fields
for the role in question (omit a field to hide it from that role).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from graphql import GraphQLField, GraphQLNamedType

from runtime.permissions import Grants
from runtime.project import PublishedState
from runtime.types import RequestContext

EXTENSION_MODULES: tuple[str, ...] = (
    "runtime.auth.graphql",
    "runtime.actionflows.graphql",
    "runtime.files.graphql",
)


class TypeRegistry(Protocol):
    """Named types shared within one schema (graphql-core needs one instance per name)."""

    def get(self, name: str) -> GraphQLNamedType | None: ...

    def add(self, type_: GraphQLNamedType) -> GraphQLNamedType:
        """Register ``type_`` unless a type of that name exists; return the registered one."""
        ...

    def scalar(self, name: str) -> GraphQLNamedType:
        """One of: JSON, jsonb, bigint, numeric, timestamptz, date, String, Boolean, Int, Float, ID."""
        ...


Resolve = Callable[[RequestContext, dict[str, Any]], Awaitable[Any]]
Subscribe = Callable[[RequestContext, dict[str, Any]], AsyncIterator[Any]]


@dataclass(frozen=True)
class ExtensionField:
    """One root field. ``resolve`` returns plain data (dicts, lists, scalars) that the
    executor projects onto the selection set. Mutation fields run in order inside the
    request's single transaction (``ctx.connection``) unless ``transactional`` is False
    (then ``ctx.connection`` is None and the field manages its own connections)."""

    name: str
    operation: Literal["query", "mutation", "subscription"]
    field: GraphQLField  # type and arguments; its resolver is never called
    resolve: Resolve | None = None
    subscribe: Subscribe | None = None  # subscription fields: yields successive results
    transactional: bool = True
    # Alone in a mutation request without an Idempotency-Key, the field may run without
    # the request transaction (it guarantees its own atomicity, e.g. one function call):
    # this saves BEGIN/COMMIT round trips and shortens row-lock hold times.
    standalone: bool = False
    # A standalone field that also claims the request's Idempotency-Key itself (``RequestContext.idempotency_key``,
    # storing ``RequestContext.respond(value)``) in the transaction of its own work, so keyed requests skip the
    # request transaction too (actionflows: keyed calls join a group commit).
    own_idempotency: bool = False


def extension_fields(state: PublishedState, grants: Grants, types: TypeRegistry) -> list[ExtensionField]:
    fields: list[ExtensionField] = []
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the feature is not built yet
                continue
            raise
        fields.extend(module.build_fields(state, grants, types))
    return fields
