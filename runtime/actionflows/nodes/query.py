"""``query``: rows of a table by filter, order and limit (optionally locked); ``one`` adds the first row's fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from builder.flows import QueryNode
from builder.resolved import ResolvedTable
from runtime.actionflows.nodes.statements import Statement
from runtime.actionflows.nodes.table_rows import first_row_output, table_of
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output
from runtime.data.crud import OrderBy, select_statement

MAX_ROWS = 1000  # Momen's cap per query node


@dataclass(frozen=True)
class Query:
    node_id: str
    name: str
    table: ResolvedTable
    filter: dict[str, Any]
    order_by: tuple[OrderBy, ...]
    limit: int
    one: bool
    lock: Literal["none", "for_update", "for_share"]
    statement: Statement = field(compare=False)
    container: bool = False

    async def run(self, run: Run) -> Output:
        rows = await self.statement.rows(run)
        if self.one:
            return first_row_output(self.table, rows, rows=rows, found=bool(rows))
        return {"rows": rows}


def compile_node(node: QueryNode, ctx: CompileContext) -> Query:
    limit = 1 if node.one else (node.limit or MAX_ROWS)
    order_by = tuple(OrderBy(o.field, o.direction) for o in node.order_by)
    table = table_of(ctx.project, node.table)
    statement = Statement(
        lambda params, where, _: select_statement(params, ctx.project, table, where, order_by=order_by, limit=limit, lock=node.lock),
        node.filter,
    )
    return Query(node.id, node.name, table, node.filter, order_by, limit, node.one, node.lock, statement)
