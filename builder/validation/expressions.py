"""Checks of expressions, table filters and reference-keyed conditions.

A ``RefCheck`` knows the scope at one point of a flow or page: it takes a
reference path and returns why it does not resolve there (``None`` when it does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from builder.errors import PathPart
from builder.expressions import AGGREGATE_PREDICATES, AGGREGATE_SUFFIX, COMPARISONS, IGNORE_EMPTY, OPERATORS, is_ref
from builder.validation.catalog import NUMERIC_TYPES, Catalog, TableInfo, suggestion
from builder.validation.report import Issue

RefCheck = Callable[[str], "str | None"]
Parts = tuple[PathPart, ...]


def check_expression(value: Any, parts: Parts, check_ref: RefCheck) -> Iterator[Issue]:
    """Every reference resolves and every operator exists, with the right number of operands."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from check_expression(item, (*parts, index), check_ref)
        return
    if not isinstance(value, dict):
        return
    if is_ref(value):
        reason = check_ref(value["ref"])
        if reason:
            yield Issue(parts, reason)
        return
    if len(value) == 1 and "literal" in value:
        return
    if len(value) != 1 or next(iter(value)) not in OPERATORS:
        keys = ", ".join(f"`{k}`" for k in value)
        yield Issue(parts, f"{keys} is not a value: use a literal, {{\"ref\": ...}}, {{\"literal\": ...}} or one of the operators {', '.join(OPERATORS)}.")
        return
    op, operands = next(iter(value.items()))
    args = operands if isinstance(operands, list) else [operands]
    arity = OPERATORS[op]
    if arity is not None and len(args) != arity:
        yield Issue((*parts, op), f"operator `{op}` takes {arity} operand{'s' if arity != 1 else ''}, not {len(args)}.")
    for index, arg in enumerate(args):
        yield from check_expression(arg, (*parts, op, index) if isinstance(operands, list) else (*parts, op), check_ref)


def _check_comparisons(value: Any, parts: Parts, subject: str, check_ref: RefCheck, comparisons: tuple[str, ...] = COMPARISONS) -> Iterator[Issue]:
    if not isinstance(value, dict) or not value:
        yield Issue(parts, f"the condition on {subject} must be an object of comparisons such as {{\"_eq\": ...}}.")
        return
    page_filter = comparisons != COMPARISONS
    for op, operand in value.items():
        if op == IGNORE_EMPTY and page_filter:
            if not isinstance(operand, bool):
                yield Issue((*parts, op), f"`{IGNORE_EMPTY}` takes true or false.")
        elif op not in comparisons:
            yield Issue((*parts, op), f"`{op}` is not a comparison; use one of {', '.join(comparisons)}.{suggestion(op, comparisons)}")
        elif op == "_is_null" and not isinstance(operand, bool) and not is_ref(operand):
            yield Issue((*parts, op), f"`_is_null` on {subject} takes true or false.")
        else:
            yield from check_expression(operand, (*parts, op), check_ref)


def _check_logical(
    condition: Any, parts: Parts, check_key: Callable[[str, Any, Parts], Iterator[Issue]]
) -> Iterator[Issue]:
    if not isinstance(condition, dict):
        yield Issue(parts, "a condition must be an object such as {\"field\": {\"_eq\": ...}}.")
        return
    for key, value in condition.items():
        key_parts = (*parts, key)
        if key in ("_and", "_or"):
            if not isinstance(value, list):
                yield Issue(key_parts, f"`{key}` takes a list of conditions.")
                continue
            for index, part in enumerate(value):
                yield from _check_logical(part, (*key_parts, index), check_key)
        elif key == "_not":
            yield from _check_logical(value, key_parts, check_key)
        elif key.startswith("_"):
            yield Issue(key_parts, f"`{key}` is not a logical operator; use _and, _or or _not.")
        else:
            yield from check_key(key, value, key_parts)


def check_table_filter(
    condition: Any, parts: Parts, table: TableInfo, catalog: Catalog, check_ref: RefCheck,
    comparisons: tuple[str, ...] = COMPARISONS,
) -> Iterator[Issue]:
    """Keys are columns or relationships of ``table`` (followed recursively); values resolve.

    Page list filters pass ``builder.expressions.PAGE_COMPARISONS`` (text searches and
    ``_ignore_empty``); permission and flow filters keep GraphQL's comparisons.
    """

    def check_key(key: str, value: Any, key_parts: Parts) -> Iterator[Issue]:
        relationship = table.relationships.get(key)
        aggregated = table.relationships.get(key.removesuffix(AGGREGATE_SUFFIX)) if key.endswith(AGGREGATE_SUFFIX) else None
        if aggregated is not None and aggregated.kind == "array":
            target = catalog.table(aggregated.target)
            if target is not None:
                yield from _check_aggregate(value, key_parts, aggregated.name, target, catalog, check_ref, comparisons)
        elif relationship is not None:
            target = catalog.table(relationship.target)
            if target is not None:
                yield from check_table_filter(value, key_parts, target, catalog, check_ref, comparisons)
        elif key in table.columns:
            yield from _check_comparisons(value, key_parts, f"field `{key}`", check_ref, comparisons)
        else:
            choices = [*table.columns, *table.relationships, *(f"{n}{AGGREGATE_SUFFIX}" for n, r in table.relationships.items() if r.kind == "array")]
            yield Issue(key_parts, f"field `{key}` does not exist on table {table.name}.{suggestion(key, choices)}")

    yield from _check_logical(condition, parts, check_key)


def _check_aggregate(
    value: Any, parts: Parts, relationship: str, target: TableInfo, catalog: Catalog, check_ref: RefCheck, comparisons: tuple[str, ...],
) -> Iterator[Issue]:
    """``<rel>_aggregate: {count | sum | avg | min | max: {arguments, distinct, filter, predicate}}``."""
    if not isinstance(value, dict) or not value:
        yield Issue(parts, f"the total of `{relationship}` must name a function such as {{\"count\": {{\"predicate\": {{\"_gt\": 0}}}}}}.")
        return
    for function, body in value.items():
        fn_parts = (*parts, function)
        if function not in AGGREGATE_PREDICATES:
            yield Issue(fn_parts, f"`{function}` is not a total; use one of {', '.join(AGGREGATE_PREDICATES)}.{suggestion(function, AGGREGATE_PREDICATES)}")
            continue
        if not isinstance(body, dict):
            yield Issue(fn_parts, f"the {function} of `{relationship}` must be an object with a `predicate`.")
            continue
        known = {"arguments", "filter", "predicate", *(("distinct",) if function == "count" else ())}
        for key in sorted(set(body) - known):
            yield Issue((*fn_parts, key), f"`{key}` is not part of a {function}; use {', '.join(sorted(known))}.")
        arguments = body.get("arguments")
        names = [arguments] if isinstance(arguments, str) else arguments if isinstance(arguments, list) else []
        if function != "count" and len(names) != 1:
            yield Issue((*fn_parts, "arguments"), f"name the number field of {target.name} to {function}.")
        for name in names:
            if name not in target.columns:
                yield Issue((*fn_parts, "arguments"), f"field `{name}` does not exist on table {target.name}.{suggestion(str(name), target.columns)}")
            elif function != "count" and target.columns[name] not in NUMERIC_TYPES:
                yield Issue((*fn_parts, "arguments"), f"{function} needs a number field; `{name}` of {target.name} is {target.columns[name]}.")
        if body.get("filter"):
            yield from check_table_filter(body["filter"], (*fn_parts, "filter"), target, catalog, check_ref, comparisons)
        if "predicate" not in body:
            yield Issue(fn_parts, f"say what the {function} of `{relationship}` is compared with (`predicate`, e.g. {{\"_gt\": 0}}).")
        else:
            yield from _check_comparisons(body["predicate"], (*fn_parts, "predicate"), f"the {function} of `{relationship}`", check_ref, comparisons)


def check_condition(condition: Any, parts: Parts, check_ref: RefCheck) -> Iterator[Issue]:
    """A flow or page condition: keys are reference paths (``input.quantity``), values comparisons."""

    def check_key(key: str, value: Any, key_parts: Parts) -> Iterator[Issue]:
        reason = check_ref(key)
        if reason:
            yield Issue(key_parts, reason)
        yield from _check_comparisons(value, key_parts, f"`{key}`", check_ref)

    yield from _check_logical(condition, parts, check_key)


def check_columns(
    keys: Any, parts: Parts, table: TableInfo, what: str, *, writable: bool = False
) -> Iterator[Issue]:
    """Each name in ``keys`` is a column of ``table`` (and may be written, when asked)."""
    for key in keys:
        if key not in table.columns:
            yield Issue((*parts, key), f"{what} `{key}` does not exist on table {table.name}.{suggestion(key, table.columns)}")
        elif writable and not table.writable(key):
            yield Issue((*parts, key), f"{what} `{key}` of table {table.name} is set by the system and cannot be written.")


def otherwise_last(conditions: list[Any], parts: Parts, what: str = "branch") -> Iterator[Issue]:
    """Only the last branch may be ``otherwise`` (condition null)."""
    for index, condition in enumerate(conditions[:-1]):
        if condition is None:
            yield Issue((*parts, index, "condition"), f"only the last {what} may be 'otherwise' (no condition); give this {what} a condition or move it last.")
