"""What the table nodes share: resolving the node's table and shaping row outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.actionflows.run import Run
from runtime.actionflows.types import NodeFailed


def table_of(project: ResolvedProject, table_id: str) -> ResolvedTable:
    try:
        return project.table(table_id)
    except KeyError:
        raise NodeFailed(f"table `{table_id}` does not exist") from None


def evaluate_values(run: Run, values: Mapping[str, Any]) -> dict[str, Any]:
    return {column: run.evaluate(expr) for column, expr in values.items()}


def first_row_output(table: ResolvedTable, found_rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The first row's fields (every column present, null when there is no row) plus ``extra``."""
    first = found_rows[0] if found_rows else {}
    output = {column: first.get(column) for column in table.columns}
    output.update(extra)
    return output
