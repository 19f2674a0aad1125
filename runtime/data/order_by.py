"""Hasura's ``order_by`` argument parsed into sort terms (columns, through object relationships, and aggregates)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.sql import VarRef
from runtime.types import BadUserInput

DIRECTIONS: dict[str, str] = {
    "asc": "ASC",
    "asc_nulls_first": "ASC NULLS FIRST",
    "asc_nulls_last": "ASC NULLS LAST",
    "desc": "DESC",
    "desc_nulls_first": "DESC NULLS FIRST",
    "desc_nulls_last": "DESC NULLS LAST",
}


@dataclass(frozen=True)
class OrderTerm:
    """Sort by a column reached through object relationships (``path``), or by an
    aggregate (``function`` with ``column``, ``count`` without) of an array relationship
    at the end of ``path``."""

    path: tuple[str, ...]
    column: str | None
    direction: str
    function: str | None = None


def parse_order_by(project: ResolvedProject, table: ResolvedTable, value: Any) -> list[OrderTerm]:
    """Hasura's ``order_by`` (an object or a list of objects, keys in order) as terms."""
    items = value if isinstance(value, list) else [value] if value else []
    terms: list[OrderTerm] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise BadUserInput(f"order_by on {table.name} expects objects such as {{\"id\": \"asc\"}}")
        terms.extend(_order_terms(project, table, item, ()))
    return terms


def _order_terms(project: ResolvedProject, table: ResolvedTable, item: Mapping[str, Any], path: tuple[str, ...]) -> list[OrderTerm]:
    terms: list[OrderTerm] = []
    for key, direction in item.items():
        if direction is None:
            continue
        if key in table.columns:
            terms.append(OrderTerm(path, key, _direction(direction)))
            continue
        rel = table.relationships.get(key)
        if rel is not None and rel.kind == "object" and isinstance(direction, Mapping):
            terms.extend(_order_terms(project, project.tables[rel.target], direction, path + (key,)))
            continue
        if key.endswith("_aggregate") and isinstance(direction, Mapping):
            rel = table.relationships.get(key[: -len("_aggregate")])
            if rel is not None and rel.kind == "array":
                for function, spec in direction.items():
                    if function == "count":
                        terms.append(OrderTerm(path + (rel.name,), None, _direction(spec), "count"))
                    elif isinstance(spec, Mapping):
                        terms.extend(OrderTerm(path + (rel.name,), c, _direction(d), function) for c, d in spec.items() if d is not None)
                continue
        raise BadUserInput(f"cannot sort by `{key}`: it does not exist on table {table.name}")
    return terms


def _direction(value: Any) -> str:
    if isinstance(value, VarRef) or value not in DIRECTIONS:
        raise BadUserInput(f"unknown sort direction {value!r}; use one of {', '.join(DIRECTIONS)}")
    return str(value)
