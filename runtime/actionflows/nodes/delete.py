"""``delete``: rows by filter; outputs ``affected_rows`` and ``returning``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builder.flows import DeleteNode
from builder.resolved import ResolvedTable
from runtime.actionflows.nodes.statements import Statement
from runtime.actionflows.nodes.table_rows import table_of
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output
from runtime.data.crud import delete_statement


@dataclass(frozen=True)
class Delete:
    node_id: str
    name: str
    table: ResolvedTable
    filter: dict[str, Any]
    statement: Statement = field(compare=False)
    container: bool = False

    async def run(self, run: Run) -> Output:
        rows = await self.statement.rows(run)
        return {"affected_rows": len(rows), "returning": rows}


def compile_node(node: DeleteNode, ctx: CompileContext) -> Delete:
    table = table_of(ctx.project, node.table)
    statement = Statement(lambda params, where, _: delete_statement(params, ctx.project, table, where), node.filter)
    return Delete(node.id, node.name, table, node.filter, statement)
