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
from runtime.actionflows.nodes.table_rows import first_row_output, table_of
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
            values = [{".".join(path): row.pop(".".join(path), None) for path in self.related} for row in rows]
            output = first_row_output(self.table, rows, rows=rows, found=bool(rows))
            for path in self.related:
                _put(output, path, values[0][".".join(path)] if values else None)
            return output
        return {"rows": rows}


def _put(output: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """``output[a][b][c] = value`` for the path ``(a, b, c)``, making the objects on the way."""
    target = output
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def compile_node(node: QueryNode, ctx: CompileContext) -> Query:
    limit = 1 if node.one else (node.limit or MAX_ROWS)
    order_by = tuple(OrderBy(o.field, o.direction) for o in node.order_by)
    table = table_of(ctx.project, node.table)
    related = tuple(sorted(p for p in ctx.referenced_paths(node.id) if node.one and p[0] not in table.columns and p[0] not in _OWN_KEYS))
    statement = Statement(
        lambda params, where, _: select_statement(params, ctx.project, table, where, order_by=order_by, limit=limit, lock=node.lock,
                                                  related=related),
        node.filter,
    )
    return Query(node.id, node.name, table, node.filter, order_by, limit, node.one, node.lock, statement, related=related)
