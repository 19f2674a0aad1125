"""``insert``: one row, optionally ``on_conflict`` do nothing / update; outputs the row and ``affected_rows``.

What later nodes read through the new row's relationships (``node.ins.product.name``,
``node.ins.items_aggregate.aggregate.count``) is returned by the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builder.flows import InsertNode, OnConflict
from builder.resolved import ResolvedTable
from runtime.actionflows.nodes.statements import Statement
from runtime.actionflows.nodes.table_rows import (
    RelatedPaths,
    evaluate_values,
    first_row_output,
    related_paths,
    table_of,
    with_related,
)
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output
from runtime.data.crud import insert_statement


@dataclass(frozen=True)
class Insert:
    node_id: str
    name: str
    table: ResolvedTable
    values: dict[str, Any]
    conflict_columns: tuple[str, ...] | None
    conflict_update: tuple[str, ...] | None
    statement: Statement = field(compare=False)
    container: bool = False
    related: RelatedPaths = ()

    async def run(self, run: Run) -> Output:
        rows = await self.statement.rows(run, evaluate_values(run, self.values))
        return with_related(first_row_output(self.table, rows, affected_rows=len(rows)), rows, self.related)


def conflict_columns(table: ResolvedTable, conflict: OnConflict) -> tuple[str, ...]:
    if conflict.constraint.startswith("field:"):
        column = conflict.constraint.removeprefix("field:")
        if column not in table.columns or not table.columns[column].unique:
            raise NodeFailed(f"field `{column}` of table {table.name} is not unique, so it cannot decide a conflict")
        return (column,)
    key = next((k for k in table.unique_keys if conflict.constraint in (k.id, k.name)), None)
    if key is None:
        raise NodeFailed(f"unique constraint `{conflict.constraint}` does not exist on table {table.name}")
    return key.columns


def compile_node(node: InsertNode, ctx: CompileContext) -> Insert:
    table = table_of(ctx.project, node.table)
    columns: tuple[str, ...] | None = None
    update: tuple[str, ...] | None = None
    if node.on_conflict is not None:
        columns = conflict_columns(table, node.on_conflict)
        if node.on_conflict.action == "update":
            update = tuple(node.on_conflict.update_fields)
    related = related_paths(ctx, node.id, table, ("affected_rows",))
    statement = Statement(
        lambda params, _, values: insert_statement(params, table, [values], on_conflict_columns=columns, on_conflict_update=update,
                                                   project=ctx.project, related=related)
    )
    return Insert(node.id, node.name, table, dict(node.values), columns, update, statement, related=related)
