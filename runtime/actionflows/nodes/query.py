"""``query``: rows of a table by filter, order and limit (optionally locked); ``one`` adds the first row's fields.

With ``one``, what later nodes read through the row's relationships (``node.q.event.title``,
``node.q.bookings_aggregate.aggregate.count``) is selected in the same statement
(``runtime.data.related``) and put into the output at that path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from builder.flows import QueryNode
from builder.resolved import ResolvedTable
from runtime.actionflows.nodes.statements import Statement
from runtime.actionflows.nodes.table_rows import first_row_output, related_paths, table_of, with_related
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output
from runtime.data.crud import OrderBy, select_statement

MAX_ROWS = 1000  # Momen's cap per query node
_OWN_KEYS = frozenset({"rows", "found"})


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
    related: tuple[tuple[str, ...], ...] = ()

    async def run(self, run: Run) -> Output:
        rows = await self.statement.rows(run)
        if self.one:
            return with_related(first_row_output(self.table, rows, rows=rows, found=bool(rows)), rows, self.related)
        return {"rows": rows}


def compile_node(node: QueryNode, ctx: CompileContext) -> Query:
    limit = 1 if node.one else (node.limit or MAX_ROWS)
    order_by = tuple(OrderBy(o.field, o.direction) for o in node.order_by)
    table = table_of(ctx.project, node.table)
    related = related_paths(ctx, node.id, table, _OWN_KEYS) if node.one else ()
    statement = Statement(
        lambda params, where, _: select_statement(params, ctx.project, table, where, order_by=order_by, limit=limit, lock=node.lock,
                                                  related=related),
        node.filter,
    )
    return Query(node.id, node.name, table, node.filter, order_by, limit, node.one, node.lock, statement, related=related)
