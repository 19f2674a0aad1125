"""Validation of a definition: every problem at once, each with a path and a sentence.

``validate(data)`` takes raw ``app.json`` data: format upgrades, then the model's
structural checks (rewritten as sentences), then the cross-reference checks of
``CHECKS`` and the race linter. ``validate_definition(definition)`` runs the
cross-reference checks and the linter on a parsed definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from builder.definition import Definition
from builder.errors import DefinitionError, Problem
from builder.lint import lint_definition
from builder.loader import upgrade
from builder.validation.actionflows import check_actionflows
from builder.validation.assets import check_assets
from builder.validation.catalog import Catalog, build_catalog
from builder.validation.data_model import (
    check_account_table,
    check_columns_unique,
    check_constraints,
    check_relations,
)
from builder.validation.describe import problem_from_issue
from builder.validation.integrations import check_triggers
from builder.validation.names import (
    check_names,
    check_unique_ids,
    reserved_field_reason,
    reserved_table_reason,
)
from builder.validation.nested_lists import check_nested_lists
from builder.validation.page_reads import check_page_reads
from builder.validation.pages import check_pages
from builder.validation.permissions import check_permissions, check_seed
from builder.validation.pydantic_errors import problems_from_validation_error
from builder.validation.report import Issue, ValidationReport, format_report
from builder.validation.schedules import check_schedules
from builder.validation.settings import check_settings

__all__ = [
    "CHECKS",
    "Problem",
    "ValidationReport",
    "format_report",
    "parse_definition",
    "reserved_field_reason",
    "reserved_table_reason",
    "validate",
    "validate_definition",
]

Check = Callable[[Definition, Catalog], Iterator[Issue]]

# Cross-reference checks, in the order their problems are listed.
CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_names,
    check_account_table,
    check_columns_unique,
    check_relations,
    check_constraints,
    check_assets,
    check_actionflows,
    check_schedules,
    check_triggers,
    check_pages,
    check_page_reads,
    check_nested_lists,
    check_permissions,
    check_seed,
    check_settings,
)


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    unique: list[Problem] = []
    for problem in problems:
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            unique.append(problem)
    return unique


def validate_definition(definition: Definition) -> list[Problem]:
    """Cross-reference checks and the race linter on a parsed definition."""
    data = definition.model_dump(mode="json")
    catalog = build_catalog(definition)
    problems = [problem_from_issue(issue, data) for check in CHECKS for issue in check(definition, catalog)]
    return _dedupe([*problems, *lint_definition(definition)])


def parse_definition(data: Any) -> tuple[Definition | None, list[Problem]]:
    """Upgrade and parse raw data; the definition is None when it does not parse."""
    if not isinstance(data, dict):
        return None, [Problem(path="", message="An app definition must be a JSON object.")]
    try:
        upgraded = upgrade(data)
    except DefinitionError as exc:
        return None, list(exc.problems)
    try:
        return Definition.model_validate(upgraded), []
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, upgraded)


def validate(data: Any) -> ValidationReport:
    """Report every problem of raw ``app.json`` data at once."""
    definition, problems = parse_definition(data)
    if definition is not None:
        problems = validate_definition(definition)
    return ValidationReport(tuple(problems))
