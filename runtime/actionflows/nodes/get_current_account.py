"""``get_current_account``: the caller's account id and username.

The username is read from the account table only when the flow uses it, so the
common case (``account_id`` only) costs no round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.flows import GetCurrentAccountNode
from builder.resolved import ResolvedTable
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, Output
from runtime.data.crud import select_rows


@dataclass(frozen=True)
class GetCurrentAccount:
    node_id: str
    name: str
    account_table: ResolvedTable | None  # None: the username is not used
    container: bool = False

    async def run(self, run: Run) -> Output:
        account_id = run.session.account_id
        username = run.session.username
        if username is None and account_id is not None and self.account_table is not None:
            rows = await select_rows(run.conn, run.project, self.account_table, {"id": {"_eq": account_id}}, limit=1)
            username = rows[0].get("username") if rows else None
        return {"account_id": account_id, "username": username}


def compile_node(node: GetCurrentAccountNode, ctx: CompileContext) -> GetCurrentAccount:
    keys = ctx.referenced_keys(node.id)
    needs_username = bool(keys - {"account_id"})
    table = ctx.project.tables.get("account") if needs_username else None
    return GetCurrentAccount(node.id, node.name, table)
