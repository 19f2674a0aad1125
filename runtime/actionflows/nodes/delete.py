"""``delete``: rows by filter; outputs ``affected_rows`` and ``returning``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.flows import DeleteNode
from builder.resolved import ResolvedTable
from runtime.actionflows.nodes.table_rows import table_of
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output
from runtime.data.crud import delete_rows


@dataclass(frozen=True)
class Delete:
    node_id: str
    name: str
    table: ResolvedTable
    filter: dict[str, Any]
    container: bool = False

    async def run(self, run: Run) -> Output:
        rows = await delete_rows(run.conn, run.project, self.table, run.bind(self.filter))
        return {"affected_rows": len(rows), "returning": rows}


def compile_node(node: DeleteNode, ctx: CompileContext) -> Delete:
    return Delete(node.id, node.name, table_of(ctx.project, node.table), node.filter)
