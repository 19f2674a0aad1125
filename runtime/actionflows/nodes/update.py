"""``update``: the guarded update — filter + set + increment/decrement in one statement.

``UPDATE product SET stock = stock - q WHERE id = p AND stock >= q`` takes the row
lock, so concurrent buyers of one product are serialised by PostgreSQL and the
guard is re-checked on the newest row version: stock can never go negative.
Outputs ``affected_rows``, ``returning`` and the first returned row's fields
(all null when nothing matched), with what later nodes read through that row's
relationships, returned by the same statement (the validator offers it for an
update by id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from builder.flows import UpdateNode
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
from runtime.data.crud import update_statement
from runtime.data.sql import Params
from runtime.expressions import ExpressionError


@dataclass(frozen=True)
class Update:
    node_id: str
    name: str
    table: ResolvedTable
    filter: dict[str, Any]
    set: dict[str, Any]
    increment: dict[str, Any]
    decrement: dict[str, Any]
    statement: Statement = field(compare=False)
    container: bool = False
    related: RelatedPaths = ()

    async def run(self, run: Run) -> Output:
        values = {"set:" + column: value for column, value in evaluate_values(run, self.set).items()}
        values.update({"inc:" + column: delta for column, delta in evaluate_values(run, self.increment).items()})
        for column, amount in evaluate_values(run, self.decrement).items():
            values["inc:" + column] = negate(amount, column)
        rows = await self.statement.rows(run, values)
        return with_related(first_row_output(self.table, rows, affected_rows=len(rows), returning=rows), rows, self.related)


def negate(amount: Any, column: str) -> Any:
    if amount is None:
        raise NodeFailed(f"the amount to decrease `{column}` by is empty")
    if isinstance(amount, bool):
        raise ExpressionError(f"cannot decrease `{column}` by {amount!r}")
    if isinstance(amount, str):
        return "-" + amount.strip() if not amount.strip().startswith("-") else amount.strip()[1:]
    return -amount


def compile_node(node: UpdateNode, ctx: CompileContext) -> Update:
    table = table_of(ctx.project, node.table)
    changed = [*node.increment, *node.decrement]
    related = related_paths(ctx, node.id, table, ("affected_rows", "returning"))

    def build(params: Params, where: Any, values: Mapping[str, Any]) -> sql.Composed:
        set_values = {column: values["set:" + column] for column in node.set}
        increment = {column: values["inc:" + column] for column in changed}
        return update_statement(params, ctx.project, table, where, set_values=set_values, increment=increment, related=related)

    statement = Statement(build, node.filter)
    return Update(node.id, node.name, table, node.filter, dict(node.set), dict(node.increment), dict(node.decrement), statement,
                  related=related)
