"""Pydantic's validation errors, rewritten as sentences with paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from builder.errors import Problem, format_path
from builder.validation.describe import capitalize, location_of, prefix_of, walk_labels

ErrorDetails = dict[str, Any]

_IDENT_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
_PATTERN_SENTENCES: dict[str, str] = {
    _IDENT_PATTERN: "must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores (at most 63)",
    r"^$|^[a-z0-9][a-z0-9\-]{0,62}$": "must be empty (the home page) or lowercase letters, digits and dashes",
    r"^#[0-9a-fA-F]{6}$": "must be a colour like #4f46e5",
}


def _choices(text: str) -> str:
    """``"'a', 'b' or 'c'"`` -> ``"a, b, c"``."""
    return ", ".join(re.findall(r"'([^']*)'", text)) or text


def _ctx(error: ErrorDetails, key: str) -> Any:
    return (error.get("ctx") or {}).get(key)


SENTENCES: dict[str, Callable[[ErrorDetails], str]] = {
    "missing": lambda e: "is required",
    "extra_forbidden": lambda e: "is not a known setting here; remove it",
    "literal_error": lambda e: f"must be one of {_choices(str(_ctx(e, 'expected')))}",
    "union_tag_invalid": lambda e: f"unknown type `{_ctx(e, 'tag')}`; must be one of {_choices(str(_ctx(e, 'expected_tags')))}",
    "union_tag_not_found": lambda e: "needs a `type`",
    "string_pattern_mismatch": lambda e: _PATTERN_SENTENCES.get(str(_ctx(e, "pattern")), "does not have the expected format"),
    "string_too_short": lambda e: "must not be empty" if _ctx(e, "min_length") == 1 else f"must be at least {_ctx(e, 'min_length')} characters",
    "string_too_long": lambda e: f"must be at most {_ctx(e, 'max_length')} characters",
    "too_short": lambda e: f"needs at least {_ctx(e, 'min_length')} item{'s' if _ctx(e, 'min_length') != 1 else ''}",
    "too_long": lambda e: f"may have at most {_ctx(e, 'max_length')} items",
    "string_type": lambda e: "must be text",
    "int_type": lambda e: "must be a whole number",
    "int_parsing": lambda e: "must be a whole number",
    "int_from_float": lambda e: "must be a whole number",
    "float_type": lambda e: "must be a number",
    "float_parsing": lambda e: "must be a number",
    "bool_type": lambda e: "must be true or false",
    "bool_parsing": lambda e: "must be true or false",
    "list_type": lambda e: "must be a list",
    "dict_type": lambda e: "must be an object",
    "model_type": lambda e: "must be an object",
    "model_attributes_type": lambda e: "must be an object",
    "greater_than_equal": lambda e: f"must be at least {_ctx(e, 'ge')}",
    "greater_than": lambda e: f"must be more than {_ctx(e, 'gt')}",
    "less_than_equal": lambda e: f"must be at most {_ctx(e, 'le')}",
    "less_than": lambda e: f"must be less than {_ctx(e, 'lt')}",
}


def sentence_of(error: ErrorDetails) -> str:
    make = SENTENCES.get(str(error.get("type")))
    if make is not None:
        return make(error)
    text = str(error.get("msg", "is invalid"))
    return text[:1].lower() + text[1:]


def problem_from_error(error: ErrorDetails, data: Any) -> Problem:
    """One pydantic error -> one Problem, e.g. "Field `type` of table product, field stock: must be one of ..."."""
    labels, kept = walk_labels(tuple(error.get("loc", ())), data)
    prefix = prefix_of(labels)
    sentence = sentence_of(error)
    last = kept[-1] if kept else None
    if isinstance(last, str):
        # The error is about a key of an object: name the key, then its owner.
        owner = prefix_of(walk_labels(kept[:-1], data)[0])
        message = f"Field `{last}` of {owner or 'the app'}: {sentence}."
    else:
        message = f"{capitalize(prefix)}: {sentence}." if prefix else f"{capitalize(sentence)}."
    return Problem(path=format_path(kept), message=message, severity="error", location=location_of(labels))


def problems_from_validation_error(exc: ValidationError, data: Any) -> list[Problem]:
    """Every pydantic error as a Problem; a union's per-member errors at one path become one sentence."""
    by_path: dict[str, list[Problem]] = {}
    for error in exc.errors(include_url=False):
        problem = problem_from_error(dict(error), data)
        same = by_path.setdefault(problem.path, [])
        if all(p.message != problem.message for p in same):
            same.append(problem)
    return [_merge(problems) for problems in by_path.values()]


def _merge(problems: list[Problem]) -> Problem:
    """``Field `x` of y: must be a list.`` + ``...: must be one of *.`` -> ``...: must be a list, or must be one of *.``"""
    first = problems[0]
    if len(problems) == 1 or any(": " not in p.message for p in problems):
        return first
    heads = {p.message.split(": ", 1)[0] for p in problems}
    if len(heads) != 1:
        return first
    sentences = [p.message.split(": ", 1)[1].rstrip(".") for p in problems]
    return Problem(first.path, f"{heads.pop()}: {', or '.join(sentences)}.", first.severity, first.location)
