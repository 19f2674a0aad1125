"""``run_actionflow``: a sub-flow in the same transaction; its output is this node's output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.flows import RunActionflowNode
from runtime.actionflows.run import Run
from runtime.actionflows.types import CompileContext, NodeFailed, Output
from runtime.actionflows.values import coerce_inputs

MAX_DEPTH = 16  # the validator forbids recursion; this guards hand-written definitions


@dataclass(frozen=True)
class RunActionflow:
    node_id: str
    name: str
    target: str
    args: dict[str, Any]
    container: bool = True  # async flows: the sub-flow's nodes get their own transactions

    async def run(self, run: Run) -> Output:
        from runtime.actionflows.engine import (
            execute,  # engine imports the node registry
        )

        if run.depth >= MAX_DEPTH:
            raise NodeFailed(f"actionflows call each other more than {MAX_DEPTH} levels deep")
        compiled = run.subflow(self.target)
        if compiled is None:
            raise NodeFailed(f"actionflow `{self.target}` does not exist")
        inputs = coerce_inputs(compiled.flow, {k: run.evaluate(v) for k, v in self.args.items()})
        return await execute(
            compiled,
            run.project,
            run.session,
            run.conn,
            inputs,
            run.subflow,
            per_node_transactions=run.per_node_transactions,
            depth=run.depth + 1,
            reached=run.reached,
            state=run.state,
            calls=run.calls,
        )


def compile_node(node: RunActionflowNode, ctx: CompileContext) -> RunActionflow:
    return RunActionflow(node.id, node.name, node.actionflow, dict(node.args))
