"""What the table nodes share: resolving the node's table and shaping row outputs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from builder.resolved import ResolvedProject, ResolvedTable
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed

RelatedPaths = tuple[tuple[str, ...], ...]


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


def related_paths(ctx: CompileContext, node_id: str, table: ResolvedTable, own_keys: Collection[str]) -> RelatedPaths:
    """What later nodes read through the row's relationships (``node.q.event.title``), to be
    selected or returned by the node's own statement (``runtime.data.related``)."""
    return tuple(sorted(p for p in ctx.referenced_paths(node_id) if p[0] not in table.columns and p[0] not in own_keys))


def with_related(output: dict[str, Any], rows: list[dict[str, Any]], related: RelatedPaths) -> dict[str, Any]:
    """``output`` with the first row's related values put at their paths; the extra columns are
    taken off every row (so ``rows`` / ``returning`` hold only the table's fields)."""
    values = [{".".join(path): row.pop(".".join(path), None) for path in related} for row in rows]
    for path in related:
        target = output
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = values[0][".".join(path)] if values else None
    return output
